"""Every example in an emitted spec against its schema, with the formats checked as the
consumers check them (Spectral's oas3-valid-media-example, Prism, ajv): byte is base64,
date-time is RFC 3339 with an offset, uuid a UUID, int32 and int64 in range.

A 3.0 document is turned into JSON Schema first (`nullable: true` becomes "or null"), so one
validator (draft 2020-12) serves both versions. Our own format checks, not a package's:
jsonschema checks date-time only with an optional dependency, and knows no byte or int32.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_UUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_BASE64 = re.compile(r"([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
FORMATS = FormatChecker(formats=())


@FORMATS.checks("byte")
def _byte(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _BASE64.fullmatch(value):
        return False
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


@FORMATS.checks("date-time")
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or _RFC3339.fullmatch(value) is not None


@FORMATS.checks("uuid")
def _uuid(value: object) -> bool:
    return not isinstance(value, str) or _UUID.fullmatch(value) is not None


@FORMATS.checks("int32")
def _int32(value: object) -> bool:
    return not isinstance(value, int) or -(2**31) <= value < 2**31


@FORMATS.checks("int64")
def _int64(value: object) -> bool:
    return not isinstance(value, int) or -(2**63) <= value < 2**63


def as_json_schema(node: Any) -> Any:
    """A 3.0 schema (or a whole document) in JSON Schema terms: `nullable: true` -> or null."""
    if isinstance(node, list):
        return [as_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: as_json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


def examples(spec: dict[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    """(pointer of the media object's schema, schema, example value) for every example."""
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict):
                continue
            base = "/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method
            holders = [("requestBody", op.get("requestBody"))]
            holders += [(f"responses/{s}", r) for s, r in op.get("responses", {}).items()]
            for where, holder in holders:
                if not isinstance(holder, dict):
                    continue
                for media, entry in (holder.get("content") or {}).items():
                    pointer = f"{base}/{where}/content/{media.replace('/', '~1')}/schema"
                    if "example" in entry:
                        yield pointer, entry.get("schema", {}), entry["example"]
                    for named in (entry.get("examples") or {}).values():
                        if "value" in named:
                            yield pointer, entry.get("schema", {}), named["value"]


def example_failures(spec: dict[str, Any]) -> tuple[int, list[str]]:
    """(examples checked, one line per failure)."""
    doc = as_json_schema(spec) if str(spec.get("openapi", "")).startswith("3.0") else spec
    registry: Registry = Registry().with_resource(
        "urn:sogen:spec", Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    checked, failures = 0, []
    for pointer, _, value in examples(spec):
        checked += 1
        validator = Draft202012Validator(
            {"$ref": "urn:sogen:spec#" + pointer}, registry=registry, format_checker=FORMATS
        )
        for error in validator.iter_errors(value):
            at = "/".join(map(str, error.absolute_path))
            failures.append(f"{pointer} at /{at}: {error.message[:200]}")
    return checked, failures
