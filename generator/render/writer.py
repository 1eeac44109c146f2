"""Writing the output folder safely.

Everything is rendered in memory first, so a failing build writes nothing. The new output is then
prepared in a staging folder beside OUT and swapped in; files whose bytes are unchanged keep their
inode and mtime (hard links), and files sogen did not write are carried over untouched. A manifest
in OUT lists what sogen wrote, so a later build removes what it no longer produces and never
touches anything else.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MANIFEST = ".sogen-manifest.json"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()


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


def _target(out: Path, rel: str) -> Path:
    target = out.joinpath(*safe_relative(rel).parts)
    # never write through a symlink, whether the file or a folder on the way
    probe = target
    while probe != out:
        if probe.is_symlink():
            raise UnsafePathError(f"refusing to write through symlink {probe}")
        probe = probe.parent
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


def manifest_bytes(files: dict[str, bytes]) -> bytes:
    entries = {name: hashlib.sha256(data).hexdigest()[:16] for name, data in sorted(files.items())}
    doc = {"generator": "sogen", "files": sorted(files), "sha256": entries}
    return (json.dumps(doc, indent=2) + "\n").encode()


def _linked(out: Path, rel: str) -> bool:
    """True when `rel` inside `out` is, or lies below, a symlink (which is never followed)."""
    probe = out.joinpath(*safe_relative(rel).parts)
    while probe != out:
        if probe.is_symlink():
            return True
        probe = probe.parent
    return False


def diff_output(out: Path, files: dict[str, bytes]) -> Difference:
    diff = Difference()
    for rel in sorted(files):
        target = out.joinpath(*safe_relative(rel).parts)
        if _linked(out, rel):
            diff.changed.append(rel)  # build would refuse it; never read through a link
            continue
        try:
            current = target.read_bytes()
        except OSError:
            diff.added.append(rel)
            continue
        if current != files[rel]:
            diff.changed.append(rel)
    for rel in read_manifest(out):
        try:
            linked = _linked(out, rel)
        except UnsafePathError:
            continue  # a tampered manifest names nothing outside OUT
        if rel not in files and not linked and out.joinpath(*safe_relative(rel).parts).exists():
            diff.removed.append(rel)
    return diff


def write_output(out: Path, files: dict[str, bytes]) -> WriteReport:
    """Write `files` (relative posix path -> bytes) into `out`; see the module docstring.

    The new state is prepared in a staging folder beside `out` (unchanged and foreign files are
    hard links, so their mtimes stay) and swapped in at the end: a failure or interruption
    before the swap leaves `out` exactly as it was.
    """
    if out.is_symlink():
        raise UnsafePathError(f"output folder {out} is a symlink")
    if out.exists() and not out.is_dir():
        raise UnsafePathError(f"output folder {out} exists and is not a folder")
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    _recover(out)
    stage = out.parent / f".{out.name}.sogen-stage-{os.getpid()}"
    if stage.exists():
        shutil.rmtree(stage)
    try:
        if out.is_dir():
            _mirror(out, stage)
        else:
            stage.mkdir()
        report = _apply(stage, files, read_manifest(out))
        if not report.written and not report.removed and out.is_dir():
            shutil.rmtree(stage)  # nothing changed: leave OUT alone entirely
            return report
        _swap(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return report


def _apply(stage: Path, files: dict[str, bytes], previous: list[str]) -> WriteReport:
    report = WriteReport()
    all_files = dict(files)
    all_files[MANIFEST] = manifest_bytes(files)
    for rel in sorted(all_files):
        target = _target(stage, rel)
        data = all_files[rel]
        try:
            if target.read_bytes() == data:
                if rel != MANIFEST:
                    report.unchanged.append(rel)
                continue
        except OSError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(target, data)  # replaces the link: the old inode in OUT is untouched
        if rel != MANIFEST:
            report.written.append(rel)
    for rel in previous:
        if rel in files:
            continue
        try:
            target = _target(stage, rel)
        except UnsafePathError:
            continue  # a tampered manifest cannot make us delete outside OUT
        if target.is_file():
            target.unlink()
            report.removed.append(rel)
            _prune_empty(target.parent, stage)
    return report


def _mirror(src: Path, dst: Path) -> None:
    """Recreate `src` in `dst` with hard links (copies where links are refused); symlinks are
    recreated as symlinks, never followed."""
    dst.mkdir()
    for entry in os.scandir(src):
        target = dst / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(entry.path), target)
        elif entry.is_dir():
            _mirror(Path(entry.path), target)
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
    """A swap interrupted between its two renames leaves only the backup: put it back."""
    backup = _backup_of(out)
    if backup.is_dir() and not backup.is_symlink() and not out.exists():
        os.rename(backup, out)
    elif backup.exists():
        shutil.rmtree(backup, ignore_errors=True)


def _atomic_write(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".sogen-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, _FILE_MODE)  # mkstemp makes 0600; generated files are ordinary files
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _prune_empty(folder: Path, out: Path) -> None:
    while folder != out and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
