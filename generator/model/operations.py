"""One PageDoc -> one Operation, plus the schemas its tables describe.

Schemas found here are proposals: `carriers.py` merges them across pages and gives names to
anonymous bodies. Anonymous schemas are referred to by a provisional name until then.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from generator.diagnostics import Diagnostics, SourceRef
from generator.model.doctext import clean_doc_text, first_sentence, split_online_restricted
from generator.model.dotted import QueryRow, fold_query_rows, query_value_type
from generator.model.examples import parse_example
from generator.model.ir import (
    ANY,
    Body,
    Example,
    Operation,
    Parameter,
    Property,
    Response,
    Schema,
    TypeRef,
)
from generator.model.naming import name_part
from generator.model.types import BOGUS_BODY_LABELS, enum_problems, is_primitive_label, map_type
from generator.pages.pagedoc import PageDoc, Row, Table

_REQUIRED = re.compile(r"\s*\*\*Required\*\*\s*", re.I)
_PLACEHOLDER = re.compile(r"\{([^{}/]+)\}")

# Request headers that every operation shares: they become components.parameters.
SHARED_HEADERS: dict[str, str] = {
    "accept-language": "AcceptLanguage",
    "so-language": "SoLanguage",
    "so-culture": "SoCulture",
    "so-timezone": "SoTimeZone",
    "so-apptoken": "SoAppToken",
    "x-xsrf-token": "XsrfToken",
}
# Headers the client and security schemes own; not operation parameters.
OWNED_HEADERS = frozenset({"authorization", "content-type", "accept"})
SHARED_QUERY: dict[str, str] = {"$select": "Select"}


@dataclass(slots=True)
class Proposal:
    """A schema described by one page: named (carrier) or anonymous (needs a name)."""

    schema: Schema
    anonymous: bool
    group: str  # the operation's group, to qualify a derived name on conflicts
    key: str = ""  # provisional ref name used until carriers.py decides
    # the items of an array body: pages whose item tables are identical share one schema
    shared_by_table: bool = False


@dataclass(slots=True)
class PageResult:
    operation: Operation
    kind: str  # "agent" or "rest"
    proposals: list[Proposal] = field(default_factory=list)


def group_of(doc: PageDoc) -> tuple[str, str, str]:
    """(group name, kind, method name) from the path and uid.

    Agents: `/api/v1/Agents/Chat/X` -> group `ChatAgent`. REST: the uid's prefix (`v1Dash_GetDash`
    -> `Dash`), else the first path segment. The method name is the uid after the first `_`.
    """
    segments = [s for s in doc.url_path.split("/") if s]
    uid = doc.uid
    prefix, _, method = uid.partition("_")
    prefix = prefix[2:] if prefix.lower().startswith("v1") else prefix
    if len(segments) >= 4 and segments[2].lower() == "agents":
        group, kind = segments[3] + "Agent", "agent"
        method = method or segments[-1]
    else:
        kind = "rest"
        group = prefix if method and prefix else (segments[2] if len(segments) > 2 else "Api")
        method = method or uid
    return group, kind, method


# HTTP's idempotent methods. PATCH and POST are not.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# Agent methods are all POST. These first words name the ones that only read (GetContact,
# IsNickNameUnique, HasFunctionRight, ValidateScriptByString): a whole word, so CheckinDocument
# is no Check. Verify is not one (a reCAPTCHA token is good once), nor Calculate, Preview or
# Read (ReadRow moves on).
_READ_VERBS = frozenset({"Get", "Find", "Search", "Is", "Has", "Can", "Exists", "Count", "Check",
                         "Validate"})  # fmt: skip
# ... unless a later word says it changes something too (GetOrCreate..., GetAndMarkRead); a
# question (Is, Has, Can) only asks, whatever it asks about (CanCreateAppointmentInAllDiaries)
_QUESTIONS = frozenset({"Is", "Has", "Can"})
_WRITE_WORDS = frozenset({
    "Add", "Apply", "Approve", "Assign", "Cancel", "Change", "Checkin", "Checkout", "Clear",
    "Close", "Commit", "Copy", "Create", "Delete", "Execute", "Export", "Flush", "Generate",
    "Import", "Insert", "Lock", "Log", "Mark", "Merge", "Move", "Notify", "Post", "Put",
    "Regenerate", "Register", "Reject", "Remove", "Rename", "Reset", "Run", "Save", "Send", "Set",
    "Start", "Stop", "Store", "Toggle", "Transfer", "Trigger", "Unassign", "Unlock", "Update",
    "Upload", "Write",
})  # fmt: skip
_CAMEL_WORD = re.compile(r"[A-Z][a-z0-9]*|[a-z0-9]+")


def idempotent_operation(kind: str, method: str, name: str) -> bool:
    """Whether repeating the call is safe: an idempotent HTTP method, or an agent method whose
    name says it only reads. Conservative: a name that does not say so may change state."""
    if method in IDEMPOTENT_METHODS:
        return True
    if kind != "agent" or method != "POST":
        return False
    words = _CAMEL_WORD.findall(name)
    if not words or words[0] not in _READ_VERBS:
        return False
    return words[0] in _QUESTIONS or not _WRITE_WORDS & set(words[1:])


_PATH_PART = re.compile(r"(\{[^{}/]+\})")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def safe_path(url_path: str) -> str:
    """The page's path with every character that is not allowed literally in a URL path
    percent-encoded (`#`, `?`, non-ASCII, a `%` that starts no escape), placeholders kept: a
    page cannot smuggle a fragment or query into the URL the client sends."""
    parts = _PATH_PART.split(url_path)
    for n in range(0, len(parts), 2):  # even items are literal text, odd ones placeholders
        text = _BAD_PERCENT.sub("%25", parts[n])
        parts[n] = quote(text, safe="/%:@!$&'()*+,;=-._~")
    return "".join(parts)


_TITLE_VERBS = {"GET": "GET", "POST": "POST", "PUT": "PUT", "PATCH": "PATCH", "DELETE": "DELETE",
                "DEL": "DELETE"}  # fmt: skip


def _check_title(doc: PageDoc, diags: Diagnostics) -> None:
    """`DEL` is the docs' spelling of DELETE; older titles are a bare method name (no verb).
    A title names the endpoint's path after /api/v1/ (placeholder names and case aside)."""
    verb, _, rest = doc.title.strip().partition(" ") if doc.title else ("", "", "")
    verb = verb.upper()
    if verb not in _TITLE_VERBS:
        return
    if _TITLE_VERBS[verb] != doc.method:
        diags.add(
            "SOG105",
            f"title says {verb} but the endpoint block says {doc.method}; the block wins",
            doc.front_matter_source,
        )
    elif rest.strip() and _path_shape(rest) != _path_shape(doc.url_path.removeprefix("/api/v1/")):
        diags.add(
            "SOG105",
            f"title names {rest.strip()!r} but the endpoint block says {doc.url_path}; "
            "the block wins",
            doc.front_matter_source,
        )


