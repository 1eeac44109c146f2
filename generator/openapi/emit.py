"""Stage 3: Api -> an OpenAPI 3.0.3 or 3.1.0 document (a plain dict, in a stable key order).

Nullability where it is true: a component is never nullable; a property is where the model has
evidence (a sample shows null there, or its description says it may be null), said at the use
site (3.0: `anyOf` of the `$ref` and a schema that is only null, or `nullable: true` on a
scalar; 3.1: a "null" type or `anyOf` with `{type: "null"}`). A request body never accepts
null. The Python client decodes null everywhere regardless (the server nulls out what a
`$select` leaves out).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from generator.model.formats import repaired
from generator.model.ir import (
    Api,
    Body,
    Example,
    Group,
    JSONValue,
    Operation,
    Parameter,
    Response,
    Schema,
    TypeRef,
)
from generator.model.operations import MERGE_PATCH_MEDIA
from generator.model.paths import path_items, renamed
from generator.openapi.dotted import query_object_parameter

OpenApiVersion = Literal["3.0", "3.1"]
Doc = dict[str, JSONValue]

# Reusable parameters: key -> (wire name, location, description)
SHARED_PARAMETERS: dict[str, tuple[str, str, str]] = {
    "Select": (
        "$select",
        "query",
        "Optional comma separated list of properties to include in the result. Other fields are "
        'then nulled out to reduce payload size: "Name,department,category". '
        "Default = show all fields.",
    ),
    "AcceptLanguage": (
        "Accept-Language",
        "header",
        "Convert string references and multi-language values into a specified language (iso2) "
        "code.",
    ),
    "SoLanguage": (
        "SO-Language",
        "header",
        "Convert string references and multi-language values into a specified language (iso2) "
        "code. Overrides Accept-Language value.",
    ),
    "SoCulture": (
        "SO-Culture",
        "header",
        "Number, date formatting in a specified culture (iso2 language) code. Partially overrides "
        "SO-Language/Accept-Language value. Ignored if no Language set.",
    ),
    "SoTimeZone": (
        "SO-TimeZone",
        "header",
        "Specify the timezone code that you would like date/time responses converted to.",
    ),
    "SoAppToken": (
        "SO-AppToken",
        "header",
        "The application token that identifies the partner app. Used when calling Online WebAPI "
        "from a server.",
    ),
    "XsrfToken": (
        "X-XSRF-TOKEN",
        "header",
        "If not using Authorization header, you must provide XSRF value from cookie or hidden "
        "input field.",
    ),
}

# 3.0 has no null type: this schema accepts null and nothing else
NULL_30: Doc = {"type": "object", "nullable": True, "enum": [None]}

# Headers that are credentials: security schemes, not parameters of each operation.
SECURITY_HEADERS = frozenset({"SoAppToken", "XsrfToken"})

SECURITY_SCHEMES: Doc = {
    "Basic": {"type": "http", "scheme": "basic", "description": "User name and password."},
    "Bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An OAuth/OpenID Connect access token (SuperOffice Online).",
    },
    "SoTicket": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "A SuperOffice ticket: `Authorization: SOTICKET <ticket>`.",
    },
    "SoAppToken": {
        "type": "apiKey",
        "in": "header",
        "name": "SO-AppToken",
        "description": (
            "The application token that identifies the partner app, sent beside a Bearer token "
            "or a ticket when calling SuperOffice Online from a server."
        ),
    },
    "XsrfToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-XSRF-TOKEN",
        "description": (
            "For a browser session signed in by cookie, without an Authorization header: the "
            "value of the XSRF-TOKEN cookie (or of the page's hidden input field), paired with "
            "that session cookie."
        ),
    },
}
# Any one of these: each entry is a set of schemes sent together.
SECURITY: list[JSONValue] = [
    {"Basic": []},
    {"Bearer": []},
    {"Bearer": [], "SoAppToken": []},
    {"SoTicket": []},
    {"SoTicket": [], "SoAppToken": []},
    {"XsrfToken": []},
]

# The JSON document SuperOffice answers errors with (the Python client's ErrorBody).
ERROR_SCHEMA: Doc = {
    "type": "object",
    "description": (
        "The error document SuperOffice answers a failed request with. Every property is "
        "optional: proxies and older endpoints do not always send the whole document."
    ),
    "properties": {
        "Error": {"description": "`true`, or a short text, depending on the server version."},
        "ErrorType": {"type": "string", "description": "The kind of error (an exception name)."},
        "ErrorMessage": {"type": "string", "description": "What went wrong, in words."},
        "ErrorSource": {"type": "string", "description": "Where on the server it went wrong."},
    },
}
# The other body a PATCH takes: an RFC 7396 merge patch of the entity
# (a component, not inline: generators test a body's type with isinstance, and a free-form
# inline object is `dict[str, Any]` to openapi-python-client, which isinstance refuses)
MERGE_PATCH_SCHEMA: Doc = {
    "type": "object",
    "additionalProperties": True,
    "description": (
        "A JSON Merge Patch (RFC 7396): the properties to change with their new values; "
        "null clears one. The server turns it into JSON Patch operations."
    ),
}
# Responses every operation may give, besides those its page documents.
COMMON_RESPONSES: dict[str, str] = {
    "Unauthorized": "No valid credentials: missing, expired or refused.",
    "Forbidden": "The credentials are valid but do not give access to this.",
    "Error": "Any other error; the body says what went wrong.",
}
_COMMON_STATUS = {"401": "Unauthorized", "403": "Forbidden", "default": "Error"}


def free_schema_name(name: str, schemas: Mapping[str, Schema]) -> str:
    """The component name of a schema sogen adds (the error document, the merge patch): one
    no page's carrier has."""
    while name in schemas:
        name = "WebApi" + name
    return name


