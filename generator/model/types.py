"""The one table that maps a page's Type cell to a model TypeRef.

The docs write the same type differently by table: request tables say `String`, `Integer`,
`Boolean`; response tables say `string`, `int32`, `bool`; query tables spell enums inline as
`Enum: A, B`. Anything that looks like a .NET class name is a carrier (a named schema).
"""

from __future__ import annotations

import re

from generator.model.ir import ANY, TypeRef

# lower-cased Type cell -> TypeRef. README.md's type-mapping table mirrors this one.
TYPE_MAP: dict[str, TypeRef] = {
    "string": TypeRef("string"),
    "guid": TypeRef("string", format="uuid"),
    "int": TypeRef("integer", format="int32"),
    "int16": TypeRef("integer", format="int32"),
    "int32": TypeRef("integer", format="int32"),
    "integer": TypeRef("integer", format="int32"),
    "int64": TypeRef("integer", format="int64"),
    "long": TypeRef("integer", format="int64"),
    "bool": TypeRef("boolean"),
    "boolean": TypeRef("boolean"),
    "double": TypeRef("number", format="double"),
    "float": TypeRef("number", format="float"),
    "decimal": TypeRef("number", format="double"),
    "number": TypeRef("number", format="double"),
    "date-time": TypeRef("datetime"),
    "datetime": TypeRef("datetime"),
    "byte": TypeRef("bytes"),
    "byte[]": TypeRef("bytes"),
    "binary": TypeRef("binary"),
    "stream": TypeRef("binary"),
    "object": TypeRef("map", items=ANY),
    "array": TypeRef("array"),  # items unknown: recovered from samples later
}

# Body labels that mean "no schema" (the docs put a bogus TimeZoneData under every 204).
BOGUS_BODY_LABELS = frozenset({"timezonedata"})

_ENUM = re.compile(r"^enum\s*:\s*(.*)$", re.I | re.S)
_CARRIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ARRAY_OF = re.compile(r"^(.+?)\s*\[\]$")


def map_type(cell: str) -> TypeRef | None:
    """Map a Type cell. Returns None when the cell is not a type at all (caller reports it).

    An empty cell maps to ANY; the caller recovers it from samples and warns.
    """
    text = cell.strip().strip("`").strip()
    if not text:
        return ANY
    known = TYPE_MAP.get(text.lower())
    if known is not None:
        return known
    enum = _ENUM.match(text)
    if enum:
        members, _ = enum_members(enum.group(1))
        return TypeRef("enum", enum=members) if members else TypeRef("string")
    array_of = _ARRAY_OF.match(text)
    if array_of:
        inner = map_type(array_of.group(1))
        return TypeRef("array", items=inner) if inner is not None else None
    if _CARRIER.match(text):
        return TypeRef("ref", ref=text)
    return None


def enum_members(listing: str) -> tuple[tuple[str, ...], list[str]]:
    """The values of `Enum: A, B, C`, each once and none empty (OpenAPI wants both), and what
    was dropped: `""` for an empty value, the value for one listed again."""
    members: dict[str, None] = {}
    dropped: list[str] = []
    for part in listing.split(","):
        value = part.strip()
        if not value or value in members:
            dropped.append(value)
        else:
            members[value] = None
    return tuple(members), dropped


def enum_problems(cell: str) -> list[str]:
    """What `map_type` drops from an `Enum:` cell, for the caller to report."""
    enum = _ENUM.match(cell.strip().strip("`").strip())
    return enum_members(enum.group(1))[1] if enum else []


def is_primitive_label(label: str) -> bool:
    """True for body labels such as `string`, `int32`, `array` (not carrier names)."""
    return label.strip().lower() in TYPE_MAP
