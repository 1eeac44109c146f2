"""Stage 1's markdown-it setup (generator/pages/mdparser.py, table_rule.py, heading_rule.py).

Our rules push one token per table and per heading, and a dispatch rule skips rules that cannot
match; the blocks found must be the ones a plain markdown-it-py setup finds. Each test compares
the two on texts that probe one edge, then checks what the result is.
"""

from __future__ import annotations

import random

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from generator.pages import heading_rule, mdparser, table_rule

OURS = mdparser.make_parser()
PLAIN = MarkdownIt("commonmark", {"maxNesting": 40}).use(front_matter_plugin).enable("table")
PLAIN.disable("inline")

Block = tuple[object, ...]


def blocks_plain(text: str) -> list[Block]:
    """The blocks markdown-it-py's own rules find, tables and headings folded to one entry."""
    tokens = PLAIN.parse(text)
    out: list[Block] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "table_open":
            header: list[str] = []
            rows: list[tuple[int, list[str]]] = []
            while tokens[i].type != "table_close":
                if tokens[i].type == "tr_open":
                    line = tokens[i].map[0] if tokens[i].map else -1
                    cells = []
                    while tokens[i].type != "tr_close":
                        if tokens[i].type == "inline":
                            cells.append(tokens[i].content.strip())
                        i += 1
                    if header:
                        rows.append((line, cells))
                    else:
                        header = cells
                i += 1
            out.append(("table", token.map, header, rows))
        elif token.type == "heading_open" and token.markup.startswith("#"):
            out.append(("heading", token.tag, token.map, tokens[i + 1].content))
            i += 2
        else:
            out.append(_plain_block(token))
        i += 1
    return out


def blocks_ours(text: str) -> list[Block]:
    out: list[Block] = []
    for token in OURS.parse(text):
        if token.type == table_rule.TOKEN_TYPE:
            rows = [(line, cells) for line, cells in token.meta["rows"]]
            out.append(("table", token.map, token.meta["header"], rows))
        elif token.type == heading_rule.TOKEN_TYPE:
            out.append(("heading", token.tag, token.map, token.content))
        else:
            out.append(_plain_block(token))
    return out


def _plain_block(token: Token) -> Block:
    return (token.type, token.tag, token.map, token.content, token.info, token.level)


TABLE_EDGES = [
    # escaped pipes (a backslash before a pipe always escapes it), leading/trailing pipes
    "| a \\| b | c |\n|---|---|\n| 1 \\\\| 2 | 3 \\|\n| x |  y\\|z  |",
    "a | b\n--|--\n1 | 2\n3\n4 | 5 | 6",
    # rows with fewer and more cells than the header
    "| a | b | c |\n|:-|:-:|-:|\n| 1 |\n| 1 | 2 | 3 | 4 | 5 |\n||||",
    # delimiter rows that are not: wrong width, a lone dash, inner empty column, text
    "| a | b |\n|---|\n| 1 | 2 |",
    "| a |\n- |\n| 1 |",
    "| a | b |\n|---||---|",
    "| a | b |\n|---|-x-|",
    "| a |\n|-|",
    # a table interrupts a paragraph; the body ends at a blank line or at another block
    "Some text\n| a | b |\n|---|---|\n| 1 | 2 |\nnot a row\n\n| 3 | 4 |",
    "| a |\n|---|\n| 1 |\n# heading\n| 2 |",
    "| a |\n|---|\n| 1 |\n> quote\n| 2 |",
    "| a |\n|---|\n| 1 |\n- item\n1. item\n2) item\n",
    "| a |\n|---|\n| 1 |\n```\ncode\n```\n| 2 |\n<div>\n| 3 |\n***\n___\n~~~\n",
    "| a |\n|---|\n-1 |\n*x |\n+y |\n_z |\n10 |\n<b> |\n#no |\n",
    # indentation: up to three spaces is a table, four is code (header or delimiter)
    "   | a |\n   |---|\n   | 1 |\n    | 2 |",
    "    | a |\n    |---|\n    | 1 |",
    "| a |\n    |---|\n| 1 |",
    "\t| a |\n|---|",
    # inside a blockquote and a list item
    "> | a | b |\n> |---|---|\n> | 1 | 2 | 3 |\n> | 4 |\n| 5 |",
    "- | a | b |\n  |---|---|\n  | 1 |\n| 2 |\n\n1. x\n\n   | a |\n   |---|\n   | 1 |",
    # blanks that are not CommonMark whitespace, and lines of blanks
    "| a | b |\x1c\n|---|---|\n| 1 | 2 |\x1c\n|\u00a0|\n\u00a0\n| 3 |",
    "| a |\n|---|\n| 1 |\n   \n| 2 |",
    # front matter is found on line 0 even inside a list item (the plugin looks at the text's
    # first character)
    "- |---||---|\ntitle: x\n---\n| a |\n|---|",
    "- ---\nuid: x\n---\n",
    # a table right after front matter and at the very end of the text
    "---\nuid: x\n---\n| a |\n|---|",
    "| a |\n|---|\n| 1 |",
]