@dataclass(frozen=True)
class Info:
    """What the spec's `info` says beyond the pages: from configuration (sogen.toml)."""

    contact: Mapping[str, str] = field(default_factory=dict)
    license: Mapping[str, str] = field(default_factory=dict)


def emit_openapi(api: Api, version: OpenApiVersion = "3.0", info: Info | None = None) -> Doc:
    emitter = _Emitter(version, api.schemas)
    paths = _paths(emitter, api.operations())
    used_shared = sorted(emitter.used_shared)
    schemas: Doc = {name: emitter.schema(s) for name, s in api.schemas.items()}
    schemas[emitter.error_ref.rsplit("/", 1)[1]] = ERROR_SCHEMA
    if emitter.uses_merge_patch:
        schemas[emitter.merge_patch_ref.rsplit("/", 1)[1]] = MERGE_PATCH_SCHEMA
    components: Doc = {"schemas": dict(sorted(schemas.items()))}
    if used_shared:
        components["parameters"] = {k: emitter.shared_parameter(k) for k in used_shared}
    error: Doc = {"schema": {"$ref": emitter.error_ref}}
    components["responses"] = {
        key: {"description": text, "content": {"application/json": error}}
        for key, text in COMMON_RESPONSES.items()
    }
    components["securitySchemes"] = SECURITY_SCHEMES
    return {
        "openapi": "3.0.3" if version == "3.0" else "3.1.0",
        "info": {
            "title": api.title,
            "version": api.version,
            "description": (
                "Generated by sogen from the SuperOffice WebAPI reference pages. Agents are "
                "`POST /api/v1/Agents/<Agent>/<Method>`; REST endpoints act on entities."
            ),
            **_info_objects(info or Info(), version),
        },
        "servers": [
            {
                "url": "https://{environment}.superoffice.com/{tenant}",
                "description": "SuperOffice Online",
                "variables": {
                    "environment": {"default": "online", "enum": ["online", "sod", "qaonline"]},
                    "tenant": {"default": "Cust00000", "description": "Your customer id."},
                },
            }
        ],
        "security": SECURITY,
        "tags": [_tag(g) for g in api.groups],
        "paths": paths,
        "components": components,
    }


def _info_objects(info: Info, version: OpenApiVersion) -> Doc:
    out: Doc = {}
    if info.contact:
        out["contact"] = dict(info.contact)
    if info.license:
        license_: Doc = dict(info.license)
        if version == "3.0":
            license_.pop("identifier", None)  # 3.1 only
        out["license"] = license_
    return out


