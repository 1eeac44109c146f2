"""One schema's view: its class, module and fields."""

from __future__ import annotations

from generator.diagnostics import Diagnostics
from generator.model.ir import (
    Schema,
)
from generator.model.naming import (
    UniqueNamer,
)
from generator.render.context.common import MODEL_RESERVED, report_renamed
from generator.render.context.names import CODEC_NAMES, names_in
from generator.render.context.views import FieldView, ModelView
from generator.render.pytypes import py_type


def model_view(
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
    report_renamed(namer, f"property ({schema.name})", diags)
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
