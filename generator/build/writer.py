"""Writing the output folder safely.

The new output is prepared in a staging folder beside OUT, file by file as the build produces
it (so the build need not hold all of it in memory), and swapped in only when the whole build
succeeded: a failing or interrupted build leaves OUT exactly as it was. Files whose bytes are
unchanged keep their inode and mtime (hard links), and files sogen did not write are carried
over untouched. A manifest in OUT lists what sogen wrote, so a later build removes what it no
longer produces and never touches anything else: a file sogen did not write where it now
generates one is refused (unless told to overwrite it), a file it wrote and someone changed since
is kept rather than removed, and only regular files are ever opened. Folders keep their mode and
owner across the swap; OUT (or a folder in it) that sogen may not write is refused.
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


class RefusedPath(UnsafePathError):
    """A path in OUT sogen will not write; `code` and `where` (OUT as given, joined with the
    name) make the located diagnostic."""

    def __init__(self, code: str, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.code, self.where, self.message = code, where, message


class NotRegularFile(OSError):
    pass


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # files sogen wrote, no longer makes, but someone changed since: kept, no longer sogen's
    kept_edited: list[str] = field(default_factory=list)
    # folders of an earlier build sogen could not remove (never a reason to fail)
    leftovers: list[str] = field(default_factory=list)


@dataclass
class Difference:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # sogen wrote them; since deleted by hand

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.missing)


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
    return list(manifest_hashes(out))


def manifest_hashes(out: Path) -> dict[str, str]:
    """The files the last build wrote, each with the start of its sha256 ('' when the
    manifest does not say)."""
    path = out / MANIFEST
    try:
        # never through a symlink (it could point at /dev/zero or at someone else's file)
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_MANIFEST_BYTES:
            return {}
        data = json.loads(_read_regular(str(path)).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    files = data.get("files", []) if isinstance(data, dict) else []
    shas = data.get("sha256") if isinstance(data, dict) else None
    shas = shas if isinstance(shas, dict) else {}
    found = {}
    for name in files:
        if isinstance(name, str):
            sha = shas.get(name)
            found[name] = sha if isinstance(sha, str) else ""
    return found


def _read_regular(path: str) -> bytes:
    """The bytes of `path` if it is a regular file (not through a symlink); never blocks on
    a FIFO or a device planted there (NotRegularFile)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(f"{path} is {_kind(st.st_mode)}, not a regular file")
        with os.fdopen(fd, "rb", buffering=0, closefd=False) as handle:
            return handle.readall()
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISLNK(mode):
        return "a symlink"
    return "a special file"


def _sogen_wrote(path: str, recorded: str) -> bool:
    """True when the regular file `path` still holds what the manifest recorded (an old
    manifest without hashes: assumed so)."""
    if not recorded:
        return True
    try:
        return hashlib.sha256(_read_regular(path)).hexdigest().startswith(recorded)
    except OSError:
        return False


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
        """OUT's `rel`; None when there is none (or it cannot be read). Never opens anything
        but a regular file: a FIFO there would hang `check` (NotRegularFile)."""
        try:
            return _read_regular(str(self.out.joinpath(*safe_relative(rel).parts)))
        except NotRegularFile:
            raise
        except OSError:
            return None

    def put(self, rel: str, data: bytes) -> None:
        self.names.add(rel)
        if _linked(self.out, rel):
            self.difference.changed.append(rel)  # build would refuse it; never read through it
            return
        try:
            current = self._current(rel)
        except NotRegularFile:
            self.difference.changed.append(rel)  # build refuses it too (SOG506)
            return
        if current is None:
            self.difference.added.append(rel)
        elif current != data:
            self.difference.changed.append(rel)

    def reuse(self, rel: str, sha: str) -> bool:
        """True (and counted as unchanged) when OUT's `rel` is a file with hash `sha`."""
        try:
            current = None if _linked(self.out, rel) else self._current(rel)
        except NotRegularFile:
            current = None
        if current is None or hashlib.sha256(current).hexdigest() != sha:
            return False
        self.names.add(rel)
        return True

    def finish(self) -> Difference:
        """What build would remove, by the same rule: files of the last manifest no longer
        made, still plain files holding what sogen wrote."""
        diff = self.difference
        written = manifest_hashes(self.out)
        diff.missing = sorted(rel for rel in diff.added if rel in written)
        diff.added = [rel for rel in diff.added if rel not in written]
        for rel, recorded in written.items():
            if rel in self.names:
                continue
            try:
                linked = _linked(self.out, rel)
            except UnsafePathError:
                continue  # a tampered manifest names nothing outside OUT
            here = str(self.out.joinpath(*safe_relative(rel).parts))
            if not linked and _is_regular(here) and _sogen_wrote(here, recorded):
                diff.removed.append(rel)
        diff.added.sort()
        diff.changed.sort()
        return diff


