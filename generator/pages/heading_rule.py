"""An ATX heading block rule (`## Response`) that pushes one token per heading.

markdown-it-py's `heading` rule pushes three tokens (open, inline, close) and finds the heading
text a character at a time. This one matches exactly the same lines (markdown-it-py 4.3.0) and
pushes a single `sogen_heading` token: tag `h1`..`h6`, content the heading text (trimmed, the
closing `###` sequence removed), map [line, line + 1].
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.common.utils import MD_TRIM_CHARS
from markdown_it.rules_block import StateBlock

TOKEN_TYPE = "sogen_heading"


def use_heading_rule(md: MarkdownIt) -> None:
    """Put this rule in place of markdown-it's `heading` rule (same place, same alternatives)."""
    md.block.ruler.at("heading", heading_rule, {"alt": ["paragraph", "reference", "blockquote"]})


def heading_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    src = state.src
    pos = state.bMarks[start_line] + state.tShift[start_line]
    end = state.eMarks[start_line]
    if state.is_code_block(start_line) or pos >= end or src[pos] != "#":
        return False
    level = 1
    while level < 7 and pos + level < end and src[pos + level] == "#":
        level += 1
    pos += level
    # up to six #, then a blank or the end of the line
    if level > 6 or (pos < end and src[pos] not in " \t"):
        return False
    if silent:
        return True

    text = src[pos:end].rstrip(" \t")
    # a closing sequence of # counts only after a blank (`# C#` keeps its #)
    unclosed = text.rstrip("#")
    if unclosed and unclosed[-1] in " \t":
        text = unclosed
    state.line = start_line + 1
    token = state.push(TOKEN_TYPE, f"h{level}", 0)
    token.markup = "#" * level
    token.map = [start_line, state.line]
    token.content = text.strip(MD_TRIM_CHARS)
    return True
