"""The build cache under attack and damage: what it holds is unpickled and run (parsed pages,
compiled templates), so nothing in it may come from anyone else, and a damaged entry may cost
time but never a wrong result or a hang."""

from __future__ import annotations

import os
import pickle
import random
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import jinja2.bccache
import pytest
from hostile_kit import assert_clean_diagnostics, snapshot

from generator.build.cache import PackReader, pack_entry, seal, unseal

SPECS = Path(__file__).resolve().parents[2] / "specs"
_SEALED = b"sogen\x02"
_PACK = b"sogen-pack\x02"
OTHER_UID = 65534  # nobody


def _build(
    pages: Path, out: Path, cache: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    command = ["build", str(pages), "-o", str(out), "--cache-dir", str(cache)]
    return subprocess.run(
        [sys.executable, "-m", "generator", *command],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


class _Plant:
    """Unpickling this creates `marker`: what an attacker's cache entry would do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, (f"open({str(self.marker)!r}, 'w').close()",))


def _evil(original: bytes, marker: Path) -> bytes:
    """An entry of the same kind as `original` whose loading runs code, well formed in every
    other way (right magic, right checksums): only the cache's ownership checks stop it."""
    code = pickle.dumps(_Plant(marker))
    if original.startswith(_PACK):
        reader_keys = _pack_keys(original)
        return _PACK + b"".join(pack_entry(key, code) for key in reader_keys)
    if original.startswith(_SEALED):
        return seal(code)
    if original.startswith(jinja2.bccache.bc_magic):  # Jinja's own file cache
        return jinja2.bccache.bc_magic + code
    return code


def _pack_keys(data: bytes) -> list[str]:
    keys, at = [], len(_PACK)
    while at + 88 <= len(data):
        keys.append(data[at : at + 64].decode("ascii"))
        at += 88 + int.from_bytes(data[at + 64 : at + 72], "little")
    return keys


def _entries(cache: Path) -> list[Path]:
    """The cache's entries: files in its layers (not its sweep marker)."""
    return sorted(
        p for p in cache.rglob("*") if p.is_file() and not p.is_symlink() and p.parent != cache
    )


def _hand_over(path: Path, mode: int) -> None:
    """Make `path` writable by someone else: another owner when we may, else group/other
    write permission."""
    if os.getuid() == 0:
        os.chown(path, OTHER_UID, OTHER_UID)
    else:
        path.chmod(mode)


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes | str]]:
    cache, out = tmp_path / "cache", tmp_path / "out"
    first = _build(SPECS, out, cache)
    assert first.returncode == 0, first.stderr
    assert len(_entries(cache)) > 10, "the build filled the cache"
    return cache, out, snapshot(out)


@pytest.mark.parametrize("how", ["files of another", "folders of another", "symlinks"])
def test_planted_cache_entries_never_run(
    built: tuple[Path, Path, dict[str, bytes | str]], tmp_path: Path, how: str
) -> None:
    cache, _, expected = built
    marker = tmp_path / "planted-code-ran"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for n, entry in enumerate(_entries(cache)):
        evil = _evil(entry.read_bytes(), marker)
        if how == "symlinks":  # a file of ours, reached through a link planted in the cache
            target = elsewhere / str(n)
            target.write_bytes(evil)
            target.chmod(0o600)
            entry.unlink()
            entry.symlink_to(target)
            continue
        entry.write_bytes(evil)
        if how == "files of another":
            _hand_over(entry, 0o666)
    if how == "folders of another":
        for folder in sorted(p for p in cache.rglob("*") if p.is_dir()):
            _hand_over(folder, 0o777)
    again = _build(SPECS, tmp_path / "out2", cache)  # a new OUT: every layer is asked
    assert again.returncode == 0, again.stderr
    assert not marker.exists(), "code planted in the cache ran"
    assert snapshot(tmp_path / "out2") == expected


def _flip_bits(cache: Path, rng: random.Random) -> int:
    flipped = 0
    for entry in _entries(cache):
        data = bytearray(entry.read_bytes())
        if not data:
            continue
        at = rng.randrange(len(data))
        data[at] ^= 1 << rng.randrange(8)
        entry.write_bytes(bytes(data))
        flipped += 1
    return flipped


def _damaged(cache: Path) -> list[str]:
    """Entries of the cache that do not check out."""
    bad = []
    for entry in _entries(cache):
        if entry.name.startswith(".tmp-"):
            bad.append(f"{entry}: temporary file left")
            continue
        data = entry.read_bytes()
        if data.startswith(_PACK):
            fd = os.open(entry, os.O_RDONLY)
            reader = PackReader(fd)
            ok = len(reader.entries()) == len(set(_pack_keys(data))) and not reader.damaged
            reader.close()
        else:
            ok = unseal(data) is not None
        if not ok:
            bad.append(str(entry))
    return bad


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bit_flips_in_the_cache_are_dropped_and_rebuilt(
    built: tuple[Path, Path, dict[str, bytes | str]], seed: int
) -> None:
    """One flipped bit in every entry (packs, records, compiled templates): the next build
    gives the same output as a clean one, in bounded time, and leaves a sound cache."""
    cache, out, expected = built
    assert _flip_bits(cache, random.Random(seed)) > 10
    (out / "openapi.yaml").write_text("edited")  # so the build cannot be "up to date"
    damaged = _build(SPECS, out, cache, timeout=60)
    assert damaged.returncode == 0, damaged.stderr
    assert_clean_diagnostics(damaged.stderr)
    assert " 0 errors, 0 warnings" in damaged.stderr
    assert snapshot(out) == expected
    assert _damaged(cache) == []
    rebuilt = _build(SPECS, out.parent / "out-again", cache, timeout=60)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert snapshot(out.parent / "out-again") == expected


def test_fifo_in_the_cache_does_not_hang(
    built: tuple[Path, Path, dict[str, bytes | str]], tmp_path: Path
) -> None:
    cache, _, expected = built
    for entry in _entries(cache):
        entry.unlink()
        os.mkfifo(entry, 0o600)
    again = _build(SPECS, tmp_path / "out2", cache, timeout=60)
    assert again.returncode == 0, again.stderr
    assert snapshot(tmp_path / "out2") == expected
    fifos = [p for p in cache.rglob("*") if stat.S_ISFIFO(os.lstat(p).st_mode)]
    assert len(fifos) < len(_entries(cache))  # what the build made replaced some of them


def test_cache_root_of_another_is_not_used(tmp_path: Path) -> None:
    cache = tmp_path / "shared-cache"
    cache.mkdir()
    _hand_over(cache, 0o777)
    result = _build(SPECS, tmp_path / "out", cache)
    assert result.returncode == 0, result.stderr
    assert list(cache.iterdir()) == []  # nothing read, nothing written
    shutil.rmtree(cache)
