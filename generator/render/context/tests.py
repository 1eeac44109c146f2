"""Each generated test's arguments and expectations, from the page's samples (or made up where
there are none)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

from generator.model.ir import (
    ANY,
    Example,
    JSONValue,
    Operation,
    Parameter,
    Response,
    Schema,
    TypeRef,
)
from generator.model.naming import (
    snake_case,
)
from generator.render.context.views import OperationView, TestArg, TestView, error_class
from generator.render.literals import py_literal, value_literal

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


_INTEGER = re.compile(r"-?\d+")


MODEL_CODEC = re.compile(r"model\((?:_load_|lambda: )(\w+)\)")


def success_response(op: Operation) -> Response | None:
    for r in op.responses:
        if 200 <= r.status < 300:
            return r
    return None


def _synth_value(t: TypeRef, name: str) -> tuple[str, str]:
    """(python expression, wire text) for a parameter the sample does not give."""
    if t.kind == "integer":
        return "1", "1"
    if t.kind == "number":
        return "1.5", "1.5"
    if t.kind == "boolean":
        return "True", "true"
    if t.kind == "enum" and t.enum:
        return py_literal(t.enum[0]), t.enum[0]
    if t.kind == "datetime":
        # with an offset: RFC 3339 (the spec's date-time) requires one, and a test that drops
        # the zone on the way would go unnoticed with a naive value
        return 'datetime.fromisoformat("2024-01-02T03:04:05+02:00")', "2024-01-02T03:04:05+02:00"
    if t.kind == "array":
        inner_expr, inner_wire = _synth_value(t.items or TypeRef("string"), name)
        return f"[{inner_expr}]", inner_wire
    value = "sample-" + snake_case(name).replace("_", "-")
    return py_literal(value), value


def _synth_json(t: TypeRef, name: str) -> JSONValue:
    """The least JSON value of a type, for a required body the page gives no sample of: an empty
    object for carriers and free JSON (every carrier property is optional), an empty list."""
    if t.kind in ("ref", "map", "any"):
        return {}
    if t.kind == "array":
        return []
    if t.kind == "integer":
        return 1
    if t.kind == "number":
        return 1.5
    if t.kind == "boolean":
        return True
    if t.kind == "datetime":
        return "2024-01-02T03:04:05+02:00"
    if t.kind in ("bytes", "binary"):
        return "c2FtcGxl"  # base64 of b"sample"
    if t.kind == "enum" and t.enum:
        return t.enum[0]
    return "sample-" + snake_case(name).replace("_", "-")


def _sample_path_values(op: Operation, example: Example | None) -> dict[str, str]:
    """Values the sample request puts where the path has placeholders."""
    if example is None or not example.path:
        return {}
    sample = urlsplit(example.path).path.rstrip("/").split("/")
    template = op.path.rstrip("/").split("/")
    if len(sample) != len(template):
        return {}
    found = {}
    for want, got in zip(template, sample, strict=True):
        m = _PLACEHOLDER.fullmatch(want)
        if m and got and "{" not in got:
            found[m.group(1)] = got
    return found


def _param_value(p: Parameter, sample: str | None) -> tuple[str, str]:
    if sample is not None:
        t = p.type
        if t.kind == "integer" and _INTEGER.fullmatch(sample):
            return sample, sample
        if t.kind in ("string", "enum") and (t.kind != "enum" or sample in t.enum):
            return py_literal(sample), sample
    return _synth_value(p.type, p.name)


def test_view(
    op: Operation,
    view: OperationView,
    schemas: Mapping[str, Schema],
    class_names: dict[str, str],
    field_names: dict[str, dict[str, str]],
) -> TestView:
    args: list[TestArg] = []
    req = op.request_example
    path_samples = _sample_path_values(op, req)
    path = op.path
    query: list[tuple[str, str]] = []
    headers: list[tuple[str, str]] = []
    by_wire = {(p.location, p.wire): p for p in view.params}
    test_models: set[str] = set()
    for p in op.parameters:
        pv = by_wire.get((p.location, p.name))
        if pv is None:
            continue
        if pv.dotted:
            documented = {m.wire[:n] for m in p.members for n in range(1, len(m.wire) + 1)}
            sample = _object_sample(
                str(p.type.ref), (), documented, schemas, class_names, field_names, 0
            )
            if sample is not None:
                expr, pairs, used = sample
                args.append(TestArg(pv.name, expr))
                query.extend((f"{p.name}.{key}", value) for key, value in pairs)
                test_models |= used
            elif p.required:
                args.append(TestArg(pv.name, class_names[str(p.type.ref)] + "()"))
        elif p.location == "path":
            expr, wire = _param_value(p, path_samples.get(p.name))
            args.append(TestArg(pv.name, expr))
            path = path.replace("{" + p.name + "}", quote(wire, safe=""))
        elif p.required:
            expr, wire = _synth_value(p.type, p.name)
            args.append(TestArg(pv.name, expr))
            if p.location == "header":
                headers.append((p.name, wire))
            else:
                query.append((p.name, wire))
    json_body: str | None = None
    content: str | None = None
    from_sample = req is not None
    body = op.request_body
    body_required = body is not None and body.required
    if view.body_kind == "binary":
        args.append(
            TestArg(view.body_param.name if view.body_param else "content", 'b"\\x00sample"')
        )
        content = 'b"\\x00sample"'
    elif view.body_kind != "none":
        body_value = req.body if req is not None and req.has_body else None
        has = req is not None and req.has_body
        if view.body_kind == "flat":
            sent: dict[str, JSONValue] = {}
            if isinstance(body_value, dict):
                for f in view.body_fields:
                    if f.wire in body_value:
                        args.append(TestArg(f.name, _py_expr(f.codec, body_value[f.wire])))
                        sent[f.wire] = body_value[f.wire]
            json_body = value_literal(sent)
        elif view.body_param is not None and (has or body_required):
            if not has:
                # a required body the page shows no sample of: the least value of its type
                body_value = _synth_json(body.type if body else ANY, view.body_param.wire)
                from_sample = False
            args.append(TestArg(view.body_param.name, _py_expr(view.body_param.codec, body_value)))
            json_body = value_literal(body_value)
    res = op.response_example
    success = success_response(op)
    status = (
        res.status
        if res is not None and res.status is not None
        else (success.status if success else 200)
    )
    expect = "none"
    err = ""
    response_body: str | None = None
    response_content: str | None = None
    expected_value = "None"
    example_name = ""
    if status >= 400 or success is None:
        status = status if status >= 400 else 404
        expect, err = "error", error_class(status)
        response_body = py_literal(
            {"Error": "sample", "ErrorType": "Test", "ErrorMessage": "sample error"}
        )
    elif view.return_kind == "binary":
        expect = "bytes"
        response_content = 'b"\\x89PNG sample"'
    elif view.return_kind == "json":
        value = res.body if res is not None and res.has_body and res.status == status else None
        response_body = value_literal(value)
        success_type = success.type if success is not None else None
        if op.spec_merged and value is not None:
            example_name = op.id  # the spec names the examples of a shared operation
        if value is None:
            expect = "none"
        elif success_type is not None and success_type.kind == "ref":
            expect = "model"
        elif (
            success_type is not None
            and success_type.kind == "array"
            and success_type.items is not None
            and success_type.items.kind == "ref"
        ):
            expect = "models"
        else:
            expect = "value"
            expected_value = _py_expr(view.return_codec, value)
    else:
        status = 204 if status == 200 and (success is None or success.status == 204) else status
    return TestView(
        args=args,
        method=op.method,
        path=path,
        query=query,
        headers=headers,
        json_body=json_body,
        content=content,
        status=status,
        response_body=response_body,
        response_content=response_content,
        expect=expect,
        error_class=err,
        error_statuses=(
            sorted({r.status for r in op.responses if r.status >= 400}) if expect == "error" else []
        ),
        expected_value=expected_value,
        from_sample=from_sample,
        example_name=example_name,
        models=sorted(test_models),
    )


_SCALARS = frozenset({"string", "integer", "number", "boolean", "datetime", "enum"})


def _object_sample(
    schema_name: str,
    path: tuple[str, ...],
    documented: set[tuple[str, ...]],
    schemas: Mapping[str, Schema],
    class_names: dict[str, str],
    field_names: dict[str, dict[str, str]],
    depth: int,
) -> tuple[str, list[tuple[str, str]], set[str]] | None:
    """A model of a query object for its generated test: the first documented property of each
    kind (text, number, date-time, list of values, nested model ...), and the query pairs the
    client must send for it, in the model's order. None when no documented property has a
    value to give."""
    schema = schemas.get(schema_name)
    if schema is None:
        return None
    kinds: set[str] = set()
    parts: list[str] = []
    pairs: list[tuple[str, str]] = []
    used = {schema_name}
    for prop in schema.properties:
        where = (*path, prop.name)
        if where not in documented:
            continue
        t = prop.type
        attr = field_names[schema_name][prop.name]
        if t.kind in _SCALARS and t.kind not in kinds:
            kinds.add(t.kind)
            expr, wire = _synth_value(t, prop.name)
            parts.append(f"{attr}={expr}")
            pairs.append((prop.name, wire))
        elif (
            t.kind == "array"
            and t.items is not None
            and t.items.kind in _SCALARS
            and "array" not in kinds
        ):
            kinds.add("array")
            first, first_wire = _synth_value(t.items, prop.name)
            second, second_wire = _synth_value(t.items, prop.name + "2")
            parts.append(f"{attr}=[{first}, {second}]")
            pairs += [(prop.name, first_wire), (prop.name, second_wire)]
        elif t.kind == "ref" and "ref" not in kinds and depth < 2:
            inner = _object_sample(
                str(t.ref), where, documented, schemas, class_names, field_names, depth + 1
            )
            if inner is not None:
                kinds.add("ref")
                expr, inner_pairs, inner_used = inner
                parts.append(f"{attr}={expr}")
                pairs += [(f"{prop.name}.{key}", value) for key, value in inner_pairs]
                used |= inner_used
    if not parts:
        return None
    return f"{class_names[schema_name]}({', '.join(parts)})", pairs, used


def _py_expr(codec: str, value: JSONValue) -> str:
    """A Python expression that builds the typed value the codec would decode `value` into."""
    if value is None:
        return "None"
    codec = (
        codec.removeprefix("nullable(").removesuffix(")")
        if codec.startswith("nullable(")
        else codec
    )
    m = MODEL_CODEC.fullmatch(codec)
    if m:
        return f"{m.group(1)}.from_dict({value_literal(value)})"
    if codec == "DATETIME" and isinstance(value, str):
        return f"WireDateTime.from_wire({py_literal(value)})"
    if codec.startswith("list_of(") and isinstance(value, list):
        inner = codec[len("list_of(") : -1]
        return "[" + ", ".join(_py_expr(inner, v) for v in value) + "]"
    if codec.startswith("map_of(") and isinstance(value, dict):
        inner = codec[len("map_of(") : -1]
        return (
            "{"
            + ", ".join(f"{py_literal(k)}: {_py_expr(inner, v)}" for k, v in value.items())
            + "}"
        )
    return value_literal(value)
