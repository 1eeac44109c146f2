"""Reading the pages and parsing them, as fast as the machine allows: a page unchanged since
the last build's record is not read again (the mtime trust rule below), a page whose bytes the
cache knows is not parsed again, and many pages to parse are spread over the cores."""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.build.cache import (
    BuildCache,
    PackMemo,
    code_version,
    digest,
    load_pickled,
    pool_context,
)
from generator.build.record import BuildRecord, FileState
from generator.diagnostics import Diagnostic, Diagnostics
from generator.pages.reader import decode_page, read_page_bytes, read_page_with_stat

if TYPE_CHECKING:
    from collections.abc import Callable

    from generator.model.api import BuiltPage

@dataclass
class PageFile:
    """One page as the build found it: its bytes (unless unchanged since the last build, when
    they are read only if needed) and its key."""

    display: str
    data: bytes | None  # None: unreadable (see diags), or not read (`unread`)
    diags: Diagnostics
    key: str
    stat: tuple[int, int] | None = None  # size and mtime_ns, taken before the bytes were read
    unread: bool = False  # unchanged since the last build's record: its key came from there

    def load(self) -> bytes | None:
        """The page's bytes, read now if they were not (a page result the cache lost)."""
        if self.unread:
            self.data = read_page_bytes(Path(self.display), self.display, self.diags)
            self.unread = False
            if self.data is not None:  # as read now (it was unchanged a moment ago)
                self.key = digest(code_version(), self.display, self.data)
        return self.data


# A page whose size and mtime are as the last build recorded them is not read again: its key
# is taken from the record. Only when its mtime was this much older than that build's start:
# a page edited within the same tick as it was read (coarse file-system clocks) is read again.
RACY_NS = 2_000_000_000


def read_pages(
    paths: list[Path], record: BuildRecord | None
) -> tuple[list[PageFile], str]:
    """Read every page's bytes, but for pages unchanged since `record` by size and mtime (see
    RACY_NS); and the digest of all their keys, in order (the build's input digest)."""
    known, trusted_before = _recorded_pages(record)
    inputs = []
    fingerprint = hashlib.sha256()
    for path in paths:
        display = str(path)
        page_diags = Diagnostics()
        old = known.get(display)
        if old is not None:
            try:
                st = os.stat(display)
            except OSError:
                st = None
            same = st is not None and (st.st_size, st.st_mtime_ns) == (old[0], old[1])
            if same and old[1] < trusted_before:
                fingerprint.update(old[2].encode())
                inputs.append(PageFile(display, None, page_diags, old[2], old[:2], unread=True))
                continue
        data, stat = read_page_with_stat(path, display, page_diags)
        key = digest(code_version(), display, data if data is not None else b"\0unreadable")
        fingerprint.update(key.encode())
        inputs.append(PageFile(display, data, page_diags, key, stat))
    return inputs, fingerprint.hexdigest()


def page_states(inputs: list[PageFile]) -> dict[str, FileState]:
    """What the next build needs to trust these pages without reading them."""
    return {
        i.display: (i.stat[0], i.stat[1], i.key)
        for i in inputs
        if i.stat is not None and not i.diags.items
    }


def _recorded_pages(record: BuildRecord | None) -> tuple[dict[str, FileState], int]:
    """The pages the last build read, by name: size, mtime_ns and key; and the mtime before
    which they are trusted. Nothing when the generator changed since (keys include it)."""
    if record is None or record.pages_code != code_version() or not record.started_ns:
        return {}, 0
    return record.pages, record.started_ns - RACY_NS


# below this many pages a process pool costs more than it saves
PARALLEL_PARSE_THRESHOLD = 200


def _page_one(display: str, data: bytes) -> tuple[BuiltPage | None, list[Diagnostic]]:
    """Decode, parse and model one page on its own; runs in worker processes too. Only the
    page's share of the model comes back (smaller than its PageDoc, and it is what a rebuild
    needs from the cache)."""
    from generator.model.api import build_page
    from generator.pages.parse import parse_page

    diags = Diagnostics()
    text = decode_page(data, display, diags)
    doc = parse_page(text, display, diags) if text is not None else None
    return (build_page(doc) if doc is not None else None), diags.items


def page_one_pickled(display: str, data: bytes) -> bytes:
    """`_page_one` in a worker, pickled once: the parent stores these very bytes in the cache
    and loads them, rather than loading and pickling again."""
    return pickle.dumps(_page_one(display, data), protocol=pickle.HIGHEST_PROTOCOL)


def parse_pages(
    inputs: list[PageFile],
    diags: Diagnostics,
    cache: BuildCache | None,
    progress: Callable[[str, int, int], None] | None,
    pack_name: str = "",
) -> list[BuiltPage]:
    """Parse and model each page, or take the result from the cache when its bytes are
    unchanged. Many pages to parse are spread over the cores. The results of one build are
    cached together in one pack (`pack_name`: the output folder), one file instead of
    thousands."""
    from generator.model.api import BuiltPage

    memo = PackMemo(cache, "pages:" + pack_name)
    results: dict[int, tuple[BuiltPage | None, list[Diagnostic]]] = {}
    misses: list[int] = []
    for n, item in enumerate(inputs):
        blob = memo.get(item.key)
        if blob is None and item.load() is None:
            results[n] = (None, [])
            continue
        cached = _load_page(blob) if blob is not None else None
        if cached is not None:
            results[n] = cached
        else:
            misses.append(n)
    workers = min(os.cpu_count() or 1, 8)
    if len(misses) >= PARALLEL_PARSE_THRESHOLD and workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        from generator.build.workers import die_with_parent, signals_held

        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=pool_context(),
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )
        try:
            chunk = max(1, len(misses) // (workers * 8))
            with signals_held():  # the workers are forked here
                jobs = pool.map(
                    page_one_pickled,
                    [inputs[n].display for n in misses],
                    [inputs[n].data or b"" for n in misses],
                    chunksize=chunk,
                )
            for done, (n, blob) in enumerate(zip(misses, jobs, strict=True), 1):
                results[n] = pickle.loads(blob)  # our own worker's answer
                memo.put(inputs[n].key, blob)
                if progress is not None and (done % 25 == 0 or done == len(misses)):
                    progress("parse", done, len(misses))
        except BaseException:
            # stopped (Ctrl-C, SIGTERM) or failed: the queued pages are not worth waiting for
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    else:
        for done, n in enumerate(misses, 1):
            results[n] = _page_one(inputs[n].display, inputs[n].data or b"")
            if cache is not None:
                memo.put(inputs[n].key, pickle.dumps(results[n], protocol=pickle.HIGHEST_PROTOCOL))
            if progress is not None and (done % 25 == 0 or done == len(misses)):
                progress("parse", done, len(misses))
    memo.commit()
    pages = []
    for n, item in enumerate(inputs):
        page, items = results.pop(n)
        diags.items.extend(item.diags.items)
        diags.items.extend(items)
        if isinstance(page, BuiltPage):
            pages.append(page)
    return pages


def _load_page(blob: bytes) -> tuple[BuiltPage | None, list[Diagnostic]] | None:
    value = load_pickled(blob)
    return value if isinstance(value, tuple) and len(value) == 2 else None


