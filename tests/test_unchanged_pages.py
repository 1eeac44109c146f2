"""A rebuild does not read a page whose size and mtime are as the last build recorded them,
when that mtime was well before that build started (generator/build/pages.py: read_pages); any
other page is read, and the output is always that of a whole build."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from pagekit import REPO

from generator import pipeline
from generator.build import pages as pages_module
from generator.diagnostics import Diagnostics
from generator.pages import reader

HOUR_AGO = time.time() - 3600


def _age(pages: Path) -> None:
    for page in pages.rglob("*.md"):
        os.utime(page, (HOUR_AGO, HOUR_AGO))


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages each build reads, by name."""
    seen: list[str] = []
    real = reader.read_page_with_stat

    def counted(path: Path, display: str, diags: Diagnostics) -> object:
        seen.append(Path(display).name)
        return real(path, display, diags)

    monkeypatch.setattr(pages_module, "read_page_with_stat", counted)
    return seen


def _build(pages: Path, out: Path, cache: Path) -> pipeline.Outcome:
    return pipeline.build(pipeline.Options(inputs=[pages], out=out, cache_dir=cache))


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    dst = tmp_path / "specs"
    shutil.copytree(REPO / "specs", dst)
    return dst


def test_unchanged_old_pages_are_not_read_again(
    specs: Path, tmp_path: Path, reads: list[str]
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    _age(specs)
    _build(specs, out, cache)
    assert len(reads) == 2
    reads.clear()
    again = _build(specs, out, cache)
    assert again.up_to_date and reads == []


def test_an_edited_page_is_read_and_rebuilt(specs: Path, tmp_path: Path, reads: list[str]) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    _age(specs)
    _build(specs, out, cache)
    reads.clear()
    page = specs / "v1ChatAgent_AddChatMessage.md"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "| ChatSessionId | Integer |", "| ChatSessionId | string |"
        ),
        encoding="utf-8",
    )
    edited = _build(specs, out, cache)
    assert reads == [page.name]
    whole = _build(specs, tmp_path / "whole", tmp_path / "whole-cache")
    assert [str(d) for d in edited.diags] == [str(d) for d in whole.diags]
    for file in (tmp_path / "whole").rglob("*"):
        if file.is_file():
            assert (out / file.relative_to(tmp_path / "whole")).read_bytes() == file.read_bytes()


def test_pages_changed_just_before_a_build_are_always_read(
    specs: Path, tmp_path: Path, reads: list[str]
) -> None:
    """Written moments before the build that recorded them, a page could change again within
    the same clock tick without its mtime showing it: such pages are never trusted."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    for page in specs.glob("*.md"):
        os.utime(page)  # written just now
    _build(specs, out, cache)
    reads.clear()
    _build(specs, out, cache)
    assert sorted(reads) == sorted(p.name for p in specs.glob("*.md"))


def test_a_new_generator_reads_every_page(
    specs: Path, tmp_path: Path, reads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    _age(specs)
    _build(specs, out, cache)
    reads.clear()
    for module in (pipeline, pages_module):
        monkeypatch.setattr(module, "code_version", lambda: "another generator")
    _build(specs, out, cache)
    assert len(reads) == 2