_METHOD_ORDER = {"GET": 0, "PUT": 1, "POST": 2, "PATCH": 3, "DELETE": 4}


def _paths(emitter: _Emitter, ops: list[Operation]) -> Doc:
    """One path item per template shape (OpenAPI forbids two templates equal but for their
    parameter names), one operation per method in it; see model/paths.py."""
    paths: Doc = {}
    items = path_items(ops)
    for template in sorted(items):
        methods = items[template]
        item: Doc = {}
        for method in sorted(methods, key=lambda m: (_METHOD_ORDER.get(m, 9), m)):
            same = methods[method]
            docs = [emitter.operation(op, template) for op in same]
            item[method.lower()] = docs[0] if len(docs) == 1 else _merged(same, docs)
        paths[template] = item
    return paths


def _merged(ops: list[Operation], docs: list[Doc]) -> Doc:
    """One operation for operations of one method whose templates differ only in parameter
    names (GET User/{id} and GET User/{userName}): OpenAPI allows one per method and path.
    The first keeps its operationId and words; the others are listed in `x-sogen-merged` and in
    the description. A parameter, body or response that differs takes each one's schema
    (anyOf), so every page's examples still conform."""
    out = dict(docs[0])
    ids = [str(doc["operationId"]) for doc in docs]
    tags: list[JSONValue] = []
    for doc in docs:
        tags.extend(t for t in _list(doc.get("tags")) if t not in tags)
    out["tags"] = tags
    notes = [str(out["description"])] if out.get("description") else []
    for op, doc in zip(ops[1:], docs[1:], strict=True):
        note = f"Also `{op.method} {op.path}` ({op.id}), whose template has the same shape"
        words = str(doc.get("description") or doc.get("summary") or "")  # (begins with it)
        notes.append(f"{note}: {words}" if words else note + ".")
    out["description"] = "\n\n".join(notes)
    params = _merge_parameters(ids, [_list(doc.get("parameters")) for doc in docs])
    if params:
        out["parameters"] = params
    bodies = [doc.get("requestBody") for doc in docs]
    if any(isinstance(b, dict) for b in bodies):
        body = _merge_media(ids, [b if isinstance(b, dict) else None for b in bodies])
        body["required"] = all(isinstance(b, dict) and b.get("required") for b in bodies)
        out["requestBody"] = body
    responses: dict[str, list[Doc | None]] = {}
    for n, doc in enumerate(docs):
        for status, response in _dict(doc.get("responses")).items():
            responses.setdefault(status, [None] * len(docs))[n] = _dict(response)
    out["responses"] = {status: _merge_media(ids, found) for status, found in responses.items()}
    out["x-sogen-merged"] = [{"operationId": op.id, "path": op.path} for op in ops[1:]]
    return out


def _list(value: JSONValue) -> list[JSONValue]:
    return value if isinstance(value, list) else []


def _dict(value: JSONValue) -> Doc:
    return value if isinstance(value, dict) else {}


def _any_of(schemas: list[JSONValue]) -> JSONValue:
    """One schema when they are equal, else anyOf the distinct ones (in order)."""
    distinct: list[JSONValue] = []
    for schema in schemas:
        if schema not in distinct:
            distinct.append(schema)
    return distinct[0] if len(distinct) == 1 else {"anyOf": distinct}


def _merged_body(schemas: list[JSONValue]) -> JSONValue:
    """The body schema of merged operations: each one's, in a form code generators can write.
    Lists of different items are one list of either item; one object beside a list of them
    (GET Role/{id} and the list of all roles) is any JSON, said in words: openapi-generator's
    java templates cannot write `anyOf` with an array in it (`List<X>.class`)."""
    merged = _any_of(schemas)
    if not isinstance(merged, dict) or "anyOf" not in merged:
        return merged
    options = [_dict(o) for o in _list(merged["anyOf"])]
    arrays = [o for o in options if o.get("type") == "array"]
    if len(arrays) == len(options):
        return {"type": "array", "items": _any_of([o.get("items", {}) for o in arrays])}
    if arrays:
        names = [_schema_words(o) for o in options]
        return {
            "description": "One of: "
            + "; ".join(names)
            + ". This path serves several operations; its description says which is which."
        }
    return merged


