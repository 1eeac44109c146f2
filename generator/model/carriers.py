"""Schemas across pages: one carrier name is one schema, however many pages describe it.

- Named carriers (`### Response body: ChatMessage`) merge: the first description (in sorted page
  order) is the base; later pages add properties it lacks and fill types it left empty. A real
  disagreement is a warning naming both places.
- Anonymous bodies (`array`, `object`, request wrappers) take the name of a carrier with the same
  property names, else a name derived from the operation (`AddChatMessageRequest`), qualified by
  the group when two groups derive the same name for different shapes.
- Carriers referenced but never described become open schemas (any properties).
"""

from __future__ import annotations

import itertools
import re

from generator.diagnostics import Diagnostics, SourceRef
from generator.model.ir import Schema, TypeRef
from generator.model.naming import name_part
from generator.model.operations import Proposal


def _shape(schema: Schema) -> tuple[tuple[str, str], ...]:
    return tuple((p.name, p.type.describe()) for p in schema.properties)


def _names(schema: Schema) -> frozenset[str]:
    return frozenset(p.name.lower() for p in schema.properties)


def _merge_into(base: Schema, other: Schema, diags: Diagnostics) -> None:
    by_name = {p.name.lower(): p for p in base.properties}
    conflicts: list[str] = []
    for prop in other.properties:
        mine = by_name.get(prop.name.lower())
        if mine is None:
            base.properties.append(prop)
            by_name[prop.name.lower()] = prop
        elif mine.type.kind == "any" and prop.type.kind != "any":
            mine.type = prop.type  # an empty Type cell filled in by another page
        elif prop.type.kind != "any" and _compatible(mine.type, prop.type) is False:
            conflicts.append(f"{prop.name}: {mine.type.describe()} vs {prop.type.describe()}")
    missing = [p.name for p in base.properties if p.name.lower() not in _names(other)]
    if conflicts or (missing and other.properties):
        detail = "; ".join(conflicts) if conflicts else "missing " + ", ".join(missing[:5])
        diags.add(
            "SOG403",
            f"schema {base.name!r} is described differently here ({detail}); "
            f"the first description wins, properties are merged",
            other.source,
            related=(base.source,),
        )
    base.also_described_at.append(other.source)


def _compatible(a: TypeRef, b: TypeRef) -> bool:
    if a == b:
        return True
    if a.kind == b.kind == "array":
        return a.items is None or b.items is None or _compatible(a.items, b.items)
    if {a.kind, b.kind} <= {"string", "enum"}:
        return True
    return a.kind == b.kind and a.kind in ("integer", "number")


def resolve_schemas(
    proposals: list[Proposal], diags: Diagnostics
) -> tuple[dict[str, Schema], dict[str, str]]:
    """Return (schemas by name, provisional key -> final name)."""
    schemas: dict[str, Schema] = {}
    renames: dict[str, str] = {}
    for p in proposals:
        if p.anonymous:
            continue
        name = p.schema.name
        if name in schemas:
            _merge_into(schemas[name], p.schema, diags)
        else:
            schemas[name] = p.schema
    named_by_shape: dict[frozenset[str], str] = {}
    for name in sorted(schemas):
        names = _names(schemas[name])
        if names:
            named_by_shape.setdefault(names, name)
    derived: dict[str, Schema] = {}
    by_table: dict[tuple[tuple[str, str, str], ...], str] = {}
    _name_shared_tables(
        [
            p
            for p in proposals
            if p.anonymous and p.shared_by_table and p.schema.properties
            and named_by_shape.get(_names(p.schema)) is None
        ]
    )  # fmt: skip
    for p in proposals:
        if not p.anonymous:
            continue
        match = named_by_shape.get(_names(p.schema)) if p.schema.properties else None
        if match is None and p.shared_by_table and p.schema.properties:
            # the same item table on several pages (PUT .../Items/{itemId}/UserGroups of every
            # list): one schema, named after the first page, not one identical class per page
            match = by_table.get(_table(p.schema))
        if match is not None:
            renames[p.key] = match
            schemas[match].also_described_at.append(p.schema.source)
            continue
        renames[p.key] = _place_derived(p, schemas, derived)
        if p.shared_by_table and p.schema.properties:
            by_table.setdefault(_table(p.schema), renames[p.key])
    return schemas, renames


def _name_shared_tables(proposals: list[Proposal]) -> None:
    """Pages that share one item table share its schema, named by what their derived names
    have in common: PutBusinessHeadingsRequestItem and PutCategoryHeadingsRequestItem give
    PutHeadingsRequestItem. When they have no word in common but the suffix, the first page's
    name is kept."""
    groups: dict[tuple[tuple[str, str, str], ...], list[Proposal]] = {}
    for p in proposals:
        groups.setdefault(_table(p.schema), []).append(p)
    for same in groups.values():
        names = {p.schema.name for p in same}
        if len(names) < 2:
            continue
        words = [_CAMEL_WORD.findall(name) for name in sorted(names)]
        head = _common_prefix(words)
        tail = _common_prefix([list(reversed(w)) for w in words])[::-1]
        shortest = min(len(w) for w in words)
        if len(head) + len(tail) > shortest:  # the affixes overlap (cannot, names differ)
            continue
        if not head and len(tail) <= 2:  # only "Request", "Item": says nothing
            continue
        common = "".join(head + tail)
        for p in same:
            p.schema.name = common


_CAMEL_WORD = re.compile(r"[A-Z][a-z0-9]*|[a-z0-9]+")


def _common_prefix(lists: list[list[str]]) -> list[str]:
    out: list[str] = []
    for column in zip(*lists, strict=False):
        if len(set(column)) != 1:
            break
        out.append(column[0])
    return out


def _table(schema: Schema) -> tuple[tuple[str, str, str], ...]:
    return tuple((p.name, p.type.describe(), p.description) for p in schema.properties)


def _place_derived(p: Proposal, schemas: dict[str, Schema], derived: dict[str, Schema]) -> str:
    """Give an anonymous schema its derived name, qualifying it when that name is taken."""
    group_short = name_part(p.group.removesuffix("Agent"))
    first = [p.schema.name, group_short + p.schema.name]
    numbered = (f"{group_short}{p.schema.name}{n}" for n in itertools.count(2))
    for name in itertools.chain(first, numbered):  # ends: each name is new or taken
        existing = schemas.get(name)
        if existing is None:
            p.schema.name = name
            schemas[name] = p.schema
            derived[name] = p.schema
            return name
        if name in derived and _shape(existing) == _shape(p.schema):
            existing.also_described_at.append(p.schema.source)
            return name
    raise AssertionError("unreachable: the numbered names never run out")


def rename_type(t: TypeRef | None, renames: dict[str, str]) -> TypeRef | None:
    if t is None:
        return None
    if t.kind == "ref" and t.ref in renames:
        return TypeRef("ref", ref=renames[t.ref])
    if t.items is not None:
        items = rename_type(t.items, renames)
        if items is not t.items:
            return TypeRef(t.kind, t.format, t.ref, items, t.enum)
    return t


def add_open_carriers(schemas: dict[str, Schema], referenced: dict[str, SourceRef]) -> None:
    """Carriers named in a Type cell but described nowhere: open schemas, no properties."""
    for name in sorted(referenced):
        if name not in schemas:
            schemas[name] = Schema(
                name=name,
                properties=[],
                description=f"The {name} carrier. Its properties are not described in these pages.",
                source=referenced[name],
            )
