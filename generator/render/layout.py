"""Black's line splitting for the statement shapes our templates produce, without running black.

The templates emit code that is already in black's style except for lines that grow with page
content (sample literals, long codec expressions, long imports). For those lines this module
applies black's own rules, so the result is what black would write:

- a line that fits in 88 columns stays as it is;
- a too-long line is split at its last bracket pair (head, body, tail); the body stays on one
  line if it fits, unless the brackets are a literal collection with commas, which black always
  explodes one element per line with a trailing comma;
- an element line that is still too long is split the same way, recursively;
- a long `from x import a, b` becomes a parenthesised import, one name per line;
- a long top-level `def f() -> type[X]:` gets its return annotation on a line of its own, in
  parentheses.

- a long annotated name whose last bracket is in a union annotation gets black's parentheses
  around the annotation (or, for a field, around its value when the rest fits).

A line this cannot settle (say, a call whose head is too long) is reported by `settle_marked`,
and the caller has black format the statement around it (`units`). Tests compare this module
with black.

Both passes visit only the lines that can matter (long lines; blank, top-level, def and
docstring lines) and copy the runs between them whole: a generated file has some 150 lines
per operation, most of them indented statements no rule applies to.
"""

from __future__ import annotations

import io
import keyword
import re
import tokenize
from itertools import accumulate

LINE_LENGTH = 88
_OPEN = "([{"
_CLOSE = ")]}"
_IMPORT = re.compile(r"^(\s*)from (\S+) import ([\w, ]+)$")
_DEF = re.compile(r"^(async def |def |class |@)")
# a top-level function without parameters whose return annotation is a name or a subscript
_NO_PARAMS_DEF = re.compile(r"^(def \w+\(\) -> )(\w+(?:\[\w+\])?):$")
_BRACKET_OR_COMMA = ("(", "[", "{", ",")
# an annotated name: a parameter, a field, an annotated assignment (or a dict's name key)
_ANNOTATED = re.compile(r"([A-Za-z_]\w*): ")
_TOP_DEF = ("def ", "class ", "async def ")
_DEFS = ("async def ", "def ", "class ", "@")  # what _DEF matches

# One token of a line: (type as in tokenize, text, start column, end column).
Token = tuple[int, str, int, int]
_NAME, _STRING, _NUMBER, _OP = tokenize.NAME, tokenize.STRING, tokenize.NUMBER, tokenize.OP

# The tokens our lines are made of (after any spaces), each spelled to match exactly what
# tokenize reads there: a number or a name never stops before more word characters, a name is
# never a string prefix, "." never starts a number. A line with anything else (comments, triple
# quotes, other operators, non-ASCII names, tabs) is left to tokenize itself, so this reader
# never has to agree with tokenize on the hard cases.
_FAST_TOKEN = re.compile(
    r"""( *)((?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?(?![\w.])"""
    r"""|b?(?:"[^"\\\n]*(?:\\[^\n][^"\\\n]*)*"|'[^'\\\n]*(?:\\[^\n][^'\\\n]*)*')"""
    r"""|[A-Za-z_][A-Za-z0-9_]*+(?![^\x00-\x7f]|['"])"""
    r"""|->|==|:=|-=|\.\.\.|\.(?![0-9])|[-()\[\]{},:=])"""
)
_OPENERS = frozenset(_OPEN)
_CLOSERS = frozenset(_CLOSE)


def str_width(line: str) -> int:
    """Columns of `line` as black counts them (wide characters count twice). black's own
    measure is imported only for a line that is not ASCII: importing black costs more than
    most builds spend formatting."""
    if line.isascii():
        return len(line)
    from black.strings import str_width as black_width

    return black_width(line)


class Unsettled(Exception):
    """The line needs real black."""


def _tokens(text: str) -> list[Token]:
    toks = _fast_tokens(text)
    return toks if toks is not None else _slow_tokens(text)


def _fast_read(text: str) -> tuple[list[str], list[int], list[int]] | None:
    """(tokens, start columns, end columns) of a line made only of the shapes above; None when
    tokenize must read it."""
    if not text or text[0] == " " or '"""' in text or "'''" in text:
        return None  # tokenize reads leading spaces as indentation
    found = _FAST_TOKEN.findall(text)
    strings = [tok for _, tok in found]
    ends = list(accumulate(len(spaces) + len(tok) for spaces, tok in found))
    # findall skips what matches no token: the tokens cover the line only if they add up to it
    if not ends or ends[-1] != len(text.rstrip(" ")):
        return None
    return strings, [end - len(tok) for end, tok in zip(ends, strings, strict=True)], ends


