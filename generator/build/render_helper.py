"""A helper process that renders per-view client files while the build renders the rest.

The build has two cores; once the spec's validation (its own process) is done, the second one
would idle through most of the render. The helper is a fresh interpreter, not a fork: a fork
would count the whole model twice in the process tree's memory. It gets the package's names
and the pickled views of the jobs it may take, makes their files from the last job backwards,
and answers one frame per job: (job index, each file's bytes or None, diagnostics, what
formatting needed black for). The build takes jobs from the front and stops the helper where
the two meet (client.py: `run`).
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    import subprocess

    from generator.build.cache import TemplateStore
    from generator.diagnostics import Diagnostic
    from generator.render.files import ViewJob
    from generator.render.formatting import FormatStats

# fewer jobs than this are done before a helper would have started
HELPER_MIN_JOBS = 60
_HEAD = 8  # bytes of a frame's length


class RenderHelper:
    """The build's side of a running helper."""

    def __init__(self, proc: subprocess.Popen[bytes], feeder: threading.Thread) -> None:
        self.proc, self.feeder = proc, feeder
        self.buffer = bytearray()
        assert proc.stdout is not None
        self.out = proc.stdout.fileno()
        os.set_blocking(self.out, False)

    @classmethod
    def start(
        cls,
        names: tuple[str, str, str],
        compiled: TemplateStore | None,
        jobs: list[ViewJob],
        first: int,
    ) -> RenderHelper | None:
        """A helper for jobs[first:], which it takes from the last; None if none started."""
        from generator.build.workers import start_module

        proc = start_module("generator.build.render_helper")
        if proc is None or proc.stdin is None:
            return None
        order = [
            (k, jobs[k].var, jobs[k].blob, [(t, target) for t, target, _ in jobs[k].files])
            for k in range(len(jobs) - 1, first - 1, -1)
        ]
        payload = pickle.dumps((names, compiled, order), protocol=pickle.HIGHEST_PROTOCOL)
        # fed from a thread: the helper reads it while this process goes on rendering
        feeder = threading.Thread(target=_feed, args=(proc.stdin, payload), daemon=True)
        feeder.start()
        return cls(proc, feeder)

    def ready(self) -> list[tuple[int, list[bytes | None], list[Diagnostic], FormatStats]]:
        """The jobs the helper has finished since last asked (never waits)."""
        while True:
            try:
                chunk = os.read(self.out, 1 << 20)
            except OSError:  # nothing more yet (BlockingIOError), or the helper is gone
                break
            if not chunk:
                break
            self.buffer += chunk
        done = []
        while len(self.buffer) >= _HEAD:
            size = int.from_bytes(self.buffer[:_HEAD], "little")
            if len(self.buffer) < _HEAD + size:
                break
            frame = bytes(self.buffer[_HEAD : _HEAD + size])
            del self.buffer[: _HEAD + size]
            done.append(pickle.loads(frame))  # our own helper's answer
        return done

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.feeder.join()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


def _feed(pipe: BinaryIO, payload: bytes) -> None:
    try:
        with pipe:
            pipe.write(payload)
    except OSError:
        pass  # the helper is gone: the build makes its jobs itself


def _serve() -> None:
    names, compiled, order = pickle.loads(sys.stdin.buffer.read())
    from generator.diagnostics import Diagnostics
    from generator.render.files import FileRenderer, make_environment
    from generator.render.formatting import STATS as FORMAT_STATS

    package, title, version = names
    env = make_environment(None, compiled)
    common: dict[str, object] = {"package": package, "title": title, "version": version}
    out = sys.stdout.buffer
    for k, var, blob, files in order:
        made: dict[str, bytes] = {}
        diags = Diagnostics()
        renderer = FileRenderer(env, common, diags, made.__setitem__)
        view = pickle.loads(blob)
        before = FORMAT_STATS.copy()
        FORMAT_STATS.slowest, FORMAT_STATS.slowest_path = 0.0, ""  # this job's slowest file
        for template, target in files:
            renderer.render(template, target, {var: view})
        stats = FORMAT_STATS.since(before)
        answer = ([made.get(target) for _, target in files], diags.items, stats)
        frame = pickle.dumps((k, *answer), protocol=pickle.HIGHEST_PROTOCOL)
        out.write(len(frame).to_bytes(_HEAD, "little") + frame)
        out.flush()


if __name__ == "__main__":
    from generator.build.workers import belong_to_parent

    belong_to_parent()
    _serve()
