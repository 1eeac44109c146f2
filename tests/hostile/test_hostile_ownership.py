"""Files and folders that are not sogen's (issue 14, items 4-9): a read-only or foreign OUT is
refused, folders keep their mode and owner, a user's file is never overwritten or deleted
unasked, an unreadable input folder fails the build, a FIFO never hangs it, and what sogen says
about OUT after a failure is true.

Several cases need a second user. As root, sogen is run as uid 65534 in a folder both can use
(pytest's own tmp folder is private to root); otherwise the same case is made with our own
files, which the unfixed writer failed on as well.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hostile_kit import REPO, assert_clean_diagnostics, endpoint_page, run_cli

from generator.build import writer
from generator.pages import reader

ROOT = os.geteuid() == 0
NOBODY = 65534
PKG = "python/superoffice_webapi"


def _page(agent: str, carrier: str) -> str:
    return endpoint_page(
        uid=f"v1{agent}Agent_Run",
        method="POST",
        path=f"/api/v1/Agents/{agent}/Run",
        response_label=carrier,
        response_rows=[("Name", "string", "The name.")],
    )


def _pages(folder: Path, **agents: str) -> Path:
    """`folder` holding one page per agent (agent=carrier); other pages there are removed."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.md"):
        if old.stem not in agents:
            old.unlink()
    for agent, carrier in agents.items():
        (folder / f"{agent}.md").write_text(_page(agent, carrier), encoding="utf-8")
    return folder


def tree(folder: Path) -> dict[str, object]:
    """Every entry under `folder` by lstat: a regular file's bytes, else its kind, mode and
    owner (never opening anything but regular files: some of these hold FIFOs)."""
    found: dict[str, object] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            st = path.lstat()
            rel = path.relative_to(folder).as_posix()
            if stat.S_ISREG(st.st_mode):
                found[rel] = path.read_bytes()
            else:
                found[rel] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid)
    return found


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if ".sogen-" in p.name)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _make_removable(folder: Path) -> None:
    for root, dirs, _ in os.walk(folder):
        for name in dirs:
            path = Path(root) / name
            if not path.is_symlink():
                path.chmod(0o755)


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Path]:
    """A folder uid 65534 may use too when we are root (else just tmp_path)."""
    if not ROOT:
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="sogen-hostile-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        _make_removable(folder)
        shutil.rmtree(folder)


def run_sogen(
    *argv: str | Path, cwd: Path, timeout: float = 120, as_nobody: bool = False
) -> subprocess.CompletedProcess[str]:
    """sogen in its own process; `as_nobody`: as uid 65534 when we are root (in `shared`)."""
    who = {"user": NOBODY, "group": NOBODY, "extra_groups": []} if as_nobody and ROOT else {}
    env = {**os.environ, "HOME": str(cwd)}
    env.pop("SOGEN_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "generator", *map(str, argv)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **who,  # type: ignore[call-overload]
    )


