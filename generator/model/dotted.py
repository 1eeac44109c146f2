"""Dotted query parameters: one object spread over many query rows, folded into one parameter.

The official Swagger flattens a complex query parameter into one row per leaf property:
`mergedTicketEntity.ticketId`, `mergedTicketEntity.createdBy.associateId`, ... (POST Ticket/Merge
documents 276 of them). Taken one by one they make a method with hundreds of arguments; they
are one object, and the server (ASP.NET model binding) reads them as one.

- Per page (`fold_query_rows`): rows whose names share a first segment become one query
  parameter named by it, each row kept as a `QueryMember` with its source. A prefix that cannot
  be one object (it is also a plain parameter, a name has an empty segment, one name is both a
  value and an object) stays as separate parameters, with SOG210.
- Across pages (`resolve_query_objects`): the parameter's type is an existing carrier when the
  dotted names (case-insensitively) and value types agree with it, nested prefixes with the
  carriers its properties name (TicketEntity, its CreatedBy an Associate); the page's own
  carriers are tried first. Else a schema is made from the dotted names (nested objects for
  nested prefixes, identical nested tables sharing one schema), reported with SOG408.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from generator.diagnostics import Diagnostics, SourceRef
from generator.model.ir import Operation, Parameter, Property, QueryMember, Schema, TypeRef
from generator.model.naming import capitalised_part as _part
from generator.model.naming import free_name as _free_name
from generator.model.naming import name_part

DOTTED_TYPE_CELL = "(dotted query object)"  # doc_type of a made property that holds an object
_MAX_DEPTH = 16


@dataclass(slots=True)
class QueryRow:
    """One row of a Query String Parameters table, typed as its cell says."""

    name: str
    type: TypeRef
    description: str
    required: bool
    source: SourceRef
    doc_type: str = ""


def query_value_type(t: TypeRef) -> TypeRef:
    """The type a query value is sent as: a list of text when the cell says only `array`, text
    for a carrier named in a query cell (the page flattened it)."""
    if t.kind == "array" and t.items is None:
        return TypeRef("array", items=TypeRef("string"))
    if t.kind == "ref":
        return TypeRef("string")
    return t


def fold_query_rows(
    rows: list[QueryRow], diags: Diagnostics, plain: Callable[[QueryRow], Parameter]
) -> list[Parameter]:
    """The query parameters of a page, dotted rows folded into one parameter per first segment
    (in the place of its first row); `plain` makes the parameter of any other row."""
    plain_rows = {r.name.lower(): r for r in rows if "." not in r.name}
    prefixes: dict[str, list[QueryRow]] = {}
    for row in rows:
        head, dot, _ = row.name.partition(".")
        if dot:
            prefixes.setdefault(head.lower(), []).append(row)
    folded: dict[str, Parameter] = {}
    for key, members in prefixes.items():
        problem = _problem(members, plain_rows.get(key))
        if problem is not None:
            text, where, related = problem
            diags.add(
                "SOG210",
                f"the dotted query parameter{'' if len(members) == 1 else 's'} "
                f"{members[0].name.split('.')[0]}.* cannot be one object: {text}; each stays "
                "a parameter of its own",
                where,
                related=related,
            )
            continue
        first = members[0]
        folded[key] = Parameter(
            name=first.name.split(".", 1)[0],
            location="query",
            type=TypeRef("map", items=None),  # the schema is decided across pages
            description="",
            required=any(m.required for m in members),
            source=first.source,
            members=[
                QueryMember(
                    tuple(m.name.split(".")[1:]),
                    m.type,
                    m.description,
                    m.required,
                    m.source,
                    m.doc_type,
                )
                for m in members
            ],
        )
    params: list[Parameter] = []
    placed: set[str] = set()
    for row in rows:
        prefix = row.name.partition(".")[0].lower() if "." in row.name else None
        if prefix is not None and prefix in folded:
            if prefix not in placed:  # the object stands where its first row stood
                placed.add(prefix)
                params.append(folded[prefix])
            continue
        params.append(plain(row))
    return params


def _problem(
    members: list[QueryRow], plain: QueryRow | None
) -> tuple[str, SourceRef, tuple[SourceRef, ...]] | None:
    """Why these rows cannot be one object: (what, where, related places), or None."""
    first = members[0]
    if plain is not None:
        return (
            f"{plain.name!r} is also a plain query parameter",
            plain.source,
            (first.source,),
        )
    seen: dict[tuple[str, ...], QueryRow] = {}
    spelled: dict[tuple[str, ...], tuple[tuple[str, ...], QueryRow]] = {}
    for row in members:
        segments = row.name.split(".")
        if any(not s.strip() for s in segments):
            return f"{row.name!r} has an empty name segment", row.source, ()
        for n in range(1, len(segments)):
            # one object, one spelling: the client sends its name as one of them
            prefix = tuple(segments[:n])
            known = spelled.setdefault(tuple(s.lower() for s in prefix), (prefix, row))
            if known[0] != prefix:
                return (
                    f"{row.name!r} spells {'.'.join(known[0])!r} otherwise",
                    row.source,
                    (known[1].source,),
                )
        key = tuple(s.lower() for s in segments)
        if key in seen:
            other = seen[key]
            return f"{row.name!r} repeats {other.name!r}", row.source, (other.source,)
        seen[key] = row
    for key, row in seen.items():
        for n in range(2, len(key)):
            holder = seen.get(key[:n])
            if holder is not None:
                return (
                    f"{holder.name!r} is a value and {row.name!r} makes it an object",
                    row.source,
                    (holder.source,),
                )
    return None


# --- across pages: the schema of each query object ---


@dataclass(slots=True)
class _Branch:
    """One segment of the dotted names: a value (member) or an object (children)."""

    segment: str
    member: QueryMember | None = None
    children: dict[str, _Branch] = field(default_factory=dict)


def _tree(members: list[QueryMember]) -> dict[str, _Branch]:
    root: dict[str, _Branch] = {}
    for m in members:
        node = root
        for n, segment in enumerate(m.path):
            branch = node.setdefault(segment.lower(), _Branch(segment))
            if n == len(m.path) - 1:
                branch.member = m
            node = branch.children
    return root


@dataclass
class _Context:
    schemas: dict[str, Schema]
    preferred: frozenset[str]  # the carriers of the operation's own page
    made: dict[tuple[object, ...], str]  # signature of a made table -> its schema
    made_names: set[str]


def resolve_query_objects(
    ops: list[Operation], schemas: dict[str, Schema], diags: Diagnostics
) -> None:
    """Give every query object parameter its schema (a carrier, else one made from the dotted
    names) and each of its members the wire names it fills."""
    ctx = _Context(schemas, frozenset(), {}, set())
    for op in sorted(ops, key=lambda o: o.id):
        for param in op.parameters:
            if not param.members:
                continue
            ctx.preferred = _page_carriers(op)
            tree = _tree(param.members)
            name = _carrier_for(tree, ctx)
            if name is None:
                hint = name_part(op.name) + _part(param.name)
                name = _made_schema(tree, hint, op, param, ctx)
                diags.add(
                    "SOG408",
                    f"no carrier has the names and value types of the {len(param.members)} "
                    f"dotted query parameters {param.name}.*; schema {name} made from them",
                    param.source,
                )
            param.type = TypeRef("ref", ref=name)
            for member in param.members:
                member.wire = _wire_path(member.path, name, schemas)


def _page_carriers(op: Operation) -> frozenset[str]:
    found: set[str] = set()
    types = [op.request_body.type] if op.request_body is not None else []
    types += [r.type for r in op.responses if r.type is not None]
    for t in types:
        while t.items is not None:
            t = t.items
        if t.kind == "ref" and t.ref:
            found.add(t.ref)
    return frozenset(found)


def _carrier_for(tree: dict[str, _Branch], ctx: _Context) -> str | None:
    """The carrier these dotted names describe: it has every name (case-insensitively; the pages
    drop rows where they split a table) and more than half of its properties are named, and
    every value type agrees. The page's own carriers first, then the closest, then by name."""
    keys = set(tree)
    candidates: list[tuple[bool, int, str]] = []
    for name, schema in ctx.schemas.items():
        if name in ctx.made_names or not schema.properties:
            continue
        names = {p.name.lower() for p in schema.properties}
        if keys <= names and len(keys) * 2 > len(names):
            candidates.append((name not in ctx.preferred, len(names) - len(keys), name))
    for _, _, name in sorted(candidates):
        if _agrees(tree, ctx.schemas[name], ctx.schemas, 0):
            return name
    return None