def _path_shape(path: str) -> list[str]:
    return [
        "{}" if part.startswith("{") else part.lower()
        for part in path.split("?", 1)[0].strip().strip("/").split("/")
    ]


def _check_sample_request(op: Operation, diags: Diagnostics) -> None:
    """The sample request is of this endpoint: its method, and its path segment by segment
    (a placeholder takes any value), scheme, host and tenant prefix aside."""
    example = op.request_example
    if example is None or not example.path:
        return
    sample = urlsplit(example.path).path
    at = sample.lower().find("/api/v1/")
    shape = _path_shape(sample[at:] if at >= 0 else sample)
    want = _path_shape(op.path)
    fits = len(shape) == len(want) and all(w in ("{}", s) for w, s in zip(want, shape, strict=True))
    if example.method != op.method or not fits:
        diags.add(
            "SOG311",
            f"sample request is {example.method} {example.path}, not of the endpoint "
            f"{op.method} {op.path}",
            example.source,
        )


def build_operation(doc: PageDoc, diags: Diagnostics) -> PageResult:
    _check_title(doc, diags)
    group, kind, method_name = group_of(doc)
    description, restricted = split_online_restricted(doc.description)
    description = clean_doc_text(description)
    result = PageResult(
        operation=Operation(
            id=doc.uid,
            group=group,
            name=method_name,
            method=doc.method,
            path=safe_path(doc.url_path),
            summary=first_sentence(description) or f"{doc.method} {doc.url_path}",
            description=description,
            parameters=[],
            request_body=None,
            responses=[],
            source=doc.endpoint_source,
            online_restricted=clean_doc_text(restricted),
            idempotent=idempotent_operation(kind, doc.method, method_name),
        ),
        kind=kind,
    )
    op = result.operation
    op.parameters.extend(_path_parameters(doc, diags))
    op.parameters.extend(_query_parameters(doc, diags))
    op.parameters.extend(_header_parameters(doc, diags))
    op.request_example = parse_example(doc.sample_request, "request", diags)
    _check_sample_request(op, diags)
    op.response_example = parse_example(doc.sample_response, "response", diags)
    op.request_body = _request_body(doc, result, diags)
    op.responses = _responses(doc, result, diags)
    return result