def _is_regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


class StagedOutput:
    """`build`: the next state of OUT, staged beside it file by file; `commit` swaps it in,
    `abort` (or any exception inside a `with` block) throws it away."""

    def __init__(
        self,
        out: Path,
        known: dict[str, tuple[int, int, str]] | None = None,
        overwrite_unowned: bool = False,
    ) -> None:
        """`known`: size, mtime_ns and sha256 of the files the last build left in OUT, so a
        file still in that state and given the same bytes is not read back to compare.
        `overwrite_unowned`: replace files sogen did not write where it now writes one."""
        self.given = out
        self.out = out.absolute()
        self.known = known or {}
        self.overwrite_unowned = overwrite_unowned
        self.stage: Path | None = None
        self.hashes: dict[str, str] = {}  # name -> sha256 of what was put
        self.report = WriteReport()
        self._plain_dirs: set[str] = set()
        self._made_dirs: set[str] = set()
        self.empty_stage = False  # the stage started empty (no OUT yet)
        self.kept: dict[str, tuple[int, int]] = {}  # files reused as OUT holds them: size, mtime
        self.owned: dict[str, str] = {}  # the last build's manifest: name -> sha256 start
        # files that stand where sogen writes one and may not be replaced; the build fails
        self.problems: list[RefusedPath] = []

    def _open(self) -> Path:
        """The staging folder, made on the first file (a build that fails before producing
        anything never touches the disk)."""
        if self.stage is None:
            if self.given.is_symlink():
                raise UnsafePathError(f"output folder {self.given} is a symlink")
            if self.given.exists() and not self.given.is_dir():
                raise UnsafePathError(f"output folder {self.given} exists and is not a folder")
            current = os.stat(self.out) if self.out.is_dir() else None
            if current is not None:
                _refuse_folder(current, str(self.given), top=True)
            self.out.parent.mkdir(parents=True, exist_ok=True)
            _recover(self.out)
            stage = self.out.parent / f".{self.out.name}.sogen-stage-{os.getpid()}"
            if os.path.lexists(stage):
                _remove_tree(stage)
            self.stage = stage
            if current is not None:
                self.owned = manifest_hashes(self.out)
                _mirror(str(self.out), str(stage), str(self.given), current)
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
            return
        recorded = self._recorded_sha(target, rel)
        if recorded == sha:
            self.kept[rel] = self.known[rel][:2]
            self.report.unchanged.append(rel)
            return
        problem = self._in_the_way(target, rel, data)
        if problem is not None:
            self.problems.append(problem)  # reported with the others; nothing is swapped in
        elif recorded is not None:
            _replace_file(target, data)  # known to hold other bytes: no need to read them
            self.report.written.append(rel)
        elif _put_file(target, data):
            self.report.written.append(rel)
        else:
            self.report.unchanged.append(rel)

    def _in_the_way(self, target: str, rel: str, data: bytes) -> RefusedPath | None:
        """Why what OUT holds at `rel` may not be replaced, if so: anything but a regular
        file (a FIFO would hang the build), or a file sogen did not write (not in the last
        manifest) that holds other bytes than these, unless `overwrite_unowned`."""
        try:
            st = os.lstat(target)
        except OSError:
            return None  # nothing there (or a folder above it is missing: made later)
        shown = str(self.given.joinpath(*rel.split("/")))
        if not stat.S_ISREG(st.st_mode):
            return RefusedPath(
                "SOG506",
                shown,
                f"{_kind(st.st_mode)} is where sogen writes a file; sogen opens nothing but "
                "regular files there: remove it",
            )
        if rel in self.owned or self.overwrite_unowned:
            return None
        try:
            same = st.st_size == len(data) and _read_regular(target) == data
        except OSError:
            same = False
        if same:
            return None  # a copy of what sogen writes: taking it over loses nothing
        return RefusedPath(
            "SOG505",
            shown,
            "file sogen did not write (it is not in the last build's "
            f"{MANIFEST}) is where sogen now writes one; move it away, or let sogen replace "
            "it with --overwrite-unowned (configuration: overwrite_unowned = true)",
        )

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
        if self.problems:
            raise self.problems[0]  # callers report them all before committing
        report = self.report
        try:
            manifest = _target(stage, MANIFEST)
            if os.path.lexists(manifest) and not _is_regular(manifest):
                mode = os.lstat(manifest).st_mode
                shown = str(self.given / MANIFEST)
                raise RefusedPath("SOG506", shown, f"{_kind(mode)} is where sogen writes a file")
            _put_file(manifest, manifest_from_hashes(self.hashes))
            for rel, recorded in self.owned.items():
                if rel in self.hashes:
                    continue
                try:
                    target = _target(stage, rel)
                except UnsafePathError:
                    continue  # a tampered manifest cannot make us delete outside OUT
                if not _is_regular(target):
                    continue
                if not _sogen_wrote(target, recorded):
                    report.kept_edited.append(rel)  # changed since: no longer sogen's file
                    continue
                os.unlink(target)
                report.removed.append(rel)
                _prune_empty(Path(target).parent, stage)
            report.written.sort()
            report.unchanged.sort()
            if not report.written and not report.removed and self.out.is_dir():
                _remove_tree(stage)  # nothing changed: leave OUT alone entirely
            else:
                report.leftovers = _swap(stage, self.out)
        except BaseException:
            _remove_tree(stage)
            raise
        finally:
            self.stage = None
        return report

    def abort(self) -> None:
        if self.stage is not None:
            _remove_tree(self.stage)
            self.stage = None

    def __enter__(self) -> StagedOutput:
        return self

    def __exit__(self, *exc: object) -> None:
        self.abort()  # after a commit there is nothing left to remove