def _agrees(
    tree: dict[str, _Branch], schema: Schema, schemas: dict[str, Schema], depth: int
) -> bool:
    if not schema.properties:
        return True  # an open carrier (described on no page) takes any properties
    props = {p.name.lower(): p for p in schema.properties}
    for key, branch in tree.items():
        prop = props.get(key)
        if prop is None:
            return False
        if branch.member is not None:
            if not _value_agrees(branch.member.type, prop.type):
                return False
            continue
        t = prop.type
        if t.kind in ("any", "map"):
            continue  # free JSON or a dictionary: any names
        target = schemas.get(str(t.ref)) if t.kind == "ref" else None
        if target is None or depth >= _MAX_DEPTH:
            return False
        if not _agrees(branch.children, target, schemas, depth + 1):
            return False
    return True


_TEXT = frozenset({"string", "enum", "bytes"})


def _value_agrees(cell: TypeRef, prop: TypeRef) -> bool:
    """Whether a dotted row's Type cell and the carrier property's type are one value type."""
    a, b = cell.kind, prop.kind
    if "any" in (a, b):
        return True
    if a in _TEXT and b in _TEXT:
        return True  # query tables spell enums out, property tables say string
    if "datetime" in (a, b):
        return {a, b} <= {"datetime", "string"}
    if a == "number":
        return b in ("number", "integer")
    if a == "array":
        return b == "array" and (
            cell.items is None or prop.items is None or _value_agrees(cell.items, prop.items)
        )
    if a in ("map", "ref"):
        return b in ("map", "ref")
    return a == b


