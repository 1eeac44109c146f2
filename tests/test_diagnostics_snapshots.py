"""Diagnostics as the user sees them: `sogen lint` over tests/fixtures/broken, and exit codes.

tests/fixtures/broken.expected.txt is the exact stderr (timing removed). Regenerate it with
SOGEN_UPDATE_GOLDEN=1 and check every line by eye: right place, clear message, no traceback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pagekit import REPO, UPDATE_GOLDEN, page_text, run_cli

BROKEN = Path("tests/fixtures/broken")
EXPECTED = REPO / "tests" / "fixtures" / "broken.expected.txt"
_TIMING = re.compile(r" \(\d+\.\d+s\)$", re.M)
_DIAGNOSTIC = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning|note): "
)


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # diagnostics show paths as given on the command line


def test_lint_broken_pages_snapshot() -> None:
    result = run_cli("lint", BROKEN)
    actual = _TIMING.sub("", result.err)
    if UPDATE_GOLDEN:
        EXPECTED.write_text(actual, encoding="utf-8")
    assert result.code == 1
    assert result.out == ""
    assert actual == EXPECTED.read_text(encoding="utf-8")


def test_every_broken_page_is_reported() -> None:
    result = run_cli("lint", BROKEN)
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    *diagnostics, summary = lines
    assert summary.startswith("sogen: ") and " errors, " in summary
    reported = set()
    for line in diagnostics:
        m = _DIAGNOSTIC.match(line)
        assert m, f"not a diagnostic line: {line!r}"
        assert int(m["line"]) >= 1 and int(m["col"]) >= 1
        if m["sev"] != "note":
            assert re.search(r" \[SOG\d{3}\]$", line), line
            reported.add(m["path"])
    pages = {p.as_posix() for p in BROKEN.rglob("*.md")}
    # the first page of a duplicate pair is named by the note of the second
    assert pages - reported == {
        "tests/fixtures/broken/duplicate_route/first.md",
        "tests/fixtures/broken/duplicate_uid/first.md",
    }


def test_json_format_carries_the_same_diagnostics() -> None:
    text = run_cli("lint", BROKEN)
    result = run_cli("lint", BROKEN, "--format", "json")
    assert result.code == 1
    payload = json.loads(result.out)
    rendered = [
        f"{d['path']}:{d['line']}:{d['col']}: {d['severity']}: {d['message']} [{d['code']}]"
        for d in payload["diagnostics"]
    ]
    expected = [ln for ln in text.err.splitlines()[:-1] if ": note: " not in ln]
    assert rendered == expected
    assert {d["code"] for d in payload["diagnostics"]} >= {"SOG100", "SOG101", "SOG201", "SOG402"}


# --- exit codes ---------------------------------------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "pages" / "page.md"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(text, encoding="utf-8")
    return page.parent


def test_exit_0_on_a_clean_page(tmp_path: Path) -> None:
    result = run_cli("lint", _write(tmp_path, page_text()))
    assert result.code == 0, result.err
    assert result.err.startswith("sogen: 1 pages, 1 operations")
    assert " 0 errors, 0 warnings" in result.err


def test_exit_1_on_errors(tmp_path: Path) -> None:
    result = run_cli(
        "build", _write(tmp_path, page_text(endpoint="FETCH /api/v1/X")), "-o", tmp_path / "out"
    )
    assert result.code == 1
    assert "[SOG107]" in result.err
    assert not (tmp_path / "out").exists()  # nothing is written when anything failed


def test_warnings_exit_0_unless_strict(tmp_path: Path) -> None:
    pages = _write(tmp_path, page_text(response=""))  # no response section: SOG108 warning
    result = run_cli("lint", pages)
    assert result.code == 0
    assert "warning: page has no ## Response section" in result.err
    strict = run_cli("lint", pages, "--strict")
    assert strict.code == 1
    assert "error: page has no ## Response section" in strict.err
    assert " 1 errors, 0 warnings" in strict.err
    strict_json = json.loads(run_cli("lint", pages, "--strict", "--format", "json").out)
    assert [d["severity"] for d in strict_json["diagnostics"]] == ["error"]
    out = tmp_path / "out"
    assert run_cli("build", pages, "-o", out, "--strict", "--no-client").code == 1
    assert not out.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["lint", "--no-such-flag"],
        ["frobnicate"],
        [],
        ["build", "--openapi", "2.0"],
        ["lint", "--format", "xml"],
    ],
)
def test_exit_2_on_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(*argv).code == 2
    assert "usage: sogen" in capsys.readouterr().err


def test_missing_input_path_is_an_error(tmp_path: Path) -> None:
    result = run_cli("lint", tmp_path / "nowhere")
    assert result.code == 1
    assert "input path does not exist [SOG901]" in result.err


def test_folder_without_pages_is_sog902(tmp_path: Path) -> None:
    (tmp_path / "index.md").write_text("# Index\n", encoding="utf-8")
    result = run_cli("lint", tmp_path)
    assert result.code == 1 and "[SOG902]" in result.err


def test_quiet_prints_only_errors(tmp_path: Path) -> None:
    pages = _write(tmp_path, page_text(response=""))
    result = run_cli("lint", pages, "-q")
    assert result.code == 0 and result.err == ""
