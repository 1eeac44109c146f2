"""The views the client templates render: one dataclass per thing a template loops over."""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.diagnostics import Diagnostic
from generator.render.pytypes import PyType


@dataclass
class FieldView:
    name: str  # python attribute
    wire: str
    type: PyType
    description: str


@dataclass
class ModelView:
    class_name: str
    module: str  # module name inside models/
    schema: str  # wire schema name
    description: str
    doc: str  # the class docstring: description and one line per attribute
    fields: list[FieldView]
    imports: list[tuple[str, str]]  # (module, class) of other models referenced
    self_ref: bool
    uses_datetime: bool
    codec_imports: list[str] = field(default_factory=list)
    source: str = ""  # the page describing the schema, `path:line:col`


@dataclass
class ParamView:
    name: str  # python keyword
    wire: str
    location: str  # path, query, header, body_field
    annotation: str
    required: bool
    description: str
    codec: str = ""  # for body fields
    attr: str = ""  # for body fields: the wrapper model's attribute
    # a query object (dotted query parameters): the runtime sends the model as
    # `wire.Property=value` pairs (query_object)
    dotted: bool = False


@dataclass
class TestArg:
    name: str
    expr: str  # a Python expression


@dataclass
class TestView:
    args: list[TestArg]
    method: str
    path: str  # the expected request path, percent-encoded
    query: list[tuple[str, str]]
    json_body: str | None  # repr of the expected JSON body, None when no JSON body is sent
    content: str | None  # repr of the expected raw body (bytes)
    status: int
    response_body: str | None  # repr of JSON to answer with (None: empty body)
    response_content: str | None  # repr of raw bytes to answer with
    expect: str  # "model", "models", "value", "none", "bytes", "error"
    error_class: str = ""
    expected_value: str = "None"  # repr of what the call returns, for "value"
    from_sample: bool = True
    headers: list[tuple[str, str]] = field(default_factory=list)  # required header params
    error_statuses: list[int] = field(default_factory=list)  # documented 4xx/5xx, for "error"
    # the spec's name for this operation's response example when it shares the spec's operation
    # with others (the live harness asks a mock server for it: `Prefer: example=<name>`)
    example_name: str = ""
    # schemas whose classes the test builds besides those the method names (nested models of a
    # query object)
    models: list[str] = field(default_factory=list)


@dataclass
class OperationView:
    name: str  # python method name
    op_id: str
    http_method: str
    path: str
    summary: str
    description: str
    restricted: str
    params: list[ParamView]
    path_params: list[ParamView]
    query_params: list[ParamView]
    header_params: list[ParamView]
    body_kind: str  # none, flat, model, json, binary
    body_wrapper: str  # wrapper class for "flat"
    body_fields: list[ParamView]
    body_param: ParamView | None
    body_content_type: str
    returns: str  # annotation
    return_codec: str  # codec expression, "" for none/binary
    return_kind: str  # none, json, binary
    return_description: str
    errors: list[tuple[int, str, str]]  # (status, class, description)
    test: TestView
    has_select: bool
    source: str
    accept: str = ""  # Accept header for non-JSON responses (binary downloads)
    idempotent: bool = False  # the client may repeat it after a dropped connection


@dataclass
class GroupView:
    attr: str  # client attribute
    module: str  # module inside agents/
    class_name: str
    async_class_name: str
    tag: str
    kind: str
    description: str
    operations: list[OperationView]
    model_imports: list[tuple[str, str]]
    uses_datetime: bool
    codec_imports: list[str] = field(default_factory=list)
    http_imports: list[str] = field(default_factory=list)
    test_model_imports: list[tuple[str, str]] = field(default_factory=list)
    test_imports: list[str] = field(default_factory=list)  # pytest, APIStatusError, ...


@dataclass
class ClientContext:
    package: str
    version: str
    title: str
    groups: list[GroupView]
    models: list[ModelView]
    operation_count: int = 0
    idempotent_count: int = 0  # operations the client may repeat (the README says how many)
    extra: dict[str, str] = field(default_factory=dict)
    group_diags: dict[str, list[Diagnostic]] = field(default_factory=dict)  # by group name
    # the methods that take a query object: (client attribute, method, argument, model class),
    # for the README (its top part renders from the group heads, which have no operations)
    query_objects: list[tuple[str, str, str, str]] = field(default_factory=list)


ERROR_CLASSES = {
    400: "BadRequestError",
    401: "AuthenticationError",
    403: "PermissionDeniedError",
    404: "NotFoundError",
    409: "ConflictError",
    412: "PreconditionFailedError",
    422: "UnprocessableEntityError",
    429: "RateLimitError",
}


def error_class(status: int) -> str:
    if status >= 500:
        return "InternalServerError"
    return ERROR_CLASSES.get(status, "APIStatusError")


@dataclass
class ModelNames:
    """The Python names the whole API decided for each schema (by wire name): what a group's
    view needs from the models."""

    class_names: dict[str, str]
    modules: dict[str, str]
    fields: dict[str, dict[str, str]]  # wire property name -> attribute

    @classmethod
    def of(cls, models: list[ModelView]) -> ModelNames:
        return cls(
            {m.schema: m.class_name for m in models},
            {m.schema: m.module for m in models},
            {m.schema: {f.wire: f.name for f in m.fields} for m in models},
        )
