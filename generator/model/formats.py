"""The wire formats a sample value must have: base64 for `byte`, RFC 3339 for `date-time`, a
UUID for `uuid`, the range of `int32` and `int64`.

The pages' samples break them (`"Stream": "GIF89....File contents as raw bytes..."`, a date-time
without its offset), and validators that check formats (Spectral, Prism, ajv) then reject the
spec's examples. The model reports each such sample value (SOG306, reconcile.py); the emitter
ships the repaired value instead (openapi/emit.py), so every example in the spec is valid.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid

from generator.model.ir import JSONValue, TypeRef

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)

_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
# what the pages write instead: a date, a time without seconds, an offset without its colon
_LOOSE_DATETIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[Tt ](?P<hm>\d{2}:\d{2})(?P<sec>:\d{2}(?:\.\d+)?)?)?"
    r"(?P<zone>[Zz]|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", re.ASCII)


def is_base64(text: str) -> bool:
    if not _BASE64.fullmatch(text):
        return False
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def is_rfc3339(text: str) -> bool:
    return _RFC3339.fullmatch(text) is not None


def is_uuid(text: str) -> bool:
    return _UUID.fullmatch(text) is not None


def integer_range(t: TypeRef) -> tuple[int, int] | None:
    if t.kind != "integer":
        return None
    return INT64 if t.format == "int64" else INT32


def broken_format(t: TypeRef, value: JSONValue) -> str | None:
    """What is wrong with a string sample value of a formatted type, or None. (Values of another
    JSON type are type contradictions, reconcile's business.)"""
    if not isinstance(value, str):
        return None
    if t.kind == "bytes" and not is_base64(value):
        return "is not base64 (format byte)"
    if t.kind == "datetime" and not is_rfc3339(value):
        return "is not an RFC 3339 date-time with an offset"
    if t.kind == "string" and t.format == "uuid" and not is_uuid(value):
        return "is not a UUID"
    return None


def repaired(t: TypeRef, value: JSONValue) -> JSONValue:
    """A value of the type's format standing for a sample value that breaks it; any other value
    unchanged. Deterministic: the same sample gives the same example."""
    if broken_format(t, value) is None or not isinstance(value, str):
        return value
    if t.kind == "bytes":
        # the pages show the content itself: send those bytes, encoded
        return base64.b64encode(value.encode("utf-8")).decode("ascii")
    if t.kind == "datetime":
        return _rfc3339(value)
    return str(uuid.uuid5(uuid.NAMESPACE_URL, value))  # uuid: the same text, the same UUID


def _rfc3339(text: str) -> str:
    loose = _LOOSE_DATETIME.fullmatch(text.strip())
    if loose is None:
        return "1970-01-01T00:00:00Z"  # not a date at all (reconcile widens such a type)
    zone = loose["zone"] or "Z"
    if len(zone) == 5:  # +0200
        zone = zone[:3] + ":" + zone[3:]
    return f"{loose['date']}T{loose['hm'] or '00:00'}{loose['sec'] or ':00'}{zone.upper()}"
