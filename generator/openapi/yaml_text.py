"""A small block-style YAML writer for JSON-like data (dict, list, str, int, float, bool, None).

PyYAML's representer is pure Python and was most of the cost of writing the document; this
writer does one walk with the scalar styles chosen by regular expressions and remembered per
string (a document repeats its strings many times).

Layout: 2-space indentation, `- ` list items, lists under a key not indented (as PyYAML
writes them), `{}`/`[]` for empty containers, no line folding. Strings are:
- plain when that is certainly safe in YAML 1.1 and 1.2 (PyYAML, libyaml, js-yaml, `yaml`):
  a conservative character set, a first character that is no indicator, digit, sign or dot
  (so nothing that looks like a number, date or `.inf`), no `: ` or ` #`, no trailing space
  or colon, and no word that some schema reads as a bool or null;
- a literal block (`|`/`|-`) for multi-line text that is safe there (readable descriptions);
- double-quoted with JSON-style escapes otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from generator.model.ir import JSONValue

# Non-ASCII characters allowed unquoted: not C1 controls, NEL/LS/PS (line breaks in YAML 1.1),
# the BOM, surrogates, non-characters, nor anything space-like or invisible, which a reader
# might trim or a person might not see.
_NA = (
    "\u00a1-\u167f\u1681-\u1fff\u2010-\u2027\u2030-\u205e\u2070-\u2fff\u3001-\ud7ff"
    "\ue000-\ufefe\uff00-\uffef\U00010000-\U0010fffd"
)
_PLAIN = re.compile(f"[A-Za-z_/$({_NA}](?:[ -~{_NA}]*[!-9;-~{_NA}])?")
_PLAIN_BREAKERS = re.compile(r": | #")
# Dotted versions ("3.0.3") are no number, date or time in any schema: at most one dot there.
_VERSION = re.compile(r"[0-9]+(?:\.[0-9]+){2,}")
# YAML 1.1 bools (y/n included: some readers take them) and 1.1/1.2 nulls, in any case; and
# exponents without digits before them, which the `yaml` package's YAML 1.1 mode reads as NaN.
_LOOKALIKES = re.compile("(?i:y|n|yes|no|on|off|true|false|null|e[-+]?[0-9]+)")

# Literal blocks: printable text without tabs or CR, starting with neither space nor line break
# (the first line sets the indentation), no trailing spaces on any line (editors strip them),
# and at most one final line break (`|` or `|-`; `|+` is easy to damage).
_LITERAL = re.compile(f"[!-~{_NA}][ -~\n{_NA}]*")
_LITERAL_BREAKERS = re.compile(r" \n| $|\n\n$")

_ESCAPED = re.compile('["\\\\\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]')
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}

# Simple (implicit) keys may be at most 1024 characters long; js `yaml` counts UTF-16 units.
_LONG_KEY = 500


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or f"\\u{ord(char):04x}"


def _quoted(text: str) -> str:
    return '"' + _ESCAPED.sub(_escape, text) + '"'


def _string(text: str) -> str:
    """The scalar for `text` on its line: plain, double-quoted, or `|`/`|-` followed by the
    raw text (the caller indents it)."""
    if (
        _PLAIN.fullmatch(text)
        and not _PLAIN_BREAKERS.search(text)
        and not _LOOKALIKES.fullmatch(text)
    ):
        return text
    if _VERSION.fullmatch(text):
        return text
    if "\n" in text and _LITERAL.fullmatch(text) and not _LITERAL_BREAKERS.search(text):
        return ("|\n" + text[:-1]) if text[-1] == "\n" else ("|-\n" + text)
    return _quoted(text)


def _float(value: float) -> str:
    if value != value:
        return ".nan"
    if value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    text = float.__repr__(value)
    # YAML 1.1 floats need a dot ("1e+16" would be a string there)
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return text


def _other_scalar(value: object) -> str:
    """Scalars other than str, and str subclasses."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int) and not isinstance(value, bool):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return _quoted(str.__str__(value))
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


class _Writer:
    """One document's walk; `lines` collects the text, the dicts remember rendered strings."""

    __slots__ = ("keys", "lines", "strings")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.strings: dict[str, str] = {}
        self.keys: dict[object, str] = {}

    def key(self, key: object) -> str:
        """`key:`; remembered for str keys only (1 and True are the same dict key)."""
        if type(key) is str:
            text = _string(key)
            text = self.keys[key] = (_quoted(key) if text[0] == "|" else text) + ":"
            return text
        return _other_scalar(key) + ":"

    def mapping(self, value: dict[Any, Any], pad: str, lead: str) -> None:
        """A non-empty mapping at indentation `pad`; its first line starts with `lead`."""
        out = self.lines.append
        keys = self.keys
        strings = self.strings
        inner = pad + "  "
        for k, v in value.items():
            key = keys.get(k)
            if key is None:
                key = self.key(k)
            t = type(v)
            if len(key) > _LONG_KEY:
                # an explicit key; its value one level deeper on the `:` line
                self.other(v, inner, f"{lead}? {key[:-1]}\n{pad}:")
            elif t is str:
                text = strings.get(v)
                if text is None:
                    text = strings[v] = _string(v)
                if text[0] == "|":
                    out(_literal(f"{lead}{key} ", text, inner))
                else:
                    out(f"{lead}{key} {text}\n")
            elif t is dict:
                if v:
                    out(f"{lead}{key}\n")
                    self.mapping(v, inner, inner)
                else:
                    out(f"{lead}{key} {{}}\n")
            elif t is list:
                if v:
                    out(f"{lead}{key}\n")
                    self.sequence(v, pad, pad)
                else:
                    out(f"{lead}{key} []\n")
            elif t is bool:
                out(f"{lead}{key} true\n" if v else f"{lead}{key} false\n")
            else:
                self.other(v, inner, f"{lead}{key}")
            lead = pad

    def sequence(self, value: list[Any], pad: str, lead: str) -> None:
        """A non-empty list whose `- ` items are at indentation `pad`; the first at `lead`."""
        out = self.lines.append
        strings = self.strings
        inner = pad + "  "
        for v in value:
            t = type(v)
            if t is str:
                text = strings.get(v)
                if text is None:
                    text = strings[v] = _string(v)
                if text[0] == "|":
                    out(_literal(f"{lead}- ", text, inner))
                else:
                    out(f"{lead}- {text}\n")
            elif t is dict:
                if v:
                    self.mapping(v, inner, lead + "- ")
                else:
                    out(f"{lead}- {{}}\n")
            elif t is list:
                if v:
                    self.sequence(v, inner, lead + "- ")
                else:
                    out(f"{lead}- []\n")
            else:
                self.other(v, inner, f"{lead}-")
            lead = pad

    def other(self, v: object, inner: str, head: str) -> None:
        """`head` and the value, for what the loops above do not handle themselves: scalars
        other than str, values of explicit keys, subclasses and tuples (written as their base
        types); nested containers start on the next line at `inner`."""
        if isinstance(v, dict):
            if v:
                self.lines.append(head + "\n")
                self.mapping(dict(v), inner, inner)
                return
            text = "{}"
        elif isinstance(v, list | tuple):
            if v:
                self.lines.append(head + "\n")
                self.sequence(list(v), inner, inner)
                return
            text = "[]"
        elif type(v) is str:
            text = _string(v)
            if text[0] == "|":
                self.lines.append(_literal(head + " ", text, inner))
                return
        else:
            text = _other_scalar(v)
        self.lines.append(f"{head} {text}\n")


def _literal(head: str, text: str, pad: str) -> str:
    """`head` and a literal block from `_string`, its lines indented by `pad`."""
    indicator, _, body = text.partition("\n")
    lines = "\n".join(pad + line if line else "" for line in body.split("\n"))
    return f"{head}{indicator}\n{lines}\n"


def to_yaml(value: JSONValue) -> str:
    """A JSON-like value as a YAML document."""
    writer = _Writer()
    if isinstance(value, dict) and value:
        writer.mapping(dict(value), "", "")
    elif isinstance(value, list | tuple) and value:
        writer.sequence(list(value), "", "")
    elif isinstance(value, str):
        return _quoted(str.__str__(value)) + "\n"
    elif isinstance(value, dict):
        return "{}\n"
    elif isinstance(value, list | tuple):
        return "[]\n"
    else:
        return _other_scalar(value) + "\n"
    return "".join(writer.lines)


def entry_writer() -> Callable[[str, JSONValue, int], str]:
    """A function writing one `key: value` entry of a mapping at a depth (2 spaces a level),
    exactly as it appears inside the whole document; calls share one string memory."""
    writer = _Writer()

    def entry(key: str, value: JSONValue, depth: int) -> str:
        pad = "  " * depth
        writer.lines = []
        writer.mapping({key: value}, pad, pad)
        return "".join(writer.lines)

    return entry
