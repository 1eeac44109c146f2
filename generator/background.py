"""One thread for file writes, so they overlap with rendering.

Writing thousands of small files is mostly system calls, which release the GIL: done on this
thread they cost the render almost nothing. Calls run in the order given; the queue is bounded,
so at most a few hundred files wait in memory. The first error is raised again by `close`.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

_DONE = object()


class Background:
    def __init__(self, backlog: int = 256) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=backlog)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sogen-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if self._error is None:  # after a failure the rest is skipped, not half done
                fn, args = item
                try:
                    fn(*args)
                except BaseException as exc:  # handed to the caller by close()
                    self._error = exc

    def submit(self, fn: Callable[..., object], *args: object) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((fn, args))

    def close(self) -> None:
        """Wait for every call; raise the first error any of them raised."""
        if self._thread.is_alive():
            self._queue.put(_DONE)
            self._thread.join()
        if self._error is not None:
            raise self._error

    def __enter__(self) -> Background:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
        else:  # already failing: stop the thread, keep the first error
            self._queue.put(_DONE)
            self._thread.join()
