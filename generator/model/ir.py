"""The intermediate model: what the pages say, independent of Markdown and of OpenAPI.

Everything after the model stage (OpenAPI emission, client rendering) reads only these classes.
Each element keeps the SourceRef of the page line it came from.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

from generator.diagnostics import SourceRef

JSONValue = None | bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"]

TypeKind = Literal[
    "string",
    "integer",
    "number",
    "boolean",
    "datetime",
    "bytes",
    "binary",
    "enum",
    "ref",
    "array",
    "map",
    "any",
]


@dataclass(frozen=True, slots=True)
class TypeRef:
    """A type as the pages describe it.

    kind      what it is; "map" is a JSON object with free keys (the docs' `object`),
              "any" is unknown/free JSON, "bytes" is base64 in JSON, "binary" a raw stream.
    format    the wire format where it matters (int32, int64, double, date-time).
    ref       the schema name, for kind "ref".
    items     the element type, for "array" (and the value type for "map").
    enum      the members, for "enum".
    """

    kind: TypeKind
    format: str | None = None
    ref: str | None = None
    items: TypeRef | None = None
    enum: tuple[str, ...] = ()

    def __reduce__(self) -> tuple[type[TypeRef], tuple[object, ...]]:
        # a constructor call, not a field-by-field restore in Python (see SourceRef)
        return (TypeRef, (self.kind, self.format, self.ref, self.items, self.enum))

    def describe(self) -> str:
        if self.kind == "ref":
            return str(self.ref)
        if self.kind in ("array", "map") and self.items is not None:
            return f"{self.kind}[{self.items.describe()}]"
        if self.kind == "enum":
            return "enum(" + ", ".join(self.enum) + ")"
        return self.kind + (f"({self.format})" if self.format else "")


ANY = TypeRef("any")


@dataclass(slots=True)
class Property:
    name: str  # the wire name, as in the table (PascalCase)
    type: TypeRef
    description: str
    source: SourceRef
    doc_type: str = ""  # the Type cell exactly as written, for traceability
    # null is a value it takes: a sample shows it, or the description says so ("may be null")
    nullable: bool = False


@dataclass(slots=True)
class Schema:
    """A named carrier (ChatMessage) or a named wrapper derived from an operation."""

    name: str
    properties: list[Property]
    description: str
    source: SourceRef
    # every page that describes this schema (first one wins on conflicts)
    also_described_at: list[SourceRef] = field(default_factory=list)
    # True when the name came from a page; False when derived from an operation
    documented_name: bool = True


ParamLocation = Literal["path", "query", "header"]


@dataclass(slots=True)
class QueryMember:
    """One dotted query row (`mergedTicketEntity.createdBy.associateId`) folded into the object
    parameter of its first segment (see model/dotted.py)."""

    path: tuple[str, ...]  # the segments after the parameter's name, as documented
    type: TypeRef  # as the Type cell says
    description: str
    required: bool
    source: SourceRef
    doc_type: str = ""  # the Type cell exactly as written
    # the wire names of the properties it fills in the parameter's schema, one per segment
    # (("CreatedBy", "AssociateId")); set when the model decides the schema
    wire: tuple[str, ...] = ()


@dataclass(slots=True)
class Parameter:
    name: str  # wire name ($select, associateId, SO-Language)
    location: ParamLocation
    type: TypeRef
    description: str
    required: bool
    source: SourceRef
    shared: str | None = None  # key of a reusable component (select, language, ...)
    # a query object: the dotted rows it was made of (its type is the schema they fill)
    members: list[QueryMember] = field(default_factory=list)


@dataclass(slots=True)
class Example:
    """A sample request or response taken from the page."""

    source: SourceRef
    method: str | None = None
    path: str | None = None  # request path incl. query string as written
    status: int | None = None
    reason: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: JSONValue = None
    has_body: bool = False


@dataclass(slots=True)
class Body:
    name: str  # the parameter name from `## Request Body: <name>`
    type: TypeRef
    description: str
    source: SourceRef
    content_types: tuple[str, ...] = ("application/json",)
    required: bool = True


@dataclass(slots=True)
class Response:
    status: int
    description: str
    source: SourceRef
    type: TypeRef | None = None  # None: no content
    content_types: tuple[str, ...] = ("application/json",)


@dataclass(slots=True)
class Operation:
    id: str  # the page uid: operationId
    group: str  # the agent or REST entity it belongs to
    name: str  # the method name (AddChatMessage)
    method: str  # GET, POST, PUT, PATCH, DELETE
    path: str  # /api/v1/Agents/Chat/AddChatMessage
    summary: str
    description: str
    parameters: list[Parameter]
    request_body: Body | None
    responses: list[Response]
    source: SourceRef
    request_example: Example | None = None
    response_example: Example | None = None
    online_restricted: str = ""  # the "Online Restricted" note, when the page has one
    # OpenAPI sees this and other operations (same method, same path shape) as one: the spec
    # writes their samples as examples named by operation id (see openapi/emit.py)
    spec_merged: bool = False
    # sending it twice has the effect of sending it once, so the client may repeat it after a
    # connection that dropped mid-call (see operations.idempotent_operation)
    idempotent: bool = False


# An operation's prose: its summary and description, its Online-restricted note, and the
# descriptions of its parameters, request body and responses (in their order).
Prose = tuple[str, str, str, tuple[str, ...], str | None, tuple[str, ...]]


def prose_of(op: Operation) -> Prose:
    """What the page says about `op` in words: text that decides no type, name or path."""
    return (
        op.summary,
        op.description,
        op.online_restricted,
        tuple(p.description for p in op.parameters),
        op.request_body.description if op.request_body is not None else None,
        tuple(r.description for r in op.responses),
    )


def set_prose(op: Operation, prose: Prose) -> None:
    """Give `op` the prose of another version of its page, whose parameters, body and responses
    are the same ones (same count, same order)."""
    summary, description, restricted, params, body, responses = prose
    if len(params) != len(op.parameters) or len(responses) != len(op.responses):
        raise ValueError("prose of a different operation")
    if (body is None) != (op.request_body is None):
        raise ValueError("prose of a different operation")
    op.summary, op.description, op.online_restricted = summary, description, restricted
    for param, text in zip(op.parameters, params, strict=True):
        param.description = text
    if op.request_body is not None and body is not None:
        op.request_body.description = body
    for response, text in zip(op.responses, responses, strict=True):
        response.description = text


def without_prose(op: Operation) -> Operation:
    """A copy of `op` with its prose blanked: two versions of a page that differ only in words
    give equal copies."""
    copy = dataclasses.replace(
        op,
        parameters=[dataclasses.replace(p) for p in op.parameters],
        request_body=dataclasses.replace(op.request_body) if op.request_body else None,
        responses=[dataclasses.replace(r) for r in op.responses],
    )
    blank_body = "" if op.request_body is not None else None
    set_prose(copy, ("", "", "", ("",) * len(op.parameters), blank_body, ("",) * len(op.responses)))
    return copy


@dataclass(slots=True)
class Group:
    """An agent (`Chat`) or a REST entity folder (`Appointment`)."""

    name: str
    kind: Literal["agent", "rest"]
    operations: list[Operation] = field(default_factory=list)


@dataclass(slots=True)
class Api:
    title: str
    version: str
    groups: list[Group]
    schemas: dict[str, Schema]

    def operations(self) -> list[Operation]:
        return [op for g in self.groups for op in g.operations]


def to_json(value: object) -> JSONValue:
    """Serialise any model object into plain JSON (for --dump-model and lint --format json)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, JSONValue] = {}
        for f in dataclasses.fields(value):
            out[f.name] = to_json(getattr(value, f.name))
        return out
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