def _schema_words(schema: Doc) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[1]
    if schema.get("type") == "array":
        return "a list of " + _schema_words(_dict(schema.get("items")))
    return str(schema.get("type", "any JSON"))


def _words(ids: list[str], texts: list[str | None]) -> str:
    """One text when they agree, else each with the operation it is of."""
    given = [(i, t) for i, t in zip(ids, texts, strict=True) if t]
    if len({t for _, t in given}) <= 1:
        return given[0][1] if given else ""
    return "\n\n".join(f"{i}: {t}" for i, t in given)


def _merge_parameters(ids: list[str], lists: list[list[JSONValue]]) -> list[JSONValue]:
    keyed: dict[str, list[Doc | None]] = {}
    for n, params in enumerate(lists):
        for param in params:
            p = _dict(param)
            key = str(p["$ref"]) if "$ref" in p else f"{p.get('in')} {p.get('name')}"
            keyed.setdefault(key, [None] * len(lists))[n] = p
    out: list[JSONValue] = []
    for found in keyed.values():
        given = [p for p in found if p is not None]
        first = dict(given[0])
        if "$ref" not in first:
            text = _words(ids, [_text(p) for p in found])
            first.pop("description", None)
            if text:
                first = {"name": first["name"], "in": first["in"], "description": text, **first}
            first["schema"] = _any_of([p.get("schema") for p in given])
            if first.get("in") != "path" and (
                len(given) < len(found) or not all(p.get("required") for p in given)
            ):
                first.pop("required", None)  # required by some of the operations only
        out.append(first)
    return out


def _text(doc: Doc | None) -> str | None:
    value = doc.get("description") if doc is not None else None
    return value if isinstance(value, str) else None


def _merge_media(ids: list[str], found: list[Doc | None]) -> Doc:
    """Request bodies or responses (of one status) of merged operations; None where one has
    none. Each operation's example is kept, named by its operation id, so that a mock server
    can answer each with its own (prism: `Prefer: example=<operationId>`)."""
    given = [(i, d) for i, d in zip(ids, found, strict=True) if d is not None]
    out = dict(given[0][1])
    text = _words(ids, [_text(d) for d in found])
    if text:
        out["description"] = text
    content: dict[str, list[tuple[str, Doc]]] = {}
    for op_id, d in given:
        for media, value in _dict(d.get("content")).items():
            content.setdefault(media, []).append((op_id, _dict(value)))
    if content:
        merged: Doc = {}
        for media, values in content.items():
            entry: Doc = {"schema": _merged_body([v.get("schema") for _, v in values])}
            examples: Doc = {i: {"value": v["example"]} for i, v in values if "example" in v}
            if examples:
                entry["examples"] = examples
            merged[media] = entry
        out["content"] = merged
    return out


def emit_paths(
    ops: list[Operation], schemas: Mapping[str, Schema], version: OpenApiVersion = "3.0"
) -> Doc:
    """The `paths` entries of these operations alone, exactly as emit_openapi writes them."""
    return _paths(_Emitter(version, schemas), ops)


def _tag(group: Group) -> Doc:
    what = "agent" if group.kind == "agent" else "REST entity"
    return {"name": group.name, "description": f"The {group.name} {what}."}


