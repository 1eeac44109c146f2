"""Validating the emitted document in-process with openapi-spec-validator."""

from __future__ import annotations

from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

from generator.diagnostics import Diagnostics, SourceRef
from generator.model.ir import JSONValue

MAX_REPORTED = 20


def validate_openapi(doc: dict[str, JSONValue], where: str, diags: Diagnostics) -> bool:
    """Report every validation error as SOG501 at the output file. True when valid."""
    version = str(doc.get("openapi", ""))
    validator_cls = (
        OpenAPIV31SpecValidator if version.startswith("3.1") else OpenAPIV30SpecValidator
    )
    try:
        errors = list(validator_cls(doc).iter_errors())
    except Exception as exc:  # the validator itself failing is still a located error, not a crash
        diags.add("SOG501", f"OpenAPI validation could not run: {exc}", SourceRef(where, 1, 1))
        return False
    for error in errors[:MAX_REPORTED]:
        pointer = "/".join(str(p) for p in error.absolute_path)
        diags.add(
            "SOG501", f"invalid OpenAPI at #/{pointer}: {error.message}", SourceRef(where, 1, 1)
        )
    if len(errors) > MAX_REPORTED:
        diags.add(
            "SOG501", f"{len(errors) - MAX_REPORTED} more OpenAPI errors", SourceRef(where, 1, 1)
        )
    return not errors
