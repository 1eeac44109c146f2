"""Build caches, so a rebuild costs what changed rather than the whole API.

Layers, all keyed by content hashes (never by mtimes, which lie after a checkout):
- pages:      page bytes -> the page's share of the model (BuiltPage) and its diagnostics;
- rendered:   a client file's template and view -> its formatted text;
- serialized: pieces of openapi.yaml/json by the content of their part of the document;
- valid:      validation units (document shapes) known to be valid;
- state:      one pack per OUT folder: what a build needs to patch the last one for prose-only
  page edits (its model by group, client views, spec texts in parts; see prose_patch.py);
- builds:     one record per OUT folder: the fingerprint of everything the output depends on,
  the size/mtime/hash of each file written, and the size/mtime/key of each page read. When the
  fingerprint is unchanged and OUT still holds exactly those files, a build has nothing to do.
  A page found as recorded is not read again (its mtime must be older than the recording
  build's start by a margin: see pipeline.read_inputs); every page is still keyed by content;
- compiled:   Jinja's compiled templates (marshalled code), one entry per template.

The cache lives outside OUT (OUT is often committed): `--cache-dir`, `$SOGEN_CACHE_DIR`, else
`$XDG_CACHE_HOME/sogen` or `~/.cache/sogen`. A damaged or unreadable cache is ignored, never
fatal: every read falls back to doing the work.

What the cache holds is unpickled and run (parsed pages, compiled templates), so it is trusted
only as far as nobody else can write it: the root, every folder under it and every file read
must belong to this user and be writable by nobody else, and are opened without following
symlinks (anything else is neither read nor written). And since disks and copies flip bits,
every entry carries a checksum of its content: a damaged entry is dropped and made again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from generator.build.record import BuildRecord

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

    import jinja2


def pool_context() -> BaseContext:
    """How worker pools start. The parse pool is forked: it starts before any page is parsed,
    when this process is still small, so each worker is a small copy and no fork server or
    resource tracker process is needed. Where fork is not available, a fork server.
    (multiprocessing is imported here: a build that finds OUT current never needs it.)"""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "forkserver")


# Bump when a cached object's shape changes; old entries are then simply not found.
CACHE_FORMAT = "2"
_GENERATOR_ROOT = Path(__file__).resolve().parents[1]
_TEMPLATES_ROOT = _GENERATOR_ROOT.parent / "templates"


def default_cache_dir() -> Path:
    env = os.environ.get("SOGEN_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "sogen"


def digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def _tree_digest(roots: Iterable[Path], suffixes: tuple[str, ...]) -> str:
    h = hashlib.sha256()
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in suffixes):
            h.update(path.relative_to(root).as_posix().encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


_CODE_VERSION: str | None = None


def _black_version() -> str:
    """black's version (its fallback formatting is part of the output), from the name of its
    dist-info folder: importlib.metadata would cost a no-change build a tenth of its time."""
    import importlib.util

    spec = importlib.util.find_spec("black")
    if spec is not None and spec.origin:
        site = os.path.dirname(os.path.dirname(spec.origin))
        try:
            names = os.listdir(site)
        except OSError:
            names = []
        found = sorted(n for n in names if n.startswith("black-") and n.endswith(".dist-info"))
        if len(found) == 1:
            return found[0]
    from importlib.metadata import version

    return version("black")


def code_version() -> str:
    """Changes whenever the generator's code or built-in templates change."""
    global _CODE_VERSION
    if _CODE_VERSION is None:
        _CODE_VERSION = digest(
            CACHE_FORMAT,
            _black_version(),
            _tree_digest([_GENERATOR_ROOT], (".py",)),
            _tree_digest([_TEMPLATES_ROOT], (".jinja", ".py")),
        )
    return _CODE_VERSION


def templates_version(user_templates: Path | None) -> str:
    if user_templates is None:
        return ""
    return _tree_digest([user_templates], (".jinja", ".py", ".md", ".toml", ""))


def _private_folder(root: Path) -> bool:
    """Create `root` as 0700 if missing; True when it is ours and only ours to write."""
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(root)
    except OSError:
        return False
    if not hasattr(os, "getuid"):
        return False
    return _ours(st, stat.S_ISDIR)