def _refuse_folder(st: os.stat_result, shown: str, top: bool) -> None:
    """OUT, and every folder in it, is replaced by a copy at each build: refuse one sogen
    may not write, and one whose owner the copy could not keep (or, for OUT itself, any
    other user's)."""
    what = "output folder" if top else "folder in the output folder"
    if not st.st_mode & stat.S_IWUSR:
        raise RefusedPath(
            "SOG504",
            shown,
            f"{what} is read-only (mode {stat.S_IMODE(st.st_mode):04o}); sogen writes no "
            "folder its owner may not write: make it writable or choose another output folder",
        )
    euid = os.geteuid()
    if st.st_uid != euid and (top or euid != 0):
        raise RefusedPath(
            "SOG504",
            shown,
            f"{what} belongs to uid {st.st_uid}, not to the user running sogen (uid {euid}); "
            "sogen replaces it at each build and will not take another user's folder over",
        )


def _keep_folder(folder: str, st: os.stat_result) -> None:
    """Give the stage's copy of a folder the mode and (where this process may) the owner and
    group of the folder it replaces."""
    made = os.lstat(folder)
    if (made.st_uid, made.st_gid) != (st.st_uid, st.st_gid):
        with contextlib.suppress(PermissionError):
            os.chown(folder, st.st_uid, st.st_gid, follow_symlinks=False)
    os.chmod(folder, stat.S_IMODE(st.st_mode))


def _put_file(target: str, data: bytes) -> bool:
    """Write `target` in the stage unless it already holds these bytes; True when written.

    The stage is ours alone and is swapped in whole or thrown away, so a file is written in
    place; what is there is a hard link to OUT's file, which is unlinked first, so OUT's inode
    is never written through. Only a regular file there is ever opened."""
    try:
        if _read_regular(target) == data:
            return False
        os.unlink(target)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
    except NotRegularFile:
        raise
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
        if staged.problems:
            raise staged.problems[0]
        return staged.commit()