def _cell(cells: list[str], i: int) -> str:
    return cells[i] if i < len(cells) else ""


def _rows_once(
    table: Table,
    what: str,
    diags: Diagnostics,
    fold_case: bool = False,
    skip: frozenset[str] = frozenset(),
) -> Iterator[tuple[str, Row]]:
    """(name, row) for each named row; a name listed again is reported (SOG208) and skipped.
    Names in `skip` (lower case) are passed over silently."""
    seen: set[str] = set()
    for row in table.rows:
        name = _cell(row.cells, 0)
        key = name.lower() if fold_case else name
        if not name or name.lower() in skip:
            continue
        if key in seen:
            diags.add("SOG208", f"{what} {name!r} is listed twice; the first is kept", row.source)
            continue
        seen.add(key)
        yield name, row


def _type_of(cell: str, ref: SourceRef, diags: Diagnostics) -> TypeRef:
    mapped = map_type(cell)
    if mapped is None:
        diags.add("SOG209", f"type {cell!r} is not a type name the pages use", ref)
        return ANY
    dropped = enum_problems(cell) if mapped.kind in ("enum", "string") else []
    if dropped:
        twice = sorted({v for v in dropped if v})
        what = [f"{', '.join(map(repr, twice))} listed twice"] if twice else []
        what += ["an empty value"] if "" in dropped else []
        diags.add(
            "SOG409",
            f"enum in {cell.strip()!r}: {' and '.join(what)}; dropped "
            "(OpenAPI enum values are unique)",
            ref,
        )
    if mapped.kind == "ref" and cell.strip()[:1].islower():
        # carriers are PascalCase; `strng` or `int33` is more likely a typo than a carrier
        diags.add("SOG204", f"unknown type {cell.strip()!r}; treated as a carrier reference", ref)
    return mapped


def _split_required(description: str) -> tuple[str, bool]:
    required = bool(_REQUIRED.search(description))
    return clean_doc_text(_REQUIRED.sub(" ", description)), required


def _path_parameters(doc: PageDoc, diags: Diagnostics) -> list[Parameter]:
    names = _PLACEHOLDER.findall(doc.url_path)
    rows: dict[str, Row] = {}
    if doc.path_table is not None:
        for row in doc.path_table.rows:
            rows.setdefault(_cell(row.cells, 0).lower(), row)
    params = []
    for n, name in enumerate(names):
        if name in names[:n]:
            diags.add(
                "SOG206",
                f"path part {{{name}}} appears more than once in the path; one parameter fills all",
                doc.endpoint_source,
            )
            continue
        found = rows.pop(name.lower(), None)
        if found is None:
            diags.add(
                "SOG206",
                f"path part {{{name}}} has no row in the Path Part table; typed string",
                doc.endpoint_source,
            )
            params.append(Parameter(name, "path", TypeRef("string"), "", True, doc.endpoint_source))
            continue
        description, _ = _split_required(_cell(found.cells, 2))
        type_ = _type_of(_cell(found.cells, 1), found.cell_ref(1), diags)
        params.append(Parameter(name, "path", type_, description, True, found.source))
    for key, row in rows.items():
        if key:
            diags.add(
                "SOG206",
                f"Path Part row {row.cells[0]!r} is not a placeholder of the path",
                row.source,
            )
    return params


def _query_parameters(doc: PageDoc, diags: Diagnostics) -> list[Parameter]:
    if doc.query_table is None:
        return []
    rows: list[QueryRow] = []
    for name, row in _rows_once(doc.query_table, "query parameter", diags):
        description, required = _split_required(_cell(row.cells, 2))
        cell = _cell(row.cells, 1)
        type_ = _type_of(cell, row.cell_ref(1), diags)
        rows.append(QueryRow(name, type_, description, required, row.source, cell))
    # dotted rows (`mergedTicketEntity.createdBy.associateId`) are one object parameter
    return fold_query_rows(rows, diags, _plain_query_parameter)


def _plain_query_parameter(row: QueryRow) -> Parameter:
    return Parameter(
        row.name,
        "query",
        query_value_type(row.type),
        row.description,
        row.required,
        row.source,
        SHARED_QUERY.get(row.name),
    )


