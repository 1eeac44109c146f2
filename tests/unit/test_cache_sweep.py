"""The build cache stays small: swept after builds, capped, and clearable (issue 18)."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

from generator.build.cache import BuildCache, sweep, usage
from generator.cli import main

ROOT = Path(__file__).resolve().parents[2]
DAY = 24 * 3600.0


def _blob(cache: BuildCache, layer: str, n: int, size: int, age_days: float) -> str:
    key = f"{n:064x}"
    cache.put(layer, key, b"x" * size)
    path = cache._path(layer, key)
    then = time.time() - age_days * DAY
    os.utime(path, (then, then))
    return path


def test_sweep_drops_old_entries_stale_temporaries_and_obsolete_layers(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path / "c")
    old = _blob(cache, "valid", 1, 10, age_days=40)
    recent = _blob(cache, "valid", 2, 10, age_days=2)
    stale = Path(recent).parent / ".tmp-dead"
    stale.write_bytes(b"half")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    fresh_tmp = Path(recent).parent / ".tmp-live"
    fresh_tmp.write_bytes(b"being written")
    (tmp_path / "c" / "templates").mkdir()
    (tmp_path / "c" / "templates" / "__jinja2_x.cache").write_bytes(b"old layer")
    (tmp_path / "c" / "node-tools-1").mkdir()  # not a layer: never the cache's to sweep
    (tmp_path / "c" / "node-tools-1" / "tool").write_bytes(b"t")
    freed = sweep(cache, max_bytes=10**9)
    assert freed > 0
    assert not os.path.exists(old) and os.path.exists(recent)
    assert not stale.exists() and fresh_tmp.exists()
    assert not (tmp_path / "c" / "templates").exists()
    assert (tmp_path / "c" / "node-tools-1" / "tool").exists()


def test_sweep_keeps_the_cache_under_its_cap_dropping_the_oldest_first(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path / "c")
    paths = [_blob(cache, "serialized", n, 100_000, age_days=10 - n) for n in range(10)]
    assert sweep(cache, max_bytes=520_000) > 0
    kept = [os.path.exists(p) for p in paths]
    assert kept == [False] * 6 + [True] * 4  # under 80% of the cap, newest kept
    assert usage(cache)["serialized"].bytes <= 416_000


def test_sweep_runs_at_most_hourly_unless_forced(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path / "c")
    sweep(cache, max_bytes=10**9)
    old = _blob(cache, "valid", 1, 10, age_days=40)
    assert sweep(cache, max_bytes=10**9) == 0 and os.path.exists(old)
    assert sweep(cache, max_bytes=10**9, force=True) > 0 and not os.path.exists(old)


def test_sweep_does_not_enter_folders_of_others(tmp_path: Path) -> None:
    cache = BuildCache(tmp_path / "c")
    theirs = _blob(cache, "valid", 1, 10, age_days=40)
    Path(theirs).parent.chmod(0o777)  # writable by others: not trusted, not entered
    cache = BuildCache(tmp_path / "c")
    sweep(cache, max_bytes=10**9, force=True)
    assert os.path.exists(theirs)


def test_a_build_sweeps_its_cache_to_the_configured_size(tmp_path: Path) -> None:
    cache_dir = tmp_path / "c"
    cache = BuildCache(cache_dir)
    junk = [_blob(cache, "valid", n, 1024 * 1024, age_days=3) for n in range(3)]
    (tmp_path / "sogen.toml").write_text("cache_max_mb = 1\n")
    out, err = io.StringIO(), io.StringIO()
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        code = main(
            ["build", str(ROOT / "specs"), "-o", "o", "--cache-dir", str(cache_dir)], out, err
        )
    finally:
        os.chdir(before)
    assert code == 0, err.getvalue()
    assert not any(os.path.exists(p) for p in junk)
    assert sum(u.bytes for u in usage(BuildCache(cache_dir)).values()) <= 1024 * 1024


def test_cache_info_and_clear(tmp_path: Path) -> None:
    cache_dir = tmp_path / "c"
    assert (
        main(
            [
                "build",
                str(ROOT / "specs"),
                "-o",
                str(tmp_path / "o"),
                "--cache-dir",
                str(cache_dir),
                "-q",
            ]
        )
        == 0
    )
    (cache_dir / "node-tools-1").mkdir()
    out = io.StringIO()
    assert main(["cache", "--cache-dir", str(cache_dir)], out=out) == 0
    text = out.getvalue()
    assert text.startswith(f"{cache_dir}: ") and "MiB of at most 1024 MiB" in text
    assert "packs" in text and "compiled" in text
    out = io.StringIO()
    assert main(["cache", "clear", "--cache-dir", str(cache_dir)], out=out) == 0
    assert "cleared" in out.getvalue()
    assert sorted(p.name for p in cache_dir.iterdir()) == [".swept", "node-tools-1"]
