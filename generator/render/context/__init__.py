"""Api -> the ready-made context the client templates render (`build_context`), made by one
module per kind of view: `views` (the dataclasses), `models`, `groups`, `operations`, `tests`
(each generated test's arguments and expectations), with `names` and `common` beneath them.

Every decision lives here: Python names (unique, never keywords), annotations, codecs, which
body is flattened into keyword arguments, and the arguments and expectations of each generated
test. Templates only loop and print.
"""

from __future__ import annotations

from generator.diagnostics import Diagnostic, Diagnostics
from generator.model.ir import Api
from generator.model.naming import MAX_FILE_STEM, WINDOWS_RESERVED, UniqueNamer, python_identifier
from generator.render import reserved
from generator.render.context.common import CLASS_RESERVED, PACKAGE, report_renamed, report_reserved
from generator.render.context.groups import (
    first_source,
    group_attributes,
    group_short,
    group_view,
    rebuild_group_view,
)
from generator.render.context.models import model_view
from generator.render.context.names import export_order, import_order, names_in, uses_json_loads
from generator.render.context.views import (
    ClientContext,
    FieldView,
    GroupView,
    ModelNames,
    ModelView,
    OperationView,
    ParamView,
    TestArg,
    TestView,
)


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
    report_renamed(class_namer, "schema class", diags)
    models = [model_view(s, class_names, modules, diags) for s in api.schemas.values()]
    field_names = {m.schema: {f.wire: f.name for f in m.fields} for m in models}
    attrs = group_attributes(api.groups, diags)
    taken_classes = set(class_names.values())
    groups = []
    # what each group's view reported, so a rebuild that remakes one view can tell whether its
    # report changed (see rebuild_group_view)
    group_diags: dict[str, list[Diagnostic]] = {}
    reported = len(diags.items)
    for group in api.groups:
        cls = python_identifier(group_short(group), style="pascal")
        cls += "Agent" if group.kind == "agent" else "Api"
        plain = cls
        # the async twin's name is `Async` + this one: both must be free
        while {cls, "Async" + cls} & (taken_classes | CLASS_RESERVED):
            cls += "_"
        if {plain, "Async" + plain} & CLASS_RESERVED:
            report_reserved("agent class", group.name, plain, cls, first_source(group), diags)
        taken_classes |= {cls, "Async" + cls}
        groups.append(
            group_view(
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


__all__ = [
    "ClientContext",
    "FieldView",
    "GroupView",
    "ModelNames",
    "ModelView",
    "OperationView",
    "ParamView",
    "TestArg",
    "TestView",
    "build_context",
    "export_order",
    "import_order",
    "names_in",
    "rebuild_group_view",
    "uses_json_loads",
]