@pytest.mark.parametrize("text", TABLE_EDGES)
def test_tables_are_the_blocks_markdown_it_finds(text: str) -> None:
    assert blocks_ours(text) == blocks_plain(text)


def test_table_token_holds_header_and_rows_with_their_lines() -> None:
    text = "Intro\n| a \\| b | c |\n|---|:-:|\n| 1 | 2 | 3 |\n| x |\n\nafter"
    (table,) = [t for t in OURS.parse(text) if t.type == table_rule.TOKEN_TYPE]
    assert table.map == [1, 5]
    assert table.meta["header"] == ["a | b", "c"]
    # extra cells dropped, missing ones empty: what markdown-it's cell tokens held
    assert table.meta["rows"] == [(3, ["1", "2"]), (4, ["x", ""])]


def test_row_starting_like_a_block_ends_the_table_only_if_that_block_starts() -> None:
    text = "| a |\n|---|\n| 1 |\n-1 |\n#2 |\n> 3 |\n| 4 |"
    (table,) = [t for t in OURS.parse(text) if t.type == table_rule.TOKEN_TYPE]
    # "-1 |" and "#2 |" are rows (no list item, no heading); "> 3 |" starts a blockquote
    assert [line for line, _ in table.meta["rows"]] == [2, 3, 4]


HEADING_EDGES = [
    "# a\n## b ##\n### c ###  \n#### C#\n##### x \\#\n###### six\n####### seven",
    "#\n# \n#\t\n## ##\n# #\n#x\n#\u00a0x\n# a #b\n# a\t#\t\n#  spaced  ",
    "para\n# heading interrupts\n    # code\n   # three spaces\n> # quoted\n- # in list",
    "| a |\n|---|\n| 1 |\n## Response\n| 2 |",
    "Title\n===\n\nSub\n---\n# after",
]


@pytest.mark.parametrize("text", HEADING_EDGES)
def test_headings_are_the_blocks_markdown_it_finds(text: str) -> None:
    assert blocks_ours(text) == blocks_plain(text)


def test_heading_token_text_drops_the_closing_sequence_only_after_a_blank() -> None:
    tokens = OURS.parse("## Response ##\n# C#\n### x ### y")
    assert [(t.type, t.tag, t.content) for t in tokens] == [
        (heading_rule.TOKEN_TYPE, "h2", "Response"),
        (heading_rule.TOKEN_TYPE, "h1", "C#"),
        (heading_rule.TOKEN_TYPE, "h3", "x ### y"),
    ]


LINES = [
    "| a | b |", "|---|---|", "| 1 | 2 |", "| 1 \\| 2 |", "a | b", "--|--", "", "   ", "text",
    "# h", "## Response", "### x ###", "#x", "> q", "> | a |", "- item", "  | a |", "1. one",
    "2) two", "    code", "\tcode", "```", "```http", "~~~", "<div>", "<!-- c -->", "***",
    "---", "===", "[ref]: /url", "[a]", "_ _ _", "+ plus", "\\", "|", "||", ":-:", "- ---",
]  # fmt: skip


def test_random_documents_give_the_blocks_markdown_it_finds() -> None:
    rng = random.Random(20240611)
    for _ in range(400):
        text = "\n".join(rng.choice(LINES) for _ in range(rng.randint(1, 30)))
        assert blocks_ours(text) == blocks_plain(text), text


def test_table_end_check_knows_every_rule_that_ends_a_table() -> None:
    # table_rule asks these rules only on rows whose first character one of them can match
    ruler = OURS.block.ruler
    enders = ruler.getRules("blockquote")
    names = [
        n for n, r in zip(ruler.get_active_rules(), ruler.getRules(""), strict=True) if r in enders
    ]
    assert names == ["front_matter", "fence", "blockquote", "hr", "list", "html_block", "heading"]
    for name in names[1:]:  # front matter can only start on line 0, never a table row
        assert set(mdparser._FIRST_CHARS[name]) <= table_rule._TERMINATOR_STARTS


def test_dispatch_runs_first_and_the_rules_keep_markdown_its_order() -> None:
    assert OURS.block.ruler.get_active_rules() == [
        "dispatch", "front_matter", "table", "code", "fence", "blockquote", "hr", "list",
        "reference", "html_block", "heading", "lheading", "paragraph",
    ]  # fmt: skip
