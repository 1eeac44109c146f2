"""Api -> the ready-made context the client templates render.

Every decision lives here: Python names (unique, never keywords), annotations, codecs, which
body is flattened into keyword arguments, and the arguments and expectations of each generated
test. Templates only loop and print.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from generator.diagnostics import Diagnostic, Diagnostics, SourceRef
from generator.model.ir import (
    ANY,
    Api,
    Example,
    Group,
    JSONValue,
    Operation,
    Parameter,
    Response,
    Schema,
    TypeRef,
)
from generator.model.naming import (
    MAX_FILE_STEM,
    WINDOWS_RESERVED,
    UniqueNamer,
    name_part,
    python_identifier,
    snake_case,
)
from generator.render import reserved
from generator.render.literals import py_literal, value_literal
from generator.render.pytypes import PyType, param_annotation, py_type

PACKAGE = "superoffice_webapi"
# names the generated code itself uses in each scope; page content must not take them
# (generator/render/reserved.py says which and why)
MODEL_RESERVED = reserved.MODEL_FIELD
CLIENT_RESERVED = reserved.CLIENT_ATTRIBUTE
CALL_OPTIONS = reserved.CALL_OPTIONS
METHOD_RESERVED = reserved.METHOD_PARAMETER
CLASS_RESERVED = reserved.MODULE_LEVEL


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


CODEC_NAMES = (
    "BOOL",
    "DATETIME",
    "FLOAT",
    "INT",
    "JSON",
    "STRING",
    "UNSET",
    "Field",
    "JSONValue",
    "Model",
    "Unset",
    "encode_body",
    "list_of",
    "map_of",
    "model",
    "nullable",
    "query_object",
)


# A whole word that is not an attribute (`x.datetime` is not the name `datetime`).
_FREE_WORD = re.compile(r"(?<![\w.])\w+")
_WORD = re.compile(r"\w+")
# a plain string literal of a test's expressions (wire keys, sample text): its words are no names
_STRING_LITERAL = re.compile(r"""[rRbBuU]{0,2}(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")""")


def uses_json_loads(test: TestView, args_only: bool = False) -> bool:
    """Whether the test's code reads a value from JSON text (`json.loads(...)`, outside any
    string literal)."""
    parts = [a.expr for a in test.args]
    if not args_only:
        parts += [test.expected_value, test.json_body or "", test.response_body or ""]
    return any("json.loads(" in _STRING_LITERAL.sub("''", part) for part in parts)


def free_words(fragments: list[str]) -> set[str]:
    """The words of the fragments that stand alone: not part of a longer word or an attribute."""
    return set(_FREE_WORD.findall("\n".join(fragments)))


def names_in(
    fragments: list[str],
    candidates: tuple[str, ...] | list[str],
    words: set[str] | None = None,
) -> list[str]:
    """The candidates that occur as whole words in the fragments, in import-sort order.

    `words` may give free_words(fragments), when several lookups share the fragments.
    """
    if words is None:
        words = free_words(fragments)
    text = ""
    found = []
    for c in candidates:
        if _WORD.fullmatch(c):
            # a word occurs whole and not after a dot exactly when it is one of the free words
            if c in words:
                found.append(c)
        else:
            text = text or "\n".join(fragments)
            if re.search(rf"(?<![\w.]){re.escape(c)}\b", text):
                found.append(c)
    return sorted(found, key=import_order)


def export_order(name: str) -> tuple[int, list[tuple[int, str]]]:
    """ruff's RUF022 order for __all__: CONSTANTS, Classes, others; digits compare as numbers."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    parts = re.split(r"(\d+)", name)
    return kind, [(int(p), "") if p.isdigit() else (0, p) for p in parts]


def import_order(name: str) -> tuple[int, str]:
    """isort's order by type: CONSTANTS, then Classes, then functions."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name


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