class _Emitter:
    def __init__(self, version: OpenApiVersion, schemas: Mapping[str, Schema]) -> None:
        self.version = version
        self.schemas = schemas  # to write the examples of nested `byte` properties as they travel
        self.used_shared: set[str] = set()
        self.error_ref = "#/components/schemas/" + free_schema_name("ErrorBody", schemas)
        self.merge_patch_ref = "#/components/schemas/" + free_schema_name("JsonMergePatch", schemas)
        self.uses_merge_patch = False

    # --- types ---

    def type(self, t: TypeRef, nullable: bool = False) -> Doc:
        """The schema for a TypeRef; `nullable` where null is one of its values (see the
        module's docstring)."""
        kind = t.kind
        if kind == "any":
            return {}
        if kind == "ref":
            ref: Doc = {"$ref": f"#/components/schemas/{t.ref}"}
            if not nullable:
                return ref
            if self.version == "3.0":
                # 3.0.3: `nullable` only widens a `type` beside it, so `allOf: [$ref]` +
                # `nullable` still refuses null (redocly, Spectral); a branch that is only null
                # is valid everywhere, and generators read the pair as a nullable model
                return {"anyOf": [ref, NULL_30]}
            return {"anyOf": [ref, {"type": "null"}]}
        base: Doc
        if kind == "string":
            base = {"type": "string"}
            if t.format:
                base["format"] = t.format
        elif kind == "integer":
            base = {"type": "integer", "format": t.format or "int32"}
        elif kind == "number":
            base = {"type": "number", "format": t.format or "double"}
        elif kind == "boolean":
            base = {"type": "boolean"}
        elif kind == "datetime":
            base = {"type": "string", "format": "date-time"}
        elif kind == "bytes":
            base = {"type": "string", "format": "byte"}
        elif kind == "binary":
            base = {"type": "string", "format": "binary"}
        elif kind == "enum":
            base = {"type": "string", "enum": list(t.enum)}
        elif kind == "array":
            base = {"type": "array", "items": self.type(t.items) if t.items else {}}
        else:  # map
            items = self.type(t.items) if t.items is not None else {}
            base = {"type": "object", "additionalProperties": items if items else True}
        return self._nullable(base) if nullable else base

    def _nullable(self, schema: Doc) -> Doc:
        if self.version == "3.0":
            schema["nullable"] = True
            return schema
        kind = schema.get("type")
        if isinstance(kind, str):
            schema["type"] = [kind, "null"]
            if "enum" in schema and isinstance(schema["enum"], list):
                schema["enum"] = [*schema["enum"], None]
        return schema

    def schema(self, s: Schema) -> Doc:
        """A component: never nullable itself; each use says whether null may stand there."""
        out: Doc = {"type": "object"}
        if s.description:
            out["description"] = s.description
        if s.properties:
            props: Doc = {}
            for p in s.properties:
                prop = self.type(p.type, nullable=p.nullable)
                if p.description:
                    prop = self._describe(prop, p.description)
                props[p.name] = prop
            out["properties"] = props
        else:
            out["additionalProperties"] = True
        return out

    def _describe(self, schema: Doc, description: str) -> Doc:
        if "$ref" in schema and self.version == "3.0":
            # 3.0 ignores siblings of $ref; wrap so the description survives
            return {"allOf": [schema], "description": description}
        return {**schema, "description": description}

    # --- operations ---

    def operation(self, op: Operation, template: str | None = None) -> Doc:
        """`template`: the path item's, when it names this operation's placeholders otherwise."""
        out: Doc = {
            "operationId": op.id,
            "tags": [op.group],
            "summary": op.summary,
        }
        description = op.description
        if op.online_restricted:
            description = (description + "\n\n" if description else "") + (
                "**Online restricted:** " + op.online_restricted
            )
        if description:
            out["description"] = description
        names = renamed(op.path, template) if template not in (None, op.path) else {}
        params: list[JSONValue] = []
        for p in op.parameters:
            if p.shared in SECURITY_HEADERS:
                continue  # a credential: components.securitySchemes
            if p.location == "path" and p.name in names:
                params.extend(self.parameter(p, name) for name in names[p.name])
            else:
                params.append(self.parameter(p))
        if params:
            out["parameters"] = params
        if op.request_body is not None:
            out["requestBody"] = self.request_body(op.request_body, op.request_example)
        responses: Doc = {
            str(r.status): self.response(r, op.response_example) for r in op.responses
        }
        for status, key in _COMMON_STATUS.items():
            responses.setdefault(status, {"$ref": f"#/components/responses/{key}"})
        out["responses"] = responses
        if names:  # the page's own template, which the client sends
            out["x-sogen-path"] = op.path
        return out

    def parameter(self, p: Parameter, name: str | None = None) -> Doc:
        """`name`: the path item's name for path parameter `p`, when it is not p's own."""
        if p.shared and p.shared in SHARED_PARAMETERS:
            self.used_shared.add(p.shared)
            return {"$ref": f"#/components/parameters/{p.shared}"}
        if p.members:  # dotted query parameters of one object
            return query_object_parameter(p, self.type(p.type, nullable=False))
        out: Doc = {"name": name or p.name, "in": p.location}
        description = p.description
        if name is not None and name != p.name:
            documented = f"The reference page names it `{p.name}`."
            stop = "" if description.endswith((".", "!", "?", ":")) else "."
            description = f"{description}{stop} {documented}" if description else documented
        if description:
            out["description"] = description
        if p.required or p.location == "path":
            out["required"] = True
        schema = self.type(p.type, nullable=False)
        out["schema"] = schema or {"type": "string"}
        if p.type.kind == "array":
            out["style"] = "form"
            out["explode"] = True
        return out

    def shared_parameter(self, key: str) -> Doc:
        name, location, description = SHARED_PARAMETERS[key]
        return {
            "name": name,
            "in": location,
            "description": description,
            "required": False,
            "schema": {"type": "string"},
        }

    def request_body(self, body: Body, example: Example | None) -> Doc:
        media: Doc = {"schema": self.type(body.type)}
        if example is not None and example.has_body:
            media["example"] = wire_example(body.type, example.body, self.schemas)
        out: Doc = {}
        if body.description:
            out["description"] = body.description
        content: Doc = {}
        for ct in body.content_types:
            if ct == MERGE_PATCH_MEDIA:
                self.uses_merge_patch = True
                content[ct] = {"schema": {"$ref": self.merge_patch_ref}}
            else:
                content[ct] = dict(media)
        out["content"] = content
        out["required"] = body.required
        out["x-codegen-request-body-name"] = body.name
        return out

    def response(self, r: Response, example: Example | None) -> Doc:
        out: Doc = {"description": r.description or str(r.status)}
        if r.type is not None and r.status != 204:
            sample = example if example is not None and example.status == r.status else None
            null = sample is not None and sample.has_body and sample.body is None
            media: Doc = {"schema": self.type(r.type, nullable=null)}
            if r.type.kind == "binary":
                pass  # the page's sample of a stream is a JSON placeholder, not its bytes
            elif example is not None and example.has_body and example.status == r.status:
                media["example"] = wire_example(r.type, example.body, self.schemas)
            elif r.type.kind == "bytes":
                # Base64 of no bytes. Without an example, mock servers (prism) invent the text
                # "string", which is not base64 and so contradicts `format: byte`.
                media["example"] = ""
            out["content"] = {ct: dict(media) for ct in r.content_types}
        elif r.status >= 400:
            out["content"] = {"application/json": {"schema": {"$ref": self.error_ref}}}
        return out


