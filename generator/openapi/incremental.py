"""Validating a large document by its distinct shapes, so repeated pieces cost nothing.

openapi-spec-validator costs a few milliseconds per operation, far more than emitting it. The
document is cut into units that validate on their own: the top level, each path item, and
batches of component schemas. Each unit carries the components it refers to ($refs resolve to
stubs, or the real small components for parameters and security schemes). A unit whose bytes
were valid before (by content hash, in the build cache) is not validated again; new units are
validated in parallel. Operations repeat the same structure again and again, so each path
item and each schema is reduced to its shape (free text and examples masked, references
pointed at a stub) and each distinct shape is validated once; references are resolved
separately. What a unit cannot see is guaranteed elsewhere: operationIds are unique (SOG401,
SOG402) and templates of one shape are one path item (the emitter merges them, SOG404).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping

from generator.build.cache import BuildCache, code_version, digest
from generator.diagnostics import Diagnostics, SourceRef
from generator.model.ir import JSONValue

Doc = dict[str, JSONValue]
_POINTER = re.compile(r"invalid OpenAPI at #/([^:]*):")
# bigger batches cost less per operation, smaller ones re-validate less after an edit
PATH_BATCH = 25
TAG_BATCH = 50
SCHEMA_BATCH = 40
PARALLEL_THRESHOLD = 8
MAX_REPORTED = 20


# Strings the OpenAPI schema does not constrain: masked when building a unit's shape key.
_FREE_TEXT = frozenset(
    {"description", "summary", "operationId", "title", "x-codegen-request-body-name"}
)
_STUB = "#/components/schemas/Stub"
_HOLDER = re.compile(r"\{[^{}/]*\}")


def _mask(value: JSONValue, key: str = "") -> JSONValue:
    """The shape of a piece of the document: what validation depends on, nothing else.

    Free text, examples and tag names become "x"; schema references all point at one stub
    (their targets are checked by `_dangling_refs`); property names become p0, p1, ...;
    literal path segments become "s" while `{placeholders}` stay (they must match parameters).
    """
    if isinstance(value, dict):
        out: Doc = {}
        for i, (k, v) in enumerate(value.items()):
            if key == "properties":
                out[f"p{i}"] = _mask(v)
            elif key == "paths":
                out[_mask_path(k)] = _mask(v)
            elif k == "examples" and isinstance(v, dict):
                # a map of Example objects, named: each keeps its shape, its value masked
                out[k] = {f"e{n}": _mask_example(e) for n, e in enumerate(v.values())}
            elif k in ("example", "examples") or (k in _FREE_TEXT and isinstance(v, str)):
                out[k] = "x"
            elif k == "tags" and isinstance(v, list):
                out[k] = ["x"]
            elif k == "$ref" and isinstance(v, str) and v.startswith("#/components/schemas/"):
                out[k] = _STUB
            else:
                out[k] = _mask(v, k)
        return out
    if isinstance(value, list):
        return [_mask(v) for v in value]
    return value


def _stub_refs(value: JSONValue) -> JSONValue:
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            return {**value, "$ref": _STUB}
        return {k: _stub_refs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stub_refs(v) for v in value]
    return value


def _mask_example(example: JSONValue) -> JSONValue:
    if not isinstance(example, dict):
        return example
    return {k: "x" if k in ("value", "summary", "description") else v for k, v in example.items()}


def path_item_shape(path: str, item: JSONValue) -> JSONValue:
    """What validating path item `item` at `path` depends on: two path items of one shape are
    valid or invalid together (their references resolved alike)."""
    return _mask({path: item}, "paths")


def _unique_ids(item: JSONValue, n: int) -> JSONValue:
    """Masked operationIds would clash inside one unit; number them."""
    if not isinstance(item, dict):
        return item
    out: Doc = {}
    for method, op in item.items():
        if isinstance(op, dict) and "operationId" in op:
            op = {**op, "operationId": f"o{n}{method}"}
        out[method] = op
    return out


def _mask_path(path: str) -> str:
    """Literal text becomes "s"; every `{placeholder}` stays, in order (a segment may mix
    text and several placeholders)."""
    segments = []
    for segment in path.split("/")[1:]:
        holders = _HOLDER.findall(segment)
        text = _HOLDER.sub("", segment)
        segments.append(("s" if text or not holders else "") + "".join(holders))
    return "/" + "/".join(segments)


def _dangling_refs(doc: Doc) -> list[str]:
    components = doc.get("components")
    components = components if isinstance(components, dict) else {}
    found: set[str] = set()
    stack: list[JSONValue] = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                found.add(ref)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    problems = []
    for ref in sorted(found):
        parts = ref.split("/")
        section = (
            components.get(parts[2])
            if len(parts) == 4 and parts[:2] == ["#", "components"]
            else None
        )
        if not isinstance(section, dict) or parts[3] not in section:
            problems.append(f"invalid OpenAPI: $ref {ref!r} does not resolve")
    return problems


def split_units(doc: Doc) -> list[tuple[str, Doc]]:
    """(what it covers, self-contained document) for every distinct shape in `doc`."""
    components = doc.get("components")
    components = components if isinstance(components, dict) else {}
    schemas = components.get("schemas")
    schemas = schemas if isinstance(schemas, dict) else {}
    # the other components travel whole; their schema references point at the stub
    shared = {k: _stub_refs(v) for k, v in components.items() if k != "schemas"}
    # tags are validated in batches of their own: the OAS schema says `uniqueItems`, which
    # jsonschema checks pairwise (quadratic), and the model keeps tag names unique anyway
    head = {k: v for k, v in doc.items() if k not in ("paths", "components", "tags")}
    tags = doc.get("tags")

    def unit(paths: Doc, own_schemas: Doc) -> Doc:
        return {
            **head,
            "paths": paths,
            "components": {**shared, "schemas": {"Stub": {}, **own_schemas}},
        }

    units: list[tuple[str, Doc]] = [("", unit({}, {}))]
    if isinstance(tags, list):
        for start in range(0, len(tags), TAG_BATCH):
            units.append(("tags", {**unit({}, {}), "tags": tags[start : start + TAG_BATCH]}))
    paths = doc.get("paths")
    if isinstance(paths, dict):
        shapes: dict[str, tuple[str, JSONValue]] = {}
        for path, item in paths.items():
            masked = _mask({path: item}, "paths")
            assert isinstance(masked, dict)
            ((mpath, mitem),) = masked.items()
            shapes.setdefault(json.dumps(masked, sort_keys=True), (mpath, mitem))
        distinct = list(shapes.values())
        for start in range(0, len(distinct), PATH_BATCH):
            chunk: Doc = {}
            for n, (mpath, mitem) in enumerate(distinct[start : start + PATH_BATCH]):
                chunk[f"{mpath.rstrip('/')}/u{n}"] = _unique_ids(mitem, n)
            units.append(("paths", unit(chunk, {})))
    schema_shapes: dict[str, JSONValue] = {}
    for schema in schemas.values():
        masked_schema = _mask(schema)
        schema_shapes.setdefault(json.dumps(masked_schema, sort_keys=True), masked_schema)
    distinct_schemas = list(schema_shapes.values())
    for start in range(0, len(distinct_schemas), SCHEMA_BATCH):
        batch: Doc = {
            f"S{n}": v for n, v in enumerate(distinct_schemas[start : start + SCHEMA_BATCH])
        }
        units.append(("components/schemas", unit({}, batch)))
    return units


def _errors(unit: Doc) -> list[str]:
    # imported here: it costs most of sogen's start-up, and a no-change rebuild never validates
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

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
        text = " ".join(str(exc).split())
        return [f"OpenAPI validation could not run: {text[:300]}"]


def _errors_of_units(units: list[Doc]) -> list[list[str]]:
    return [_errors(unit) for unit in units]


def _serve() -> None:
    """The background validator: JSON units on stdin, their errors as JSON on stdout."""
    units = json.loads(sys.stdin.buffer.read())
    sys.stdout.write(json.dumps(_errors_of_units(units)))


def _start_worker(units: list[str]) -> subprocess.Popen[bytes] | None:
    """A fresh interpreter that validates `units` (JSON texts) while we go on."""
    from generator.build.workers import start_module

    proc = start_module("generator.openapi.incremental")
    if proc is None:
        return None  # validated in this process instead
    try:
        assert proc.stdin is not None
        proc.stdin.write(("[" + ",".join(units) + "]").encode())
        proc.stdin.close()
    except OSError:
        proc.kill()
        proc.wait()
        return None
    return proc


def _collect(proc: subprocess.Popen[bytes], count: int) -> list[list[str]] | None:
    """The worker's answer, or None when it did not give a whole one."""
    assert proc.stdout is not None
    with proc.stdout:
        out = proc.stdout.read()
    proc.wait()
    try:
        results = json.loads(out) if proc.returncode == 0 else None
    except ValueError:
        return None
    if not isinstance(results, list) or len(results) != count:
        return None
    return [[str(m) for m in r] if isinstance(r, list) else [str(r)] for r in results]


