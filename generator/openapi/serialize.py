"""Stable text forms of the document: JSON and YAML, byte-identical for the same input."""

from __future__ import annotations

import json
from collections.abc import Callable

import yaml

from generator.cache import BuildCache, digest
from generator.model.ir import JSONValue

# the C emitter is ~10x faster; both give the same text
_Dumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def to_json_text(doc: JSONValue) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def to_yaml_text(doc: JSONValue) -> str:
    return yaml.dump(
        doc,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


# --- the same texts, assembled from cached pieces ---------------------------------------------
# A document is mostly `paths` and `components.schemas`; each entry is dumped on its own (in
# the same place, so the same columns) and cached by its content, and the pieces are joined.
# The result is byte-identical to dumping the whole document (tests compare the two).


class _Pieces:
    """Dumped pieces by content hash, kept as one cache entry (thousands of tiny files would
    cost a cold build more than they save)."""

    def __init__(self, cache: BuildCache | None) -> None:
        self.cache = cache
        old = cache.get_object("serialized", _BUCKET) if cache is not None else None
        self.old: dict[str, str] = old if isinstance(old, dict) else {}
        self.new: dict[str, str] = {}

    def get(self, kind: str, value: JSONValue, make: Callable[[JSONValue], str]) -> str:
        if self.cache is None:
            return make(value)
        key = digest(kind, json.dumps(value, ensure_ascii=False))
        text = self.old.get(key)
        if text is None:
            text = make(value)
        self.new[key] = text
        return text

    def save(self) -> None:
        if self.cache is not None and self.new != self.old:
            self.cache.put_object("serialized", _BUCKET, self.new)


_BUCKET = digest("serialized pieces", "1")


def _json_entry(key: str, value: JSONValue, depth: int) -> str:
    """One `"key": value` entry of a mapping at `depth`, as json.dumps(indent=2) writes it."""
    pad = "  " * depth
    body = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + pad)
    return f"{pad}{json.dumps(key, ensure_ascii=False)}: {body}"


def _only_entry(value: JSONValue) -> tuple[str, JSONValue]:
    assert isinstance(value, dict) and len(value) == 1
    ((key, item),) = value.items()
    return key, item


def _json_path(value: JSONValue) -> str:
    return _json_entry(*_only_entry(value), 2)


def _json_schema(value: JSONValue) -> str:
    return _json_entry(*_only_entry(value), 3)


def _yaml_path(value: JSONValue) -> str:
    return _yaml_lines(value, 1)


def _yaml_schema(value: JSONValue) -> str:
    return _yaml_lines(value, 2)


def _json_map(entries: list[str], depth: int) -> str:
    if not entries:
        return "{}"
    return "{\n" + ",\n".join(entries) + "\n" + "  " * (depth - 1) + "}"


def to_texts_cached(doc: dict[str, JSONValue], cache: BuildCache | None) -> tuple[str, str]:
    """(YAML, JSON) of `doc`, reusing the pieces of the last build that are unchanged."""
    pieces = _Pieces(cache)
    texts = _yaml_from_pieces(doc, pieces), _json_from_pieces(doc, pieces)
    pieces.save()
    return texts


def _json_from_pieces(doc: dict[str, JSONValue], pieces: _Pieces) -> str:
    top: list[str] = []
    for key, value in doc.items():
        if key == "paths" and isinstance(value, dict):
            entries = [pieces.get("json-path", {k: v}, _json_path) for k, v in value.items()]
            top.append(f'  "paths": {_json_map(entries, 2)}')
        elif key == "components" and isinstance(value, dict):
            parts: list[str] = []
            for ckey, cvalue in value.items():
                if ckey == "schemas" and isinstance(cvalue, dict):
                    entries = [
                        pieces.get("json-schema", {k: v}, _json_schema) for k, v in cvalue.items()
                    ]
                    parts.append(f'    "schemas": {_json_map(entries, 3)}')
                else:
                    parts.append(_json_entry(ckey, cvalue, 2))
            top.append(f'  "components": {_json_map(parts, 2)}')
        else:
            top.append(_json_entry(key, value, 1))
    return _json_map(top, 1) + "\n"


def _yaml_lines(value: JSONValue, drop: int) -> str:
    """yaml.dump of a nested single-entry mapping, without its first `drop` lines."""
    text = to_yaml_text(value)
    return "".join(text.splitlines(keepends=True)[drop:])


def _yaml_from_pieces(doc: dict[str, JSONValue], pieces: _Pieces) -> str:
    out: list[str] = []
    for key, value in doc.items():
        if key == "paths" and isinstance(value, dict) and value:
            out.append("paths:\n")
            for k, v in value.items():
                wrapped: JSONValue = {"paths": {k: v}}
                out.append(pieces.get("yaml-path", wrapped, _yaml_path))
        elif key == "components" and isinstance(value, dict) and value:
            out.append("components:\n")
            for ckey, cvalue in value.items():
                if ckey == "schemas" and isinstance(cvalue, dict) and cvalue:
                    out.append("  schemas:\n")
                    for k, v in cvalue.items():
                        wrapped = {"components": {"schemas": {k: v}}}
                        out.append(pieces.get("yaml-schema", wrapped, _yaml_schema))
                else:
                    out.append(_yaml_lines({"components": {ckey: cvalue}}, 1))
        else:
            out.append(to_yaml_text({key: value}))
    return "".join(out)
