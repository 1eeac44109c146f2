"""Sample request/response fences -> Example (request line or status line, headers, JSON body)."""

from __future__ import annotations

import json
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
            value: JSONValue = json.loads(body_text)
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
