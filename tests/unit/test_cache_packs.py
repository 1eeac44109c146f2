"""Pack files (generator/cache.py): one file per build for many small cache entries."""

from __future__ import annotations

from pathlib import Path

from generator.build.cache import BuildCache, PackMemo, digest


def _key(n: int) -> str:
    return digest("entry", str(n))


def test_entries_round_trip_and_only_used_ones_are_kept(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path / "c")
    first = PackMemo(cache, "out-a")
    for n in range(5):
        first.put(_key(n), f"blob {n}".encode() * n)
    first.commit()
    assert cache.read_pack("out-a") == {_key(n): f"blob {n}".encode() * n for n in range(5)}
    second = PackMemo(cache, "out-a")
    assert second.get(_key(2)) == b"blob 2blob 2"
    assert second.get(_key(9)) is None
    second.put(_key(7), b"new")
    second.commit()
    # what the second build did not use is gone; what it used or made is there
    assert cache.read_pack("out-a") == {_key(2): b"blob 2blob 2", _key(7): b"new"}
    assert cache.read_pack("out-b") == {}  # another output folder has its own pack


def test_a_damaged_pack_is_ignored(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path / "c")
    memo = PackMemo(cache, "out")
    memo.put(_key(1), b"x" * 1000)
    memo.put(_key(2), b"y" * 10)
    memo.commit()
    path = cache._path("packs", digest("pack", "out"))
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[:-5])  # cut short
    assert cache.read_pack("out") == {}
    Path(path).write_bytes(data + b"junk")  # trailing bytes that are no entry
    assert cache.read_pack("out") == {}


def test_no_cache_means_no_pack(tmp_path: Path) -> None:
    memo = PackMemo(None, "out")
    memo.put(_key(1), b"x")
    assert memo.get(_key(1)) is None
    memo.commit()
    disabled = BuildCache(tmp_path / "c", enabled=False)
    assert disabled.pack_writer("out") is None
