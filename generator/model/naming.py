"""Turn names from the pages (operation ids, property names, headers) into Python identifiers.

Word splitting (shared by `snake_case` and `pascal_case`), chosen to be predictable rather
than clever - there is no dictionary of known words:

* Anything that is not an ASCII letter or digit separates words (`$select`, `SO-Language`,
  `List_Item`, `a.b c`); leading and trailing separators vanish.
* A lower-case letter or digit followed by an upper-case letter starts a new word
  (`chatSession`, `v1Chat`).
* An acronym ends before the last capital of a run that is followed by a lower-case letter:
  `CRMScriptId` -> CRM|Script|Id, `GetXMLData2` -> Get|XML|Data2. So `EMailConnectionInfo`
  is E|Mail|Connection|Info -> `e_mail_connection_info` (while `EmailAddress` stays
  `email_address`; the two spellings never merge).
* A plural acronym stays one word: `IDs` -> `ids`, `URLsFor` -> urls|for.
* Digits stick to the word before them (`Html5` -> `html5`, `Data2`, `Int32`, `v1`).
* Non-ASCII letters are transliterated (NFKD, plus a few Nordic/German letters NFKD keeps:
  ø->o, æ->ae, ß->ss, ...); any other letter or digit becomes its own word
  `u<decimal code point>`, which keeps different names distinct and the result pure ASCII.
"""

from __future__ import annotations

import functools
import hashlib
import keyword
import re
import unicodedata
from collections.abc import Container
from typing import Literal, NamedTuple

__all__ = [
    "MAX_FILE_STEM",
    "PYTHON_BUILTINS",
    "WINDOWS_RESERVED",
    "NameCollision",
    "Style",
    "UniqueNamer",
    "name_part",
    "pascal_case",
    "python_identifier",
    "snake_case",
]

Style = Literal["snake", "pascal"]

# Letters NFKD leaves alone but which have a customary ASCII spelling.
_TRANSLITERATE = {
    "ß": "ss",
    "ẞ": "SS",
    "æ": "ae",
    "Æ": "AE",
    "ø": "o",
    "Ø": "O",
    "œ": "oe",
    "Œ": "OE",
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "Th",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "\u0131": "i",
    "ħ": "h",
    "Ħ": "H",
}

_WORD_RE = re.compile(
    r"""
      [A-Z]{2,}s(?![a-z])          # plural acronym: IDs, URLs
    | [A-Z]+[0-9]*(?=[A-Z][a-z])   # acronym before a capitalised word: CRM|Script
    | [A-Z]?[a-z]+[0-9]*           # ordinary word, digits attached: Chat, html5, v1
    | [A-Z]+[0-9]*                 # trailing acronym: ID, URL, V2
    | [0-9]+                       # digits with no word before them
    """,
    re.VERBOSE,
)

# Every name in builtins (3.11-3.13), written out so the output does not depend on the
# interpreter that runs the generator. Shadowing any of these in generated code is avoided.
PYTHON_BUILTINS: frozenset[str] = frozenset(
    {
        "ArithmeticError",
        "AssertionError",
        "AttributeError",
        "BaseException",
        "BaseExceptionGroup",
        "BlockingIOError",
        "BrokenPipeError",
        "BufferError",
        "BytesWarning",
        "ChildProcessError",
        "ConnectionAbortedError",
        "ConnectionError",
        "ConnectionRefusedError",
        "ConnectionResetError",
        "DeprecationWarning",
        "EOFError",
        "Ellipsis",
        "EncodingWarning",
        "EnvironmentError",
        "Exception",
        "ExceptionGroup",
        "False",
        "FileExistsError",
        "FileNotFoundError",
        "FloatingPointError",
        "FutureWarning",
        "GeneratorExit",
        "IOError",
        "ImportError",
        "ImportWarning",
        "IndentationError",
        "IndexError",
        "InterruptedError",
        "IsADirectoryError",
        "KeyError",
        "KeyboardInterrupt",
        "LookupError",
        "MemoryError",
        "ModuleNotFoundError",
        "NameError",
        "None",
        "NotADirectoryError",
        "NotImplemented",
        "NotImplementedError",
        "OSError",
        "OverflowError",
        "PendingDeprecationWarning",
        "PermissionError",
        "ProcessLookupError",
        "PythonFinalizationError",
        "RecursionError",
        "ReferenceError",
        "ResourceWarning",
        "RuntimeError",
        "RuntimeWarning",
        "StopAsyncIteration",
        "StopIteration",
        "SyntaxError",
        "SyntaxWarning",
        "SystemError",
        "SystemExit",
        "TabError",
        "TimeoutError",
        "True",
        "TypeError",
        "UnboundLocalError",
        "UnicodeDecodeError",
        "UnicodeEncodeError",
        "UnicodeError",
        "UnicodeTranslateError",
        "UnicodeWarning",
        "UserWarning",
        "ValueError",
        "Warning",
        "ZeroDivisionError",
        "abs",
        "aiter",
        "all",
        "anext",
        "any",
        "ascii",
        "bin",
        "bool",
        "breakpoint",
        "bytearray",
        "bytes",
        "callable",
        "chr",
        "classmethod",
        "compile",
        "complex",
        "copyright",
        "credits",
        "delattr",
        "dict",
        "dir",
        "divmod",
        "enumerate",
        "eval",
        "exec",
        "exit",
        "filter",
        "float",
        "format",
        "frozenset",
        "getattr",
        "globals",
        "hasattr",
        "hash",
        "help",
        "hex",
        "id",
        "input",
        "int",
        "isinstance",
        "issubclass",
        "iter",
        "len",
        "license",
        "list",
        "locals",
        "map",
        "max",
        "memoryview",
        "min",
        "next",
        "object",
        "oct",
        "open",
        "ord",
        "pow",
        "print",
        "property",
        "quit",
        "range",
        "repr",
        "reversed",
        "round",
        "set",
        "setattr",
        "slice",
        "sorted",
        "staticmethod",
        "str",
        "sum",
        "super",
        "tuple",
        "type",
        "vars",
        "zip",
    }
)
# Soft keywords (3.12 added "type"); hard keywords come from the keyword module, which
# has been stable since 3.7.
_SOFT_KEYWORDS = frozenset({"_", "case", "match", "type"})
# Names every generated method or class body uses.
_ALWAYS_RESERVED = frozenset({"self", "cls"})


