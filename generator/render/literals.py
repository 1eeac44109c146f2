"""Text that is safe to put into generated Python: literals and docstrings.

Page content is data. It reaches generated code only through these two functions, which make
it a double-quoted literal or an escaped docstring body, so no page can change the code's shape.
"""

from __future__ import annotations

import json
import math
import re
import textwrap
import unicodedata

from generator.model.ir import JSONValue

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")
# Bidirectional-text controls reorder how source code is displayed ("Trojan Source",
# CVE-2021-42574): never written raw into generated code.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LIST_ITEM = re.compile(r"^(\s*)([-*+] |\d+[.)] |\w[\w.]*: )")

# Non-ASCII text that may stand as itself in generated code: the accented Latin letters of
# Latin-1 and Latin Extended-A (\u00d8rjan S\u00e6ther, Gr\u00f6\u00dfe). Everything else
# non-ASCII is escaped (strings) or spelled in ASCII (docstrings), because homoglyphs (Cyrillic
# U+0430), typographic punctuation (U+2019, U+2013), odd spaces (no-break, zero-width) and
# fullwidth forms look like ASCII and are what ruff's RUF001-RUF003 find: generated code is clean
# for any page text. Left out of the range: U+00D7 and U+00F7 (multiplication and division
# signs), dotless i (U+0131) and long s (U+017F), which ruff takes for x, i and f.
_PLAIN_LETTERS = frozenset(
    chr(c)
    for c in range(0xC0, 0x180)
    if unicodedata.category(chr(c)).startswith("L") and c not in (0x131, 0x17F)
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# the ASCII a docstring says instead of typographic punctuation
_DOC_ASCII = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u00b4\u02b9\u02bc", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    "\u2026": "...",
    "\u00d7": "x",
    "\u00b8": ",",
}


def py_literal(value: JSONValue | tuple[object, ...]) -> str:
    """A Python expression for a JSON value, in the double-quoted style black keeps."""
    # the JSON types themselves first, by a quick look at the exact type (sample literals are
    # big); anything else, subclasses included, goes through the checks below
    kind = type(value)
    if kind is str:
        return py_string(value)  # type: ignore[arg-type]
    if kind is dict:
        items = value.items()  # type: ignore[union-attr]
        return "{" + ", ".join([f"{py_literal(k)}: {py_literal(v)}" for k, v in items]) + "}"
    if kind is list:
        return "[" + ", ".join(map(py_literal, value)) + "]"  # type: ignore[arg-type]
    if value is None:
        return "None"
    if value is True:
        return "True"
    if value is False:
        return "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_literal(value) if math.isfinite(value) else f'float("{value}")'
    if isinstance(value, str):
        return py_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(py_literal(v) for v in value)  # type: ignore[arg-type]
        return "(" + inner + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


# Python's parser takes at most 200 nested brackets in one statement ("too many nested
# parentheses"), and the statements around a test value add a few; samples may nest up to
# examples.MAX_JSON_DEPTH. A value nested deeper than this is written as JSON text instead.
MAX_LITERAL_DEPTH = 50


def value_literal(value: JSONValue) -> str:
    """A Python expression for a JSON value in generated code: `py_literal`, or for a value
    nested deeper than MAX_LITERAL_DEPTH `json.loads("...")`, which nests nothing (the
    module then imports json)."""
    if _nesting(value) <= MAX_LITERAL_DEPTH:
        return py_literal(value)
    return f"json.loads({py_string(json.dumps(value, ensure_ascii=False))})"


