"""Samples against tables: recover what the tables leave out, widen what they get wrong.

Walks each sample body alongside its declared type. Array item types missing from a table are
recovered from the sample's elements: a carrier whose property names *and* value types agree
with the elements (the page's own carriers first), else a schema made from the sample (SOG305
names it). Where a sample contradicts its page's table (a string where the table says int32, a
dictionary where it names a carrier), the declared type is widened so the sample is valid, with
a SOG303 warning: the samples are real server output, the tables are generated from signatures,
and a client must accept what the server sends.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from generator.diagnostics import Diagnostics, SourceRef
from generator.model.formats import INT64, broken_format, integer_range, repaired
from generator.model.ir import ANY, JSONValue, Operation, Property, Schema, TypeRef
from generator.model.naming import capitalised_part as _part
from generator.model.naming import free_name as _free_name
from generator.model.naming import name_part

_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
# Shapes: lower-cased property names -> every schema with exactly those names, sorted.
Shapes = dict[frozenset[str], list[str]]
SAMPLE_TYPE_CELL = "(from the sample)"  # doc_type of a property made from a sample
_MAX_FIT_DEPTH = 16


@dataclass
class _Context:
    schemas: dict[str, Schema]
    diags: Diagnostics
    sample: SourceRef
    shapes: Shapes
    documented: frozenset[str]  # the carriers whose tables are on this page
    depth: int = 0
    # (where, sample) of the format problems reported, so an array of them says it once
    reported: set[tuple[str, SourceRef]] = field(default_factory=set)


def schema_shapes(schemas: dict[str, Schema]) -> Shapes:
    """How a sample object is recognised: by its property names, then by its value types (see
    _fits). Reconciling changes property types, never names, so one index serves every
    operation; schemas made from samples are added to it as they are made."""
    shapes: Shapes = {}
    for name in sorted(schemas):
        names = frozenset(p.name.lower() for p in schemas[name].properties)
        if names:
            shapes.setdefault(names, []).append(name)
    return shapes


def _documented(op: Operation) -> frozenset[str]:
    found: set[str] = set()
    types = [op.request_body.type] if op.request_body is not None else []
    types += [r.type for r in op.responses if r.type is not None]
    for t in types:
        while t.items is not None:
            t = t.items
        if t.kind == "ref" and t.ref:
            found.add(t.ref)
    return frozenset(found)


def reconcile_operation(
    op: Operation,
    schemas: dict[str, Schema],
    diags: Diagnostics,
    shapes: Shapes | None = None,
) -> None:
    shapes = schema_shapes(schemas) if shapes is None else shapes
    documented = _documented(op)
    base = name_part(op.name)
    req = op.request_example
    if req is not None and req.has_body and op.request_body is not None:
        ctx = _Context(schemas, diags, req.source, shapes, documented)
        where = f"request body of {op.id}"
        new = _check(op.request_body.type, req.body, ctx, where, base + "RequestItem")
        if new is not None:
            _warn_top(ctx, where, op.request_body.type, new, op.request_body.source)
            op.request_body.type = new
        _record_evidence(op.request_body.type, req.body, ctx, where)
    res = op.response_example
    if res is not None and res.has_body:
        response = next((r for r in op.responses if r.status == res.status and r.type), None)
        if response is not None and response.type is not None:
            ctx = _Context(schemas, diags, res.source, shapes, documented)
            where = f"{res.status} response of {op.id}"
            new = _check(response.type, res.body, ctx, where, base + "Item")
            if new is not None:
                _warn_top(ctx, where, response.type, new, response.source)
                response.type = new
            _record_evidence(response.type, res.body, ctx, where)


def _record_evidence(t: TypeRef, value: JSONValue, ctx: _Context, where: str) -> None:
    """The sample walked again along the type it ended with (recovered item types included):
    a null where a carrier property is marks it nullable, a string that breaks its format is
    reported. Types are not changed here."""
    stack: list[tuple[TypeRef, JSONValue, str, int]] = [(t, value, where, 0)]
    while stack:
        t, value, where, depth = stack.pop()
        if value is None or depth > 64:
            continue
        if t.kind in ("bytes", "datetime", "string") and isinstance(value, str):
            _check_format(t, value, ctx, where)
        elif t.kind == "array" and t.items is not None and isinstance(value, list):
            stack.extend((t.items, v, where, depth + 1) for v in value)
        elif t.kind == "map" and t.items is not None and isinstance(value, dict):
            stack.extend((t.items, v, where, depth + 1) for v in value.values())
        elif t.kind == "ref" and isinstance(value, dict):
            schema = ctx.schemas.get(str(t.ref))
            if schema is None:
                continue
            by_name = {p.name: p for p in schema.properties}
            for key, item in value.items():
                prop = by_name.get(key)
                if prop is None:
                    continue
                if item is None:
                    prop.nullable = True  # the evidence the spec's nullability rests on
                else:
                    stack.append((prop.type, item, f"{schema.name}.{key}", depth + 1))


def _warn_top(ctx: _Context, what: str, old: TypeRef, new: TypeRef, source: SourceRef) -> None:
    if old.kind == "array" and old.items is None:
        return  # recovered, not contradicted
    ctx.diags.add(
        "SOG303",
        f"sample of the {what} does not match its table ({old.describe()}); "
        f"declared as {new.describe()}",
        ctx.sample,
        related=(source,),
    )


def _kind_of_value(value: JSONValue) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _check(t: TypeRef, value: JSONValue, ctx: _Context, where: str, hint: str) -> TypeRef | None:
    """Return a replacement type when `value` does not fit `t`, else None (t is fine). `hint`
    names a schema made from the sample for array items no table describes."""
    if value is None or t.kind == "any":
        return None  # null is recorded as evidence where it is a property's value (_check_object)
    kind = t.kind
    if kind == "binary":
        # a raw stream: whatever the sample shows (`672`, `99.99`, text) is some bytes, so it
        # cannot contradict; widening would turn a download into JSON
        return None
    if kind in ("string", "bytes"):
        if not isinstance(value, str):
            return ANY
        _check_format(t, value, ctx, where)
        return None
    if kind == "datetime":
        if isinstance(value, str):
            if not _ISO_DATETIME.match(value):
                return TypeRef("string")
            _check_format(t, value, ctx, where)
            return None
        return ANY
    if kind == "integer":
        if _kind_of_value(value) != "integer":
            return _widen_number(value)
        assert isinstance(value, int)
        low, high = integer_range(t) or INT64
        if low <= value <= high:
            return None
        # a real value beyond the table's int32: the server's type is wider
        return TypeRef("integer", format="int64") if INT64[0] <= value <= INT64[1] else ANY
    if kind == "number":
        return None if _kind_of_value(value) in ("integer", "number") else ANY
    if kind == "boolean":
        return None if isinstance(value, bool) else ANY
    if kind == "enum":
        if isinstance(value, str):
            return None if value in t.enum else TypeRef("string")
        return ANY
    if kind == "map":
        if not isinstance(value, dict):
            return ANY
        if t.items is not None and t.items.kind != "any":
            for v in value.values():
                if _check(t.items, v, ctx, where, hint + "Value") is not None:
                    return TypeRef("map", items=ANY)
        return None
    if kind == "array":
        if not isinstance(value, list):
            return ANY
        return _check_array(t, value, ctx, where, hint)
    if kind == "ref":
        if not isinstance(value, dict):
            return ANY
        schema = ctx.schemas.get(str(t.ref))
        if schema is not None and _is_dictionary_sample(schema, value):
            # a carrier named where the page means a dictionary (`Parameters | PersonEntity`
            # with a sample {"Parameters1": "ex"}): not one key is the carrier's
            values = infer_type(list(value.values()), ctx, where, hint + "Value", derive=False)
            return TypeRef("map", items=values or ANY)
        if schema is not None and ctx.depth < 64:
            _check_object(schema, value, ctx)
        return None
    return None


def _check_format(t: TypeRef, value: str, ctx: _Context, where: str) -> None:
    """A string value that breaks its type's format is reported, once per place and sample; the
    spec ships a repaired example (formats.py)."""
    problem = broken_format(t, value)
    if problem is None or (where, ctx.sample) in ctx.reported:
        return
    ctx.reported.add((where, ctx.sample))
    shown = value if len(value) <= 40 else value[:37] + "..."
    ctx.diags.add(
        "SOG306",
        f"sample value {shown!r} of {where} {problem}; the spec's example has "
        f"{repaired(t, value)!r} instead",
        ctx.sample,
    )


def _is_dictionary_sample(schema: Schema, value: dict[str, JSONValue]) -> bool:
    """A sample object none of whose keys the carrier's table names, the table naming some."""
    if not value or not schema.properties:
        return False
    if all(p.doc_type == SAMPLE_TYPE_CELL for p in schema.properties):
        return False  # a schema made from samples grows with them
    return not {k.lower() for k in value} & _lower_names(schema)


