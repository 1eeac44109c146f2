"""The same pages give the same bytes, whatever order the files were created in and their mtimes."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest
from pagekit import need_corpus, run_cli


def _copy_in_order(pages: Path, target: Path, seed: int, base_mtime: int) -> None:
    files = sorted(pages.rglob("*.md"))
    random.Random(seed).shuffle(files)
    for n, src in enumerate(files):
        dst = target / src.relative_to(pages)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        stamp = base_mtime + n * 37
        os.utime(dst, (stamp, stamp))


@pytest.mark.parametrize("version", ["3.0", "3.1"])
def test_build_bytes_do_not_depend_on_file_order(
    tmp_path: Path, version: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = need_corpus() / "pages"
    outputs = []
    for label, seed, mtime in (("first", 1, 1_600_000_000), ("second", 2, 1_700_000_000)):
        copy = tmp_path / label / "pages"
        _copy_in_order(pages, copy, seed, mtime)
        out = tmp_path / label / "out"
        # run from inside each copy so the relative input path is identical too
        monkeypatch.chdir(copy.parent)
        result = run_cli("build", "pages", "-o", "out", "--openapi", version, "--no-client", "-q")
        assert result.code == 0, result.err
        outputs.append(
            {name: (out / name).read_bytes() for name in ("openapi.yaml", "openapi.json")}
        )
    first, second = outputs
    assert first["openapi.yaml"] == second["openapi.yaml"]
    assert first["openapi.json"] == second["openapi.json"]
    # and the same as building the corpus in place
    here = tmp_path / "inplace"
    assert run_cli("build", pages, "-o", here, "--openapi", version, "--no-client", "-q").code == 0
    assert (here / "openapi.yaml").read_bytes() == first["openapi.yaml"]


def test_lint_diagnostics_do_not_depend_on_file_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = need_corpus() / "pages"
    texts = []
    for label, seed in (("a", 3), ("b", 4)):
        copy = tmp_path / label / "pages"
        _copy_in_order(pages, copy, seed, 1_650_000_000 + seed)
        monkeypatch.chdir(copy.parent)
        result = run_cli("lint", "pages", "--format", "json")
        texts.append(result.out)
    assert texts[0] == texts[1]
