"""Samples against tables: recover what the tables leave out, widen what they get wrong.

Walks each sample body alongside its declared type. Array item types missing from a table are
recovered from the sample's elements. Where a sample contradicts its page's table (a string
where the table says int32, a dictionary where it names a carrier), the declared type is widened
so the sample is valid, with a SOG303 warning: the samples are real server output, the tables
are generated from signatures, and a client must accept what the server sends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.diagnostics import Diagnostics, SourceRef
from generator.model.ir import ANY, JSONValue, Operation, Property, Schema, TypeRef

_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)


@dataclass
class _Context:
    schemas: dict[str, Schema]
    diags: Diagnostics
    sample: SourceRef
    shapes: dict[frozenset[str], str]
    depth: int = 0


def schema_shapes(schemas: dict[str, Schema]) -> dict[frozenset[str], str]:
    """Lower-cased property names -> the first schema (by name) with exactly those names: how a
    sample object is recognised. Reconciling changes property types, never names, so one index
    serves every operation."""
    shapes: dict[frozenset[str], str] = {}
    for name in sorted(schemas):
        names = frozenset(p.name.lower() for p in schemas[name].properties)
        if names:
            shapes.setdefault(names, name)
    return shapes


def reconcile_operation(
    op: Operation,
    schemas: dict[str, Schema],
    diags: Diagnostics,
    shapes: dict[frozenset[str], str] | None = None,
) -> None:
    shapes = schema_shapes(schemas) if shapes is None else shapes
    req = op.request_example
    if req is not None and req.has_body and op.request_body is not None:
        ctx = _Context(schemas, diags, req.source, shapes)
        new = _check(op.request_body.type, req.body, ctx, f"request body of {op.id}")
        if new is not None:
            _warn_top(
                ctx, f"request body of {op.id}", op.request_body.type, new, op.request_body.source
            )
            op.request_body.type = new
    res = op.response_example
    if res is not None and res.has_body:
        response = next((r for r in op.responses if r.status == res.status and r.type), None)
        # a stream's sample is a placeholder in JSON (`99.99`, "GIF89...."), not its bytes
        if response is not None and response.type is not None and response.type.kind != "binary":
            ctx = _Context(schemas, diags, res.source, shapes)
            new = _check(response.type, res.body, ctx, f"response body of {op.id}")
            if new is not None:
                _warn_top(
                    ctx, f"{res.status} response of {op.id}", response.type, new, response.source
                )
                response.type = new


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


def _check(t: TypeRef, value: JSONValue, ctx: _Context, where: str) -> TypeRef | None:
    """Return a replacement type when `value` does not fit `t`, else None (t is fine)."""
    if value is None or t.kind == "any":
        return None  # every property may be null: $select nulls out the fields not asked for
    kind = t.kind
    if kind in ("string", "bytes", "binary"):
        return None if isinstance(value, str) else ANY
    if kind == "datetime":
        if isinstance(value, str):
            return None if _ISO_DATETIME.match(value) else TypeRef("string")
        return ANY
    if kind == "integer":
        return None if _kind_of_value(value) == "integer" else _widen_number(value)
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
                if _check(t.items, v, ctx, where) is not None:
                    return TypeRef("map", items=ANY)
        return None
    if kind == "array":
        if not isinstance(value, list):
            return ANY
        return _check_array(t, value, ctx, where)
    if kind == "ref":
        if not isinstance(value, dict):
            return ANY
        schema = ctx.schemas.get(str(t.ref))
        if schema is not None and ctx.depth < 64:
            _check_object(schema, value, ctx)
        return None
    return None


def _widen_number(value: JSONValue) -> TypeRef:
    return TypeRef("number", format="double") if isinstance(value, float) else ANY


def _check_array(t: TypeRef, value: list[JSONValue], ctx: _Context, where: str) -> TypeRef | None:
    items = t.items
    if items is None:
        inferred = infer_type(value, ctx.shapes)
        return TypeRef("array", items=inferred) if inferred is not None else None
    for element in value:
        new = _check(items, element, ctx, where)
        if new is not None:
            return TypeRef("array", items=new)
    return None


def _check_object(schema: Schema, value: dict[str, JSONValue], ctx: _Context) -> None:
    by_name = {p.name: p for p in schema.properties}
    ctx.depth += 1
    try:
        for key, item in value.items():
            prop = by_name.get(key)
            if prop is None:
                continue
            if prop.type.kind == "any" and not prop.doc_type.strip() and item is not None:
                recovered = infer_type([item], ctx.shapes)  # an empty Type cell, from the sample
                if recovered is not None:
                    prop.type = recovered
                continue
            new = _check(prop.type, item, ctx, f"{schema.name}.{key}")
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


def infer_type(values: list[JSONValue], shapes: dict[frozenset[str], str]) -> TypeRef | None:
    """The common type of sample values, or None when the list says nothing (empty, all null)."""
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
        keys: set[str] = set()
        for v in values:
            if isinstance(v, dict):
                keys.update(k.lower() for k in v)
        match = shapes.get(frozenset(keys)) if keys else None
        return TypeRef("ref", ref=match) if match else TypeRef("map", items=ANY)
    if kinds == {"array"}:
        return TypeRef("array", items=ANY)
    return ANY
