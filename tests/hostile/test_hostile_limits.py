"""Limits: oversized pages and tables are refused quickly; no regex goes super-linear."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hostile_kit import assert_clean_diagnostics, endpoint_page, run_cli

from generator.diagnostics import Diagnostics
from generator.model.doctext import clean_doc_text, first_sentence, split_online_restricted
from generator.pages.parse import MAX_TABLE_ROWS, parse_page
from generator.pages.reader import MAX_PAGE_BYTES

FAST = 3.0  # seconds; each case below takes well under 1 s when linear


def _page(description: str = "Does the thing.", rows: int = 1) -> str:
    return endpoint_page(
        uid="v1LimitAgent_Run",
        method="POST",
        path="/api/v1/Agents/Limit/Run",
        description=description,
        body_rows=[(f"P{n}", "String", "d") for n in range(rows)],
        response_label="string",
    )


def _timed_build(tmp_path: Path, text: str | bytes) -> tuple[float, str, int]:
    page = tmp_path / "p.md"
    page.write_bytes(text if isinstance(text, bytes) else text.encode())
    start = time.perf_counter()
    result = run_cli("lint", page)
    elapsed = time.perf_counter() - start
    assert_clean_diagnostics(result.err)
    return elapsed, result.err, result.code


def test_page_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    text = _page("x" * (MAX_PAGE_BYTES + 10))
    elapsed, err, code = _timed_build(tmp_path, text)
    assert code == 1 and "[SOG104]" in err and f"{tmp_path / 'p.md'}:1:1: error" in err
    assert elapsed < FAST


@pytest.mark.parametrize("rows", [MAX_TABLE_ROWS + 1, 150_000])
def test_table_over_the_row_limit_is_refused_quickly(tmp_path: Path, rows: int) -> None:
    elapsed, err, code = _timed_build(tmp_path, _page(rows=rows))
    assert code == 1 and "[SOG205]" in err
    assert elapsed < FAST


def test_table_at_the_row_limit_is_accepted(tmp_path: Path) -> None:
    elapsed, err, code = _timed_build(tmp_path, _page(rows=MAX_TABLE_ROWS))
    assert "[SOG205]" not in err and code == 0, err[-2000:]
    assert elapsed < 10 * FAST


def test_pipe_only_table_rows_are_counted_too(tmp_path: Path) -> None:
    table = "| a | b |\n|---|---|\n" + "|x|\n" * (MAX_TABLE_ROWS + 1)
    elapsed, err, code = _timed_build(tmp_path, _page() + "\n\n" + table)
    assert code == 1 and "[SOG205]" in err and elapsed < FAST


PATHOLOGICAL = {
    "100k unclosed see": '<see cref="x" ' * 100_000,
    "unclosed see with text": '<see cref="a">x' * 40_000,
    "unclosed see pairs": "<see>" * 100_000,
    "unclosed c": "<c>" * 100_000,
    "unclosed a": "<a href='x'>" * 50_000,
    "tag with long attributes": "<p " + "a" * 300_000 + ">",
    "tag with long spaces": "<b" + " " * 300_000 + "x",
    "backtick runs of every length": "".join("`" * k + "x" for k in range(1, 700)),
    "one huge backtick run": "`aaa" + "`" * 200_000,
    "bold openers": "**a " * 100_000,
    "heading spaces": "##" + " " * 200_000 + "x",
    "online sentence": "## Online Restricted: ## x. " + "Online " * 100_000,
    "curly refs": "{SuperOffice." * 100_000,
    "entities": "&amp;" * 100_000 + "lt;",
    "include markers": "[!include[" * 100_000,
    "long line": "word " * 400_000,
}


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_doc_text_is_linear_on_pathological_input(text: str) -> None:
    start = time.perf_counter()
    clean_doc_text(text)
    split_online_restricted(text)
    first_sentence(text)
    assert time.perf_counter() - start < FAST


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pages_with_pathological_text_parse_quickly(text: str) -> None:
    page = _page(text)
    page += "\n\n## Sample request\n\n" + text[:200_000]
    start = time.perf_counter()
    diags = Diagnostics()
    parse_page(page, "p.md", diags)
    assert time.perf_counter() - start < FAST


def test_front_matter_bombs_are_refused(tmp_path: Path) -> None:
    laughs = "".join(f"l{n}: &l{n} [" + ",".join([f"*l{n - 1}"] * 9) + "]\n" for n in range(1, 12))
    text = '---\nuid: a\nl0: &l0 ["lol"]\n' + laughs + "---\n" + _page().split("---\n", 2)[2]
    elapsed, err, code = _timed_build(tmp_path, text)
    assert code == 1 and "[SOG101]" in err and elapsed < FAST