def _header_parameters(doc: PageDoc, diags: Diagnostics) -> list[Parameter]:
    params: list[Parameter] = []
    if doc.header_table is None:
        return params
    # header names are case-insensitive; OpenAPI wants each once
    rows = _rows_once(doc.header_table, "request header", diags, True, skip=OWNED_HEADERS)
    for name, row in rows:
        description = clean_doc_text(_cell(row.cells, 1))
        params.append(
            Parameter(
                name,
                "header",
                TypeRef("string"),
                description,
                False,
                row.source,
                SHARED_HEADERS.get(name.lower()),
            )
        )
    return params


def properties_of(table: Table, diags: Diagnostics) -> list[Property]:
    props: list[Property] = []
    for name, row in _rows_once(table, "property", diags):
        cell = _cell(row.cells, 1)
        type_ = _type_of(cell, row.cell_ref(1), diags)
        description = clean_doc_text(_cell(row.cells, 2))
        props.append(
            Property(
                name, type_, description, row.source, doc_type=cell,
                nullable=says_nullable(description),
            )
        )  # fmt: skip
    return props


_SAYS_NULL = re.compile(
    r"\b(?:(?:may|can|might|could|will)(?: also)? be null|otherwise null|or null|"
    r"null (?:if|when|for)|nullable)\b",
    re.IGNORECASE,
)


def says_nullable(description: str) -> bool:
    """Whether a property's description says null is one of its values ("May be null.")."""
    return _SAYS_NULL.search(description) is not None


def _propose(
    result: PageResult,
    name: str | None,
    table: Table,
    description: str,
    derived: str,
    diags: Diagnostics,
    properties: list[Property] | None = None,
    shared_by_table: bool = False,
) -> TypeRef:
    """Register the schema a table describes; return a reference to it."""
    anonymous = name is None
    key = f"~{result.operation.id}~{derived}" if anonymous else str(name)
    schema = Schema(
        name=derived if anonymous else str(name),
        properties=properties_of(table, diags) if properties is None else properties,
        description=description,
        source=table.source,
        documented_name=not anonymous,
    )
    result.proposals.append(
        Proposal(schema, anonymous, result.operation.group, key, shared_by_table)
    )
    return TypeRef("ref", ref=key)


def _request_body(doc: PageDoc, result: PageResult, diags: Diagnostics) -> Body | None:
    section = doc.request_body
    if section is None:
        return None
    op = result.operation
    intro = " ".join(p.text for p in section.paragraphs)
    if section.table is not None:
        names = {p.lower().strip() for p in intro.split(",")}
        columns = {_cell(r.cells, 0).lower() for r in section.table.rows}
        # agent pages list the property names instead of a description
        description = "" if names and names <= columns | {""} else clean_doc_text(intro)
        props = properties_of(section.table, diags)
        content: tuple[str, ...] = ("application/json",)
        if _is_json_patch(props):
            # one shared carrier for every PATCH page: the table is one RFC 6902 operation
            item = _propose(
                result, None, section.table, JSON_PATCH_DOC, JSON_PATCH_NAME, diags, props
            )
            type_ = TypeRef("array", items=item)
            content = JSON_PATCH_MEDIA
        elif _describes_item_of(props, op.request_example):
            derived = name_part(op.name) + "RequestItem"
            item = _propose(result, None, section.table, "", derived, diags, props, True)
            type_ = TypeRef("array", items=item)
        else:
            derived = name_part(op.name) + "Request"
            type_ = _propose(result, None, section.table, description, derived, diags, props)
    else:
        description = clean_doc_text(intro)
        type_, content = _untabled_body_type(description)
    return Body(section.name or "request", type_, description, section.source, content)


JSON_PATCH_NAME = "JsonPatchOperation"
JSON_PATCH_DOC = (
    "One JSON Patch operation (RFC 6902): `op` is add, replace, remove or test, `path` the "
    "property to change, `value` its new value."
)
_JSON_PATCH_NAMES = frozenset({"op", "path", "value"})
# RFC 6902 first (what the client sends); the pages also allow an RFC 7396 merge patch
JSON_PATCH_MEDIA = ("application/json-patch+json", "application/merge-patch+json")
MERGE_PATCH_MEDIA = "application/merge-patch+json"


def _is_json_patch(props: list[Property]) -> bool:
    return {p.name.lower() for p in props} == _JSON_PATCH_NAMES


