"""A build's worker processes end with it, however it ends: SIGKILL or SIGTERM at any moment.
A worker left behind holds the build's stderr open (a caller's `communicate()` hangs) and
keeps working for nobody."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_kit import endpoint_page, snapshot, write_pages

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists() or (os.cpu_count() or 1) < 2,
    reason="needs /proc to see processes, and two cores for the parse pool",
)


def _pages(folder: Path, count: int) -> Path:
    """`count` agent pages: enough that a build parses them in a pool."""
    rows = [(f"Field{n}", "string", "A field.") for n in range(12)]
    pages = {
        f"v1Thing{n}Agent_GetThing{n}.md": endpoint_page(
            uid=f"v1Thing{n}Agent_GetThing{n}",
            method="POST",
            path=f"/api/v1/Agents/Thing{n}/GetThing{n}",
            body_rows=[("Id", "int32", "The id.")],
            response_label="Thing",
            response_rows=rows,
        )
        for n in range(count)
    }
    return write_pages(folder, pages)


def _children() -> dict[int, list[int]]:
    """Live processes by their parent (zombies are dead)."""
    found: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        state, ppid = text[text.rindex(")") + 2 :].split()[:2]
        if state not in ("Z", "X"):
            found.setdefault(int(ppid), []).append(int(entry))
    return found


def _descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    live = {p for kids in _children().values() for p in kids}
    return pids & live


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _interruptible() -> None:
    """In the build's process before it starts: Ctrl-C as a terminal would deliver it. A test
    run in the background (`cmd &` in a script, as CI may start it) ignores SIGINT, and an
    ignored signal stays ignored across exec, so Python would never raise KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(pages: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "generator", "build", str(pages), "-o", str(out), "--no-cache"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # so a stray worker cannot be mistaken for the test's
        preexec_fn=_interruptible,
    )


def _wait_for_workers(build: subprocess.Popen[bytes], wanted: str, seconds: float) -> set[int]:
    """The build's workers once one whose command line holds `wanted` runs."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and build.poll() is None:
        workers = _descendants(build.pid)
        if any(wanted in _cmdline(p) for p in workers):
            return workers
        time.sleep(0.005)
    return set()


def _gone_within(pids: set[int], seconds: float) -> set[int]:
    deadline = time.monotonic() + seconds
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _alive(pids)


@pytest.fixture(scope="module")
def many_pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _pages(tmp_path_factory.mktemp("workers") / "pages", 1500)


# The parse pool is forked from the build, so its workers' command line is the build's own;
# the validator and the render helper are fresh interpreters running sogen modules.
MOMENTS = {
    "parsing": "generator build",
    "validating": "generator.openapi.incremental",
}


@pytest.mark.parametrize("moment", sorted(MOMENTS))
@pytest.mark.parametrize(
    "sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["SIGKILL", "SIGTERM", "SIGINT"]
)
def test_workers_end_with_the_build(
    many_pages: Path, tmp_path: Path, moment: str, sig: signal.Signals
) -> None:
    out = tmp_path / "out"
    build = _start(many_pages, out)
    try:
        workers = _wait_for_workers(build, MOMENTS[moment], 60)
        if not workers:
            build.wait(60)
            pytest.fail(f"the build ended before any worker was seen {moment}")
        os.kill(build.pid, sig)
        # nobody holds the build's stderr once it has ended: reading it to the end returns
        _, err = build.communicate(timeout=30)
        assert _gone_within(workers, 5) == set(), "workers outlived their build"
        if sig != signal.SIGKILL:
            # 130 for Ctrl-C; 128 + SIGTERM after the same clean-up
            assert build.returncode == (130 if sig == signal.SIGINT else 143), err
            assert not out.exists()  # nothing written, nothing staged beside it
            assert [p.name for p in tmp_path.iterdir()] == []
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
        for pid in _alive(_descendants(build.pid)):
            os.kill(pid, signal.SIGKILL)


def test_sigterm_leaves_the_last_output_as_it_was(many_pages: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = subprocess.run(
        [sys.executable, "-m", "generator", "build", str(many_pages), "-o", str(out), "--no-cache"],
        capture_output=True, check=False,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    (many_pages / "v1Thing0Agent_GetThing0.md").write_text(
        (many_pages / "v1Thing0Agent_GetThing0.md").read_text().replace("The id.", "An id.")
    )
    try:
        build = _start(many_pages, out)
        assert _wait_for_workers(build, MOMENTS["parsing"], 60)
        build.terminate()
        _, err = build.communicate(timeout=30)
        assert build.returncode == 143, err
        assert b"sogen: terminated; the output folder was left as it was" in err
        assert snapshot(out) == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    finally:
        (many_pages / "v1Thing0Agent_GetThing0.md").write_text(
            (many_pages / "v1Thing0Agent_GetThing0.md").read_text().replace("An id.", "The id.")
        )
