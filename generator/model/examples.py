"""Sample request/response fences -> Example (request line or status line, headers, JSON body)."""

from __future__ import annotations

import json
import math
import re

from generator.diagnostics import Diagnostics
from generator.model.ir import Example, JSONValue
from generator.pages.pagedoc import Sample

_STATUS = re.compile(r"^HTTP/\d(?:\.\d)?\s+(\d{3})\s?(.*)$")
_REQUEST = re.compile(r"^([A-Za-z]+)\s+(\S.*?)\s*$")
_HEADER = re.compile(r"^([A-Za-z0-9-]+)\s*:\s*(.*)$")
MAX_JSON_DEPTH = 200


def parse_example(sample: Sample | None, kind: str, diags: Diagnostics) -> Example | None:
    """kind is "request" or "response". Includes are reported and give None."""
    if sample is None:
        return None
    if sample.fence is None:
        diags.add(
            "SOG304",
            f"sample {kind} is an include ({sample.include}); it is not part of the page",
            sample.source,
        )
        return None
    fence = sample.fence
    lines = fence.content.split("\n")
    first_line = fence.content_line
    # skip leading blank lines
    while lines and not lines[0].strip():
        lines.pop(0)
        first_line += 1
    if not lines:
        diags.add("SOG302", f"sample {kind} block is empty", fence.source)
        return None
    example = Example(source=fence.source.at(first_line))
    head = lines[0].strip()
    if kind == "response":
        m = _STATUS.match(head)
        if not m:
            diags.add(
                "SOG302",
                f"sample response does not start with HTTP/1.1 <code>: {head!r}",
                fence.source.at(first_line),
            )
            return None
        example.status = int(m.group(1))
        example.reason = m.group(2)
    else:
        m = _REQUEST.match(head)
        if not m:
            diags.add(
                "SOG302",
                f"sample request does not start with METHOD path: {head!r}",
                fence.source.at(first_line),
            )
            return None
        example.method = m.group(1).upper()
        example.path = m.group(2)
    n = 1
    while n < len(lines) and lines[n].strip():
        hm = _HEADER.match(lines[n].strip())
        if hm:
            example.headers.append((hm.group(1), hm.group(2).strip()))
        else:
            # a body with no blank line before it: stop reading headers here
            break
        n += 1
    body_start = n
    while body_start < len(lines) and not lines[body_start].strip():
        body_start += 1
    body_text = "\n".join(lines[body_start:]).strip()
    if body_text:
        body_line = first_line + body_start
        try:
            value: JSONValue = json.loads(
                body_text,
                parse_constant=_refuse_constant,
                parse_int=_bounded_int,
                parse_float=_finite_float,
            )
        except _NotCarried as exc:
            offset = _token_offset(body_text, exc.token)
            line = body_line + body_text.count("\n", 0, offset)
            col = offset - body_text.rfind("\n", 0, offset)
            code = "SOG301" if exc.token.lstrip("-") in _CONSTANTS else "SOG307"
            diags.add(code, f"sample {kind} body {exc.reason}", fence.source.at(line, col))
            return example
        except (json.JSONDecodeError, RecursionError) as exc:
            line = body_line + (exc.lineno - 1 if isinstance(exc, json.JSONDecodeError) else 0)
            col = exc.colno if isinstance(exc, json.JSONDecodeError) else 1
            msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "nesting too deep"
            diags.add(
                "SOG301", f"sample {kind} body is not valid JSON: {msg}", fence.source.at(line, col)
            )
            return example
        if _depth(value) > MAX_JSON_DEPTH:
            diags.add(
                "SOG301",
                f"sample {kind} body nests deeper than {MAX_JSON_DEPTH}",
                fence.source.at(body_line),
            )
            return example
        example.body = value
        example.has_body = True
    return example


# Python's json reads these; no JSON document may hold them (RFC 8259), and written into the
# spec or a generated test they break both
_CONSTANTS = frozenset({"NaN", "Infinity"})
# Far beyond any id or amount, well below where Python refuses to print an integer (4,300
# digits, and less where PYTHONINTMAXSTRDIGITS says so): the spec and tests print every number.
MAX_INTEGER_DIGITS = 100


class _NotCarried(ValueError):
    def __init__(self, token: str, reason: str) -> None:
        super().__init__(reason)
        self.token = token
        self.reason = reason


def _refuse_constant(token: str) -> JSONValue:
    raise _NotCarried(token, f"is not valid JSON: {token} is not a JSON number")


def _bounded_int(token: str) -> JSONValue:
    digits = len(token.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        raise _NotCarried(
            token,
            f"holds an integer of {digits} digits (the limit is {MAX_INTEGER_DIGITS}); "
            "the sample is not used",
        )
    return int(token)


def _finite_float(token: str) -> JSONValue:
    value = float(token)
    if not math.isfinite(value):  # 1e400: valid JSON text, but no double holds it
        raise _NotCarried(
            token, "holds a number beyond the range of a double; the sample is not used"
        )
    return value


def _token_offset(text: str, token: str) -> int:
    """Where `token` first stands outside a string in JSON text (0 if nowhere)."""
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif text.startswith(token, i) and (i == 0 or not text[i - 1].isalnum()):
            return i
    return 0


def _depth(value: JSONValue) -> int:
    deepest = 0
    stack: list[tuple[JSONValue, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest
