"""Which names a piece of generated code uses, and the order ruff sorts imports and exports in."""

from __future__ import annotations

import re

from generator.render.context.views import TestView

CODEC_NAMES = (
    "BOOL",
    "DATETIME",
    "FLOAT",
    "INT",
    "JSON",
    "STRING",
    "UNSET",
    "Field",
    "JSONValue",
    "Model",
    "Unset",
    "encode_body",
    "list_of",
    "map_of",
    "model",
    "nullable",
    "query_object",
)


# A whole word that is not an attribute (`x.datetime` is not the name `datetime`).
_FREE_WORD = re.compile(r"(?<![\w.])\w+")


_WORD = re.compile(r"\w+")


# a plain string literal of a test's expressions (wire keys, sample text): its words are no names
STRING_LITERAL = re.compile(r"""[rRbBuU]{0,2}(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")""")


def uses_json_loads(test: TestView, args_only: bool = False) -> bool:
    """Whether the test's code reads a value from JSON text (`json.loads(...)`, outside any
    string literal)."""
    parts = [a.expr for a in test.args]
    if not args_only:
        parts += [test.expected_value, test.json_body or "", test.response_body or ""]
    return any("json.loads(" in STRING_LITERAL.sub("''", part) for part in parts)


def free_words(fragments: list[str]) -> set[str]:
    """The words of the fragments that stand alone: not part of a longer word or an attribute."""
    return set(_FREE_WORD.findall("\n".join(fragments)))


def names_in(
    fragments: list[str],
    candidates: tuple[str, ...] | list[str],
    words: set[str] | None = None,
) -> list[str]:
    """The candidates that occur as whole words in the fragments, in import-sort order.

    `words` may give free_words(fragments), when several lookups share the fragments.
    """
    if words is None:
        words = free_words(fragments)
    text = ""
    found = []
    for c in candidates:
        if _WORD.fullmatch(c):
            # a word occurs whole and not after a dot exactly when it is one of the free words
            if c in words:
                found.append(c)
        else:
            text = text or "\n".join(fragments)
            if re.search(rf"(?<![\w.]){re.escape(c)}\b", text):
                found.append(c)
    return sorted(found, key=import_order)


def export_order(name: str) -> tuple[int, list[tuple[int, str]]]:
    """ruff's RUF022 order for __all__: CONSTANTS, Classes, others; digits compare as numbers."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    parts = re.split(r"(\d+)", name)
    return kind, [(int(p), "") if p.isdigit() else (0, p) for p in parts]


def import_order(name: str) -> tuple[int, str]:
    """isort's order by type: CONSTANTS, then Classes, then functions."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name