def _ours(st: os.stat_result, kind: Callable[[int], bool]) -> bool:
    """Of the wanted kind (never a symlink), this user's, and writable by nobody else."""
    return kind(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o022


# An entry on disk: magic, a checksum of the content, the content. The checksum is no secret
# (the ownership checks keep others out); it catches what disks and copies do to bytes.
_SEAL = b"sogen\x02"
_SUM = 16


def _checksum(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=_SUM).digest()


def seal(data: bytes) -> bytes:
    """`data` as the cache stores it."""
    return _SEAL + _checksum(data) + data


def unseal(stored: bytes) -> bytes | None:
    """The content of a stored entry, or None when it is not one or is damaged."""
    head = len(_SEAL) + _SUM
    if len(stored) < head or not stored.startswith(_SEAL):
        return None
    data = stored[head:]
    return data if _checksum(data) == stored[len(_SEAL) : head] else None


_OPEN_FLAGS = os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class BuildCache:
    """All three layers for one cache folder. `enabled=False` makes every lookup miss."""

    def __init__(self, root: Path | None, enabled: bool = True) -> None:
        self.root = root or default_cache_dir()
        self._root = str(self.root)
        # What the cache holds decides what is generated (and parsed pages are unpickled), so
        # a folder that anyone else may write to is not used at all.
        self.enabled = enabled and _private_folder(self.root)
        self._folders: dict[str, bool] = {self._root: self.enabled}  # folder -> trusted

    # --- trust ---

    def _trusted_folder(self, folder: str, create: bool = False) -> bool:
        """`folder` (under the root) and each folder between them are ours alone; with
        `create`, missing ones are made (0700)."""
        known = self._folders.get(folder)
        if known is not None:
            return known
        parent = os.path.dirname(folder)
        if parent == folder or not self._trusted_folder(parent, create):
            return False
        try:
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(folder, 0o700)
            ok = _ours(os.lstat(folder), stat.S_ISDIR)
        except FileNotFoundError:
            return False  # not remembered: a writer may make it
        except OSError:
            ok = False
        self._folders[folder] = ok
        return ok

    def _open(self, path: str, flags: int = os.O_RDONLY) -> int | None:
        """A descriptor for an entry that is a regular file of ours in folders of ours."""
        if not self.enabled or not self._trusted_folder(os.path.dirname(path)):
            return None
        try:
            fd = os.open(path, flags | _OPEN_FLAGS)
        except OSError:
            return None
        try:
            if _ours(os.fstat(fd), stat.S_ISREG):
                return fd
        except OSError:
            pass
        os.close(fd)
        return None

    def _drop(self, path: str) -> None:
        """Remove a damaged entry, so the next build makes it again."""
        with contextlib.suppress(OSError):
            os.unlink(path)

    def _temporary(self, folder: str) -> tuple[int, str] | None:
        """A new temporary file in a trusted `folder` (made if missing)."""
        if not self.enabled or not self._trusted_folder(folder, create=True):
            return None
        try:
            return tempfile.mkstemp(dir=folder, prefix=".tmp-")
        except OSError:
            return None

    # --- generic blobs ---

    def _path(self, layer: str, key: str) -> str:
        # str paths, not Path objects: a rebuild looks up thousands of entries
        return os.path.join(self._root, layer, key[:2], key[2:])

    def get(self, layer: str, key: str) -> bytes | None:
        path = self._path(layer, key)
        fd = self._open(path)
        if fd is None:
            return None
        try:
            with os.fdopen(fd, "rb") as handle:
                stored = handle.read()
        except (OSError, ValueError):
            return None
        data = unseal(stored)
        if data is None:
            self._drop(path)
        return data

    def put(self, layer: str, key: str, data: bytes) -> None:
        path = self._path(layer, key)
        made = self._temporary(os.path.dirname(path))
        if made is None:
            return
        fd, tmp = made
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(seal(data))
            os.replace(tmp, path)
        except OSError:
            self._drop(tmp)  # a cache that cannot be written only costs time

    # --- typed layers ---

    def get_object(self, layer: str, key: str) -> object | None:
        data = self.get(layer, key)
        return load_pickled(data) if data is not None else None

    def put_object(self, layer: str, key: str, value: object) -> None:
        if self.enabled:
            self.put(layer, key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    # --- packs: many small entries of one build in one file ---

    def read_pack(self, name: str) -> dict[str, bytes]:
        """The entries of pack `name` (key -> blob); empty when missing or damaged."""
        reader = self.pack_reader(name)
        try:
            return reader.entries()
        finally:
            reader.close()

    def pack_reader(self, name: str) -> PackReader:
        """Pack `name` with its entries found but not copied out (empty when missing or
        damaged): for reading a few of many."""
        path = self._path("packs", digest("pack", name))
        fd = self._open(path)
        return PackReader(fd, path if fd is not None else None)

    def append_to_pack(self, name: str, entries: dict[str, bytes]) -> None:
        """Add entries to the end of an existing pack, without writing it all again. (A later
        entry wins over an earlier one of the same key; an append cut short makes the pack
        damaged, which only costs the work it saved.)"""
        if not entries:
            return
        fd = self._open(self._path("packs", digest("pack", name)), os.O_WRONLY | os.O_APPEND)
        if fd is None:
            return  # never creates: only an existing pack grows
        try:
            with os.fdopen(fd, "wb") as handle:
                for key, blob in entries.items():
                    handle.write(pack_entry(key, blob))
        except OSError:
            pass

    def pack_writer(self, name: str) -> PackWriter | None:
        path = self._path("packs", digest("pack", name))
        made = self._temporary(os.path.dirname(path))
        if made is None:
            return None
        fd, tmp = made
        writer = PackWriter(os.fdopen(fd, "wb"), tmp, path)
        writer.start()
        return writer

    def template_store(self) -> TemplateStore | None:
        """Where compiled templates are kept, when this cache is usable."""
        return TemplateStore(self._root) if self.enabled else None

    # --- the build record of one OUT folder ---

    def _record_key(self, out: Path) -> str:
        return digest("build", str(out.resolve()))

    def load_record(self, out: Path) -> BuildRecord | None:
        data = self.get("builds", self._record_key(out))
        return BuildRecord.from_json(data) if data is not None else None

    def save_record(self, out: Path, record: BuildRecord) -> None:
        self.put("builds", self._record_key(out), record.to_json())


# A pack: its magic, then entries of a hex sha256 key, a little-endian length, the checksum of
# the blob, and the blob.
_PACK_MAGIC = b"sogen-pack\x02"
_PACK_HEAD = 64 + 8 + _SUM


def pack_entry(key: str, blob: bytes) -> bytes:
    if len(key) != 64 or not key.isascii():
        return b""
    return key.encode("ascii") + len(blob).to_bytes(8, "little") + _checksum(blob) + blob


class PackReader:
    """The entries of one pack file, found by their headers and read one by one when asked
    for (a rebuild may need a few blobs of a pack of thousands). An entry whose checksum
    fails is not found."""

    def __init__(self, fd: int | None, path: str | None = None) -> None:
        self.index: dict[str, tuple[int, int, bytes]] = {}
        self.size = 0
        self.handle: BinaryIO | None = None
        self.path = path
        self.damaged = False
        if fd is None:
            return
        try:
            self.handle = os.fdopen(fd, "rb")
            self.size = os.fstat(fd).st_size
            magic = os.pread(fd, len(_PACK_MAGIC), 0)
        except OSError:
            self.close()
            return
        at = len(_PACK_MAGIC)
        if magic != _PACK_MAGIC:
            self._drop()
            return
        try:
            while at + _PACK_HEAD <= self.size:
                head = os.pread(fd, _PACK_HEAD, at)
                if len(head) != _PACK_HEAD:
                    break
                size = int.from_bytes(head[64:72], "little")
                at += _PACK_HEAD
                if at + size > self.size:
                    break
                key = head[:64].decode("ascii", errors="replace")
                self.index[key] = (at, at + size, head[72:])
                at += size
        except OSError:
            pass
        if at != self.size:
            self.index = {}  # cut short or unreadable: trust none of it
            self._drop()

    def get(self, key: str) -> bytes | None:
        span = self.index.get(key)
        if span is None or self.handle is None:
            return None
        start, end, checksum = span
        try:
            data = os.pread(self.handle.fileno(), end - start, start)
        except OSError:
            return None
        if len(data) != end - start or _checksum(data) != checksum:
            del self.index[key]
            self._drop()
            return None
        return data

    def _drop(self) -> None:
        """A damaged pack is removed (this reader keeps its copy), so the next build that
        needs it makes it again; unless the pack has been replaced since it was opened."""
        self.damaged = True
        if self.path is None or self.handle is None:
            return
        with contextlib.suppress(OSError):
            now, opened = os.lstat(self.path), os.fstat(self.handle.fileno())
            if (now.st_dev, now.st_ino) == (opened.st_dev, opened.st_ino):
                os.unlink(self.path)
        self.path = None

    def entries(self) -> dict[str, bytes]:
        found = {}
        for key in list(self.index):
            blob = self.get(key)
            if blob is not None:
                found[key] = blob
        return found

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


class PackWriter:
    """Writes a pack entry by entry (nothing is held in memory); `commit` puts it in place."""

    def __init__(self, handle: BinaryIO, tmp: str, path: str) -> None:
        self.handle, self.tmp, self.path = handle, tmp, path
        self.ok = True

    def start(self) -> None:
        self._write(_PACK_MAGIC)

    def add(self, key: str, blob: bytes) -> None:
        if self.ok:
            self._write(pack_entry(key, blob))

    def _write(self, data: bytes) -> None:
        try:
            self.handle.write(data)
        except OSError:
            self.ok = False  # a cache that cannot be written only costs time

    def commit(self) -> None:
        try:
            self.handle.close()
            if self.ok:
                os.replace(self.tmp, self.path)
                return
        except OSError:
            pass
        with contextlib.suppress(OSError):
            os.unlink(self.tmp)


class PackMemo:
    """A layer whose entries for one build live in one pack file (the output folder names it):
    one file instead of thousands, which a cold build would spend seconds creating. The new
    pack holds what this build used or made; `commit` replaces the old one."""

    def __init__(self, cache: BuildCache | None, name: str) -> None:
        self.old = cache.read_pack(name) if cache is not None else {}
        self.writer = cache.pack_writer(name) if cache is not None else None

    def get(self, key: str) -> bytes | None:
        blob = self.old.pop(key, None)
        if blob is not None and self.writer is not None:
            self.writer.add(key, blob)
        return blob

    def put(self, key: str, blob: bytes) -> None:
        if self.writer is not None:
            self.writer.add(key, blob)

    def commit(self) -> None:
        self.old = {}
        if self.writer is not None:
            self.writer.commit()
            self.writer = None


class TemplateStore:
    """Compiled templates, kept in the cache's `compiled` layer (so under its checks and
    checksums; Jinja's own file cache would unpickle whatever its folder holds). Only a path:
    a helper process opens the same store."""

    def __init__(self, root: str) -> None:
        self.root = root

    def bytecode_cache(self) -> jinja2.BytecodeCache | None:
        cache = BuildCache(Path(self.root))
        return _jinja_bytecode(cache) if cache.enabled else None


def _jinja_bytecode(cache: BuildCache) -> jinja2.BytecodeCache:
    import jinja2  # only a build that renders needs it

    class CompiledTemplates(jinja2.BytecodeCache):
        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            data = cache.get("compiled", digest("template", bucket.key))
            if data is not None:
                bucket.bytecode_from_string(data)  # resets itself when the source changed

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            cache.put("compiled", digest("template", bucket.key), bucket.bytecode_to_string())

    return CompiledTemplates()


def load_pickled(data: bytes) -> object | None:
    """An object this cache stored pickled (its folder is ours alone), or None if damaged."""
    try:
        value: object = pickle.loads(data)
    except Exception:
        return None
    return value


# The folders a cache holds; anything else under the root (say, a test suite's tools) is not
# the cache's to sweep. `templates` held Jinja's own file cache before `compiled` replaced it.
LAYERS = ("builds", "compiled", "packs", "serialized", "state", "valid")
_OBSOLETE = ("templates",)
_SWEPT = ".swept"  # its mtime: when the cache was last swept
DEFAULT_MAX_BYTES = 1024 * 1024 * 1024
_MAX_AGE = 30 * 24 * 3600.0  # an entry no build has made or used for a month is dropped
_SWEEP_EVERY = 3600.0
_STALE_TEMPORARY = 3600.0  # a writer's temporary file this old belongs to a dead build


def cache_max_bytes(configured: int | None = None) -> int:
    """The size a cache is kept under: configuration, else $SOGEN_CACHE_MAX_MB, else 1 GiB."""
    if configured is not None:
        return configured
    env = os.environ.get("SOGEN_CACHE_MAX_MB", "")
    return int(env) * 1024 * 1024 if env.isdigit() else DEFAULT_MAX_BYTES


@dataclass
class Usage:
    files: int = 0
    bytes: int = 0


def _entries(cache: BuildCache) -> list[tuple[float, int, str]]:
    """(mtime, size, path) of every file in the layers, through trusted folders only."""
    found: list[tuple[float, int, str]] = []
    todo = [os.path.join(cache._root, layer) for layer in LAYERS]
    while todo:
        folder = todo.pop()
        if not cache._trusted_folder(folder):
            continue
        try:
            with os.scandir(folder) as listing:
                for entry in listing:
                    st = entry.stat(follow_symlinks=False)
                    if stat.S_ISDIR(st.st_mode):
                        todo.append(entry.path)
                    else:
                        found.append((st.st_mtime, st.st_size, entry.path))
        except OSError:
            continue
    return found


def usage(cache: BuildCache) -> dict[str, Usage]:
    """Files and bytes by layer."""
    by_layer = {layer: Usage() for layer in LAYERS}
    for _, size, path in _entries(cache):
        layer = os.path.relpath(path, cache._root).split(os.sep, 1)[0]
        by_layer[layer].files += 1
        by_layer[layer].bytes += size
    return by_layer


def sweep(cache: BuildCache, max_bytes: int, now: float | None = None, force: bool = False) -> int:
    """Keep the cache small: at most once an hour (unless `force`), drop entries unused for a
    month, temporary files of dead writers and obsolete layers, then the oldest entries until
    the cache is under 80% of `max_bytes`. Returns the bytes freed. Packs are rewritten by every
    build that uses them, so age by mtime is age since last use for them; a blob used again
    after it was dropped is only made again."""
    if not cache.enabled:
        return 0
    now = time.time() if now is None else now
    marker = os.path.join(cache._root, _SWEPT)
    try:
        if not force and now - os.lstat(marker).st_mtime < _SWEEP_EVERY:
            return 0
    except OSError:
        pass
    with contextlib.suppress(OSError):
        with open(marker, "wb"):
            pass
        os.utime(marker, (now, now))
    freed = 0
    for name in _OBSOLETE:
        freed += _remove_tree(cache, os.path.join(cache._root, name))
    kept: list[tuple[float, int, str]] = []
    for mtime, size, path in _entries(cache):
        temporary = os.path.basename(path).startswith(".tmp-")
        if now - mtime > (_STALE_TEMPORARY if temporary else _MAX_AGE):
            freed += _unlink(path, size)
        elif not temporary:
            kept.append((mtime, size, path))
    total = sum(size for _, size, _ in kept)
    if total > max_bytes:
        for _, size, path in sorted(kept):
            if total <= max_bytes * 0.8:
                break
            gone = _unlink(path, size)
            total -= gone
            freed += gone
    return freed


def clear(cache: BuildCache) -> int:
    """Remove every layer; returns the bytes freed."""
    if not cache.enabled:
        return 0
    return sum(
        _remove_tree(cache, os.path.join(cache._root, name)) for name in (*LAYERS, *_OBSOLETE)
    )


def _unlink(path: str, size: int) -> int:
    try:
        os.unlink(path)
    except OSError:
        return 0
    return size


def _remove_tree(cache: BuildCache, folder: str) -> int:
    """Remove `folder` if it is a folder of ours (never through a symlink)."""
    try:
        if not _ours(os.lstat(folder), stat.S_ISDIR):
            return 0
    except OSError:
        return 0
    freed = 0
    for root, dirs, files in os.walk(folder, topdown=False):
        for name in files:
            path = os.path.join(root, name)
            with contextlib.suppress(OSError):
                freed += _unlink(path, os.lstat(path).st_size)
        for name in dirs:
            with contextlib.suppress(OSError):
                os.rmdir(os.path.join(root, name))
    with contextlib.suppress(OSError):
        os.rmdir(folder)
    cache._folders.clear()
    cache._folders[cache._root] = cache.enabled
    return freed
