"""A GFM table block rule that pushes one token per table.

markdown-it-py's own `table` rule pushes three tokens per cell plus an inline token, and parsing
then walks them all again; on pages made mostly of tables that was most of the parse time. This
rule decides exactly as markdown-it-py 4.3.0's rule does (same start conditions, same end of the
table, same cell texts) and pushes a single `sogen_table` token:

    token.map   [first line, line after the table]  (0-based)
    token.meta  {"header": [cell, ...], "rows": [(line, [cell, ...]), ...]}

Cell texts are stripped, and every row has exactly as many cells as the header (missing cells
are "", extra ones are dropped), as markdown-it-py's tokens had them.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.common.utils import MD_TRIM_CHARS
from markdown_it.rules_block import StateBlock

TOKEN_TYPE = "sogen_table"

# markdown-it-py stops filling short rows after this many empty cells in one table
_MAX_AUTOCOMPLETED_CELLS = 0x10000
_DELIMITER_CELL = re.compile(r"^:?-+:?$")
_DELIMITER_ROW = re.compile(r"[-:| \t]*")
# Every first character with which a rule that ends a table (fence, blockquote, hr, list,
# html_block, heading) can match; a row starting with another one cannot end it. (Front matter
# also ends a table, but only on line 0, which is never a row.)
_TERMINATOR_STARTS = frozenset("`~>*-_+<#0123456789")


def use_table_rule(md: MarkdownIt) -> None:
    """Put this rule in place of markdown-it's `table` rule (same place, same alternatives)."""
    md.block.ruler.at("table", table_rule, {"alt": ["paragraph", "reference"]})


def _escaped_split(text: str) -> list[str]:
    """markdown-it's escapedSplit: split at pipes not right after a backslash, and drop the
    backslash of each escaped pipe."""
    if "\\|" not in text:
        return text.split("|")
    # a pipe is escaped whenever the character before it is a backslash, even an escaped one
    return [part.replace("\\|", "|") for part in _UNESCAPED_PIPE.split(text)]


_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def _cells(text: str) -> list[str]:
    """The cells of a header or body line (trimmed): split, without an empty first and last
    cell."""
    columns = _escaped_split(text)
    if columns and columns[0] == "":
        columns.pop(0)
    if columns and columns[-1] == "":
        columns.pop()
    return columns


def _delimiter_width(state: StateBlock, line: int) -> int:
    """How many columns a delimiter row (`|---|:--:|`) has; 0 when the line is not one."""
    src = state.src
    pos = state.bMarks[line] + state.tShift[line]
    end = state.eMarks[line]
    if end - pos < 2:
        return 0
    first, second = src[pos], src[pos + 1]
    if first not in "|-:" or second not in "|-: \t" or (first == "-" and second in " \t"):
        return 0
    text = src[pos:end]
    if not _DELIMITER_ROW.fullmatch(text):
        return 0
    columns = text.split("|")
    last = len(columns) - 1
    width = 0
    for n, column in enumerate(columns):
        cell = column.strip(" \t")
        if not cell:
            # empty cells are allowed only before the first and after the last pipe
            if n == 0 or n == last:
                continue
            return 0
        if not _DELIMITER_CELL.match(cell):
            return 0
        width += 1
    return width


def _interrupted(state: StateBlock, line: int, end_line: int) -> bool:
    """Whether a block that may interrupt a table starts on `line` (markdown-it asks the rules
    that may interrupt a blockquote)."""
    rules = state.md.block.ruler.getRules("blockquote")
    return any(rule(state, line, end_line, True) for rule in rules)


def table_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if start_line + 2 > end_line:
        return False
    src, b_marks, e_marks, t_shift = state.src, state.bMarks, state.eMarks, state.tShift
    delimiter_line = start_line + 1
    pos = b_marks[delimiter_line] + t_shift[delimiter_line]
    if pos >= e_marks[delimiter_line] or src[pos] not in "|-:":
        return False  # the quick answer for most blocks: no delimiter row below
    if state.sCount[delimiter_line] < state.blkIndent or state.is_code_block(delimiter_line):
        return False
    width = _delimiter_width(state, delimiter_line)
    if not width:
        return False
    head = src[b_marks[start_line] + t_shift[start_line] : e_marks[start_line]]
    if "|" not in head or state.is_code_block(start_line):
        return False
    header = _cells(head.strip(MD_TRIM_CHARS))
    if len(header) != width:
        return False
    if silent:
        return True

    old_parent = state.parentType
    state.parentType = "table"
    rows: list[tuple[int, list[str]]] = []
    autocompleted = 0
    line = start_line + 2
    while line < end_line:
        # the body ends as markdown-it's does: at a line indented less than the block, a block
        # that may interrupt the table, a blank line, or an indented (code) line
        if state.sCount[line] < state.blkIndent:
            break
        pos, end = b_marks[line] + t_shift[line], e_marks[line]
        if pos == end:
            break  # blank (no interrupting rule matches a blank line)
        if (pos > end or src[pos] in _TERMINATOR_STARTS) and _interrupted(state, line, end_line):
            break  # a row's first character seldom lets any rule match: ask only then
        text = src[pos:end].strip(MD_TRIM_CHARS)
        if not text or state.is_code_block(line):
            break
        columns = _cells(text)
        autocompleted += width - len(columns)
        if autocompleted > _MAX_AUTOCOMPLETED_CELLS:
            break
        cells = [column.strip() for column in columns[:width]]
        if len(cells) < width:
            cells += [""] * (width - len(cells))
        rows.append((line, cells))
        line += 1

    token = state.push(TOKEN_TYPE, "table", 0)
    token.map = [start_line, line]
    token.meta = {"header": [column.strip() for column in header], "rows": rows}
    state.parentType = old_parent
    state.line = line
    return True
