"""Model TypeRef -> the Python annotation and the runtime codec expression for it.

One table-like function, so the client's types can be read in one place (README mirrors it).
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.model.ir import TypeRef


@dataclass(frozen=True)
class PyType:
    annotation: str  # e.g. "list[ChatMessage]"
    codec: str  # e.g. "list_of(model(_load_ChatMessage))"
    models: frozenset[str] = frozenset()  # schema names it refers to
    uses_datetime: bool = False


_SIMPLE: dict[str, tuple[str, str]] = {
    "string": ("str", "STRING"),
    "bytes": ("str", "STRING"),  # base64 text on the wire; kept as the server sent it
    "binary": ("str", "STRING"),  # only reached inside JSON; raw bodies are handled by the caller
    "enum": ("str", "STRING"),  # members may grow; documented, not enforced
    "integer": ("int", "INT"),
    "number": ("float", "FLOAT"),
    "boolean": ("bool", "BOOL"),
    "any": ("JSONValue", "JSON"),
}


def py_type(t: TypeRef, class_names: dict[str, str]) -> PyType:
    """class_names maps schema names to their Python class names."""
    if t.kind in _SIMPLE:
        annotation, codec = _SIMPLE[t.kind]
        return PyType(annotation, codec)
    if t.kind == "datetime":
        return PyType("datetime", "DATETIME", uses_datetime=True)
    if t.kind == "ref":
        cls = class_names[str(t.ref)]
        return PyType(cls, f"model(_load_{cls})", frozenset({str(t.ref)}))
    inner = py_type(t.items, class_names) if t.items is not None else PyType("JSONValue", "JSON")
    if t.kind == "array":
        return PyType(
            f"list[{inner.annotation}]",
            f"list_of({inner.codec})",
            inner.models,
            inner.uses_datetime,
        )
    # map
    return PyType(
        f"dict[str, {inner.annotation}]",
        f"map_of({inner.codec})",
        inner.models,
        inner.uses_datetime,
    )


def param_annotation(t: TypeRef) -> str:
    """Path/query/header parameters: plain values, never models."""
    if t.kind == "array":
        inner = param_annotation(t.items) if t.items is not None else "str"
        return f"list[{inner}]"
    if t.kind == "datetime":
        return "datetime"
    if t.kind in _SIMPLE and t.kind != "any":
        return _SIMPLE[t.kind][0]
    return "str"
