"""The command line as a new user meets it (issue 18): configuration mistakes, quiet and strict,
silenced warnings, --version, usage of the command at hand, a reader that goes away."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(*argv: str | Path, cwd: Path | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        code = main([str(a) for a in argv], out=out, err=err)
    finally:
        os.chdir(old)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def warned(tmp_path: Path) -> Path:
    """The seed pages, one with a title that disagrees with its endpoint (SOG105)."""
    pages = tmp_path / "pages"
    shutil.copytree(ROOT / "specs", pages)
    page = pages / "v1ChatAgent_AddChatMessage.md"
    page.write_text(
        page.read_text().replace(
            "title: POST Agents/Chat/AddChatMessage", "title: GET Agents/Chat/AddChatMessage"
        )
    )
    return pages


def test_broken_pyproject_meant_for_sogen_is_a_located_usage_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.sogen\nout = "o"\n')
    code, _, err = run("build", ROOT / "specs", cwd=tmp_path)
    assert code == 2
    assert "pyproject.toml:4:" in err and "[SOG903]" in err
    assert not (tmp_path / "generated").exists()


def test_sogen_toml_may_hold_a_tool_sogen_table(tmp_path: Path) -> None:
    (tmp_path / "sogen.toml").write_text('[tool.sogen]\nout = "elsewhere"\n')
    code, _, err = run("build", ROOT / "specs", "-q", cwd=tmp_path)
    assert code == 0, err
    assert (tmp_path / "elsewhere" / "openapi.yaml").is_file()


def test_unknown_key_suggests_the_known_one(tmp_path: Path) -> None:
    (tmp_path / "sogen.toml").write_text('input = ["specs"]\n')
    code, _, err = run("build", cwd=tmp_path)
    assert code == 2
    assert "sogen.toml:1:1: error: unknown configuration key 'input'; did you mean 'inputs'?" in err


def test_missing_templates_folder_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("build", ROOT / "specs", "-o", tmp_path / "o", "--templates", tmp_path / "x")
    assert code == 2
    assert f"{tmp_path / 'x'}: error: templates folder does not exist [SOG904]" in err
    assert not (tmp_path / "o").exists()


def test_strict_quiet_prints_the_errors_it_counts(warned: Path, tmp_path: Path) -> None:
    code, _, err = run("build", warned, "-o", tmp_path / "o", "--strict", "-q")
    assert code == 1
    lines = err.splitlines()
    assert any(line.endswith("[SOG105]") and ": error: " in line for line in lines), err
    assert lines[-1].startswith("sogen:") and " 1 errors, 0 warnings" in lines[-1]


def test_quiet_still_hides_warnings(warned: Path, tmp_path: Path) -> None:
    code, _, err = run("build", warned, "-o", tmp_path / "o", "-q")
    assert code == 0
    assert err == ""


def test_silenced_codes_neither_print_nor_fail_strict_and_are_counted(
    warned: Path, tmp_path: Path
) -> None:
    code, _, err = run("build", warned, "-o", tmp_path / "o", "--strict", "--silence", "SOG105")
    assert code == 0, err
    assert "[SOG105]" not in err
    assert "0 errors, 0 warnings, 1 silenced (SOG105 1)" in err.splitlines()[-1]
    assert (tmp_path / "o" / "openapi.yaml").is_file()
    (tmp_path / "sogen.toml").write_text('silence = ["SOG105"]\n')
    code, _, err = run("build", warned, "-o", tmp_path / "o2", "--strict", cwd=tmp_path)
    assert code == 0, err
    assert "1 silenced (SOG105 1)" in err


@pytest.mark.parametrize(
    ("given", "problem"),
    [("SOG101", "SOG101 is an error"), ("SOG1O5", "did you mean SOG105?")],
)
def test_only_known_warnings_can_be_silenced(tmp_path: Path, given: str, problem: str) -> None:
    code, _, err = run("build", ROOT / "specs", "-o", tmp_path / "o", "--silence", given)
    assert code == 2
    assert problem in err and "[SOG903]" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("sogen 0.")


def test_a_mistyped_flag_shows_the_commands_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--dump-modle", "x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: sogen check ")
    assert "sogen check: error: unrecognized arguments: --dump-modle" in err


def test_a_reader_that_goes_away_is_no_internal_error(tmp_path: Path) -> None:
    """`sogen check ... | head -1`: the lines nobody reads are dropped quietly."""
    command = [sys.executable, "-m", "generator", "check", str(ROOT / "specs"), "-o", str(tmp_path)]
    check = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert check.stdout is not None and check.stderr is not None
    assert check.stdout.readline().endswith(b": added\n")
    check.stdout.close()
    err = check.stderr.read().decode()
    assert check.wait(60) == 1
    assert "SOG999" not in err and "Traceback" not in err and "BrokenPipe" not in err


def test_check_says_a_file_deleted_by_hand_is_missing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", ROOT / "specs", "-o", out, "-q")[0] == 0
    (out / "openapi.json").unlink()
    code, text, err = run("check", ROOT / "specs", "-o", out)
    assert code == 1
    assert text == f"{out / 'openapi.json'}: missing (sogen build restores it)\n"
    assert "1 files differ" in err
    assert run("build", ROOT / "specs", "-o", out, "-q")[0] == 0
    assert run("check", ROOT / "specs", "-o", out)[0] == 0
