"""Validating a large document piece by piece, so unchanged pieces are not validated again.

openapi-spec-validator costs a few milliseconds per operation, far more than emitting it. The
document is cut into units that validate on their own: the top level, each path item, and
batches of component schemas. Each unit carries the components it refers to ($refs resolve to
stubs, or the real small components for parameters and security schemes). A unit whose bytes
were valid before (by content hash, in the build cache) is not validated again; new units are
validated in parallel. What a unit cannot see (operationId uniqueness, identical path
templates) the model already guarantees (SOG401, SOG402, SOG404).
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor

from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

from generator.cache import BuildCache, code_version, digest
from generator.diagnostics import Diagnostics, SourceRef
from generator.model.ir import JSONValue

Doc = dict[str, JSONValue]
# bigger batches cost less per operation, smaller ones re-validate less after an edit
PATH_BATCH = 25
SCHEMA_BATCH = 40
PARALLEL_THRESHOLD = 8
MAX_REPORTED = 20


def _refs(value: JSONValue, found: set[str]) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                found.add(ref.rsplit("/", 1)[1])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def split_units(doc: Doc) -> list[tuple[str, Doc]]:
    """(pointer prefix, self-contained document) for every unit of `doc`."""
    components = doc.get("components")
    components = components if isinstance(components, dict) else {}
    schemas = components.get("schemas")
    schemas = schemas if isinstance(schemas, dict) else {}
    shared = {k: v for k, v in components.items() if k != "schemas"}
    head = {k: v for k, v in doc.items() if k not in ("paths", "components")}

    def unit(paths: Doc, own_schemas: Doc, refers_to: JSONValue) -> Doc:
        names: set[str] = set()
        _refs(refers_to, names)
        _refs(shared, names)
        stubs: Doc = {n: {} for n in sorted(names) if n not in own_schemas}
        return {
            **head,
            "paths": paths,
            "components": {**shared, "schemas": {**stubs, **own_schemas}},
        }

    units: list[tuple[str, Doc]] = [("", unit({}, {}, {}))]
    paths = doc.get("paths")
    if isinstance(paths, dict):
        keys = list(paths)
        for start in range(0, len(keys), PATH_BATCH):
            chunk: Doc = {k: paths[k] for k in keys[start : start + PATH_BATCH]}
            units.append(("paths", unit(chunk, {}, chunk)))
    names = list(schemas)
    for start in range(0, len(names), SCHEMA_BATCH):
        batch: Doc = {n: schemas[n] for n in names[start : start + SCHEMA_BATCH]}
        units.append(("components/schemas", unit({}, batch, batch)))
    return units


def _errors(unit: Doc) -> list[str]:
    version = str(unit.get("openapi", ""))
    cls = OpenAPIV31SpecValidator if version.startswith("3.1") else OpenAPIV30SpecValidator
    try:
        found = []
        for error in cls(unit).iter_errors():
            pointer = "/".join(str(p) for p in error.absolute_path)
            message = " ".join(str(error.message).split())
            found.append(f"invalid OpenAPI at #/{pointer}: {message[:300]}")
        return found
    except Exception as exc:  # the validator failing is reported, never a traceback
        return [f"OpenAPI validation could not run: {exc}"]


def validate_incrementally(
    doc: Doc, where: str, diags: Diagnostics, cache: BuildCache | None
) -> bool:
    units = split_units(doc)
    todo: list[tuple[str, Doc]] = []
    for _pointer, unit in units:
        key = digest(code_version(), json.dumps(unit, ensure_ascii=False))
        if cache is not None and cache.get("valid", key) is not None:
            continue
        todo.append((key, unit))
    workers = min(os.cpu_count() or 1, 8)
    if len(todo) >= PARALLEL_THRESHOLD and workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            chunk = max(1, len(todo) // (workers * 4))
            results = list(pool.map(_errors, [u for _, u in todo], chunksize=chunk))
    else:
        results = [_errors(u) for _, u in todo]
    messages: list[str] = []
    for (key, _), errors in zip(todo, results, strict=True):
        if errors:
            messages.extend(errors)
        elif cache is not None:
            cache.put("valid", key, b"1")
    for message in sorted(set(messages))[:MAX_REPORTED]:
        diags.add("SOG501", message, SourceRef(where, 1, 1))
    if len(set(messages)) > MAX_REPORTED:
        diags.add(
            "SOG501",
            f"{len(set(messages)) - MAX_REPORTED} more OpenAPI errors",
            SourceRef(where, 1, 1),
        )
    return not messages
