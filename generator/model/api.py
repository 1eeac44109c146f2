"""Stage 2 entry point: PageDocs -> Api, with the checks that need every page at once."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

from generator.diagnostics import Diagnostic, Diagnostics, SourceRef
from generator.model.carriers import add_open_carriers, rename_type, resolve_schemas
from generator.model.dotted import resolve_query_objects
from generator.model.ir import ANY, Api, Group, Operation, Schema, TypeRef, without_prose
from generator.model.operations import PageResult, Proposal, build_operation
from generator.model.paths import path_items, renamed
from generator.model.reconcile import reconcile_operation, schema_shapes
from generator.pages.pagedoc import PageDoc


@dataclass(slots=True)
class BuiltPage:
    """One page's share of the model, made without looking at any other page, so it can be made
    in a worker process and cached by the page's bytes. `diags` are reported only when the page
    is kept (a page refused as a duplicate says nothing more)."""

    path: str
    uid: str
    uid_source: SourceRef
    method: str
    url_path: str
    endpoint_source: SourceRef
    result: PageResult
    diags: list[Diagnostic] = field(default_factory=list)


def same_but_prose(a: BuiltPage, b: BuiltPage) -> bool:
    """True when two versions of a page differ at most in their operation's prose (see
    ir.prose_of): they then make the same API but for those words."""

    def blanked(page: BuiltPage) -> BuiltPage:
        result = dataclasses.replace(page.result, operation=without_prose(page.result.operation))
        return dataclasses.replace(page, result=result)

    return blanked(a) == blanked(b)


def build_page(doc: PageDoc) -> BuiltPage:
    page_diags = Diagnostics()
    result = build_operation(doc, page_diags)
    return BuiltPage(
        doc.path, doc.uid, doc.uid_source, doc.method, doc.url_path, doc.endpoint_source,
        result, page_diags.items,
    )  # fmt: skip


def build_api(docs: list[PageDoc], diags: Diagnostics, title: str = "SuperOffice WebAPI") -> Api:
    return assemble_api([build_page(doc) for doc in docs], diags, title)


def assemble_api(
    pages: list[BuiltPage], diags: Diagnostics, title: str = "SuperOffice WebAPI"
) -> Api:
    """The checks and decisions that need every page at once: duplicates, schema names,
    samples against schemas, groups."""
    pages = sorted(pages, key=lambda p: (p.path, p.uid))
    results = _unique_operations(pages, diags)
    _report_shared_shapes([r.operation for r in results], diags)
    proposals: list[Proposal] = [p for r in results for p in r.proposals]
    schemas, renames = resolve_schemas(proposals, diags)
    operations = [r.operation for r in results]
    _apply_renames(operations, schemas, renames)
    add_open_carriers(schemas, _referenced_carriers(operations, schemas))
    resolve_query_objects(operations, schemas, diags)
    shapes = schema_shapes(schemas)
    for op in sorted(operations, key=lambda o: o.id):
        reconcile_operation(op, schemas, diags, shapes)
    _close_unknown_arrays(operations, schemas, diags)
    groups: dict[str, Group] = {}
    kinds = {r.operation.id: r.kind for r in results}
    for op in sorted(operations, key=lambda o: (o.group, o.name, o.id)):
        kind: Literal["agent", "rest"] = "agent" if kinds[op.id] == "agent" else "rest"
        groups.setdefault(op.group, Group(op.group, kind)).operations.append(op)
    return Api(
        title=title,
        version="v1",
        groups=[groups[name] for name in sorted(groups)],
        schemas={name: schemas[name] for name in sorted(schemas)},
    )


def apply_retry_overrides(
    api: Api, overrides: tuple[tuple[str, bool, SourceRef], ...], diags: Diagnostics
) -> None:
    """The configuration's `idempotent` / `not_idempotent` lists: each names an operation as
    `Group.Method` (ChatAgent.AddChatMessage) or by its id, and decides whether the client may
    repeat it. A name that is no operation is a configuration error (SOG903)."""
    if not overrides:
        return
    by_name: dict[str, Operation] = {}
    for op in api.operations():
        by_name[op.id] = op
        by_name[f"{op.group}.{op.name}"] = op
    for name, idempotent, where in overrides:
        target = by_name.get(name)
        if target is None:
            key = "idempotent" if idempotent else "not_idempotent"
            diags.add(
                "SOG903",
                f"configuration key {key!r}: no operation {name!r} "
                '(give "Group.Method", e.g. "ChatAgent.AddChatMessage", or an operation id)',
                where,
            )
            continue
        target.idempotent = idempotent


def _unique_operations(pages: list[BuiltPage], diags: Diagnostics) -> list[PageResult]:
    """Keep each page's operation, refusing duplicate uids and duplicate method+path."""
    seen_uid: dict[str, BuiltPage] = {}
    seen_route: dict[tuple[str, str], BuiltPage] = {}
    results: list[PageResult] = []
    for page in pages:
        first = seen_uid.get(page.uid)
        if first is not None:
            diags.add(
                "SOG401",
                f"uid {page.uid!r} is also used by {first.path}",
                page.uid_source,
                related=(first.uid_source,),
            )
            continue
        seen_uid[page.uid] = page
        route = (page.method, page.url_path)
        other = seen_route.get(route)
        if other is not None:
            diags.add(
                "SOG402",
                f"{page.method} {page.url_path} is also the endpoint of {other.path}",
                page.endpoint_source,
                related=(other.endpoint_source,),
            )
            continue
        seen_route[route] = page
        diags.items.extend(page.diags)
        results.append(page.result)
    return results


