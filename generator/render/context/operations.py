"""One operation's view: its method name, parameters, body, codecs and errors."""

from __future__ import annotations

import re
from collections.abc import Mapping

from generator.diagnostics import Diagnostics
from generator.model.ir import (
    Operation,
    Parameter,
    Schema,
)
from generator.model.naming import (
    UniqueNamer,
    name_part,
)
from generator.render.context.common import METHOD_RESERVED, report_renamed
from generator.render.context.tests import success_response, test_view
from generator.render.context.views import OperationView, ParamView, TestView, error_class
from generator.render.pytypes import param_annotation, py_type

_LOADER_CALL = re.compile(r"model\(_load_(\w+)\)")


def inline_loaders(codec: str) -> str:
    """Agent modules import their models at the top, so a lambda can refer to them directly
    (model modules keep loader functions: their imports may form cycles)."""
    return _LOADER_CALL.sub(r"model(lambda: \1)", codec)


def count_of(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def op_code(op: OperationView) -> str:
    """The annotations and codec expressions a method's code will contain."""
    parts = [p.annotation for p in op.params] + [op.returns, op.return_codec]
    parts += [f.annotation for f in op.body_fields]
    if any(p.dotted for p in op.params):
        parts.append("query_object")
    if op.body_fields:
        parts.append("UNSET Unset")
    if op.body_param is not None and op.body_kind in ("model", "json"):
        parts += [op.body_param.annotation, op.body_param.codec, "UNSET Unset encode_body"]
    return " ".join(parts)


def operation_view(
    op: Operation,
    name: str,
    schemas: Mapping[str, Schema],
    class_names: dict[str, str],
    field_names: dict[str, dict[str, str]],
    diags: Diagnostics,
) -> tuple[OperationView, set[str], bool]:
    namer = UniqueNamer(style="snake", reserved=METHOD_RESERVED)
    refs: set[str] = set()
    uses_dt = False
    params: list[ParamView] = []
    for p in op.parameters:
        if p.shared:
            continue  # $select and the language headers are call options on every method
        if p.members and p.type.kind == "ref":
            params.append(
                _query_object_view(p, namer.add(p.name, p.source, p.location), class_names)
            )
            refs.add(str(p.type.ref))
            continue
        param = ParamView(
            namer.add(p.name, p.source, p.location),
            p.name,
            p.location,
            "str" if p.location == "header" else param_annotation(p.type),
            p.required or p.location == "path",
            p.description,
        )
        uses_dt = uses_dt or "datetime" in param.annotation
        params.append(param)
    body_kind, wrapper, body_fields, body_param, content_type = "none", "", [], None, ""
    body = op.request_body
    if body is not None:
        t = body.type
        schema = schemas.get(str(t.ref)) if t.kind == "ref" else None
        if t.kind == "binary":
            body_kind, content_type = "binary", body.content_types[0]
            body_param = ParamView(
                namer.add(body.name, body.source, "body"),
                body.name,
                "body",
                "bytes",
                True,
                body.description,
            )
        elif (
            schema is not None
            and not schema.documented_name
            and name_part(op.name) + "Request" in schema.name
        ):
            body_kind, wrapper = "flat", class_names[schema.name]
            refs.add(schema.name)
            for prop in schema.properties:
                pt = py_type(prop.type, class_names)
                refs |= pt.models
                uses_dt = uses_dt or pt.uses_datetime
                body_fields.append(
                    ParamView(
                        namer.add(prop.name, prop.source, "body"),
                        prop.name,
                        "body_field",
                        pt.annotation,
                        False,
                        prop.description,
                        pt.codec,
                        field_names[schema.name][prop.name],
                    )
                )
        else:
            pt = py_type(t, class_names)
            refs |= pt.models
            uses_dt = uses_dt or pt.uses_datetime
            body_kind = "model" if t.kind == "ref" else "json"
            if body.content_types[0] != "application/json":
                content_type = body.content_types[0]  # application/json-patch+json
            body_param = ParamView(
                namer.add(body.name, body.source, "body"),
                body.name,
                "body",
                pt.annotation,
                False,
                body.description,
                inline_loaders(pt.codec),
            )
    report_renamed(namer, f"parameter ({op.id})", diags)
    success = success_response(op)
    accept = ""
    returns, return_codec, return_kind, return_desc = "None", "", "none", ""
    if success is not None and success.type is not None and success.status != 204:
        return_desc = success.description
        if success.type.kind == "binary":
            returns, return_kind = "bytes", "binary"
            accept = ", ".join(success.content_types) or "*/*"
        else:
            rt = py_type(success.type, class_names)
            refs |= rt.models
            uses_dt = uses_dt or rt.uses_datetime
            returns, return_codec, return_kind = (
                f"{rt.annotation} | None",
                f"nullable({inline_loaders(rt.codec)})",
                "json",
            )
            if rt.codec == "JSON":
                # any JSON value already includes null; nullable(JSON) confuses mypy's inference
                returns, return_codec = rt.annotation, rt.codec
    errors = [
        (r.status, error_class(r.status), r.description) for r in op.responses if r.status >= 400
    ]
    view = OperationView(
        name=name,
        op_id=op.id,
        http_method=op.method,
        path=op.path,
        summary=op.summary,
        description=op.description if op.description != op.summary else "",
        restricted=op.online_restricted,
        params=params,
        path_params=[p for p in params if p.location == "path"],
        query_params=[p for p in params if p.location == "query"],
        header_params=[p for p in params if p.location == "header"],
        body_kind=body_kind,
        body_wrapper=wrapper,
        body_fields=body_fields,
        body_param=body_param,
        body_content_type=content_type,
        returns=returns,
        return_codec=return_codec,
        return_kind=return_kind,
        return_description=return_desc,
        errors=errors,
        test=TestView([], "", "", [], None, None, 200, None, None, "none"),
        accept=accept,
        has_select=any(p.shared == "Select" for p in op.parameters),
        source=str(op.source),
        idempotent=op.idempotent,
    )
    view.test = test_view(op, view, schemas, class_names, field_names)
    return view, refs, uses_dt


def _query_object_view(p: Parameter, name: str, class_names: dict[str, str]) -> ParamView:
    """The one argument of a query object: a model, sent as dotted query pairs."""
    cls = class_names[str(p.type.ref)]
    count = len(p.members)
    return ParamView(
        name,
        p.name,
        p.location,
        cls,
        p.required,
        f"The `{p.name}` object, sent as dotted query pairs: `{p.name}.<Property>=value` for "
        "each property that is set, with the model's wire names, nested models with further "
        f"dots (the page lists it as {count} dotted query parameter{'' if count == 1 else 's'}).",
        dotted=True,
    )