def _mirror(src: str, dst: str, shown: str, st: os.stat_result) -> None:
    """Recreate `src` in `dst` with hard links (copies where links are refused), each folder
    with its mode and owner (`st`: src's); symlinks are recreated as symlinks, never followed.
    `shown`: src as the user named it, for messages. (str paths: this runs for every file.)"""
    os.mkdir(dst)
    _keep_folder(dst, st)
    with os.scandir(src) as listing:
        entries = list(listing)
    for entry in entries:
        target = os.path.join(dst, entry.name)
        if entry.is_symlink():
            os.symlink(os.readlink(entry.path), target)
        elif entry.is_dir(follow_symlinks=False):
            inner = entry.stat(follow_symlinks=False)
            where = os.path.join(shown, entry.name)
            _refuse_folder(inner, where, top=False)
            _mirror(entry.path, target, where, inner)
        else:
            try:
                os.link(entry.path, target)
            except OSError:
                if not entry.is_file(follow_symlinks=False):  # never copy a FIFO's stream
                    mode = entry.stat(follow_symlinks=False).st_mode
                    where = os.path.join(shown, entry.name)
                    raise RefusedPath(
                        "SOG506", where, f"{_kind(mode)} sogen cannot carry over"
                    ) from None
                shutil.copy2(entry.path, target)


def _backup_of(out: Path) -> Path:
    return out.parent / f".{out.name}.sogen-previous"


def _backups(out: Path) -> list[Path]:
    """OUT's backups: the usual one, and those of builds (now gone) that found it stuck."""
    prefix = f".{out.name}.sogen-previous-"
    try:
        names = [e.name for e in os.scandir(out.parent) if e.name.startswith(prefix)]
    except OSError:
        names = []
    found = [out.parent / n for n in names if _dead_pid(n[len(prefix) :])]
    plain = _backup_of(out)
    return sorted(found, key=lambda p: p.name) + ([plain] if os.path.lexists(plain) else [])


def _swap(stage: Path, out: Path) -> list[str]:
    """Put `stage` in OUT's place; the folders of earlier builds it could not remove (sogen
    never fails for them)."""
    backup = _backup_of(out)
    if os.path.lexists(backup):
        _remove_tree(backup)
    if os.path.lexists(backup):  # an earlier build's (another user's, say) that is stuck
        backup = out.parent / f".{out.name}.sogen-previous-{os.getpid()}"
        _remove_tree(backup)
    if out.exists():
        os.rename(out, backup)
        try:
            os.rename(stage, out)
        except BaseException:
            os.rename(backup, out)
            raise
        _remove_tree(backup)
    else:
        os.rename(stage, out)
    left = dict.fromkeys(str(p) for p in [*_backups(out), backup] if os.path.lexists(p))
    return list(left)


def _recover(out: Path) -> None:
    """A swap interrupted between its two renames leaves only the backup: put it back. A
    build killed outright leaves its staging folder: remove those of processes that are gone
    (a live one may be another build of the same OUT). Folders that cannot be removed are
    left, and never make a build fail."""
    backups = _backups(out)
    if not os.path.lexists(out):
        # a build's own backup (named for it) is newer than the usual one it found stuck
        for backup in backups:
            if backup.is_dir() and not backup.is_symlink():
                try:
                    os.rename(backup, out)
                except OSError:
                    continue  # one we may not move (a sticky parent): left, OUT made anew
                break
    for backup in backups:
        if os.path.lexists(backup):
            _remove_tree(backup)
    prefix = f".{out.name}.sogen-stage-"
    try:
        siblings = [e for e in os.scandir(out.parent) if e.name.startswith(prefix)]
    except OSError:
        return
    for entry in siblings:
        if entry.is_dir(follow_symlinks=False) and _dead_pid(entry.name[len(prefix) :]):
            _remove_tree(Path(entry.path))


def _dead_pid(text: str) -> bool:
    return text.isdigit() and not _alive(int(text))


def _remove_tree(path: Path) -> None:
    """Remove `path` as far as possible, never failing: a folder of ours made read-only (by a
    user, or an older sogen's copy of one) is made writable first."""
    if os.path.islink(path):
        with contextlib.suppress(OSError):
            os.unlink(path)
        return
    shutil.rmtree(path, ignore_errors=True)
    if not os.path.lexists(path):
        return
    euid = os.geteuid()
    folders = [str(path)]
    while folders:
        folder = folders.pop()
        try:
            st = os.lstat(folder)
            if st.st_uid == euid and st.st_mode & 0o700 != 0o700:
                os.chmod(folder, stat.S_IMODE(st.st_mode) | 0o700)
            with os.scandir(folder) as listing:
                folders.extend(e.path for e in listing if e.is_dir(follow_symlinks=False))
        except OSError:
            continue
    shutil.rmtree(path, ignore_errors=True)


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
