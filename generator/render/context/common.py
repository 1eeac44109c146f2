"""What every view builder shares: the names reserved in each scope, and reporting the names
made unique."""

from __future__ import annotations

from generator.diagnostics import Diagnostics, SourceRef
from generator.model.naming import (
    UniqueNamer,
)
from generator.render import reserved

PACKAGE = "superoffice_webapi"


# names the generated code itself uses in each scope; page content must not take them
# (generator/render/reserved.py says which and why)
MODEL_RESERVED = reserved.MODEL_FIELD


CLIENT_RESERVED = reserved.CLIENT_ATTRIBUTE


CALL_OPTIONS = reserved.CALL_OPTIONS


METHOD_RESERVED = reserved.METHOD_PARAMETER


CLASS_RESERVED = reserved.MODULE_LEVEL


def report_reserved(
    what: str, original: str, plain: str, renamed: str, source: object, diags: Diagnostics
) -> None:
    diags.add(
        "SOG410",
        f"{what} name {original!r} would be {plain!r}, a name the generated code uses there; "
        f"it is {renamed!r}",
        source if isinstance(source, SourceRef) else None,
    )


def report_renamed(namer: UniqueNamer, what: str, diags: Diagnostics) -> None:
    for original, source, plain, renamed in namer.reserved_hits:
        report_reserved(what, original, plain, renamed, source, diags)
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
