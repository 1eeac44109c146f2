"""One agent's or REST entity's view: its attribute on the client, its class and module, its
operations."""

from __future__ import annotations

import re
from collections.abc import Mapping

from generator.diagnostics import Diagnostic, Diagnostics, SourceRef
from generator.model.ir import (
    Group,
    Schema,
)
from generator.model.naming import (
    MAX_FILE_STEM,
    WINDOWS_RESERVED,
    UniqueNamer,
    python_identifier,
)
from generator.render import reserved
from generator.render.context.common import CLIENT_RESERVED, report_renamed, report_reserved
from generator.render.context.names import (
    CODEC_NAMES,
    STRING_LITERAL,
    free_words,
    names_in,
    uses_json_loads,
)
from generator.render.context.operations import count_of, op_code, operation_view
from generator.render.context.views import GroupView, ModelNames


def rebuild_group_view(
    old: GroupView, group: Group, schemas: Mapping[str, Schema], names: ModelNames
) -> tuple[GroupView, list[Diagnostic]]:
    """The view of `group` made again from its operations, keeping every name the whole API
    decided (`old`: its last view): for a rebuild in which only this group's operations
    changed, and only in ways that decide no name outside it. Returns the view and what making
    it reported."""
    diags = Diagnostics()
    view = group_view(
        group, old.attr, old.class_name, schemas, names.class_names, names.modules,
        names.fields, diags,
    )  # fmt: skip
    return view, diags.items


def group_attributes(groups: list[Group], diags: Diagnostics) -> dict[str, str]:
    """Client attribute per group: agents claim their short name first (`chat`); a REST entity
    or agent whose name is taken gets a kind suffix (`preference_entity`), then a number."""
    taken: dict[str, Group] = {}
    attrs: dict[str, str] = {}
    for group in sorted(groups, key=lambda g: (g.kind != "agent", g.name)):
        # the attribute is also the module's file name (agents/<attr>.py)
        not_free = CLIENT_RESERVED | WINDOWS_RESERVED
        base = python_identifier(group_short(group), reserved=not_free, max_len=MAX_FILE_STEM)
        plain = python_identifier(group_short(group), max_len=MAX_FILE_STEM)
        if plain != base and plain not in WINDOWS_RESERVED:
            report_reserved("client attribute", group.name, plain, base, first_source(group), diags)
        name = base
        if name in taken:
            other = taken[name]
            name = python_identifier(
                f"{group_short(group)}_{'agent' if group.kind == 'agent' else 'entity'}",
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


def group_short(group: Group) -> str:
    return group.name.removesuffix("Agent") if group.kind == "agent" else group.name


_UNSAFE_LABEL = re.compile(
    r'["\\`\x00-\x1f\x7f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]'
)


def _label(name: str) -> str:
    """A name from the pages as a display label that templates may print anywhere (a one-line
    docstring, Markdown): no quotes, backslashes, backticks or control characters."""
    return _UNSAFE_LABEL.sub("", name)


def first_source(group: Group) -> SourceRef | None:
    return group.operations[0].source if group.operations else None


def group_view(
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
        view, op_refs, op_dt = operation_view(
            op, method_namer.add(op.name, op.source), schemas, class_names, field_names, diags
        )
        ops.append(view)
        refs |= op_refs
        uses_dt = uses_dt or op_dt
    report_renamed(method_namer, f"method ({group.name})", diags)
    what = "agent" if group.kind == "agent" else "REST entity"
    code = [op_code(op) for op in ops]
    tests = [
        STRING_LITERAL.sub(
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
            f"The {_label(group_short(group))} {what} ({count_of(len(ops), 'operation')})."
        ),
        operations=ops,
        model_imports=model_imports,
        uses_datetime=uses_dt,
    )