def wire_example(
    t: TypeRef, value: JSONValue, schemas: Mapping[str, Schema], depth: int = 0
) -> JSONValue:
    """The sample as it travels. A `byte` value is base64 text in JSON, but the pages show the
    content itself ("GIF89....File contents as raw bytes..."), also in carriers (an attachment's
    `Stream`); such a sample is sent encoded, so the example conforms to `format: byte`; a
    stream's sample is its text. Everything else is kept as written."""
    if t.kind in ("bytes", "datetime", "string"):
        return repaired(t, value)  # a value that breaks its format: SOG306
    if t.kind == "binary" and not isinstance(value, str):
        # a stream's sample is its bytes: `99.99` is the text 99.99, not a JSON number
        return json.dumps(value)
    if t.kind == "array" and t.items is not None and isinstance(value, list):
        return [wire_example(t.items, v, schemas, depth) for v in value]
    if t.kind == "map" and t.items is not None and isinstance(value, dict):
        return {k: wire_example(t.items, v, schemas, depth) for k, v in value.items()}
    if t.kind == "ref" and isinstance(value, dict) and depth < 64:
        schema = schemas.get(str(t.ref))
        if schema is not None:
            types = {p.name: p.type for p in schema.properties}
            return {
                k: wire_example(types[k], v, schemas, depth + 1) if k in types else v
                for k, v in value.items()
            }
    return value
