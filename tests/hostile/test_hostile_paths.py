"""No page content can make sogen write outside OUT; symlinks in OUT are never followed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hostile_kit import LONG, assert_clean_diagnostics, endpoint_page, run_cli, snapshot

from generator.build.writer import UnsafePathError, safe_relative, write_output

TRAVERSAL = ["../../etc/x", "/abs", "a/b", "..", ".", "con", "x\\..\\y", "nul.txt", LONG * 2]


def _page(agent: str, method: str, carrier: str, uid: str | None = None) -> str:
    return endpoint_page(
        uid=uid or f"v1{agent}Agent_{method}",
        method="POST",
        path=f"/api/v1/Agents/{agent}/{method}",
        response_label=carrier,
        response_rows=[("Name", "string", "")],
    )


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    """tmp/pages, tmp/work/out; `tmp/outside` must stay empty whatever happens."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "work").mkdir()
    (tmp_path / "pages").mkdir()
    return tmp_path


def _files_outside_out(sandbox: Path) -> list[str]:
    found = []
    for root, _, files in os.walk(sandbox):
        for name in files:
            path = Path(root) / name
            rel = path.relative_to(sandbox).as_posix()
            if not rel.startswith(("pages/", "work/out/")):
                found.append(rel)
    return found


@pytest.mark.parametrize("name", TRAVERSAL)
def test_names_from_pages_cannot_leave_out(sandbox: Path, name: str) -> None:
    pages = sandbox / "pages"
    (pages / "agent.md").write_text(_page(name, "Run", "Carrier"), encoding="utf-8")
    (pages / "method.md").write_text(_page("Fine", name, "Thing", uid=f"v1Fine_{name}"), "utf-8")
    (pages / "uid.md").write_text(_page("Other", "Go", "Other", uid=name), encoding="utf-8")
    out = sandbox / "work" / "out"
    result = run_cli("build", pages, "-o", out)
    assert result.code in (0, 1), result.err
    assert_clean_diagnostics(result.err)
    assert _files_outside_out(sandbox) == []
    if result.code == 0:
        for path in out.rglob("*"):
            assert path.resolve().is_relative_to(out.resolve())
            assert len(path.name.encode()) <= 120, path.name


def test_long_names_are_shortened_deterministically_and_stay_unique(sandbox: Path) -> None:
    pages = sandbox / "pages"
    for n, suffix in enumerate(["", "x", "y"]):
        (pages / f"p{n}.md").write_text(_page(LONG + suffix, "Run", LONG + suffix), "utf-8")
    names = []
    for attempt in (1, 2):
        out = sandbox / "work" / f"out{attempt}"
        result = run_cli("build", pages, "-o", out)
        assert result.code == 0, result.err
        names.append(sorted(p.relative_to(out).as_posix() for p in out.rglob("*.py")))
    assert names[0] == names[1]
    agents = [n for n in names[0] if n.startswith("python/superoffice_webapi/agents/very")]
    models = [n for n in names[0] if n.startswith("python/superoffice_webapi/models/very")]
    assert len(agents) == len(set(agents)) == 3 and len(models) == len(set(models)) == 3
    assert all(len(Path(n).name) <= 110 for n in names[0])


@pytest.mark.parametrize("rel", ["../x", "/etc/passwd", "a/../../b", "", ".", "a\\b", "a\0b"])
def test_writer_refuses_unsafe_relative_names(rel: str) -> None:
    with pytest.raises(UnsafePathError):
        safe_relative(rel)


def _build(pages: Path, out: Path) -> tuple[int, str]:
    result = run_cli("build", pages, "-o", out)
    assert_clean_diagnostics(result.err)
    return result.code, result.err


def _one_page(sandbox: Path) -> Path:
    pages = sandbox / "pages"
    (pages / "p.md").write_text(_page("Fine", "Run", "Thing"), encoding="utf-8")
    return pages


def test_symlinked_out_is_refused_with_a_located_error(sandbox: Path) -> None:
    pages = _one_page(sandbox)
    link = sandbox / "work" / "out"
    link.symlink_to(sandbox / "outside", target_is_directory=True)
    code, err = _build(pages, link)
    assert code == 1
    assert f"{link}:1:1: error: " in err and "symlink" in err and "[SOG502]" in err
    assert list((sandbox / "outside").iterdir()) == []


