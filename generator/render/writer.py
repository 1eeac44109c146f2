"""Writing the output folder safely.

The new output is prepared in a staging folder beside OUT, file by file as the build produces
it (so the build need not hold all of it in memory), and swapped in only when the whole build
succeeded: a failing or interrupted build leaves OUT exactly as it was. Files whose bytes are
unchanged keep their inode and mtime (hard links), and files sogen did not write are carried
over untouched. A manifest in OUT lists what sogen wrote, so a later build removes what it no
longer produces and never touches anything else.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MANIFEST = ".sogen-manifest.json"


class UnsafePathError(ValueError):
    pass


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass
class Difference:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def safe_relative(rel: str) -> PurePosixPath:
    """Reject any output name that could land outside OUT."""
    if "\0" in rel or "\\" in rel:
        raise UnsafePathError(f"unsafe output path {rel!r}")
    path = PurePosixPath(rel)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
        raise UnsafePathError(f"unsafe output path {rel!r}")
    return path


def _target(
    out: Path | str, rel: str, plain_dirs: set[str] | None = None, file_too: bool = True
) -> str:
    """`rel` inside `out`, refusing any symlink on the way: the file (unless not `file_too`)
    or a folder above it. `plain_dirs` remembers folders already found to be real ones
    (checked once per build; str paths, as this runs for every file)."""
    parts = rel.split("/")
    if "\0" in rel or "\\" in rel or any(p in ("", ".", "..") for p in parts):
        raise UnsafePathError(f"unsafe output path {rel!r}")
    root = str(out)
    folder = os.path.join(root, *parts[:-1]) if len(parts) > 1 else root
    if plain_dirs is None or folder not in plain_dirs:
        path = root
        for part in parts[:-1]:
            path = os.path.join(path, part)
            if plain_dirs is not None and path in plain_dirs:
                continue
            if os.path.islink(path):
                raise UnsafePathError(f"refusing to write through symlink {path}")
            if plain_dirs is not None:
                plain_dirs.add(path)
    target = os.path.join(folder, parts[-1])
    if file_too and os.path.islink(target):
        raise UnsafePathError(f"refusing to write through symlink {target}")
    return target


MAX_MANIFEST_BYTES = 16 * 1024 * 1024


def read_manifest(out: Path) -> list[str]:
    path = out / MANIFEST
    try:
        # never through a symlink (it could point at /dev/zero or at someone else's file)
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_MANIFEST_BYTES:
            return []
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return []
    files = data.get("files", []) if isinstance(data, dict) else []
    return [f for f in files if isinstance(f, str)]


def manifest_from_hashes(hashes: dict[str, str]) -> bytes:
    entries = {name: hashes[name][:16] for name in sorted(hashes)}
    doc = {"generator": "sogen", "files": sorted(hashes), "sha256": entries}
    return (json.dumps(doc, indent=2) + "\n").encode()


def _linked(out: Path, rel: str) -> bool:
    """True when `rel` inside `out` is, or lies below, a symlink (which is never followed)."""
    probe = out.joinpath(*safe_relative(rel).parts)
    while probe != out:
        if probe.is_symlink():
            return True
        probe = probe.parent
    return False


class OutputComparison:
    """`check`: compares each file with OUT as it is produced, writing nothing."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.names: set[str] = set()
        self.difference = Difference()

    def _current(self, rel: str) -> bytes | None:
        try:
            return self.out.joinpath(*safe_relative(rel).parts).read_bytes()
        except OSError:
            return None

    def put(self, rel: str, data: bytes) -> None:
        self.names.add(rel)
        if _linked(self.out, rel):
            self.difference.changed.append(rel)  # build would refuse it; never read through it
            return
        current = self._current(rel)
        if current is None:
            self.difference.added.append(rel)
        elif current != data:
            self.difference.changed.append(rel)

    def reuse(self, rel: str, sha: str) -> bool:
        """True (and counted as unchanged) when OUT's `rel` is a file with hash `sha`."""
        current = None if _linked(self.out, rel) else self._current(rel)
        if current is None or hashlib.sha256(current).hexdigest() != sha:
            return False
        self.names.add(rel)
        return True

    def finish(self) -> Difference:
        diff = self.difference
        for rel in read_manifest(self.out):
            try:
                linked = _linked(self.out, rel)
            except UnsafePathError:
                continue  # a tampered manifest names nothing outside OUT
            here = self.out.joinpath(*safe_relative(rel).parts)
            if rel not in self.names and not linked and here.exists():
                diff.removed.append(rel)
        diff.added.sort()
        diff.changed.sort()
        return diff