def _widen_number(value: JSONValue) -> TypeRef:
    return TypeRef("number", format="double") if isinstance(value, float) else ANY


def _check_array(
    t: TypeRef, value: list[JSONValue], ctx: _Context, where: str, hint: str
) -> TypeRef | None:
    items = t.items
    if items is None:
        inferred = infer_type(value, ctx, where, hint, derive=True)
        return TypeRef("array", items=inferred) if inferred is not None else None
    for element in value:
        new = _check(items, element, ctx, where, hint)
        if new is not None:
            return TypeRef("array", items=new)
    return None


def _check_object(schema: Schema, value: dict[str, JSONValue], ctx: _Context) -> None:
    by_name = {p.name: p for p in schema.properties}
    # a schema made from one sample grows with the keys later samples show (every property
    # is optional), so it stays true to all of them; a table's schema keeps its rows
    from_samples = bool(schema.properties) and all(
        p.doc_type == SAMPLE_TYPE_CELL for p in schema.properties
    )
    ctx.depth += 1
    try:
        for key, item in value.items():
            prop = by_name.get(key)
            if prop is None and from_samples and key.lower() not in _lower_names(schema):
                hint = schema.name + _part(key) + "Item"
                t = infer_type([item], ctx, f"{schema.name}.{key}", hint, derive=False)
                prop = Property(
                    key, t or ANY, "", ctx.sample, doc_type=SAMPLE_TYPE_CELL,
                    nullable=item is None,
                )  # fmt: skip
                schema.properties.append(prop)
                by_name[key] = prop
                continue
            if prop is None:
                continue
            if item is None:
                prop.nullable = True  # the evidence the spec's nullability rests on
                continue
            where = f"{schema.name}.{key}"
            hint = schema.name + _part(key) + "Item"
            if prop.type.kind == "any" and not prop.doc_type.strip() and item is not None:
                # an empty Type cell, from the sample
                recovered = infer_type([item], ctx, where, hint, derive=False)
                if recovered is not None:
                    prop.type = recovered
                continue
            new = _check(prop.type, item, ctx, where, hint)
            if new is not None:
                _widen_property(schema, prop, new, ctx)
    finally:
        ctx.depth -= 1