def build_context(
    api: Api, diags: Diagnostics, version: str = "0.1.0", package: str = PACKAGE
) -> ClientContext:
    class_namer = UniqueNamer(style="pascal", reserved=CLASS_RESERVED)
    # module names are file names: short enough for any file system, never a device name
    # ... nor a name models/__init__.py binds: importing models/importlib.py would set the
    # package's `importlib` to the submodule
    module_namer = UniqueNamer(
        style="snake", reserved=WINDOWS_RESERVED | reserved.MODELS_PACKAGE, max_len=MAX_FILE_STEM
    )
    class_names: dict[str, str] = {}
    modules: dict[str, str] = {}
    for name, schema in api.schemas.items():
        class_names[name] = class_namer.add(name, schema.source)
        modules[name] = module_namer.add(name, schema.source)
    _report(class_namer, "schema class", diags)
    models = [_model_view(s, class_names, modules, diags) for s in api.schemas.values()]
    field_names = {m.schema: {f.wire: f.name for f in m.fields} for m in models}
    attrs = _group_attributes(api.groups, diags)
    taken_classes = set(class_names.values())
    groups = []
    # what each group's view reported, so a rebuild that remakes one view can tell whether its
    # report changed (see rebuild_group_view)
    group_diags: dict[str, list[Diagnostic]] = {}
    reported = len(diags.items)
    for group in api.groups:
        cls = python_identifier(_group_short(group), style="pascal")
        cls += "Agent" if group.kind == "agent" else "Api"
        plain = cls
        # the async twin's name is `Async` + this one: both must be free
        while {cls, "Async" + cls} & (taken_classes | CLASS_RESERVED):
            cls += "_"
        if {plain, "Async" + plain} & CLASS_RESERVED:
            _report_reserved("agent class", group.name, plain, cls, _first_source(group), diags)
        taken_classes |= {cls, "Async" + cls}
        groups.append(
            _group_view(
                group,
                attrs[group.name],
                cls,
                api.schemas,
                class_names,
                modules,
                field_names,
                diags,
            )
        )
        group_diags[group.name] = diags.items[reported:]
        reported = len(diags.items)
    return ClientContext(
        package=package,
        version=version,
        title=api.title,
        groups=groups,
        models=models,
        operation_count=sum(len(g.operations) for g in groups),
        idempotent_count=sum(op.idempotent for g in groups for op in g.operations),
        group_diags=group_diags,
        query_objects=[
            (g.attr, op.name, p.name, p.annotation)
            for g in groups
            for op in g.operations
            for p in op.query_params
            if p.dotted
        ],
    )


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


def rebuild_group_view(
    old: GroupView, group: Group, schemas: Mapping[str, Schema], names: ModelNames
) -> tuple[GroupView, list[Diagnostic]]:
    """The view of `group` made again from its operations, keeping every name the whole API
    decided (`old`: its last view): for a rebuild in which only this group's operations
    changed, and only in ways that decide no name outside it. Returns the view and what making
    it reported."""
    diags = Diagnostics()
    view = _group_view(
        group, old.attr, old.class_name, schemas, names.class_names, names.modules,
        names.fields, diags,
    )  # fmt: skip
    return view, diags.items


def _group_attributes(groups: list[Group], diags: Diagnostics) -> dict[str, str]:
    """Client attribute per group: agents claim their short name first (`chat`); a REST entity
    or agent whose name is taken gets a kind suffix (`preference_entity`), then a number."""
    taken: dict[str, Group] = {}
    attrs: dict[str, str] = {}
    for group in sorted(groups, key=lambda g: (g.kind != "agent", g.name)):
        # the attribute is also the module's file name (agents/<attr>.py)
        not_free = CLIENT_RESERVED | WINDOWS_RESERVED
        base = python_identifier(_group_short(group), reserved=not_free, max_len=MAX_FILE_STEM)
        plain = python_identifier(_group_short(group), max_len=MAX_FILE_STEM)
        if plain != base and plain not in WINDOWS_RESERVED:
            _report_reserved(
                "client attribute", group.name, plain, base, _first_source(group), diags
            )
        name = base
        if name in taken:
            other = taken[name]
            name = python_identifier(
                f"{_group_short(group)}_{'agent' if group.kind == 'agent' else 'entity'}",
                reserved=not_free,
                max_len=MAX_FILE_STEM,
            )
            n = 2
            while name in taken:
                name = f"{base}_{n}"
                n += 1
            first = group.operations[0].source if group.operations else None
            diags.add(
                "SOG406",
                f"client attribute {base!r} is taken by {other.name}; {group.name} is {name!r}",
                first,
                related=(other.operations[0].source,) if other.operations else (),
            )
        taken[name] = group
        attrs[group.name] = name
    return attrs


def _group_short(group: Group) -> str:
    return group.name.removesuffix("Agent") if group.kind == "agent" else group.name


_UNSAFE_LABEL = re.compile(
    r'["\\`\x00-\x1f\x7f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]'
)


def _label(name: str) -> str:
    """A name from the pages as a display label that templates may print anywhere (a one-line
    docstring, Markdown): no quotes, backslashes, backticks or control characters."""
    return _UNSAFE_LABEL.sub("", name)


def _first_source(group: Group) -> SourceRef | None:
    return group.operations[0].source if group.operations else None


def _report_reserved(
    what: str, original: str, plain: str, renamed: str, source: object, diags: Diagnostics
) -> None:
    diags.add(
        "SOG410",
        f"{what} name {original!r} would be {plain!r}, a name the generated code uses there; "
        f"it is {renamed!r}",
        source if isinstance(source, SourceRef) else None,
    )


def _report(namer: UniqueNamer, what: str, diags: Diagnostics) -> None:
    for original, source, plain, renamed in namer.reserved_hits:
        _report_reserved(what, original, plain, renamed, source, diags)
    for c in namer.collisions:
        first = c.first_source if isinstance(c.first_source, SourceRef) else None
        later = c.later_source if isinstance(c.later_source, SourceRef) else None
        first_name = f"{c.first_original!r}" + (f" ({c.first_kind})" if c.first_kind else "")
        later_name = f"{c.later_original!r}" + (f" ({c.later_kind})" if c.later_kind else "")
        diags.add(
            "SOG406",
            f"{what} names {first_name} and {later_name} both become {c.identifier!r}; "
            f"the later is {c.renamed!r}",
            later,
            related=(first,) if first else (),
        )