class StagedOutput:
    """`build`: the next state of OUT, staged beside it file by file; `commit` swaps it in,
    `abort` (or any exception inside a `with` block) throws it away."""

    def __init__(self, out: Path, known: dict[str, tuple[int, int, str]] | None = None) -> None:
        """`known`: size, mtime_ns and sha256 of the files the last build left in OUT, so a
        file still in that state and given the same bytes is not read back to compare."""
        self.given = out
        self.out = out.absolute()
        self.known = known or {}
        self.stage: Path | None = None
        self.hashes: dict[str, str] = {}  # name -> sha256 of what was put
        self.report = WriteReport()
        self._plain_dirs: set[str] = set()
        self._made_dirs: set[str] = set()
        self.empty_stage = False  # the stage started empty (no OUT yet)
        self.kept: dict[str, tuple[int, int]] = {}  # files reused as OUT holds them: size, mtime

    def _open(self) -> Path:
        """The staging folder, made on the first file (a build that fails before producing
        anything never touches the disk)."""
        if self.stage is None:
            if self.given.is_symlink():
                raise UnsafePathError(f"output folder {self.given} is a symlink")
            if self.given.exists() and not self.given.is_dir():
                raise UnsafePathError(f"output folder {self.given} exists and is not a folder")
            self.out.parent.mkdir(parents=True, exist_ok=True)
            _recover(self.out)
            stage = self.out.parent / f".{self.out.name}.sogen-stage-{os.getpid()}"
            if stage.exists():
                shutil.rmtree(stage)
            self.stage = stage
            if self.out.is_dir():
                _mirror(self.out, stage)
            else:
                stage.mkdir()
                self.empty_stage = True
        return self.stage

    def _claim(self, rel: str) -> Path:
        """The stage, once `rel` is known to be neither reserved nor given already."""
        stage = self._open()
        if rel == MANIFEST or rel in self.hashes:
            raise UnsafePathError(f"output path {rel!r} given twice or reserved")
        return stage

    def put(self, rel: str, data: bytes) -> None:
        stage = self._claim(rel)
        sha = self.hashes[rel] = hashlib.sha256(data).hexdigest()
        target = _target(stage, rel, self._plain_dirs)
        if self.empty_stage:  # nothing to compare with or replace: just write
            folder = os.path.dirname(target)
            if folder not in self._made_dirs:
                os.makedirs(folder, exist_ok=True)
                self._made_dirs.add(folder)
            _write_file(target, data)
            self.report.written.append(rel)
        else:
            recorded = self._recorded_sha(target, rel)
            if recorded == sha:
                self.kept[rel] = self.known[rel][:2]
                self.report.unchanged.append(rel)
            elif recorded is not None:
                _replace_file(target, data)  # known to hold other bytes: no need to read them
                self.report.written.append(rel)
            elif _put_file(target, data):
                self.report.written.append(rel)
            else:
                self.report.unchanged.append(rel)

    def reuse(self, rel: str, sha: str) -> bool:
        """Keep `rel` as the last build left it if that is a file with hash `sha` (a rebuild
        then need not make the file again); False when it must be put."""
        stage = self._claim(rel)
        if self.empty_stage or rel not in self.known:
            return False
        # a symlink there is never the recorded file (put refuses it then)
        if self._recorded_sha(_target(stage, rel, self._plain_dirs, file_too=False), rel) != sha:
            return False
        self.hashes[rel] = sha
        self.kept[rel] = self.known[rel][:2]
        self.report.unchanged.append(rel)
        return True

    def _recorded_sha(self, target: str, rel: str) -> str | None:
        """The sha256 the last build recorded for `rel`, when the staged file (a hard link to
        OUT's) is still a plain file of the recorded size and mtime; None when unknown."""
        state = self.known.get(rel)
        if state is None:
            return None
        try:
            st = os.lstat(target)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode) or (st.st_size, st.st_mtime_ns) != state[:2]:
            return None
        return state[2]

    def commit(self) -> WriteReport:
        stage = self._open()
        report = self.report
        try:
            _put_file(_target(stage, MANIFEST), manifest_from_hashes(self.hashes))
            for rel in read_manifest(self.out):
                if rel in self.hashes:
                    continue
                try:
                    target = _target(stage, rel)
                except UnsafePathError:
                    continue  # a tampered manifest cannot make us delete outside OUT
                if os.path.isfile(target):
                    os.unlink(target)
                    report.removed.append(rel)
                    _prune_empty(Path(target).parent, stage)
            report.written.sort()
            report.unchanged.sort()
            if not report.written and not report.removed and self.out.is_dir():
                shutil.rmtree(stage)  # nothing changed: leave OUT alone entirely
            else:
                _swap(stage, self.out)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
        finally:
            self.stage = None
        return report

    def abort(self) -> None:
        if self.stage is not None:
            shutil.rmtree(self.stage, ignore_errors=True)
            self.stage = None

    def __enter__(self) -> StagedOutput:
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()  # after a commit there is nothing left to remove