def _report_shared_shapes(ops: list[Operation], diags: Diagnostics) -> None:
    """Templates equal but for parameter names are one path to OpenAPI: the spec writes them
    as one path item under one template, one operation per method (see model/paths.py). Each
    operation renamed or merged there is reported; the operations keep their documented paths,
    which the client sends."""
    for template, methods in path_items(ops).items():
        holder = next(o for same in methods.values() for o in same if o.path == template)
        for method, same in methods.items():
            for n, op in enumerate(same):
                op.spec_merged = len(same) > 1
                if op.path == template:
                    continue
                other = same[0] if n else holder
                names = ", ".join(
                    f"{{{mine}}} as {' and '.join('{' + name + '}' for name in theirs)}"
                    for mine, theirs in renamed(op.path, template).items()
                    if theirs != [mine]
                )
                merged = (
                    f"; {method} there is one operation, {other.id}, listing {op.id} in "
                    "x-sogen-merged"
                    if n
                    else ""
                )
                diags.add(
                    "SOG404",
                    f"{op.method} {op.path} and {other.id}'s {other.method} {other.path} "
                    f"({other.source.path}:{other.source.line}) share a path shape; the spec "
                    f"merges them into one path item {template}, naming {names}{merged}. The "
                    "client sends the documented path",
                    op.source,
                    related=(other.source,),
                )


def _apply_renames(
    ops: list[Operation], schemas: dict[str, Schema], renames: dict[str, str]
) -> None:
    for op in ops:
        if op.request_body is not None:
            op.request_body.type = rename_type(op.request_body.type, renames) or ANY
        for response in op.responses:
            response.type = rename_type(response.type, renames)
    for schema in schemas.values():
        for prop in schema.properties:
            prop.type = rename_type(prop.type, renames) or ANY


def _walk_types(
    ops: list[Operation], schemas: dict[str, Schema]
) -> list[tuple[TypeRef, SourceRef]]:
    found: list[tuple[TypeRef, SourceRef]] = []
    for op in ops:
        if op.request_body is not None:
            found.append((op.request_body.type, op.request_body.source))
        found.extend((r.type, r.source) for r in op.responses if r.type is not None)
    for schema in schemas.values():
        found.extend((p.type, p.source) for p in schema.properties)
    return found


def _referenced_carriers(ops: list[Operation], schemas: dict[str, Schema]) -> dict[str, SourceRef]:
    referenced: dict[str, SourceRef] = {}
    for t, source in _walk_types(ops, schemas):
        while t.items is not None:
            t = t.items
        if t.kind == "ref" and t.ref and t.ref not in schemas:
            current = referenced.get(t.ref)
            if current is None or source < current:
                referenced[t.ref] = source
    return referenced


def _close_unknown_arrays(
    ops: list[Operation], schemas: dict[str, Schema], diags: Diagnostics
) -> None:
    """Arrays whose item type neither the table nor any sample tells: items are any JSON.
    Empty Type cells that no sample filled in stay any JSON too, with a warning."""
    for schema in schemas.values():
        for prop in schema.properties:
            if not prop.doc_type.strip() and prop.type.kind == "any":
                diags.add(
                    "SOG203",
                    f"type of {schema.name}.{prop.name} is empty and no sample shows it; any JSON",
                    prop.source,
                )
            if prop.type.kind == "array" and prop.type.items is None:
                diags.add(
                    "SOG305",
                    f"item type of {schema.name}.{prop.name} is unknown; any JSON",
                    prop.source,
                )
                prop.type = TypeRef("array", items=ANY)
    for op in ops:
        if op.request_body is not None and _open_array(op.request_body.type):
            diags.add(
                "SOG305",
                f"item type of the request body of {op.id} is unknown; any JSON",
                op.request_body.source,
            )
            op.request_body.type = TypeRef("array", items=ANY)
        for response in op.responses:
            if response.type is not None and _open_array(response.type):
                diags.add(
                    "SOG305",
                    f"item type of the {response.status} response of {op.id} is "
                    "unknown; any JSON",
                    response.source,
                )
                response.type = TypeRef("array", items=ANY)


def _open_array(t: TypeRef) -> bool:
    return t.kind == "array" and t.items is None
