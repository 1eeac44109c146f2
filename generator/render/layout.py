"""Black's line splitting for the statement shapes our templates produce, without running black.

The templates emit code that is already in black's style except for lines that grow with page
content (sample literals, long codec expressions, long imports). For those lines this module
applies black's own rules, so the result is what black would write:

- a line that fits in 88 columns stays as it is;
- a too-long line is split at its last bracket pair (head, body, tail); the body stays on one
  line if it fits, unless the brackets are a literal collection with commas, which black always
  explodes one element per line with a trailing comma;
- an element line that is still too long is split the same way, recursively;
- a long `from x import a, b` becomes a parenthesised import, one name per line.

A line this cannot settle (say, a string longer than the line) makes `settle` report the file as
unsettled, and the caller runs real black on it. Tests compare this module with black.
"""

from __future__ import annotations

import io
import re
import tokenize

from black.strings import str_width  # black's own measure: wide characters count twice

LINE_LENGTH = 88
_OPEN = "([{"
_CLOSE = ")]}"
_IMPORT = re.compile(r"^(\s*)from (\S+) import ([\w, ]+)$")
_DEF = re.compile(r"^(async def |def |class |@)")


class Unsettled(Exception):
    """The line needs real black."""


def _tokens(text: str) -> list[tokenize.TokenInfo]:
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError) as exc:
        raise Unsettled(str(exc)) from exc
    ignore = (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT)
    return [t for t in toks if t.type not in ignore]


def _pairs(toks: list[tokenize.TokenInfo]) -> dict[int, int]:
    """closing token index -> opening token index."""
    stack: list[int] = []
    pairs: dict[int, int] = {}
    for i, t in enumerate(toks):
        if t.type == tokenize.OP and t.string in _OPEN:
            stack.append(i)
        elif t.type == tokenize.OP and t.string in _CLOSE:
            if not stack:
                raise Unsettled("unbalanced brackets")
            pairs[i] = stack.pop()
    if stack:
        raise Unsettled("unbalanced brackets")
    return pairs


def _depth0_commas(toks: list[tokenize.TokenInfo]) -> list[int]:
    depth = 0
    found = []
    for i, t in enumerate(toks):
        if t.type == tokenize.OP and t.string in _OPEN:
            depth += 1
        elif t.type == tokenize.OP and t.string in _CLOSE:
            depth -= 1
        elif depth == 0 and t.type == tokenize.OP and t.string == ",":
            found.append(i)
    return found


def _unsplittable(toks: list[tokenize.TokenInfo]) -> bool:
    """Names, strings and numbers joined by `:` or `=`, at most a trailing comma: no bracket,
    no operator and no inner comma, so no split point black could use."""
    for i, t in enumerate(toks):
        if t.type in (tokenize.NAME, tokenize.STRING, tokenize.NUMBER):
            continue
        if t.type == tokenize.OP and t.string in (":", "="):
            continue
        if t.type == tokenize.OP and t.string == "," and i == len(toks) - 1:
            continue
        return False
    return True


def _split_at_commas(text: str, toks: list[tokenize.TokenInfo], commas: list[int]) -> list[str]:
    parts = []
    start = 0
    for i in commas:
        col = toks[i].start[1]
        parts.append(text[start:col].strip())
        start = toks[i].end[1]
    rest = text[start:].strip()
    if rest:
        parts.append(rest)
    return parts


def _is_atom(toks: list[tokenize.TokenInfo], opening: int) -> bool:
    """A literal collection ((...), [...], {...}), not a call, subscript or def."""
    if opening == 0:
        return True
    before = toks[opening - 1]
    if before.type == tokenize.NAME and before.string not in (
        "return",
        "in",
        "not",
        "and",
        "or",
        "if",
        "else",
        "assert",
        "yield",
    ):
        return False  # a call or a subscript
    if before.type == tokenize.OP and before.string in _CLOSE:
        return False  # a call on a call's result, or a subscript
    return before.type != tokenize.STRING


def split_line(text: str, indent: int, inside: bool = False) -> list[str]:
    """Lines (each without the base indent, with relative indentation) for one logical line."""
    if indent + str_width(text) <= LINE_LENGTH:
        return [text]
    if _DEF.match(text):
        raise Unsettled("black splits signatures its own way")
    toks = _tokens(text)
    if _unsplittable(toks):
        return [text]  # black has nowhere to split it either
    if inside:
        commas = _depth0_commas(toks)
        real = [c for c in commas if c != len(toks) - 1]
        if real:
            parts = _split_at_commas(text, toks, commas)
            out: list[str] = []
            for part in parts:
                out.extend(split_line(part + ",", indent, inside=True))
            return out
    return _right_hand_split(text, toks, indent)