@pytest.mark.parametrize("where", ["python", "openapi.yaml", "python/superoffice_webapi"])
def test_symlink_inside_out_is_never_written_through(sandbox: Path, where: str) -> None:
    pages = _one_page(sandbox)
    out = sandbox / "work" / "out"
    assert _build(pages, out)[0] == 0
    victim = sandbox / "outside" / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine")
    target = out / where
    if target.is_dir():
        import shutil

        shutil.rmtree(target)
    else:
        target.unlink()
    target.symlink_to(victim, target_is_directory=True)
    (pages / "p2.md").write_text(_page("More", "Go", "Other"), encoding="utf-8")  # a change
    before = snapshot(out)
    code, err = _build(pages, out)
    assert code == 1 and "symlink" in err
    assert snapshot(out) == before
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"]


def test_stale_file_behind_a_symlink_is_not_deleted(sandbox: Path) -> None:
    """A file sogen wrote before is now reached through a symlink: removal must not follow."""
    pages = _one_page(sandbox)
    (pages / "p2.md").write_text(_page("More", "Go", "Other"), encoding="utf-8")
    out = sandbox / "work" / "out"
    assert _build(pages, out)[0] == 0
    models = out / "python" / "superoffice_webapi" / "models"
    victim = sandbox / "outside" / "models"
    victim.mkdir()
    for path in models.iterdir():
        (victim / path.name).write_bytes(path.read_bytes())
    (pages / "p2.md").unlink()  # the next build drops the "Other" model
    import shutil

    shutil.rmtree(models)
    models.symlink_to(victim, target_is_directory=True)
    before = sorted(p.name for p in victim.iterdir())
    code, _ = _build(pages, out)
    assert code == 1
    assert sorted(p.name for p in victim.iterdir()) == before


def test_out_that_is_a_file_is_refused(sandbox: Path) -> None:
    pages = _one_page(sandbox)
    out = sandbox / "work" / "out"
    out.write_text("precious")
    code, err = _build(pages, out)
    assert code == 1 and "not a folder" in err
    assert out.read_text() == "precious"


def test_tampered_manifest_cannot_delete_outside(sandbox: Path) -> None:
    pages = _one_page(sandbox)
    out = sandbox / "work" / "out"
    assert _build(pages, out)[0] == 0
    victim = sandbox / "outside" / "victim.txt"
    victim.write_text("mine")
    manifest = out / ".sogen-manifest.json"
    names = ["../../outside/victim.txt", str(victim), "/etc/hostname", "python/../../x"]
    # beside the real names: a manifest without them makes every file in OUT someone else's
    real = json.loads(manifest.read_text("utf-8"))["files"]
    manifest.write_text(json.dumps({"files": real + names}), "utf-8")
    (pages / "p2.md").write_text(_page("More", "Go", "Other"), encoding="utf-8")
    assert _build(pages, out)[0] == 0
    assert victim.read_text() == "mine"


def test_manifest_symlink_is_not_read(sandbox: Path) -> None:
    pages = _one_page(sandbox)
    out = sandbox / "work" / "out"
    assert _build(pages, out)[0] == 0
    manifest = out / ".sogen-manifest.json"
    manifest.unlink()
    manifest.symlink_to("/dev/zero")
    (pages / "p2.md").write_text(_page("More", "Go", "Other"), encoding="utf-8")
    code, _ = _build(pages, out)  # refused (symlink in OUT) or written; never hangs
    assert code in (0, 1)


def test_write_output_never_follows_a_planted_file_symlink(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    (out / "openapi.yaml").symlink_to(secret)
    with pytest.raises(UnsafePathError):
        write_output(out, {"openapi.yaml": b"new"})
    assert secret.read_text() == "secret"
    assert (out / "openapi.yaml").is_symlink()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/Agents/../../../../../Cust99999/api/v1/Agents/Chat/Run",
        "/api/v1/Agents/%2e%2E/Chat/Run",
        "/api/v1/Agents/Chat/./Run",
    ],
)
def test_an_endpoint_with_dot_segments_is_a_located_error(sandbox: Path, path: str) -> None:
    """Credentials must never leave the base URL: such a path is refused, not built."""
    pages = sandbox / "pages"
    page = endpoint_page(uid="v1ChatAgent_Run", method="POST", path=path)
    (pages / "run.md").write_text(page, encoding="utf-8")
    (pages / "ok.md").write_text(_page("Fine", "Go", "Thing"), encoding="utf-8")
    out = sandbox / "work" / "out"
    result = run_cli("build", pages, "-o", out)
    assert result.code == 1
    assert_clean_diagnostics(result.err)
    line = page.split("\n").index(f"POST {path}") + 1
    assert (
        f"run.md:{line}:" in result.err
        and "has a dot segment (. or ..); it could leave /api/v1/ [SOG106]" in result.err
    )
    assert not out.exists()