def _kind(token: str) -> int:
    """The tokenize type of a token the fast reader read."""
    if token[-1] in "\"'":
        return _STRING
    if token[0].isdigit():
        return _NUMBER
    if token[0].isalpha() or token[0] == "_":
        return _NAME
    return _OP


def _fast_tokens(text: str) -> list[Token] | None:
    """The tokens of a line made only of the shapes above; None when tokenize must read it."""
    read = _fast_read(text)
    if read is None:
        return None
    strings, starts, ends = read
    depth = 0
    for s in strings:
        if s in _OPENERS:
            depth += 1
        elif s in _CLOSERS:
            depth -= 1
    if depth:
        raise Unsettled("unbalanced brackets")  # tokenize: EOF in multi-line statement
    return [(_kind(s), s, a, b) for s, a, b in zip(strings, starts, ends, strict=True)]


def _slow_tokens(text: str) -> list[Token]:
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError) as exc:
        raise Unsettled(str(exc)) from exc
    ignore = (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT)
    return [(t.type, t.string, t.start[1], t.end[1]) for t in toks if t.type not in ignore]


def _pairs(toks: list[Token]) -> dict[int, int]:
    """closing token index -> opening token index."""
    stack: list[int] = []
    pairs: dict[int, int] = {}
    for i, t in enumerate(toks):
        if t[0] == _OP and t[1] in _OPEN:
            stack.append(i)
        elif t[0] == _OP and t[1] in _CLOSE:
            if not stack:
                raise Unsettled("unbalanced brackets")
            pairs[i] = stack.pop()
    if stack:
        raise Unsettled("unbalanced brackets")
    return pairs


def _depth0_commas(toks: list[Token]) -> list[int]:
    depth = 0
    found = []
    for i, t in enumerate(toks):
        if t[0] != _OP:
            continue
        s = t[1]
        if s in _OPEN:
            depth += 1
        elif s in _CLOSE:
            depth -= 1
        elif depth == 0 and s == ",":
            found.append(i)
    return found


def _unsplittable(toks: list[Token]) -> bool:
    """Names, strings and numbers joined by `:` or `=`, at most a trailing comma: no bracket,
    no operator and no inner comma, so no split point black could use."""
    for i, t in enumerate(toks):
        if t[0] in (_NAME, _STRING, _NUMBER):
            continue
        if t[0] == _OP and t[1] in (":", "="):
            continue
        if t[0] == _OP and t[1] == "," and i == len(toks) - 1:
            continue
        return False
    return True


def _split_at_commas(text: str, toks: list[Token], commas: list[int]) -> list[str]:
    parts = []
    start = 0
    for i in commas:
        col = toks[i][2]
        parts.append(text[start:col].strip())
        start = toks[i][3]
    rest = text[start:].strip()
    if rest:
        parts.append(rest)
    return parts


_NOT_CALLERS = frozenset({"return", "in", "not", "and", "or", "if", "else", "assert", "yield"})


def _is_atom(toks: list[Token], opening: int) -> bool:
    """A literal collection ((...), [...], {...}), not a call, subscript or def."""
    if opening == 0:
        return True
    before = toks[opening - 1]
    if before[0] == _NAME and before[1] not in _NOT_CALLERS:
        return False  # a call or a subscript
    if before[0] == _OP and before[1] in _CLOSE:
        return False  # a call on a call's result, or a subscript
    return before[0] != _STRING


def split_line(text: str, indent: int, inside: bool = False) -> list[str]:
    """Lines (each without the base indent, with relative indentation) for one logical line."""
    if indent + str_width(text) <= LINE_LENGTH:
        return [text]
    if _DEF.match(text):
        raise Unsettled("black splits signatures its own way")
    read = _ReadLine.of(text)
    if read is not None:  # the same steps as below, on spans of one reading
        return read.split(0, len(read.strings), False, indent, inside)
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


def _right_hand_split(text: str, toks: list[Token], indent: int) -> list[str]:
    pairs = _pairs(toks)
    last = len(toks) - 1
    while last >= 0 and not (toks[last][0] == _OP and toks[last][1] in _CLOSE):
        last -= 1
    if last < 0:
        raise Unsettled("nothing to split")
    opening = pairs[last]
    head = text[: toks[opening][3]]
    body = text[toks[opening][3] : toks[last][2]].strip()
    tail = text[toks[last][2] :]
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