def _widen_property(schema: Schema, prop: Property, new: TypeRef, ctx: _Context) -> None:
    recovered = prop.type.kind == "array" and prop.type.items is None
    if prop.type.kind == "any" and not prop.doc_type.strip():
        recovered = True  # an empty Type cell, filled from the sample
    if not recovered:
        ctx.diags.add(
            "SOG303",
            f"sample value of {schema.name}.{prop.name} does not match its table "
            f"({prop.doc_type or prop.type.describe()}); declared as {new.describe()}",
            ctx.sample,
            related=(prop.source,),
        )
    prop.type = new


def infer_type(
    values: list[JSONValue], ctx: _Context, where: str, hint: str, derive: bool
) -> TypeRef | None:
    """The common type of sample values, or None when the list says nothing (empty, all null).
    Objects become a carrier whose names and value types agree, else, when `derive` (the values
    are array items), a schema made from them named after `hint`, else a dictionary."""
    kinds = {_kind_of_value(v) for v in values} - {"null"}
    if not kinds:
        return None
    if kinds == {"string"}:
        strings = [v for v in values if isinstance(v, str)]
        return (
            TypeRef("datetime")
            if all(_ISO_DATETIME.match(s) and "T" in s for s in strings)
            else TypeRef("string")
        )
    if kinds == {"integer"}:
        return TypeRef("integer", format="int32")
    if kinds <= {"integer", "number"}:
        return TypeRef("number", format="double")
    if kinds == {"boolean"}:
        return TypeRef("boolean")
    if kinds == {"object"}:
        objects = [v for v in values if isinstance(v, dict)]
        keys = frozenset(k.lower() for v in objects for k in v)
        if not keys:
            return TypeRef("map", items=ANY)  # `{}` placeholders say nothing
        match = _matching_carrier(objects, keys, ctx)
        if match is not None:
            return TypeRef("ref", ref=match)
        if not derive or ctx.depth >= _MAX_FIT_DEPTH:
            return TypeRef("map", items=ANY)
        return TypeRef("ref", ref=_schema_from_sample(objects, keys, ctx, where, hint))
    if kinds == {"array"}:
        # the elements of these arrays are array items, whatever holds the arrays
        inner = [e for v in values if isinstance(v, list) for e in v]
        if ctx.depth >= _MAX_FIT_DEPTH:
            return TypeRef("array", items=ANY)  # deeper, a sample says too little to type
        ctx.depth += 1  # nested arrays count as levels too (a schema 200 deep breaks validators)
        try:
            items = infer_type(inner, ctx, where, hint, True)
        finally:
            ctx.depth -= 1
        return TypeRef("array", items=items or ANY)
    return ANY


