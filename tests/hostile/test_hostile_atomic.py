"""A build that fails, for any reason, leaves OUT exactly as it was: every byte, every name."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_kit import assert_clean_diagnostics, endpoint_page, run_cli, snapshot

from generator.build import writer
from generator.render import client as client_module


def _page(agent: str, carrier: str) -> str:
    return endpoint_page(
        uid=f"v1{agent}Agent_Run",
        method="POST",
        path=f"/api/v1/Agents/{agent}/Run",
        response_label=carrier,
        response_rows=[("Name", "string", "The name.")],
    )


@pytest.fixture
def previous(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes | str]]:
    """A first good build, plus a foreign file and a changed page for the next one."""
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.md").write_text(_page("Alpha", "AlphaThing"), encoding="utf-8")
    (pages / "b.md").write_text(_page("Beta", "BetaThing"), encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", pages, "-o", out)
    assert result.code == 0, result.err
    (out / "NOTES.txt").write_text("not sogen's")
    # the next build would change, add and remove files
    (pages / "a.md").write_text(_page("Alpha", "AlphaOther"), encoding="utf-8")
    (pages / "b.md").unlink()
    (pages / "c.md").write_text(_page("Gamma", "GammaThing"), encoding="utf-8")
    return pages, out, snapshot(out)


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if ".sogen-" in p.name)


def test_build_with_page_errors_changes_nothing(previous: tuple[Path, Path, dict]) -> None:
    pages, out, before = previous
    (pages / "broken.md").write_text("---\nuid: [\n---\n", encoding="utf-8")
    result = run_cli("build", pages, "-o", out)
    assert result.code == 1
    assert_clean_diagnostics(result.err)
    assert snapshot(out) == before and _leftovers(out) == []


def test_exception_inside_rendering_changes_nothing(
    previous: tuple[Path, Path, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    pages, out, before = previous

    def explode(*args: object, **kwargs: object) -> object:
        raise RuntimeError("template blew up")

    monkeypatch.setattr(client_module, "build_context", explode)
    monkeypatch.delenv("SOGEN_DEBUG", raising=False)
    result = run_cli("build", pages, "-o", out, "--no-cache")
    assert result.code == 1
    assert "internal error: RuntimeError: template blew up" in result.err
    assert "Traceback" not in result.err
    assert snapshot(out) == before and _leftovers(out) == []


def _failing_after(count: int, exc: BaseException) -> Callable[[Path, bytes], None]:
    real = writer._write_file
    calls = {"n": 0}

    def write(target: Path, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] > count:
            raise exc
        real(target, data)

    return write


@pytest.mark.parametrize("after", [0, 1, 3, 8])
def test_disk_full_mid_write_changes_nothing(
    previous: tuple[Path, Path, dict], monkeypatch: pytest.MonkeyPatch, after: int
) -> None:
    pages, out, before = previous
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(writer, "_write_file", _failing_after(after, full))
    result = run_cli("build", pages, "-o", out, "--no-cache")
    assert result.code == 1
    assert_clean_diagnostics(result.err)
    assert "No space left on device" in result.err and "[SOG502]" in result.err
    assert snapshot(out) == before and _leftovers(out) == []


@pytest.mark.parametrize("after", [0, 2, 5])
def test_ctrl_c_mid_write_changes_nothing(
    previous: tuple[Path, Path, dict], monkeypatch: pytest.MonkeyPatch, after: int
) -> None:
    pages, out, before = previous
    monkeypatch.setattr(writer, "_write_file", _failing_after(after, KeyboardInterrupt()))
    result = run_cli("build", pages, "-o", out, "--no-cache")
    assert result.code == 130 and "interrupted" in result.err
    assert snapshot(out) == before and _leftovers(out) == []


def test_ctrl_c_between_the_two_renames_is_recovered(
    previous: tuple[Path, Path, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The swap's second rename is interrupted: OUT is put back at once, or by the next run."""
    pages, out, before = previous
    real_rename = os.rename

    def rename(src: str | Path, dst: str | Path) -> None:
        if Path(dst) == out.absolute() and ".sogen-stage-" in str(src):
            raise KeyboardInterrupt
        real_rename(src, dst)

    monkeypatch.setattr(writer.os, "rename", rename)
    result = run_cli("build", pages, "-o", out, "--no-cache")
    assert result.code == 130
    monkeypatch.setattr(writer.os, "rename", real_rename)
    assert snapshot(out) == before and _leftovers(out) == []


def test_successful_build_keeps_foreign_files_and_leaves_no_staging(
    previous: tuple[Path, Path, dict],
) -> None:
    pages, out, _ = previous
    result = run_cli("build", pages, "-o", out)
    assert result.code == 0, result.err
    assert (out / "NOTES.txt").read_text() == "not sogen's"
    assert _leftovers(out) == []
    models = out / "python" / "superoffice_webapi" / "models"
    assert (models / "alpha_other.py").exists() and not (models / "beta_thing.py").exists()


def test_staging_folder_of_a_killed_build_is_removed(previous: tuple[Path, Path, dict]) -> None:
    """A build killed outright (SIGKILL) leaves its staging folder; the next build removes it,
    but never the staging folder of a build that is still running."""
    pages, out, _ = previous
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead = out.parent / f".{out.name}.sogen-stage-{int(gone.stdout)}"
    live = out.parent / f".{out.name}.sogen-stage-{os.getppid()}"
    for stage in (dead, live):
        (stage / "python").mkdir(parents=True)
        (stage / "python" / "half-written.py").write_text("x = (")
    result = run_cli("build", pages, "-o", out, "--no-cache")
    assert result.code == 0, result.err
    assert not dead.exists()
    assert live.exists()  # another build's folder is left alone
    shutil.rmtree(live)
    assert _leftovers(out) == []