class _ReadLine:
    """A line the fast reader read, whose brackets pair up: split_line's steps on spans of its
    tokens instead of on new strings, which it would read again at every level.

    A span is tokens lo..hi-1, plus a comma after them when `comma` (split_line's `part + ","`).
    Its text is the line's text from its first token to its last: between tokens there are
    only spaces, which split_line strips from every part. Every span the steps make is a part
    between depth-0 commas or the inside of a bracket pair, so its brackets pair up as the
    line's do, and reading its text alone would give its tokens.
    """

    __slots__ = ("ends", "partner", "starts", "strings", "text")

    def __init__(self, text: str, read: tuple[list[str], list[int], list[int]]) -> None:
        self.text = text
        self.strings, self.starts, self.ends = read
        self.partner = [-1] * len(self.strings)  # index of the matching bracket

    @classmethod
    def of(cls, text: str) -> _ReadLine | None:
        if text[-1:] == " ":
            return None  # the spans' texts would lose the trailing spaces
        read = _fast_read(text)
        if read is None:
            return None
        line = cls(text, read)
        partner = line.partner
        stack: list[int] = []
        for i, s in enumerate(line.strings):
            if s in _OPENERS:
                stack.append(i)
            elif s in _CLOSERS:
                if not stack:
                    return None
                j = stack.pop()
                partner[i], partner[j] = j, i
        if stack:
            return None
        return line

    def _text(self, lo: int, hi: int, comma: bool) -> str:
        text = self.text[self.starts[lo] : self.ends[hi - 1]] if lo < hi else ""
        return text + "," if comma else text

    def _commas(self, lo: int, hi: int) -> list[int]:
        """The depth-0 commas of a span, stepping over bracket pairs."""
        found = []
        strings, partner = self.strings, self.partner
        i = lo
        while i < hi:
            if strings[i] == ",":
                found.append(i)
            elif partner[i] > i:
                i = partner[i]
            i += 1
        return found

    def _parts(self, lo: int, hi: int, commas: list[int]) -> list[tuple[int, int]]:
        """The spans between commas (hi: the span's own comma) and after the last one."""
        parts = []
        start = lo
        for c in commas:
            parts.append((start, c))
            start = c + 1
        if commas[-1] < hi and start < hi:
            parts.append((start, hi))
        return parts

    def _unsplittable(self, lo: int, hi: int, comma: bool) -> bool:
        strings = self.strings
        for i in range(lo, hi):
            s = strings[i]
            if s in (":", "=") or _kind(s) != _OP:
                continue  # a name, string or number, or : or =
            if s == "," and i == hi - 1 and not comma:
                continue
            return False
        return True

    def split(self, lo: int, hi: int, comma: bool, indent: int, inside: bool) -> list[str]:
        """split_line for a span."""
        text = self._text(lo, hi, comma)
        if indent + str_width(text) <= LINE_LENGTH:
            return [text]
        if _DEF.match(text):
            raise Unsettled("black splits signatures its own way")
        if self._unsplittable(lo, hi, comma):
            return [text]  # black has nowhere to split it either
        if inside:
            commas = self._commas(lo, hi)
            real = commas if comma else [c for c in commas if c != hi - 1]
            if real:
                out: list[str] = []
                for a, b in self._parts(lo, hi, [*commas, hi] if comma else commas):
                    out.extend(self.split(a, b, True, indent, True))
                return out
        return self._right_hand_split(lo, hi, comma, indent)

    def _right_hand_split(self, lo: int, hi: int, comma: bool, indent: int) -> list[str]:
        last = hi - 1
        while last >= lo and self.strings[last] not in _CLOSERS:
            last -= 1
        if last < lo:
            raise Unsettled("nothing to split")
        opening = self.partner[last]
        head = self.text[self.starts[lo] : self.ends[opening]]
        tail = self._text(last, hi, comma)
        if opening + 1 == last:
            raise Unsettled("empty brackets")
        if indent + str_width(head) > LINE_LENGTH:
            raise Unsettled("head too long")
        commas = self._commas(opening + 1, last)
        if (
            (opening == lo or self._atom_after(opening - 1))
            and commas
            and not (len(commas) == 1 and commas[0] == last - 1)
        ):
            lines: list[str] = []
            for a, b in self._parts(opening + 1, last, commas):
                lines.extend(self.split(a, b, True, indent + 4, True))
        else:
            body = self._text(opening + 1, last, False)
            if indent + 4 + str_width(body) <= LINE_LENGTH:
                lines = [body]
            else:
                lines = self.split(opening + 1, last, False, indent + 4, True)
        return [head] + ["    " + ln for ln in lines] + [tail]

    def _atom_after(self, i: int) -> bool:
        """_is_atom, given the token before the opening bracket."""
        s = self.strings[i]
        kind = _kind(s)
        if kind == _NAME and s not in _NOT_CALLERS:
            return False
        if kind == _OP and s in _CLOSE:
            return False
        return kind != _STRING