def _object_for(tree: dict[str, _Branch], hint: str, op: Operation, ctx: _Context) -> str:
    found = _carrier_for(tree, ctx)
    return found if found is not None else _made_schema(tree, hint, op, None, ctx)


def _made_schema(
    tree: dict[str, _Branch], hint: str, op: Operation, param: Parameter | None, ctx: _Context
) -> str:
    """A schema whose properties are the dotted names as documented; identical tables (the
    CreatedBy and OwnedBy of one object) share the first one's schema."""
    signature = _signature(tree)
    known = ctx.made.get(signature)
    if known is not None:
        return known
    name = _free_name(hint, ctx.schemas)
    what = f"{param.name}.*" if param is not None else "these"
    schema = Schema(
        name=name,
        properties=[],
        description=(
            f"Made from the dotted query parameters of {op.id} ({what}): no carrier has their "
            "names and value types."
        ),
        source=_first_source(tree),
        documented_name=False,
    )
    ctx.schemas[name] = schema
    ctx.made[signature] = name
    ctx.made_names.add(name)
    for branch in tree.values():
        if branch.member is not None:
            m = branch.member
            prop = Property(
                branch.segment, query_value_type(m.type), m.description, m.source, m.doc_type
            )
        else:
            inner = _object_for(branch.children, name + _part(branch.segment), op, ctx)
            prop = Property(
                branch.segment,
                TypeRef("ref", ref=inner),
                "",
                _first_source(branch.children),
                DOTTED_TYPE_CELL,
            )
        schema.properties.append(prop)
    return name


def _signature(tree: dict[str, _Branch]) -> tuple[object, ...]:
    return tuple(
        (
            (key, b.segment, b.member.type.describe(), b.member.description)
            if b.member is not None
            else (key, b.segment, _signature(b.children))
        )
        for key, b in tree.items()
    )


def _first_source(tree: dict[str, _Branch]) -> SourceRef:
    sources: list[SourceRef] = []
    for b in tree.values():
        if b.member is not None:
            sources.append(b.member.source)
        else:
            sources.append(_first_source(b.children))
    return min(sources)


def _wire_path(
    path: tuple[str, ...], schema_name: str, schemas: dict[str, Schema]
) -> tuple[str, ...]:
    """The property names a member fills, one per segment; a segment inside an open carrier or
    a dictionary keeps its documented spelling."""
    wire: list[str] = []
    schema: Schema | None = schemas.get(schema_name)
    for segment in path:
        prop = None
        if schema is not None:
            prop = next((p for p in schema.properties if p.name.lower() == segment.lower()), None)
        if prop is None:
            wire.append(segment)
            schema = None
            continue
        wire.append(prop.name)
        schema = schemas.get(str(prop.type.ref)) if prop.type.kind == "ref" else None
    return tuple(wire)