def _model_view(
    schema: Schema, class_names: dict[str, str], modules: dict[str, str], diags: Diagnostics
) -> ModelView:
    namer = UniqueNamer(style="snake", reserved=MODEL_RESERVED)
    fields = []
    refs: set[str] = set()
    uses_dt = False
    for prop in schema.properties:
        t = py_type(prop.type, class_names)
        refs |= t.models
        uses_dt = uses_dt or t.uses_datetime
        fields.append(FieldView(namer.add(prop.name, prop.source), prop.name, t, prop.description))
    _report(namer, f"property ({schema.name})", diags)
    imports = sorted((modules[r], class_names[r]) for r in refs if r != schema.name)
    doc = schema.description or f"The {schema.name} carrier."
    if fields:
        doc += "\n\nAttributes:\n" + "\n".join(
            f"    {f.name}: {' '.join((f.description or f'The `{f.wire}` property.').split())}"
            for f in fields
        )
    fragments = [f"{f.type.annotation} nullable({f.type.codec})" for f in fields]
    fragments.append("Field Model" + (" UNSET Unset" if fields else ""))
    return ModelView(
        codec_imports=names_in(fragments, CODEC_NAMES),
        class_name=class_names[schema.name],
        module=modules[schema.name],
        schema=schema.name,
        description=schema.description,
        doc=doc,
        fields=fields,
        imports=imports,
        self_ref=schema.name in refs,
        uses_datetime=uses_dt,
        source=str(schema.source),
    )


def _group_view(
    group: Group,
    attr: str,
    cls: str,
    schemas: Mapping[str, Schema],
    class_names: dict[str, str],
    modules: dict[str, str],
    field_names: dict[str, dict[str, str]],
    diags: Diagnostics,
) -> GroupView:
    method_namer = UniqueNamer(style="snake", reserved=reserved.GROUP_METHOD)
    ops = []
    refs: set[str] = set()
    uses_dt = False
    for op in group.operations:
        view, op_refs, op_dt = _operation_view(
            op, method_namer.add(op.name, op.source), schemas, class_names, field_names, diags
        )
        ops.append(view)
        refs |= op_refs
        uses_dt = uses_dt or op_dt
    _report(method_namer, f"method ({group.name})", diags)
    what = "agent" if group.kind == "agent" else "REST entity"
    code = [_op_code(op) for op in ops]
    tests = [
        _STRING_LITERAL.sub(
            "''", " ".join(f"{a.expr}" for a in op.test.args) + " " + op.test.expected_value
        )
        for op in ops
    ]
    test_kinds = " ".join(op.test.expect for op in ops)
    test_words = free_words(tests)
    # values nested too deep for a literal are JSON text read by json.loads (value_literal)
    deep = any(uses_json_loads(op.test) for op in ops)
    model_imports = sorted((modules[r], class_names[r]) for r in refs)
    test_refs = refs | {r for op in ops for r in op.test.models}
    test_candidates = sorted((modules[r], class_names[r]) for r in test_refs)
    return GroupView(
        codec_imports=names_in(code, CODEC_NAMES),
        http_imports=["AsyncTransportClient", "SyncTransportClient"]
        + (["parse_response"] if any(op.return_kind == "json" for op in ops) else []),
        test_model_imports=[(m, c) for m, c in test_candidates if names_in(tests, [c], test_words)],
        test_imports=(["pytest", "APIStatusError"] if "error" in test_kinds else [])
        + names_in(tests, ["WireDateTime", "datetime"], test_words)
        + (["json"] if deep else []),
        attr=attr,
        module=attr,
        class_name=cls,
        async_class_name="Async" + cls,
        tag=_label(group.name),
        kind=group.kind,
        description=(
            f"The {_label(_group_short(group))} {what} ({_count(len(ops), 'operation')})."
        ),
        operations=ops,
        model_imports=model_imports,
        uses_datetime=uses_dt,
    )


_LOADER_CALL = re.compile(r"model\(_load_(\w+)\)")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_INTEGER = re.compile(r"-?\d+")
_MODEL_CODEC = re.compile(r"model\((?:_load_|lambda: )(\w+)\)")


def inline_loaders(codec: str) -> str:
    """Agent modules import their models at the top, so a lambda can refer to them directly
    (model modules keep loader functions: their imports may form cycles)."""
    return _LOADER_CALL.sub(r"model(lambda: \1)", codec)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _op_code(op: OperationView) -> str:
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


def _success(op: Operation) -> Response | None:
    for r in op.responses:
        if 200 <= r.status < 300:
            return r
    return None


def _operation_view(
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
    _report(namer, f"parameter ({op.id})", diags)
    success = _success(op)
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
    view.test = _test_view(op, view, schemas, class_names, field_names)
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


# --- generated tests: arguments and expectations from the page's samples ---


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


def _test_view(
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
    success = _success(op)
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
    m = _MODEL_CODEC.fullmatch(codec)
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