def _docstring_step(line: str, open_: bool) -> tuple[bool, bool]:
    """(line belongs to a docstring, a docstring is open after it).

    Docstrings are recognised by shape, not by counting quotes: one starts on a line that
    begins with triple quotes and ends on a line that ends with them. Page text inside them
    never holds raw triple quotes (they are escaped), while a string literal elsewhere may.
    A line without triple quotes leaves the state as it is, which lets both passes below
    look only at the lines that have them.
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


def _split_annotated(text: str, indent: int, colon: int) -> list[str] | None:
    """A long annotated name (a parameter, a field) as black writes it when its last bracket
    is in the annotation: black puts the annotation, or a value without brackets after it,
    in parentheses of its own. None when the last bracket is in the value (the split at the
    last bracket applies); Unsettled for the shapes not known here."""
    toks = _tokens(text)
    depth = 0
    eq = last_close = -1
    bars: list[int] = []  # the annotation's top-level `|`
    for i, t in enumerate(toks):
        s = t[1] if t[0] == _OP else ""
        if s in _OPENERS:
            depth += 1
        elif s in _CLOSERS:
            depth -= 1
            last_close = i
        elif depth == 0 and s == "=" and eq < 0:
            eq = i
        elif depth == 0 and s == "|" and eq < 0:
            bars.append(i)
    if eq >= 0 and last_close > eq:
        return None
    comma = text.endswith(",") and toks[-1][1] == ","
    value_end = len(toks) - 1 if comma else len(toks)
    if not bars:
        raise Unsettled("annotation without a union")
    if eq >= 0 and (eq + 2 != value_end or toks[eq + 1][0] not in (_NAME, _NUMBER)):
        raise Unsettled("a value of more than one name")
    head = text[:colon].rstrip()  # `name:`
    annot_end = toks[eq][2] if eq >= 0 else (toks[-1][2] if comma else len(text))
    annotation = text[colon:annot_end].strip()
    tail = text[annot_end:].strip()  # `= VALUE`, `= VALUE,`, `,` or nothing
    if eq >= 0 and not comma:
        # a statement: black wraps the value first, when the rest fits
        before = f"{head} {annotation} = ("
        value = tail[1:].strip()
        if (
            indent + str_width(before) <= LINE_LENGTH
            and indent + 4 + str_width(value) <= LINE_LENGTH
        ):
            return [before, "    " + value, ")"]
    if indent + 4 + str_width(annotation) <= LINE_LENGTH:
        body = [annotation]
    else:
        starts = [colon, *(toks[b][2] for b in bars)]
        ends = [toks[b][2] for b in bars] + [annot_end]
        body = [text[a:b].strip() for a, b in zip(starts, ends, strict=True)]
        if any(indent + 4 + str_width(ln) > LINE_LENGTH for ln in body):
            raise Unsettled("a long union member")
    closing = ")" + (" " + tail if tail and tail != "," else tail)
    if indent + str_width(closing) > LINE_LENGTH:
        raise Unsettled("a long value")
    return [f"{head} ("] + ["    " + ln for ln in body] + [closing]


def _split_import(m: re.Match[str]) -> list[str]:
    pad, module, names = m.group(1), m.group(2), m.group(3)
    items = [n.strip() for n in names.split(",") if n.strip()]
    return [f"{pad}from {module} import ("] + [f"{pad}    {n}," for n in items] + [f"{pad})"]


# a line of more than LINE_LENGTH characters (after the newline that ends the line before)
_LONG = re.compile(rf"\n[^\n]{{{LINE_LENGTH + 1}}}")
# a wide character counts twice, a combining one not at all: only a line of more than half
# LINE_LENGTH characters can be too wide
_MAYBE_WIDE = re.compile(rf"\n[^\n]{{{LINE_LENGTH // 2 + 1}}}")


def _long_lines(source: str) -> list[tuple[int, int]]:
    """(start, end) of each line wider than LINE_LENGTH."""
    ascii_only = source.isascii()
    found = []
    end = source.find("\n")
    first = source[: end if end >= 0 else len(source)]
    if (len(first) if ascii_only else str_width(first)) > LINE_LENGTH:
        found.append((0, len(first)))
    for m in (_LONG if ascii_only else _MAYBE_WIDE).finditer(source):
        start = m.start() + 1
        end = source.find("\n", start)
        if end < 0:
            end = len(source)
        if ascii_only or str_width(source[start:end]) > LINE_LENGTH:
            found.append((start, end))
    return found


def settle(source: str) -> tuple[str, bool]:
    """(source with long lines split black's way, True if every line is now settled).

    Lines inside triple-quoted strings are left alone, as black leaves docstrings.
    """
    settled, unsettled = settle_marked(source)
    return settled, not unsettled


def settle_marked(source: str) -> tuple[str, list[int]]:
    """(source with long lines split black's way, where in it each line starts that is still
    unsettled): the caller has black format the statements around those lines."""
    long = _long_lines(source)
    if not long:
        return source, []
    quote = source.find('"""')  # the next triple quotes not yet looked at
    in_string = False  # whether a docstring is open before `quote`'s line
    unsettled: list[int] = []  # start, in source, of each line left unsettled
    replaced: list[tuple[int, int, list[str]]] = []
    for start, end in long:
        while 0 <= quote < start:  # docstrings opened or closed before this line
            q_start = source.rfind("\n", 0, quote) + 1
            q_end = source.find("\n", quote)
            q_end = len(source) if q_end < 0 else q_end
            in_string = _docstring_step(source[q_start:q_end], in_string)[1]
            quote = source.find('"""', q_end)
        line = source[start:end]
        in_doc = _docstring_step(line, in_string)[0] if 0 <= quote < end else in_string
        if in_doc:
            continue
        m = _IMPORT.match(line)
        if m:
            replaced.append((start, end, _split_import(m)))
            continue
        m = _NO_PARAMS_DEF.match(line)
        if m:
            # black puts the return annotation in parentheses of its own
            head, annotation = m.group(1) + "(", m.group(2)
            if str_width(head) > LINE_LENGTH or 4 + str_width(annotation) > LINE_LENGTH:
                unsettled.append(start)
            else:
                replaced.append((start, end, [head, "    " + annotation, "):"]))
            continue
        if line.lstrip().startswith("#"):
            continue  # black never wraps comments
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        m = _ANNOTATED.match(stripped)
        if m and not keyword.iskeyword(m.group(1)):
            try:
                split = _split_annotated(stripped, indent, m.end())
            except Unsettled:
                unsettled.append(start)
                continue
            if split is not None:
                replaced.append((start, end, [" " * indent + ln for ln in split]))
                continue
        # a line inside an exploded bracket pair is one element of it
        if replaced and replaced[-1][1] == start - 1:
            before = replaced[-1][2][-1]
        else:
            before = source[source.rfind("\n", 0, start - 1) + 1 : start - 1] if start else ""
        inside = bool(start) and before.rstrip().endswith(_BRACKET_OR_COMMA)
        try:
            split = split_line(stripped, indent, inside=inside)
        except Unsettled:
            unsettled.append(start)
            continue
        if any(indent + str_width(ln) > LINE_LENGTH and not _final(ln) for ln in split):
            unsettled.append(start)
        replaced.append((start, end, [" " * indent + ln for ln in split]))
    if not replaced:
        return source, unsettled
    out: list[str] = []
    done = 0
    moved = 0  # how much longer the text before `done` has become
    marks = iter(unsettled)
    mark = next(marks, -1)
    found: list[int] = []
    for start, end, new in replaced:
        while 0 <= mark <= start:  # unsettled lines before this one, or this one
            found.append(mark + moved)
            mark = next(marks, -1)
        out.append(source[done:start])
        text = "\n".join(new)
        out.append(text)
        moved += len(text) - (end - start)
        done = end
    while mark >= 0:
        found.append(mark + moved)
        mark = next(marks, -1)
    out.append(source[done:])
    return "".join(out), found


# The lines that may need blank lines before them or change the state normalize_blank_lines
# keeps: blank, top-level, and def/class/decorator lines (triple quotes are found apart). A
# match starts at the newline that ends the line before.
_NOTABLE = re.compile(r"\n(?:[^ \n]|[^\S\n]*(?=\n|$)| +(?:def |class |async def |@))")


def normalize_blank_lines(source: str) -> str:
    """Black's empty-line rules for the shapes the templates produce: two blank lines around
    top-level functions and classes, one before a method, none after a decorator or at the
    start of a block, at most two (top level) or one (inside a block) elsewhere."""
    out: list[str] = []  # lines, or runs of lines copied whole
    last = ""  # the last line in out
    blanks = 0
    prev = prev_stripped = ""  # previous non-blank line
    prev_indent = 0
    top_block_open = False  # inside (or just after) a top-level def/class
    in_string = False
    statement = ""
    runs: list[tuple[str, str]] = []  # (run, line before it) copied since statement was set
    size = len(source)
    quote = source.find('"""')  # the next triple quotes at or after pos
    pos = 0  # start of the current line
    while pos <= size:
        end = source.find("\n", pos)
        if end < 0:
            end = size
        line = source[pos:end]
        was_open = in_string
        if quote < end and quote >= 0:
            _, in_string = _docstring_step(line, in_string)
            quote = source.find('"""', end)
        if was_open:
            out.append(line)  # inside a docstring: every line, blank or not, is content
            last = line
            pos = end + 1
            if in_string:  # the docstring goes on to the next line with triple quotes
                if quote < 0:
                    if pos <= size:
                        out.append(source[pos:])
                    break
                start = source.rfind("\n", pos, quote) + 1
                if start > pos:
                    out.append(source[pos : start - 1])  # `last` is the closing line, next
                    pos = start
                continue
        else:
            if not line or line.isspace():
                blanks += 1
                pos = end + 1
                continue
            stripped = line.lstrip(" ")
            indent = len(line) - len(stripped)
            closing = stripped[0] in _CLOSE
            is_def = stripped.startswith(_DEFS)
            if not out or closing:
                want = 0  # nothing before the first line or a closing bracket
            elif (prev_indent == indent and prev_stripped.startswith("@")) or (
                prev_stripped[:1] in _CLOSE
                and is_def
                and _statement(statement, runs).startswith("@")
            ):
                want = 0  # right after a decorator, one line or several
            elif indent > prev_indent and prev.rstrip().endswith(":"):
                want = 0  # the first line of a block
            elif indent == 0 and is_def:
                want = 2
            elif indent == 0 and top_block_open:
                want = 2  # the first statement after a top-level def/class
            elif is_def:
                want = 1
            else:
                want = min(blanks, 2 if indent == 0 else 1)
            if indent == 0:
                if not closing:  # a closing bracket ends a multi-line signature: same definition
                    top_block_open = stripped.startswith(_TOP_DEF)
            elif prev_indent == 0 and prev_stripped.startswith(_TOP_DEF):
                top_block_open = True
            if not closing and (not out or not last.rstrip().endswith(_BRACKET_OR_COMMA)):
                statement = stripped  # the line that starts the current statement
                runs.clear()
            if want:
                out.extend([""] * want)
            out.append(line)
            last = prev = line
            prev_stripped, prev_indent = stripped, indent
            blanks = 0
            pos = end + 1
            if in_string:
                continue
        if pos > size:
            break
        # The lines up to the next notable one are indented statements that follow a non-blank
        # line: no rule adds or removes blank lines before them, so they are copied whole.
        m = _NOTABLE.search(source, pos - 1)
        stop = m.start() if m else size
        if 0 <= quote < stop:
            stop = max(source.rfind("\n", pos, quote), pos - 1)
        if stop > pos:
            if prev_indent == 0 and prev.startswith(_TOP_DEF):
                top_block_open = True  # the run's first line follows a top-level def
            run = source[pos:stop]
            runs.append((run, last))
            out.append(run)
            last = prev = run[run.rfind("\n") + 1 :]
            prev_stripped = prev.lstrip(" ")
            prev_indent = len(prev) - len(prev_stripped)
            pos = stop + 1
    return "\n".join(out) + "\n" if out else ""


def _statement(statement: str, runs: list[tuple[str, str]]) -> str:
    """The line that starts the current statement, when runs of lines were copied whole since
    `statement` was set: the last of their lines that starts one (not a closing bracket, not
    after a line that ends with an opening bracket or a comma)."""
    for run, before in reversed(runs):
        lines = run.split("\n")
        for k in range(len(lines) - 1, -1, -1):
            stripped = lines[k].lstrip(" ")
            after = (lines[k - 1] if k else before).rstrip()
            if stripped[0] not in _CLOSE and not after.endswith(_BRACKET_OR_COMMA):
                return stripped
    return statement