class PendingValidation:
    """Validation started in the background (a worker process, so the parent can serialise
    and render meanwhile); `finish` waits for it and reports, exactly as validating there and
    then would have."""

    def __init__(
        self,
        doc: Doc,
        where: str,
        cache: BuildCache | None,
        remake: Callable[[], Doc],
        origins: Mapping[str, SourceRef] | None = None,
    ) -> None:
        """`remake` gives the document again if a shape fails (for exact messages), so the
        document itself need not be kept in memory meanwhile. `origins`: the page place of
        each operation (by operationId) and schema (by `#/components/schemas/<name>`), so an
        error is reported where the page can be fixed, not in a file that is never written."""
        self.where = where
        self.origins = origins or {}
        self.cache = cache
        self.remake = remake
        self.dangling = _dangling_refs(doc)
        self.todo: list[tuple[str, Doc]] = []
        texts: list[str] = []
        for _pointer, unit in split_units(doc):
            text = json.dumps(unit, ensure_ascii=False)
            key = digest(code_version(), text)
            if cache is None or cache.get("valid", key) is None:
                self.todo.append((key, unit))
                texts.append(text)
        self.worker: subprocess.Popen[bytes] | None = None
        if len(self.todo) >= PARALLEL_THRESHOLD and (os.cpu_count() or 1) > 1:
            self.worker = _start_worker(texts)

    def done(self) -> bool:
        """True once no worker is validating any more (a core is free)."""
        return self.worker is None or self.worker.poll() is not None

    def finish(self, diags: Diagnostics) -> bool:
        results = _collect(self.worker, len(self.todo)) if self.worker is not None else None
        if results is None:  # no worker, or it failed: validate here
            results = _errors_of_units([u for _, u in self.todo])
        messages: list[str] = list(self.dangling)
        for (key, _), errors in zip(self.todo, results, strict=True):
            if errors:
                messages.extend(errors)
            elif self.cache is not None:
                self.cache.put("valid", key, b"1")
        doc: Doc = {}
        if messages:
            # a shape failed: validate the real document to report real places
            doc = self.remake()
            exact = _errors(doc)
            messages = sorted(set(self.dangling + (exact or messages)))
        unique = sorted(set(messages))
        nowhere = SourceRef(self.where, 1, 1)
        for message in unique[:MAX_REPORTED]:
            diags.add("SOG501", message, self._origin(doc, message) or nowhere)
        if len(unique) > MAX_REPORTED:
            diags.add("SOG501", f"{len(unique) - MAX_REPORTED} more OpenAPI errors", nowhere)
        return not messages

    def _origin(self, doc: Doc, message: str) -> SourceRef | None:
        """The page place of the part of `doc` that `message` is about."""
        m = _POINTER.search(message)
        if m is None:
            return None
        pointer = m.group(1)
        parts = pointer.split("/")
        if parts[:2] == ["components", "schemas"] and len(parts) > 2:
            return self.origins.get("#/components/schemas/" + parts[2])
        paths = doc.get("paths")
        if parts[0] == "paths" and isinstance(paths, dict):
            # the validator does not escape the `/` of a path key: find the key it starts with
            rest = pointer.removeprefix("paths/")
            keys = [k for k in paths if rest == k or rest.startswith(k + "/")]
            item = paths[max(keys, key=len)] if keys else None
            if not isinstance(item, dict):
                return None
            after = rest[len(max(keys, key=len)) + 1 :].split("/", 1)[0]
            methods = [after] if after in item else list(item)
            for method in methods:
                operation = item.get(method)
                if isinstance(operation, dict):
                    found = self.origins.get(str(operation.get("operationId")))
                    if found is not None:
                        return found
        return None


def validate_incrementally(
    doc: Doc, where: str, diags: Diagnostics, cache: BuildCache | None
) -> bool:
    return PendingValidation(doc, where, cache, lambda: doc).finish(diags)


if __name__ == "__main__":
    from generator.build.workers import belong_to_parent

    belong_to_parent()
    _serve()
