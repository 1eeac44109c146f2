"""The markdown-it parser that stage 1 walks, set up to do only the work that can change the
block tokens parse.py reads.

Everything here is a speed-up that finds the same blocks as a plain setup (CommonMark, front
matter, GFM tables, no inline parsing); only each table and each ATX heading is one token
instead of several (table_rule.py, heading_rule.py). tests/unit/test_parse_block_rules.py
compares the two setups.
"""

from __future__ import annotations

from itertools import accumulate

from markdown_it import MarkdownIt
from markdown_it.parser_block import RuleFuncBlockType
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore, block, normalize
from mdit_py_plugins.front_matter import front_matter_plugin

from generator.pages import heading_rule, table_rule

# The first characters (after indentation) of a line on which a block rule can match; rules
# not named here (table, code, lheading, paragraph, and any unknown one) may match any line.
_FIRST_CHARS = {
    "fence": "`~",
    "blockquote": ">",
    "hr": "*-_",
    "list": "*-+0123456789",
    "reference": "[",
    "html_block": "<",
    "heading": "#",
}
# Rules that match only on the text's first line. On line 0 every rule is tried: front matter
# looks at the text's first character, not the block's (in `- |---|` the list item's block,
# `|---|`, is taken for front matter).
_LINE_0_ONLY = frozenset({"front_matter"})


def make_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"maxNesting": 40}).use(front_matter_plugin).enable("table")
    # One token per table instead of four per cell, and one per heading instead of three.
    table_rule.use_table_rule(md)
    heading_rule.use_heading_rule(md)
    # Cell and paragraph text is kept raw; inline parsing would only cost time. text_join only
    # joins the children of inline tokens, and without inline parsing there are none.
    md.disable(["inline", "text_join"])
    md.core.ruler.at("normalize", _normalize)
    md.core.ruler.at("block", _block)
    _use_dispatch(md)
    return md


def _normalize(state: StateCore) -> None:
    """markdown-it's normalize (CR and CRLF to LF, NUL to U+FFFD), which rewrites the whole text
    even when there is nothing to change: page text nearly never has a CR or a NUL."""
    if "\r" in state.src or "\0" in state.src:
        normalize(state)


def _block(state: StateCore) -> None:
    """markdown-it's block core rule, with the line marks worked out by str methods on whole
    lines: StateBlock's own loop costs more than tokenizing a page of tables."""
    if state.inlineMode or not state.src:
        block(state)
        return
    # An empty text makes StateBlock set up everything else; then the marks are put in.
    block_state = StateBlock("", state.md, state.env, state.tokens)
    _set_line_marks(block_state, state.src)
    state.md.block.tokenize(block_state, block_state.line, block_state.lineMax)


def _set_line_marks(state: StateBlock, src: str) -> None:
    """The marks StateBlock.__init__ computes: where each line begins and ends, its indentation
    in characters (tShift) and in columns with tabs expanded (sCount)."""
    lines = src.split("\n")
    if not lines[-1].lstrip(" \t"):
        # after a final newline, or a last line of only blanks: no line (as StateBlock does)
        lines.pop()
    ends = list(accumulate([len(line) + 1 for line in lines]))
    t_shift = [len(line) - len(line.lstrip(" \t")) for line in lines]
    if "\t" in src:
        s_count = [_columns(line[:n]) for line, n in zip(lines, t_shift, strict=True)]
    else:
        s_count = t_shift.copy()
    length = len(src)
    state.src = src
    # the extra last entry is StateBlock's "fake line" at the end of the text
    state.bMarks = [0, *ends[:-1], length] if ends else [length]
    state.eMarks = [end - 1 for end in ends] + [length]
    state.tShift = [*t_shift, 0]
    state.sCount = [*s_count, 0]
    state.bsCount = [0] * (len(lines) + 1)
    state.lineMax = len(lines)


def _columns(indent: str) -> int:
    """The width of leading blanks, a tab going to the next multiple of 4."""
    width = 0
    for char in indent:
        width += 4 - width % 4 if char == "\t" else 1
    return width


def _use_dispatch(md: MarkdownIt) -> None:
    """Put a rule before all block rules that tries, in markdown-it's order, only the rules that
    can match the line's first character (all of them on line 0).

    markdown-it tries every rule on each block until one matches: a heading line went through
    eight rules first. A rule skipped here is one that would have returned False without
    touching the state. The rules stay in place for the checks that end paragraphs and tables.
    """
    ruler = md.block.ruler
    names = ruler.get_active_rules()
    every_rule = list(ruler.getRules(""))  # a copy: the ruler rebuilds its lists on changes
    rules = [(n, r) for n, r in zip(names, every_rule, strict=True) if n not in _LINE_0_ONLY]
    any_line = [rule for name, rule in rules if name not in _FIRST_CHARS]
    by_char: dict[str, list[RuleFuncBlockType]] = {}
    for char in set("".join(_FIRST_CHARS.values())):
        by_char[char] = [
            rule for name, rule in rules if name not in _FIRST_CHARS or char in _FIRST_CHARS[name]
        ]

    def dispatch(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        pos = state.bMarks[start_line] + state.tShift[start_line]
        if pos < state.eMarks[start_line] and start_line:
            candidates = by_char.get(state.src[pos], any_line)
        else:
            candidates = every_rule
        for rule in candidates:  # noqa: SIM110 (a loop costs less than any() over a generator)
            if rule(state, start_line, end_line, silent):
                return True
        return False

    ruler.before(names[0], "dispatch", dispatch)