def _matching_carrier(
    objects: list[dict[str, JSONValue]], keys: frozenset[str], ctx: _Context
) -> str | None:
    """The first carrier with exactly these property names whose types accept every value; the
    page's own carriers are tried first. Names alone are not enough: {Name, State: true} is not
    a {Name, State: string} carrier."""
    candidates = ctx.shapes.get(keys, [])
    ordered = [n for n in candidates if n in ctx.documented]
    ordered += [n for n in candidates if n not in ctx.documented]
    for name in ordered:
        schema = ctx.schemas[name]
        if all(_fits_schema(schema, obj, ctx.schemas, 0) for obj in objects):
            return name
    return None


def _fits_schema(
    schema: Schema, value: dict[str, JSONValue], schemas: dict[str, Schema], depth: int
) -> bool:
    by_name = {p.name.lower(): p for p in schema.properties}
    for key, item in value.items():
        prop = by_name.get(key.lower())
        if prop is not None and not _fits(prop.type, item, schemas, depth + 1):
            return False
    return True


def _fits(t: TypeRef, value: JSONValue, schemas: dict[str, Schema], depth: int) -> bool:
    """Whether a sample value is of the type's value kind; null fits anything (all nullable).
    Unlike _check this changes nothing: it decides whether a carrier is the one a sample
    shows."""
    if value is None or t.kind == "any" or depth > _MAX_FIT_DEPTH:
        return True
    kind = _kind_of_value(value)
    if t.kind in ("string", "bytes", "binary", "enum"):
        return kind == "string"
    if t.kind == "datetime":
        return isinstance(value, str) and _ISO_DATETIME.match(value) is not None
    if t.kind == "integer":
        return kind == "integer"
    if t.kind == "number":
        return kind in ("integer", "number")
    if t.kind == "boolean":
        return kind == "boolean"
    if t.kind == "map":
        return isinstance(value, dict) and (
            t.items is None or all(_fits(t.items, v, schemas, depth + 1) for v in value.values())
        )
    if t.kind == "array":
        return isinstance(value, list) and (
            t.items is None or all(_fits(t.items, v, schemas, depth + 1) for v in value)
        )
    if t.kind == "ref":
        schema = schemas.get(str(t.ref))
        return isinstance(value, dict) and (
            schema is None or _fits_schema(schema, value, schemas, depth)
        )
    return True


def _schema_from_sample(
    objects: list[dict[str, JSONValue]],
    keys: frozenset[str],
    ctx: _Context,
    where: str,
    hint: str,
) -> str:
    """A schema for array items no table describes and no carrier fits: one property per key
    (in the order the sample shows them), typed from the values. Registered so later samples of
    the same shape find it."""
    columns: dict[str, tuple[str, list[JSONValue]]] = {}
    for obj in objects:
        for key, item in obj.items():
            columns.setdefault(key.lower(), (key, []))[1].append(item)
    name = _free_name(hint, ctx.schemas)
    schema = Schema(
        name=name,
        properties=[],
        description="Made from the page's sample: no table describes these items.",
        source=ctx.sample,
        documented_name=False,
    )
    # registered before its properties are typed, so an item that nests itself refers to it
    ctx.schemas[name] = schema
    bisect.insort(ctx.shapes.setdefault(keys, []), name)
    ctx.depth += 1
    try:
        for key, items in columns.values():
            t = infer_type(items, ctx, f"{name}.{key}", name + _part(key) + "Item", False)
            schema.properties.append(
                Property(
                    key,
                    t or ANY,
                    "",
                    ctx.sample,
                    doc_type=SAMPLE_TYPE_CELL,
                    nullable=any(v is None for v in items),
                )
            )
    finally:
        ctx.depth -= 1
    ctx.diags.add(
        "SOG305",
        f"item type of the {where} is not in the table and no carrier has its names and "
        f"value types; schema {name} made from the sample",
        ctx.sample,
    )
    return name


def _lower_names(schema: Schema) -> set[str]:
    return {p.name.lower() for p in schema.properties}