def _to_ascii(name: str) -> str:
    out: list[str] = []
    for ch in unicodedata.normalize("NFKD", name):
        if ch.isascii():
            out.append(ch)
        elif unicodedata.combining(ch):
            continue  # accents split off by NFKD
        elif ch in _TRANSLITERATE:
            out.append(_TRANSLITERATE[ch])
        elif ch.isalnum():
            # Decimal code point: stable, distinct, ASCII, and one word (hex letters
            # would be split off by the word rules).
            out.append(f" u{ord(ch)} ")
        else:
            out.append(" ")
    return "".join(out)


def _chunks(name: str) -> list[str]:
    return [c for c in re.split(r"[^A-Za-z0-9]+", _to_ascii(name)) if c]


def _words(name: str) -> list[str]:
    return [word for chunk in _chunks(name) for word in _WORD_RE.findall(chunk)]


def snake_case(name: str) -> str:
    """`AddChatMessage` -> `add_chat_message`, `CRMScriptId` -> `crm_script_id`.

    Pure conversion: the result may start with a digit or be a keyword; use
    `python_identifier` for something that is safe to emit.
    """
    return "_".join(word.lower() for word in _words(name))


def pascal_case(name: str) -> str:
    """`chat` -> `Chat`, `List_Item` -> `ListItem`, `v1ChatAgent` -> `V1ChatAgent`.

    Each word gets an upper-case first letter and keeps the rest of its spelling, so names
    that are already PascalCase (`CRMScriptEntity`) come through unchanged. A chunk written
    wholly in capitals (`X-XSRF-TOKEN`, `SO-Language`) is shouting, not an acronym inside a
    name, so its words are capitalised: `XXsrfToken`, `SoLanguage`.
    """
    out: list[str] = []
    for chunk in _chunks(name):
        shouting = len(chunk) > 1 and not any(c.islower() for c in chunk)
        for word in _WORD_RE.findall(chunk):
            out.append(word.capitalize() if shouting else word[:1].upper() + word[1:])
    return "".join(out)


def _is_taken(name: str, reserved: frozenset[str]) -> bool:
    return (
        keyword.iskeyword(name)
        or name in _SOFT_KEYWORDS
        or name in PYTHON_BUILTINS
        or name in _ALWAYS_RESERVED
        or name in reserved
    )


# Identifiers that also name files (modules) stay well under the 255-byte file-name limit of
# common file systems, leaving room for a `test_` prefix and the `.py` suffix.
MAX_FILE_STEM = 100
# Device names Windows refuses as file names, with any extension (`con.py`).
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{n}" for n in range(1, 10)}
    | {f"lpt{n}" for n in range(1, 10)}
)


_NOT_NAME_CHAR = re.compile(r"[^A-Za-z0-9_]")


def name_part(text: str) -> str:
    """`text` made safe to build a schema name from (OpenAPI allows `[A-Za-z0-9._-]` in
    component names): anything else becomes `_`. Names that are already identifiers stay."""
    return _NOT_NAME_CHAR.sub("_", text)


def capitalised_part(name: str) -> str:
    """A wire name as part of a schema name: `mergedTicketEntity` -> `MergedTicketEntity`."""
    return name_part(name[:1].upper() + name[1:])


def free_name(hint: str, taken: Container[str]) -> str:
    """`hint`, or `hint2`, `hint3`, ...: the first that is not taken."""
    if hint not in taken:
        return hint
    n = 2
    while f"{hint}{n}" in taken:
        n += 1
    return f"{hint}{n}"


