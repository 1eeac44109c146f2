"""Stable text forms of the document: JSON and YAML, byte-identical for the same input."""

from __future__ import annotations

import json
from json.encoder import encode_basestring  # the C function when _json is there
from typing import Any

from generator.cache import BuildCache, code_version, digest
from generator.model.ir import JSONValue
from generator.openapi.yaml_text import entry_writer, to_yaml


def to_json_text(doc: JSONValue) -> str:
    """`json.dumps(doc, indent=2, ensure_ascii=False) + "\\n"`, byte for byte."""
    return _json_text(doc, "") + "\n"


def to_yaml_text(doc: JSONValue) -> str:
    return to_yaml(doc)


# --- JSON ---------------------------------------------------------------------------------
# json.dumps with an indent runs the pure-Python encoder (the C one is only used without an
# indent). This walk writes the same text several times faster: strings go through the C
# string encoder, and anything unusual falls back to json.dumps itself.


def _json_text(value: JSONValue, pad: str) -> str:
    """`value` as json.dumps(indent=2) writes it, its lines after the first indented by `pad`."""
    out: list[str] = []
    try:
        _json_node(value, pad, out)
    except TypeError:
        # a non-str key (json.dumps converts it) or a value json.dumps should report
        return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + pad)
    return "".join(out)


def _json_node(value: JSONValue, pad: str, out: list[str]) -> None:
    if type(value) is dict and value:
        _json_mapping(value, pad, out)
    elif type(value) is list and value:
        _json_list(value, pad, out)
    else:
        out.append(_json_leaf(value, pad))


def _json_leaf(value: JSONValue, pad: str) -> str:
    if type(value) is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return int.__repr__(value)
    # floats (json's own spelling of nan/inf), empty containers, subclasses, tuples
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + pad)


def _json_mapping(value: dict[Any, Any], pad: str, out: list[str]) -> None:
    append = out.append
    enc = encode_basestring
    inner = pad + "  "
    comma = ",\n" + inner
    sep = "{\n" + inner
    for k, v in value.items():
        t = type(v)
        if t is str:
            append(f"{sep}{enc(k)}: {enc(v)}")
        elif t is dict and v:
            append(f"{sep}{enc(k)}: ")
            _json_mapping(v, inner, out)
        elif t is list and v:
            append(f"{sep}{enc(k)}: ")
            _json_list(v, inner, out)
        else:
            append(f"{sep}{enc(k)}: {_json_leaf(v, inner)}")
        sep = comma
    append(f"\n{pad}}}")


def _json_list(value: list[Any], pad: str, out: list[str]) -> None:
    append = out.append
    enc = encode_basestring
    inner = pad + "  "
    comma = ",\n" + inner
    sep = "[\n" + inner
    for v in value:
        t = type(v)
        if t is str:
            append(sep + enc(v))
        elif t is dict and v:
            append(sep)
            _json_mapping(v, inner, out)
        elif t is list and v:
            append(sep)
            _json_list(v, inner, out)
        else:
            append(sep + _json_leaf(v, inner))
        sep = comma
    append(f"\n{pad}]")


# --- the same texts, assembled from cached pieces ---------------------------------------------
# A document is mostly `paths` and `components.schemas`; each entry is written on its own (at
# its place in the document, so with the same indentation) and the pieces are joined; the
# result is byte-identical to writing the whole document (tests compare the two). The JSON
# pieces are always written (cheap) and their text is the cache key of the YAML pieces.


class _Pieces:
    """YAML pieces by the hash of their JSON piece, kept as one cache entry (thousands of tiny
    files would cost a cold build more than they save)."""

    def __init__(self, cache: BuildCache) -> None:
        self.cache = cache
        # the pieces depend on the writer's code: a new generator starts a new bucket
        self.bucket = digest("serialized pieces", code_version())
        old = cache.get_object("serialized", self.bucket)
        self.old: dict[str, str] = old if isinstance(old, dict) else {}
        self.new: dict[str, str] = {}
        self.yaml_entry = entry_writer()

    def get(self, json_piece: str, key: str, value: JSONValue, depth: int) -> str:
        """The YAML of entry `key: value` at `depth`, whose JSON is `json_piece`."""
        hashed = digest(str(depth), json_piece)
        text = self.old.get(hashed)
        if text is None:
            text = self.yaml_entry(key, value, depth)
        self.new[hashed] = text
        return text

    def save(self) -> None:
        if self.new != self.old:
            self.cache.put_object("serialized", self.bucket, self.new)


def _json_entry(key: str, value: JSONValue, depth: int) -> str:
    """One `"key": value` entry of a mapping at `depth`, as json.dumps(indent=2) writes it."""
    pad = "  " * depth
    return f"{pad}{encode_basestring(key)}: {_json_text(value, pad)}"


def _json_map(entries: list[str], depth: int) -> str:
    if not entries:
        return "{}"
    return "{\n" + ",\n".join(entries) + "\n" + "  " * (depth - 1) + "}"


def to_texts_cached(doc: dict[str, JSONValue], cache: BuildCache | None) -> tuple[str, str]:
    """(YAML, JSON) of `doc`, reusing the YAML pieces of the last build that are unchanged."""
    if cache is None or not cache.enabled or type(doc) is not dict:
        return to_yaml_text(doc), to_json_text(doc)
    try:
        return _texts_from_pieces(doc, _Pieces(cache))
    except TypeError:  # a key that is no str: leave the unusual to the whole-document writers
        return to_yaml_text(doc), to_json_text(doc)


def _texts_from_pieces(doc: dict[str, JSONValue], pieces: _Pieces) -> tuple[str, str]:
    yaml_top: list[str] = []
    json_top: list[str] = []
    entry = pieces.yaml_entry
    for key, value in doc.items():
        if key == "paths" and type(value) is dict and value:
            yaml_top.append("paths:\n")
            json_top.append(f'  "paths": {_mapping_pieces(value, 2, pieces, yaml_top)}')
        elif key == "components" and type(value) is dict and value:
            yaml_top.append("components:\n")
            parts: list[str] = []
            for ckey, cvalue in value.items():
                if ckey == "schemas" and type(cvalue) is dict and cvalue:
                    yaml_top.append("  schemas:\n")
                    text = _mapping_pieces(cvalue, 3, pieces, yaml_top)
                    parts.append(f'    "schemas": {text}')
                else:
                    yaml_top.append(entry(ckey, cvalue, 1))
                    parts.append(_json_entry(ckey, cvalue, 2))
            json_top.append(f'  "components": {_json_map(parts, 2)}')
        else:
            yaml_top.append(entry(key, value, 0))
            json_top.append(_json_entry(key, value, 1))
    pieces.save()
    return "".join(yaml_top), _json_map(json_top, 1) + "\n"


def _mapping_pieces(
    value: dict[str, JSONValue], depth: int, pieces: _Pieces, yaml_out: list[str]
) -> str:
    """The JSON of a mapping whose entries are pieces at `depth`; their YAML goes to
    `yaml_out` (one level less deep: YAML does not indent for the top-level braces)."""
    entries: list[str] = []
    for k, v in value.items():
        json_piece = _json_entry(k, v, depth)
        yaml_out.append(pieces.get(json_piece, k, v, depth - 1))
        entries.append(json_piece)
    return _json_map(entries, depth)
