"""Stable text forms of the document: JSON and YAML, byte-identical for the same input."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from json.encoder import encode_basestring  # the C function when _json is there
from typing import Any

from generator.build.cache import BuildCache, code_version, digest
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


@dataclass(slots=True)
class DocTexts:
    """The YAML and JSON texts of a document as lists of parts (their joins are the texts),
    with the part that holds each path's entry: a rebuild that changes a few path items can
    replace their parts and join again, without writing the rest once more."""

    yaml_parts: list[str]
    json_parts: list[str]
    paths: dict[str, tuple[int, int]] = field(default_factory=dict)  # (yaml, json) part index

    def texts(self) -> tuple[str, str]:
        return "".join(self.yaml_parts), "".join(self.json_parts)

    def old_path_item(self, path: str) -> JSONValue:
        """The path item as these texts hold it."""
        value: dict[str, JSONValue] = json.loads("{" + self.json_parts[self.paths[path][1]] + "}")
        return value[path]

    def replace_path_item(self, path: str, item: JSONValue) -> tuple[str, str]:
        """Give `path` (already in the document) a new path item; returns its new parts."""
        pieces = entry_writer()(path, item, _PATHS_DEPTH - 1), _json_entry(path, item, _PATHS_DEPTH)
        self.set_pieces(path, pieces)
        return pieces

    def set_pieces(self, path: str, pieces: tuple[str, str]) -> None:
        """Put the (YAML, JSON) parts of `path`'s entry, as replace_path_item made them."""
        at_yaml, at_json = self.paths[path]
        self.yaml_parts[at_yaml], self.json_parts[at_json] = pieces


_PATHS_DEPTH = 2  # paths' entries are two levels deep in the JSON text


def to_texts_cached(doc: dict[str, JSONValue], cache: BuildCache | None) -> tuple[str, str]:
    """(YAML, JSON) of `doc`, reusing the YAML pieces of the last build that are unchanged."""
    return to_doc_texts(doc, cache).texts()


def to_doc_texts(doc: dict[str, JSONValue], cache: BuildCache | None) -> DocTexts:
    """The texts of `doc` in parts, reusing the YAML pieces of the last build that are
    unchanged (without a cache: two whole texts, and no part is known by its path)."""
    if cache is None or not cache.enabled or type(doc) is not dict or not doc:
        return DocTexts([to_yaml_text(doc)], [to_json_text(doc)])
    try:
        return _texts_from_pieces(doc, _Pieces(cache))
    except TypeError:  # a key that is no str: leave the unusual to the whole-document writers
        return DocTexts([to_yaml_text(doc)], [to_json_text(doc)])


def _texts_from_pieces(doc: dict[str, JSONValue], pieces: _Pieces) -> DocTexts:
    texts = DocTexts([], ["{\n"])
    yaml_out, json_out = texts.yaml_parts, texts.json_parts
    entry = pieces.yaml_entry
    for n, (key, value) in enumerate(doc.items()):
        if n:
            json_out.append(",\n")
        if key == "paths" and type(value) is dict and value:
            yaml_out.append("paths:\n")
            json_out.append('  "paths": ')
            _mapping_pieces(value, _PATHS_DEPTH, pieces, texts, texts.paths)
        elif key == "components" and type(value) is dict and value:
            yaml_out.append("components:\n")
            json_out.append('  "components": {\n')
            for c, (ckey, cvalue) in enumerate(value.items()):
                if c:
                    json_out.append(",\n")
                if ckey == "schemas" and type(cvalue) is dict and cvalue:
                    yaml_out.append("  schemas:\n")
                    json_out.append('    "schemas": ')
                    _mapping_pieces(cvalue, 3, pieces, texts, None)
                else:
                    yaml_out.append(entry(ckey, cvalue, 1))
                    json_out.append(_json_entry(ckey, cvalue, 2))
            json_out.append("\n  }")
        else:
            yaml_out.append(entry(key, value, 0))
            json_out.append(_json_entry(key, value, 1))
    json_out.append("\n}\n")
    pieces.save()
    return texts


def _mapping_pieces(
    value: dict[str, JSONValue],
    depth: int,
    pieces: _Pieces,
    texts: DocTexts,
    index: dict[str, tuple[int, int]] | None,
) -> None:
    """A non-empty mapping whose entries are pieces at `depth` (one level less deep in YAML,
    which does not indent for the top-level braces); `index` learns where each entry is."""
    yaml_out, json_out = texts.yaml_parts, texts.json_parts
    json_out.append("{\n")
    for n, (k, v) in enumerate(value.items()):
        if n:
            json_out.append(",\n")
        json_piece = _json_entry(k, v, depth)
        if index is not None:
            index[k] = (len(yaml_out), len(json_out))
        yaml_out.append(pieces.get(json_piece, k, v, depth - 1))
        json_out.append(json_piece)
    json_out.append("\n" + "  " * (depth - 1) + "}")