def shorten(ident: str, max_len: int) -> str:
    """`ident` cut to `max_len` characters, deterministically and without losing uniqueness:
    a long name keeps its first characters and gets 8 hex digits of a hash of the whole."""
    if len(ident) <= max_len:
        return ident
    tag = hashlib.sha256(ident.encode()).hexdigest()[:8]
    head = ident[: max(max_len - len(tag) - 1, 1)].rstrip("_") or ident[0]
    return f"{head}_{tag}"


@functools.lru_cache(maxsize=65536)  # pure; the same names come back for every group and model
def python_identifier(
    name: str,
    *,
    style: Style = "snake",
    reserved: frozenset[str] = frozenset(),
    max_len: int | None = None,
) -> str:
    """A valid, ASCII, non-keyword Python identifier for `name`.

    Keywords, soft keywords, builtins, `self`/`cls` and anything in `reserved` get a
    trailing underscore (repeated if needed); a leading digit gets `n_` (snake) or `N`
    (pascal); an empty result becomes `field`/`Field`. Never starts with an underscore.
    With `max_len` (for names that become file names) a longer result is shortened by
    `shorten`.
    """
    ident = snake_case(name) if style == "snake" else pascal_case(name)
    if not ident:
        ident = "field" if style == "snake" else "Field"
    if ident[0].isdigit():
        ident = ("n_" if style == "snake" else "N") + ident
    if max_len is not None:
        ident = shorten(ident, max_len)
    while _is_taken(ident, reserved):
        ident += "_"
    return ident


class NameCollision(NamedTuple):
    """Two different originals that convert to the same identifier in one scope."""

    identifier: str
    first_original: str
    first_source: object
    later_original: str
    later_source: object
    renamed: str = ""  # what the later original became
    first_kind: str = ""  # where each lives (path, query, body field...), when the caller said
    later_kind: str = ""


class UniqueNamer:
    """Deterministic unique identifiers within one scope (a class, a module, a signature).

    The first original to claim an identifier keeps it; a later, different original that
    converts to the same thing gets `<kind>_<name>` when the caller says what kind of name it
    is (a body field `Id` beside a path part `Id` becomes `body_id`), else `_2`, `_3`, ...; the
    clash is recorded in `collisions` so the caller can warn, naming both sources. Adding the
    same original of the same kind again returns its identifier and records nothing; the same
    wire name in two places of one signature (`kind` differs) is two names.
    """

    def __init__(
        self,
        *,
        style: Style = "snake",
        reserved: frozenset[str] = frozenset(),
        max_len: int | None = None,
    ) -> None:
        self.style: Style = style
        self.reserved = reserved
        self.max_len = max_len
        self.collisions: list[NameCollision] = []
        # originals renamed because their identifier is in `reserved` (a name the generated
        # code uses itself; keywords and builtins are renamed without a word):
        # (original, source, identifier it would have been, what it became)
        self.reserved_hits: list[tuple[str, object, str, str]] = []
        self._by_original: dict[tuple[str, str], str] = {}
        # identifier -> (original, source, kind) of whoever holds it
        self._owners: dict[str, tuple[str, object, str]] = {}

    def add(self, original: str, source: object, kind: str = "") -> str:
        known = self._by_original.get((kind, original))
        if known is not None:
            return known
        base = python_identifier(
            original, style=self.style, reserved=self.reserved, max_len=self.max_len
        )
        if self.reserved:
            plain = python_identifier(original, style=self.style, max_len=self.max_len)
            if plain != base:
                self.reserved_hits.append((original, source, plain, base))
        ident = base
        if ident in self._owners:
            first_original, first_source, first_kind = self._owners[ident]
            ident = self._free_variant(original, base, kind)
            self.collisions.append(
                NameCollision(
                    base, first_original, first_source, original, source, ident,
                    first_kind, kind,
                )
            )  # fmt: skip
        self._by_original[(kind, original)] = ident
        self._owners[ident] = (original, source, kind)
        return ident

    def _free_variant(self, original: str, base: str, kind: str) -> str:
        if kind:
            qualified = python_identifier(
                f"{kind} {original}", style=self.style, reserved=self.reserved,
                max_len=self.max_len,
            )  # fmt: skip
            if qualified not in self._owners:
                return qualified
        stem = base.rstrip("_")  # "id_" -> "id_2", not "id__2"
        n = 2
        while True:
            ident = f"{stem}_{n}"
            if ident not in self._owners and not _is_taken(ident, self.reserved):
                return ident
            n += 1

    def lookup(self, original: str, kind: str = "") -> str | None:
        """The identifier already given to `original` (of that kind), if any."""
        return self._by_original.get((kind, original))

    def __contains__(self, identifier: object) -> bool:
        return identifier in self._owners

    def __len__(self) -> int:
        return len(self._owners)