def _right_hand_split(text: str, toks: list[tokenize.TokenInfo], indent: int) -> list[str]:
    pairs = _pairs(toks)
    last = len(toks) - 1
    while last >= 0 and not (toks[last].type == tokenize.OP and toks[last].string in _CLOSE):
        last -= 1
    if last < 0:
        raise Unsettled("nothing to split")
    opening = pairs[last]
    head = text[: toks[opening].end[1]]
    body = text[toks[opening].end[1] : toks[last].start[1]].strip()
    tail = text[toks[last].start[1] :]
    if not body:
        raise Unsettled("empty brackets")
    if indent + str_width(head) > LINE_LENGTH:
        raise Unsettled("head too long")
    body_toks = _tokens(body)
    commas = _depth0_commas(body_toks)
    if (
        _is_atom(toks, opening)
        and commas
        and not (len(commas) == 1 and commas[0] == len(body_toks) - 1)
    ):
        parts = _split_at_commas(body, body_toks, commas)
        lines: list[str] = []
        for part in parts:
            lines.extend(split_line(part + ",", indent + 4, inside=True))
    elif indent + 4 + str_width(body) <= LINE_LENGTH:
        lines = [body]
    else:
        lines = split_line(body, indent + 4, inside=True)
    return [head] + ["    " + ln for ln in lines] + [tail]


def _docstring_step(line: str, open_: bool) -> tuple[bool, bool]:
    """(line belongs to a docstring, a docstring is open after it).

    Docstrings are recognised by shape, not by counting quotes: one starts on a line that
    begins with triple quotes and ends on a line that ends with them. Page text inside them
    never holds raw triple quotes (they are escaped), while a string literal elsewhere may.
    """
    text = line.strip()
    if open_:
        return True, not text.endswith('"""')
    if text.startswith('"""'):
        closed = len(text) >= 6 and text.endswith('"""')
        return True, not closed
    return False, False


def _final(line: str) -> bool:
    """A long line black would leave as it is: a comment, or nothing it can split."""
    text = line.strip()
    if text.startswith("#"):
        return True
    try:
        return _unsplittable(_tokens(text))
    except Unsettled:
        return False


def _split_import(m: re.Match[str]) -> list[str]:
    pad, module, names = m.group(1), m.group(2), m.group(3)
    items = [n.strip() for n in names.split(",") if n.strip()]
    return [f"{pad}from {module} import ("] + [f"{pad}    {n}," for n in items] + [f"{pad})"]


def settle(source: str) -> tuple[str, bool]:
    """(source with long lines split black's way, True if every line is now settled).

    Lines inside triple-quoted strings are left alone, as black leaves docstrings.
    """
    out: list[str] = []
    settled = True
    in_string = False
    for line in source.split("\n"):
        in_doc, in_string = _docstring_step(line, in_string)
        if in_doc:
            out.append(line)
            continue
        if str_width(line) <= LINE_LENGTH:
            out.append(line)
            continue
        m = _IMPORT.match(line)
        if m:
            out.extend(_split_import(m))
            continue
        if line.lstrip().startswith("#"):
            out.append(line)  # black never wraps comments
            continue
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        # a line inside an exploded bracket pair is one element of it
        inside = bool(out) and out[-1].rstrip().endswith(("(", "[", "{", ","))
        try:
            lines = split_line(stripped, indent, inside=inside)
        except Unsettled:
            out.append(line)
            settled = False
            continue
        if any(indent + str_width(ln) > LINE_LENGTH and not _final(ln) for ln in lines):
            settled = False
        out.extend(" " * indent + ln for ln in lines)
    return "\n".join(out), settled


def normalize_blank_lines(source: str) -> str:
    """Black's empty-line rules for the shapes the templates produce: two blank lines around
    top-level functions and classes, one before a method, none after a decorator or at the
    start of a block, at most two (top level) or one (inside a block) elsewhere."""
    out: list[str] = []
    blanks = 0
    prev = ""  # previous non-blank line
    top_block_open = False  # inside (or just after) a top-level def/class
    in_string = False
    statement = ""
    for line in source.split("\n"):
        was_open = in_string
        _, in_string = _docstring_step(line, in_string)
        if was_open:
            out.append(line)  # inside a docstring: every line, blank or not, is content
            continue
        if not line.strip():
            blanks += 1
            continue
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        prev_stripped = prev.lstrip(" ")
        prev_indent = len(prev) - len(prev_stripped)
        if not out or stripped[0] in _CLOSE:
            want = 0  # nothing before the first line or a closing bracket
        elif (prev_stripped.startswith("@") and prev_indent == indent) or (
            statement.startswith("@") and prev_stripped[:1] in _CLOSE and _DEF.match(stripped)
        ):
            want = 0  # right after a decorator, one line or several
        elif prev.rstrip().endswith(":") and indent > prev_indent:
            want = 0  # the first line of a block
        elif indent == 0 and _DEF.match(stripped):
            want = 2
        elif indent == 0 and top_block_open:
            want = 2  # the first statement after a top-level def/class
        elif _DEF.match(stripped):
            want = 1
        else:
            want = min(blanks, 2 if indent == 0 else 1)
        if indent == 0 and stripped[0] in _CLOSE:
            pass  # the end of a multi-line signature: still the same definition
        elif indent == 0:
            top_block_open = bool(_DEF.match(stripped)) and not stripped.startswith("@")
            if stripped.startswith("@"):
                top_block_open = False
        elif prev_indent == 0 and (prev_stripped.startswith(("def ", "class ", "async def "))):
            top_block_open = True
        if stripped[0] not in _CLOSE and (
            not out or not out[-1].rstrip().endswith(("(", "[", "{", ","))
        ):
            statement = stripped  # the line that starts the current statement
        out.extend([""] * want)
        out.append(line)
        prev = line
        blanks = 0
    return "\n".join(out) + "\n" if out else ""