def _nesting(value: JSONValue) -> int:
    deepest = 0
    stack: list[tuple[JSONValue, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in item)
        if deepest > MAX_LITERAL_DEPTH:
            break
    return deepest


def _float_literal(value: float) -> str:
    """repr, with black's numeric normalisation: `1e+16` is written `1e16`."""
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{exponent.removeprefix('+')}"
    return text


def py_string(value: str, prefix: str = "") -> str:
    """A string literal as black writes it: double quotes, unless single quotes need fewer
    escapes (black's string normalisation). Line and bidi control characters are escaped."""
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return prefix + '"' + value + '"'  # nothing to escape (the common case, made quick)
    # control characters escaped by json, every other character that is neither ASCII nor
    # an accented Latin letter (line separators and bidi controls too) by _escape
    text = _NON_ASCII.sub(_escape, json.dumps(value, ensure_ascii=False)[1:-1])
    if value.count('"') > value.count("'"):
        return prefix + "'" + text.replace('\\"', '"').replace("'", "\\'") + "'"
    return prefix + '"' + text + '"'


def _escape(match: re.Match[str]) -> str:
    """A Python escape for one character of a string literal, unless it may stand as itself."""
    ch = match.group()
    if ch in _PLAIN_LETTERS:
        return ch
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _doc_char(match: re.Match[str]) -> str:
    """One non-ASCII character of a docstring: an accented Latin letter as it is, typographic
    punctuation and odd spaces in ASCII, invisible format characters dropped (zero-width
    space, soft hyphen), anything else as an escape (the docstring's value keeps it)."""
    ch = match.group()
    if ch in _PLAIN_LETTERS:
        return ch
    if ch in _DOC_ASCII:
        return _DOC_ASCII[ch]
    category = unicodedata.category(ch)
    if category == "Zs":
        return " "
    if category == "Cf":
        return ""
    return _escape(match)


def docstring_body(text: str, indent: int, width: int = 88) -> str:
    """Escape `text` for a triple-quoted docstring and wrap it to `width` at `indent`."""
    text = _CONTROL.sub(" ", text.replace("\t", "    ").replace("\r", ""))
    text = _BIDI.sub("", text)
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if not text.isascii():
        text = _NON_ASCII.sub(_doc_char, text)
    if text.endswith('"'):
        text = text[:-1] + '\\"'
    room = max(width - indent, 40)
    lines = [line.rstrip() for line in text.strip("\n").split("\n")]
    if "```" in text or max(map(len, lines)) > room:
        lines = _fill(lines, room)
    if lines:
        lines[0] = lines[0].lstrip()
    # Every line is now empty or ends with a non-space, so a line is blank exactly when empty.
    # like black (and inspect.cleandoc): continuation lines lose their common indentation
    common = min((len(ln) - len(ln.lstrip(" ")) for ln in lines[1:] if ln), default=0)
    if common:
        lines[1:] = [ln[common:] for ln in lines[1:]]
    if not indent:
        return "\n".join(lines)
    # indent every line but the first, and then unindent the empty ones
    return _PADDED_EMPTY.sub("\n", ("\n" + " " * indent).join(lines))


_PADDED_EMPTY = re.compile(r"\n +(?=\n|\Z)")


def _fill(lines: list[str], room: int) -> list[str]:
    """Lines longer than `room` wrapped, keeping their indentation (list items hang 4 more);
    lines inside ``` fences are kept as they are."""
    out: list[str] = []
    in_fence = False
    for stripped in lines:
        if stripped.lstrip().startswith("```"):
            in_fence = not in_fence
        if in_fence or len(stripped) <= room or stripped.lstrip().startswith("```"):
            out.append(stripped)
            continue
        lead = len(stripped) - len(stripped.lstrip())
        item = _LIST_ITEM.match(stripped)
        hang = lead + 4 if item else lead
        out.extend(_wrap(stripped.strip(), room, lead, hang))
    return out


def _wrap(text: str, width: int, lead: int, hang: int) -> list[str]:
    """textwrap.wrap(text, width) with initial_indent lead spaces, subsequent_indent hang
    spaces, and neither long words nor hyphenated words broken.

    For ASCII text (with no spaces at its ends, as given) the only whitespace is the space, and
    textwrap's greedy filling comes down to: each line ends at the last word that ends within
    the width (or holds one longer word alone), and the spaces after it are dropped.
    """
    if not text.isascii():
        wrapped = textwrap.wrap(
            text,
            width,
            initial_indent=" " * lead,
            subsequent_indent=" " * hang,
            break_long_words=False,
            break_on_hyphens=False,
        )
        return wrapped or [""]
    lines: list[str] = []
    start, size = 0, len(text)
    pad = lead
    while start < size:
        if lines:
            pad = hang
            while text[start] == " ":
                start += 1
        room = width - pad
        if size - start <= room:
            end = size
        else:
            space = text.rfind(" ", start, start + max(room + 1, 0))
            if space < 0:  # the first word is longer than the line: it stands alone
                end = text.find(" ", start)
                end = size if end < 0 else end
            else:
                end = space
                while text[end - 1] == " ":
                    end -= 1
        lines.append(" " * pad + text[start:end])
        start = end
    return lines


def docstring_block(text: str, indent: int) -> str:
    """A whole docstring: one line when the text is one line, else closing quotes below."""
    body = docstring_body(text, indent).rstrip()
    if "\n" not in body:
        return f'"""{body}"""'
    return f'"""{body}\n{" " * indent}"""'