@functools.cache
def _nobody_can_run_python() -> bool:
    """Whether we are root and uid 65534 may run this interpreter (it may live in /root)."""
    if not ROOT:
        return False
    try:
        result = subprocess.run(
            [sys.executable, "-c", "import generator"],
            user=NOBODY, group=NOBODY, extra_groups=[], cwd="/", capture_output=True,
            timeout=60, check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    """Pages (Alpha, Beta) and a first build of them in tmp/out."""
    pages = _pages(tmp_path / "pages", Alpha="AlphaThing", Beta="BetaThing")
    out = tmp_path / "out"
    result = run_cli("build", pages, "-o", out, "--no-cache")
    assert result.code == 0, result.err
    return pages, out


# --- item 4: a read-only or foreign OUT; leftovers of earlier builds ----------------------


@pytest.mark.parametrize("where", [".", "python", f"{PKG}/models"])
def test_read_only_out_or_folder_in_it_is_refused_and_left_as_it_was(
    built: tuple[Path, Path], where: str
) -> None:
    pages, out = built
    folder = out / where
    folder.chmod(0o555)
    try:
        before = tree(out)
        _pages(pages, Alpha="AlphaOther", Beta="BetaThing")  # a build that would change OUT
        result = run_cli("build", pages, "-o", out, "--no-cache")
        assert result.code == 1, result.err
        assert_clean_diagnostics(result.err)
        shown = out if where == "." else out / where
        assert f"{shown}:1:1: error: " in result.err and "[SOG504]" in result.err
        assert "read-only (mode 0555)" in result.err
        assert tree(out) == before and _mode(folder) == 0o555
        assert _leftovers(out) == []
    finally:
        folder.chmod(0o755)


def test_out_of_another_user_is_refused_and_left_as_it_was(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pages, out = built
    if ROOT:
        os.chown(out, NOBODY, NOBODY)
    else:  # we cannot give a folder away: the writer is told we are someone else
        real = os.geteuid()
        monkeypatch.setattr(writer.os, "geteuid", lambda: real + 1)
    before = tree(out)
    _pages(pages, Alpha="AlphaOther", Beta="BetaThing")
    result = run_cli("build", pages, "-o", out, "--no-cache")
    monkeypatch.undo()
    assert result.code == 1, result.err
    assert_clean_diagnostics(result.err)
    assert f"{out}:1:1: error: output folder belongs to uid " in result.err
    assert "[SOG504]" in result.err
    assert tree(out) == before and _leftovers(out) == []


def _plant_leftovers(parent: Path) -> set[str]:
    """An earlier build's backup and a dead build's staging folder beside `parent/out`, each
    with a read-only folder holding a file (which even its owner cannot remove before a
    chmod)."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    names = {".out.sogen-previous", f".out.sogen-stage-{int(gone.stdout)}"}
    for name in names:
        stuck = parent / name / "python" / "old"
        stuck.mkdir(parents=True)
        (stuck / "module.py").write_text("x = 1\n")
        stuck.chmod(0o555)
        (parent / name).chmod(0o555)
    return names


def _rebuilds_succeed(pages: Path, out: Path, build: Callable[[], tuple[int, str]]) -> None:
    for carrier in ("AlphaOther", "AlphaThird"):
        _pages(pages, Alpha=carrier, Beta="BetaThing")
        code, err = build()
        assert code == 0, err
        models = out / PKG / "models"
        assert (
            models / f"{'alpha_third' if carrier == 'AlphaThird' else 'alpha_other'}.py"
        ).is_file()
        assert not (models / "alpha_thing.py").exists()


def test_leftover_previous_and_stage_folders_never_fail_later_builds(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Leftovers sogen cannot simply remove do not stop later builds. Our own read-only ones
    are made writable and removed; as root, where modes do not stop us, ones that resist
    removal (another user's, say) are made so by a failing rmtree, and are left."""
    pages, out = built
    stuck = _plant_leftovers(out.parent)
    if ROOT:
        real_rmtree = shutil.rmtree

        def rmtree(path: str | Path, ignore_errors: bool = False, **kwargs: object) -> None:
            if Path(path).name in stuck:
                if ignore_errors:
                    return
                raise PermissionError(13, "Permission denied", str(path))
            real_rmtree(path, ignore_errors=ignore_errors, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(writer.shutil, "rmtree", rmtree)

    def build() -> tuple[int, str]:
        result = run_cli("build", pages, "-o", out, "--no-cache", "-v")
        return result.code, result.err

    _rebuilds_succeed(pages, out, build)
    monkeypatch.undo()
    left = set(_leftovers(out))
    assert left == (stuck if ROOT else set())
    if ROOT:
        _make_removable(out.parent)


def test_another_users_leftovers_never_fail_later_builds(shared: Path) -> None:
    """For real: root's leftovers beside an OUT of uid 65534, which builds as itself."""
    if not _nobody_can_run_python():
        pytest.skip("needs root, and an interpreter uid 65534 may run, to act as another user")
    pages = _pages(shared / "pages", Alpha="AlphaThing", Beta="BetaThing")
    args = ("build", "pages", "-o", "out", "--no-cache")
    assert run_sogen(*args, cwd=shared, as_nobody=True).returncode == 0
    stuck = _plant_leftovers(shared)

    def build() -> tuple[int, str]:
        result = run_sogen(*args, cwd=shared, as_nobody=True)
        return result.returncode, result.stderr

    _rebuilds_succeed(pages, shared / "out", build)
    assert set(_leftovers(shared / "out")) == stuck


# --- item 5: folders keep their mode and owner ----------------------------------------------


def test_replaced_folders_keep_their_mode_and_owner_and_fresh_ones_get_the_umask(
    tmp_path: Path,
) -> None:
    pages = _pages(tmp_path / "pages", Alpha="AlphaThing")
    out = tmp_path / "out"
    old_umask = os.umask(0o027)
    try:
        assert run_cli("build", pages, "-o", out, "--no-cache").code == 0
    finally:
        os.umask(old_umask)
    for folder in (out, out / "python", out / PKG, out / PKG / "models"):
        assert _mode(folder) == 0o750, folder  # made fresh: the umask's default
    out.chmod(0o700)
    (out / "python").chmod(0o700)
    (out / PKG / "models").chmod(0o2770)
    if ROOT:
        os.chown(out / PKG, NOBODY, NOBODY)
    _pages(pages, Alpha="AlphaOther", Beta="BetaThing")  # OUT is replaced: files change
    result = run_cli("build", pages, "-o", out, "--no-cache")
    assert result.code == 0, result.err
    assert (out / PKG / "models" / "alpha_other.py").is_file()
    assert _mode(out) == 0o700
    assert _mode(out / "python") == 0o700
    assert _mode(out / PKG / "models") == 0o2770
    assert _mode(out / PKG) == 0o750
    if ROOT:
        assert (out / PKG).stat().st_uid == NOBODY and (out / PKG).stat().st_gid == NOBODY
        assert out.stat().st_uid == 0
    assert _leftovers(out) == []


# --- item 6: files sogen did not write -------------------------------------------------------


def test_file_sogen_did_not_write_is_never_overwritten_nor_later_deleted(
    built: tuple[Path, Path],
) -> None:
    pages, out = built
    theirs = out / PKG / "models" / "gamma_thing.py"
    theirs.write_text("# the user's own module\n")
    (out / "NOTES.txt").write_text("not sogen's")
    before = tree(out)
    _pages(pages, Alpha="AlphaThing", Beta="BetaThing", Gamma="GammaThing")
    result = run_cli("build", pages, "-o", out, "--no-cache")
    assert result.code == 1, result.err
    assert_clean_diagnostics(result.err)
    assert f"{theirs}:1:1: error: file sogen did not write" in result.err
    assert "--overwrite-unowned" in result.err and "[SOG505]" in result.err
    assert tree(out) == before and _leftovers(out) == []
    # the page that would make it goes away again: the user's file stays, as does NOTES.txt
    _pages(pages, Alpha="AlphaOther", Beta="BetaThing")
    assert run_cli("build", pages, "-o", out, "--no-cache").code == 0
    assert theirs.read_text() == "# the user's own module\n"
    assert (out / "NOTES.txt").read_text() == "not sogen's"
    # told to, sogen replaces it; then it is sogen's, and removed when no longer made
    _pages(pages, Alpha="AlphaOther", Beta="BetaThing", Gamma="GammaThing")
    result = run_cli("build", pages, "-o", out, "--no-cache", "--overwrite-unowned")
    assert result.code == 0, result.err
    assert "Generated by sogen" in theirs.read_text()
    _pages(pages, Alpha="AlphaOther", Beta="BetaThing")
    assert run_cli("build", pages, "-o", out, "--no-cache").code == 0
    assert not theirs.exists() and (out / "NOTES.txt").read_text() == "not sogen's"


def test_overwrite_unowned_from_the_configuration(built: tuple[Path, Path]) -> None:
    pages, out = built
    theirs = out / PKG / "models" / "gamma_thing.py"
    theirs.write_text("# the user's own module\n")
    config = pages.parent / "sogen.toml"
    config.write_text("overwrite_unowned = true\n")
    _pages(pages, Alpha="AlphaThing", Beta="BetaThing", Gamma="GammaThing")
    result = run_cli("build", pages, "-o", out, "--no-cache", "--config", config)
    assert result.code == 0, result.err
    assert "Generated by sogen" in theirs.read_text()
    config.write_text('overwrite_unowned = "yes"\n')
    result = run_cli("build", pages, "-o", out, "--no-cache", "--config", config)
    assert result.code == 2 and "must be true or false" in result.err


def test_file_changed_since_sogen_wrote_it_is_kept_when_no_longer_made(
    built: tuple[Path, Path],
) -> None:
    pages, out = built
    model = out / PKG / "models" / "beta_thing.py"
    model.write_text(model.read_text() + "# the user's note\n")
    _pages(pages, Alpha="AlphaThing")
    result = run_cli("build", pages, "-o", out, "--no-cache", "-v")
    assert result.code == 0, result.err
    assert model.read_text().endswith("# the user's note\n")
    assert f"kept {model}" in result.err
    assert not (out / PKG / "agents" / "beta.py").exists()  # unchanged ones are removed
    check = run_cli("check", pages, "-o", out, "--no-cache")
    assert check.code == 0, check.out + check.err


# --- item 7: an input folder that cannot be read ---------------------------------------------


def test_unreadable_input_folder_is_an_error_and_out_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process (root reads every folder): listing the folder fails as chmod 000 makes it."""
    pages = _pages(tmp_path / "pages", Alpha="AlphaThing")
    _pages(pages / "sub", Beta="BetaThing")
    out = tmp_path / "out"
    assert run_cli("build", pages, "-o", out, "--no-cache").code == 0
    before = tree(out)
    real_scandir = os.scandir
    hidden = str(pages / "sub")

    def scandir(path: str) -> object:
        if str(path) == hidden:
            raise PermissionError(13, "Permission denied", hidden)
        return real_scandir(path)

    monkeypatch.setattr(reader.os, "scandir", scandir)
    result = run_cli("build", pages, "-o", out, "--no-cache")
    monkeypatch.undo()
    assert result.code == 1, result.err
    assert_clean_diagnostics(result.err)
    assert f"{hidden}:1:1: error: cannot read folder: Permission denied [SOG100]" in result.err
    assert tree(out) == before and _leftovers(out) == []


def test_unreadable_input_folder_fails_the_build_in_a_real_process(shared: Path) -> None:
    """chmod 000 for real; as root sogen runs as uid 65534, for whom the mode holds."""
    if ROOT and not _nobody_can_run_python():
        pytest.skip("root reads any folder and uid 65534 may not run this interpreter")
    pages = _pages(shared / "pages", Alpha="AlphaThing")
    _pages(pages / "sub", Beta="BetaThing")
    for folder in (pages, pages / "sub"):
        folder.chmod(0o755)
    args = ("build", "pages", "-o", "out", "--cache-dir", "cache")
    assert run_sogen(*args, cwd=shared, as_nobody=True).returncode == 0
    before = tree(shared / "out")
    (pages / "sub").chmod(0)
    try:
        result = run_sogen(*args, cwd=shared, as_nobody=True)
    finally:
        (pages / "sub").chmod(0o755)
    assert result.returncode == 1, result.stderr
    assert_clean_diagnostics(result.stderr)
    assert "pages/sub:1:1: error: cannot read folder: Permission denied [SOG100]" in result.stderr
    assert tree(shared / "out") == before


# --- item 8: FIFOs where sogen writes --------------------------------------------------------


@pytest.mark.parametrize(
    "where", ["openapi.json", f"{PKG}/__init__.py", f"{PKG}/models/gamma_thing.py"]
)
def test_fifo_at_a_generated_path_hangs_neither_build_nor_check(
    built: tuple[Path, Path], where: str
) -> None:
    pages, out = built
    fifo = out / where
    fifo.unlink(missing_ok=True)
    os.mkfifo(fifo)
    _pages(pages, Alpha="AlphaThing", Beta="BetaThing", Gamma="GammaThing")
    before = tree(out)
    for command in ("build", "check"):
        try:
            result = run_sogen(command, pages, "-o", out, "--no-cache", cwd=REPO, timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"sogen {command} hangs on a FIFO at {where}")
        assert result.returncode == 1, result.stderr
        assert_clean_diagnostics(result.stderr)
        if command == "build":
            assert f"{fifo}:1:1: error: a FIFO is where sogen writes a file" in result.stderr
            assert "[SOG506]" in result.stderr
        else:
            assert f"{fifo}: changed" in result.stdout.splitlines()
        assert tree(out) == before and stat.S_ISFIFO(fifo.lstat().st_mode)
        assert _leftovers(out) == []


def test_fifo_sogen_does_not_write_is_carried_over_unopened(built: tuple[Path, Path]) -> None:
    pages, out = built
    os.mkfifo(out / "python" / "pipe")
    _pages(pages, Alpha="AlphaOther", Beta="BetaThing")
    result = run_sogen("build", pages, "-o", out, "--no-cache", cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO((out / "python" / "pipe").lstat().st_mode)
    assert (out / PKG / "models" / "alpha_other.py").is_file()


# --- item 9: --dump-model that cannot be written, and messages that are true -----------------


@pytest.mark.parametrize("dump", ["/dev/full", "missing/folder/model.json", "."])
def test_dump_model_that_cannot_be_written_is_located_and_out_is_as_said(
    built: tuple[Path, Path], dump: str
) -> None:
    pages, out = built
    target = dump if dump.startswith("/") else str(pages.parent / dump)
    _pages(pages, Alpha="AlphaOther", Beta="BetaThing")
    before = tree(out)
    result = run_cli("build", pages, "-o", out, "--no-cache", "--dump-model", target)
    assert result.code == 1, result.err
    assert_clean_diagnostics(result.err)
    assert "[SOG999]" not in result.err
    assert f"{target}:1:1: error: cannot write the model dump: " in result.err
    assert "[SOG507]" in result.err and "the output folder was left as it was" in result.err
    assert tree(out) == before and _leftovers(out) == []
    lint = run_cli("lint", pages, "--no-cache", "--dump-model", target)
    assert lint.code == 1 and f"{target}:1:1: error: cannot write" in lint.err


def test_dump_model_is_written_when_out_is_up_to_date(tmp_path: Path) -> None:
    pages = _pages(tmp_path / "pages", Alpha="AlphaThing")
    out, dump = tmp_path / "out", tmp_path / "model.json"
    args = ("build", pages, "-o", out, "--cache-dir", tmp_path / "cache")
    assert run_cli(*args).code == 0
    result = run_cli(*args, "--dump-model", dump)
    assert result.code == 0, result.err
    assert '"AlphaAgent"' in dump.read_text()


def test_internal_error_after_out_was_written_says_so(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.build import cache as cache_module

    pages, out = built

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("record lost")

    monkeypatch.setattr(cache_module.BuildCache, "save_record", broken)
    monkeypatch.delenv("SOGEN_DEBUG", raising=False)
    _pages(pages, Alpha="AlphaOther", Beta="BetaThing")
    result = run_cli("build", pages, "-o", out, "--cache-dir", pages.parent / "cache")
    assert result.code == 1 and "[SOG999]" in result.err
    assert (out / PKG / "models" / "alpha_other.py").is_file()  # OUT was written ...
    assert "the output folder had already been written" in result.err  # ... and it says so
    assert "left as it was" not in result.err


# --- SIGTERM ---------------------------------------------------------------------------------

_TERMINATE_MID_WRITE = """
import os, signal, sys
from generator import cli
from generator.build import writer
real, count = writer._write_file, [0]
def write(target, data):
    count[0] += 1
    if count[0] == 3:
        os.kill(os.getpid(), signal.SIGTERM)
    real(target, data)
writer._write_file = write
sys.exit(cli.main(sys.argv[1:]))
"""


def test_sigterm_mid_write_leaves_out_as_it_was_and_no_staging(built: tuple[Path, Path]) -> None:
    pages, out = built
    _pages(pages, Alpha="AlphaOther", Beta="BetaThing")
    before = tree(out)
    result = subprocess.run(
        [sys.executable, "-c", _TERMINATE_MID_WRITE, "build", str(pages), "-o", str(out),
         "--no-cache"],
        capture_output=True, text=True, timeout=120, check=False, cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 128 + signal.SIGTERM, (result.returncode, result.stderr)
    assert "terminated; the output folder was left as it was" in result.stderr
    assert tree(out) == before and _leftovers(out) == []
