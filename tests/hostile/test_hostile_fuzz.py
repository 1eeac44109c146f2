"""Never a traceback: mutated real pages through the parser, the model and the whole pipeline.

Budget: `examples(n)` per property in CI; SOGEN_FUZZ_EXAMPLES=2000 runs each much longer
(see README.md). Every case must end with exit 0 or 1 and only located diagnostics on stderr.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hostile_kit import (
    FUZZ_EXAMPLES,
    LOCATED,
    MUTATIONS,
    REPO,
    assert_clean_diagnostics,
    corpus_sample,
    examples,
    mutate,
    run_cli,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.diagnostics import Diagnostics
from generator.model.api import build_api
from generator.pages.parse import parse_page
from generator.pages.reader import decode_page

SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    # CI runs the same cases every time; an on-demand run (SOGEN_FUZZ_EXAMPLES) explores anew
    "derandomize": FUZZ_EXAMPLES == 0,
}
mutation_lists = st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=3)
seeds = st.integers(min_value=0, max_value=2**32 - 1)


@pytest.fixture(scope="module")
def pages() -> list[bytes]:
    return [p.read_bytes() for p in corpus_sample(24)]


def _parse_and_model(data: bytes) -> Diagnostics:
    diags = Diagnostics()
    text = decode_page(data, "pages/fuzzed.md", diags)
    if text is not None:
        doc = parse_page(text, "pages/fuzzed.md", diags)
        if doc is not None:
            build_api([doc], diags)
    return diags


def _assert_located(diags: Diagnostics) -> None:
    for d in diags:
        assert d.source is not None and d.source.line >= 1, d.render()
        assert LOCATED.match(d.render().split("\n")[0]), d.render()


@settings(max_examples=examples(60), **SETTINGS)
@given(index=st.integers(min_value=0, max_value=23), names=mutation_lists, seed=seeds)
def test_parser_and_model_never_raise(
    pages: list[bytes], index: int, names: list[str], seed: int
) -> None:
    data = mutate(pages[index % len(pages)], names, seed)
    _assert_located(_parse_and_model(data))


@settings(max_examples=examples(40), **SETTINGS)
@given(data=st.binary(max_size=4096))
def test_random_bytes_never_raise(data: bytes) -> None:
    _assert_located(_parse_and_model(data))


@settings(max_examples=examples(40), **SETTINGS)
@given(text=st.text(max_size=2000))
def test_random_text_after_a_real_front_matter_never_raises(pages: list[bytes], text: str) -> None:
    head = pages[0].split(b"```http", 1)[0]
    _assert_located(_parse_and_model(head + text.encode("utf-8", "surrogatepass")))


@settings(max_examples=examples(30), **SETTINGS)
@given(
    picks=st.lists(st.integers(min_value=0, max_value=23), min_size=1, max_size=3),
    names=st.lists(mutation_lists, min_size=3, max_size=3),
    seed=seeds,
    cached=st.booleans(),
)
def test_whole_pipeline_never_raises(
    pages: list[bytes],
    tmp_path_factory: pytest.TempPathFactory,
    picks: list[int],
    names: list[list[str]],
    seed: int,
    cached: bool,
) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    folder = tmp / "pages"
    folder.mkdir()
    for n, index in enumerate(picks):
        data = mutate(pages[index % len(pages)], names[n], seed + n)
        (folder / f"page{n}.md").write_bytes(data)
    cache = ["--cache-dir", str(tmp / "cache")] if cached else ["--no-cache"]
    result = run_cli("build", folder, "-o", tmp / "out", *cache)
    assert result.code in (0, 1), result.err[-3000:]
    assert_clean_diagnostics(result.err)
    if result.code == 1:
        assert not (tmp / "out").exists()  # a failed build writes nothing


@pytest.mark.parametrize("names", [["truncate"], ["break_table", "break_json"], ["nul_bytes"]])
def test_subprocess_build_and_lint_end_cleanly(
    pages: list[bytes], tmp_path: Path, names: list[str]
) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    for n, data in enumerate(pages[:3]):
        (folder / f"page{n}.md").write_bytes(mutate(data, names, 1234 + n))
    for command in (["build", "-o", str(tmp_path / "out")], ["lint"]):
        proc = subprocess.run(
            [sys.executable, "-m", "generator", command[0], str(folder), *command[1:]],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=300,
        )
        assert proc.returncode in (0, 1), proc.stderr[-3000:]
        assert_clean_diagnostics(proc.stderr)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xef\xbb\xbf",
        b"---\n---",
        b"---\n" + b"a: [" * 5000 + b"\n---",
        b'---\nl0: &a ["x"]\nl1: [*a, *a]\n---',
        b"---\nuid: " + b"9" * 5000 + b"\n---",
        b"---\nuid: 2024-13-45\n---",
        b"---\ntitle: !!python/object/apply:os.system [x]\nuid: a\n---",
        b"---\nuid: [a]\n---\n```http\nGET /api/v1/x\n```",
        b"---\nuid: a\n---\n```http\nGET /api/v1/x/{id\n```",
        b"---\nuid: a\n---\n```http\nGET /api/v1/x/{id}}/{}/{id}/#frag?q=1\n```",
        b"---\nuid: a\n---\n```http\nGET /api/v1/" + b"{a}" * 2000 + b"\n```",
        b"\r\n".join([b"---", b"uid: a", b"---", b"```http", b"GET /api/v1/x", b"```"]),
        b"---\nuid: a\n---\n```http\nGET /api/v1/x\n```\n" + b">" * 10000 + b" q",
        b"---\nuid: a\n---\n```http\nGET /api/v1/x\n```\n" + b"- " * 10000 + b"x",
    ],
)
def test_hand_written_breakage_is_reported_not_raised(data: bytes, tmp_path: Path) -> None:
    (tmp_path / "p.md").write_bytes(data)
    result = run_cli("build", tmp_path / "p.md", "-o", tmp_path / "out", "--no-cache")
    assert result.code in (0, 1)
    assert_clean_diagnostics(result.err)