def _put_file(target: str, data: bytes) -> bool:
    """Write `target` in the stage unless it already holds these bytes; True when written.

    The stage is ours alone and is swapped in whole or thrown away, so a file is written in
    place; what is there is a hard link to OUT's file, which is unlinked first, so OUT's inode
    is never written through."""
    try:
        with open(target, "rb") as handle:
            same = handle.read() == data
        if same:
            return False
        os.unlink(target)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
    except OSError:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
    _write_file(target, data)
    return True


def _replace_file(target: str, data: bytes) -> None:
    """Write `target` in the stage in place of the hard link to OUT's file (never through it)."""
    os.unlink(target)
    _write_file(target, data)


def _write_file(target: str, data: bytes) -> None:
    # O_EXCL: never through anything planted meanwhile; unbuffered: open, write, close
    with open(target, "xb", buffering=0) as handle:
        view, written = memoryview(data), 0
        while written < len(data):
            count = handle.write(view[written:])
            if not count:
                raise OSError(f"short write to {target}")
            written += count


def write_output(out: Path, files: dict[str, bytes]) -> WriteReport:
    """Write `files` (relative posix path -> bytes) into `out` at once; see StagedOutput."""
    with StagedOutput(out) as staged:
        for rel in sorted(files):
            staged.put(rel, files[rel])
        return staged.commit()


def _mirror(src: Path | str, dst: Path | str) -> None:
    """Recreate `src` in `dst` with hard links (copies where links are refused); symlinks are
    recreated as symlinks, never followed. (str paths: this runs for every file in OUT.)"""
    os.mkdir(dst)
    for entry in os.scandir(src):
        target = os.path.join(dst, entry.name)
        if entry.is_symlink():
            os.symlink(os.readlink(entry.path), target)
        elif entry.is_dir():
            _mirror(entry.path, target)
        else:
            try:
                os.link(entry.path, target)
            except OSError:
                shutil.copy2(entry.path, target)


def _backup_of(out: Path) -> Path:
    return out.parent / f".{out.name}.sogen-previous"


def _swap(stage: Path, out: Path) -> None:
    backup = _backup_of(out)
    if backup.exists():
        shutil.rmtree(backup)
    if out.exists():
        os.rename(out, backup)
        try:
            os.rename(stage, out)
        except BaseException:
            os.rename(backup, out)
            raise
        shutil.rmtree(backup, ignore_errors=True)
    else:
        os.rename(stage, out)


def _recover(out: Path) -> None:
    """A swap interrupted between its two renames leaves only the backup: put it back. A
    build killed outright leaves its staging folder: remove those of processes that are gone
    (a live one may be another build of the same OUT)."""
    backup = _backup_of(out)
    if backup.is_dir() and not backup.is_symlink() and not out.exists():
        os.rename(backup, out)
    elif backup.exists():
        shutil.rmtree(backup, ignore_errors=True)
    prefix = f".{out.name}.sogen-stage-"
    try:
        siblings = [e for e in os.scandir(out.parent) if e.name.startswith(prefix)]
    except OSError:
        return
    for entry in siblings:
        pid = entry.name[len(prefix) :]
        if pid.isdigit() and entry.is_dir(follow_symlinks=False) and not _alive(int(pid)):
            shutil.rmtree(entry.path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or not a pid we can ask about: leave it
    return True


def _prune_empty(folder: Path, out: Path) -> None:
    while folder != out and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
