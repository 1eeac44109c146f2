"""Reading page files: size limit, UTF-8, NUL bytes, line endings, and finding pages."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from generator.diagnostics import Diagnostics, SourceRef

MAX_PAGE_BYTES = 5 * 1024 * 1024
# index and table-of-contents pages live beside endpoint pages but describe no endpoint
NON_ENDPOINT_NAMES = frozenset({"index.md", "toc.md", "readme.md"})


def read_page_text(path: Path, display: str, diags: Diagnostics) -> str | None:
    """Return the page text with LF line endings, or None after reporting why not."""
    data = read_page_bytes(path, display, diags)
    return None if data is None else decode_page(data, display, diags)


def read_page_bytes(path: Path, display: str, diags: Diagnostics) -> bytes | None:
    """The raw bytes of a page, refusing pages over the size limit before reading them."""
    return read_page_with_stat(path, display, diags)[0]


def read_page_with_stat(
    path: Path, display: str, diags: Diagnostics
) -> tuple[bytes | None, tuple[int, int] | None]:
    """The raw bytes of a page (see read_page_bytes) and its size and mtime_ns as they were
    before it was read."""
    src = SourceRef(display, 1, 1)  # whole-file problems are reported at the first line
    try:
        # unbuffered: one open, fstat, read and close per page (a build reads thousands)
        with open(path, "rb", buffering=0) as handle:
            st = os.fstat(handle.fileno())
            size = st.st_size
            if size <= MAX_PAGE_BYTES:
                data = handle.readall()
                size = len(data)  # it may have grown since
        if size > MAX_PAGE_BYTES:
            diags.add("SOG104", f"page is {size} bytes; the limit is {MAX_PAGE_BYTES}", src)
            return None, None
        return data, (st.st_size, st.st_mtime_ns)
    except OSError as exc:
        diags.add("SOG100", f"cannot read file: {exc.strerror or exc}", src)
        return None, None


def decode_page(data: bytes, display: str, diags: Diagnostics) -> str | None:
    """UTF-8 (a BOM is dropped), no NUL characters, LF line endings."""
    src = SourceRef(display, 1, 1)  # whole-file problems are reported at the first line
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data, exc.start)
        diags.add("SOG100", f"invalid UTF-8 (byte 0x{data[exc.start]:02x})", src.at(line, col))
        return None
    nul = text.find("\0")
    if nul >= 0:
        line, col = _line_col(text, nul)
        diags.add("SOG100", "file contains a NUL character", src.at(line, col))
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _line_col(data: bytes | str, offset: int) -> tuple[int, int]:
    before = data[:offset]
    if isinstance(before, bytes):
        before = before.decode("utf-8", errors="replace")
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def _markdown_entries(root: Path, diags: Diagnostics) -> Iterator[os.DirEntry[str]]:
    """Every `*.md` entry below `root`, like `root.rglob("*.md")` (symlinked folders are not
    entered) but from one scandir per folder instead of a stat per file. A folder that cannot
    be listed is an error (SOG100): skipping it would drop its pages, and a build would then
    remove what they made."""
    folders = [str(root)]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            diags.add("SOG100", f"cannot read folder: {reason}", SourceRef(folder, 1, 1))
            continue
        for entry in entries:
            if entry.name.endswith(".md"):
                yield entry
            # a symlink is never entered, so a folder link that loops is never followed
            if not entry.is_symlink() and entry.is_dir(follow_symlinks=False):
                folders.append(entry.path)


def _is_page_file(path: str, diags: Diagnostics) -> bool:
    """Whether `path` is a regular file once its links are followed. A link that leads back
    to itself (a.md -> b.md -> a.md, or a folder link inside its own folder) names no file:
    an error at that path, where `os.path.isfile` would only say False."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            diags.add(
                "SOG110",
                "symlink loop: the link leads back to itself and names no file",
                SourceRef(path, 1, 1),
            )
        return False


def _is_loop(path: Path) -> bool:
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def find_pages(inputs: list[Path], diags: Diagnostics, skipped: list[Path]) -> list[Path]:
    """Expand files and folders (searched recursively) into a sorted list of endpoint pages."""
    found: set[Path] = set()
    for item in inputs:
        if item.is_dir():
            for entry in _markdown_entries(item, diags):
                if entry.name.lower() in NON_ENDPOINT_NAMES:
                    skipped.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False) or (
                    entry.is_symlink() and _is_page_file(entry.path, diags)
                ):
                    found.add(Path(entry.path))
        elif _is_page_file(str(item), diags):
            found.add(item)
        elif not _is_loop(item):
            diags.add("SOG901", "input path does not exist", SourceRef(str(item), 1, 1))
    return sorted(found, key=lambda p: p.as_posix())