def _describes_item_of(props: list[Property], sample: Example | None) -> bool:
    """True when the body's table describes the elements of a JSON-array sample, not the body:
    every element is an object (or null) whose keys are all rows of the table. An array can
    never be the object a table describes, so this reading is the only one without a
    contradiction."""
    if sample is None or not sample.has_body or not isinstance(sample.body, list):
        return False
    names = {p.name.lower() for p in props}
    for element in sample.body:
        if element is None:
            continue
        if not isinstance(element, dict) or not {k.lower() for k in element} <= names:
            return False
    return bool(names)


_IDENTIFIERS = re.compile(r"\b(?:identifiers|ids|primary keys)\b")


def _untabled_body_type(description: str) -> tuple[TypeRef, tuple[str, ...]]:
    """A body with no table and no sample: the description is all we have. A stream or a bitmap
    is bytes; a dictionary is one; "the identifiers of ..." are a list of ids (the agents'
    Get...List methods); anything else is a JSON object (never null: the body is required)."""
    lower = description.lower()
    if "stream" in lower or "bitmap" in lower:
        return TypeRef("binary"), ("application/octet-stream",)
    if "dictionary" in lower:
        return TypeRef("map", items=TypeRef("string")), ("application/json",)
    if _IDENTIFIERS.search(lower):
        return TypeRef("array", items=TypeRef("integer", format="int32")), ("application/json",)
    return TypeRef("map", items=ANY), ("application/json",)


def _responses(doc: PageDoc, result: PageResult, diags: Diagnostics) -> list[Response]:
    section = doc.response
    if section is None:
        diags.add(
            "SOG108",
            "page has no ## Response section; assuming 200 with no schema",
            doc.endpoint_source,
        )
        return [Response(200, "OK", doc.endpoint_source)]
    codes: list[Response] = []
    if section.codes is not None:
        for row in section.codes.rows:
            code = _cell(row.cells, 0)
            if not code.isdigit() or not 100 <= int(code) <= 599:
                diags.add("SOG207", f"response code {code!r} is not an HTTP status", row.source)
                continue
            if any(r.status == int(code) for r in codes):
                continue
            codes.append(Response(int(code), clean_doc_text(_cell(row.cells, 1)), row.source))
    if not codes:
        status_text = section.paragraphs[0].text if section.paragraphs else "OK"
        codes.append(Response(200, clean_doc_text(status_text) or "OK", section.source))
    if not any(200 <= r.status < 300 for r in codes):
        diags.add("SOG407", "no success (2xx) response code is documented", section.source)
    body = _response_type(doc, result, diags)
    for response in codes:
        if 200 <= response.status < 300 and response.status != 204 and body is not None:
            response.type, response.content_types = body
    return sorted(codes, key=lambda r: r.status)


def _response_type(
    doc: PageDoc, result: PageResult, diags: Diagnostics
) -> tuple[TypeRef, tuple[str, ...]] | None:
    section = doc.response
    assert section is not None
    op = result.operation
    label = (section.body_label if section.body_label is not None else section.label).strip()
    table = section.body_table
    where = section.body_source or section.source
    if label.lower() in BOGUS_BODY_LABELS:
        if table is None or not table.rows:
            label = section.label.strip()  # the `## Response:<type>` heading, often empty
            if label.lower() in BOGUS_BODY_LABELS:
                return None
        else:
            diags.add(
                "SOG405",
                f"response body labelled {label!r} lists other properties; "
                f"named {name_part(op.name)}Response instead",
                where,
            )
            label = "object"
    if not label and (table is None or not table.rows):
        return None
    json_types = ("application/json",)
    if table is not None and table.rows:
        lower = label.lower()
        if lower == "array":
            ref = _propose(result, None, table, "", name_part(op.name) + "Item", diags)
            return TypeRef("array", items=ref), json_types
        if not label or lower == "object" or is_primitive_label(label):
            return (
                _propose(result, None, table, "", name_part(op.name) + "Response", diags),
                json_types,
            )
        mapped = map_type(label)
        if mapped is not None and mapped.kind == "ref":
            return _propose(result, label, table, "", label, diags), json_types
        diags.add("SOG209", f"response body type {label!r} is not a type name", where)
        return ANY, json_types
    mapped = map_type(label)
    if mapped is None:
        diags.add("SOG209", f"response body type {label!r} is not a type name", where)
        return ANY, json_types
    if mapped.kind == "binary":
        return mapped, ("application/octet-stream",)
    return mapped, json_types
