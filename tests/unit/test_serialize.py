"""The spec texts assembled from cached pieces are byte-identical to whole-document dumps."""

from __future__ import annotations

from pathlib import Path

from pagekit import model, page_text

from generator.cache import BuildCache
from generator.openapi.emit import emit_openapi
from generator.openapi.serialize import to_json_text, to_texts_cached, to_yaml_text


def _doc() -> dict:  # type: ignore[type-arg]
    long = "A description long enough to be folded by the YAML emitter " * 4
    pages = [
        page_text(
            front=f"title: POST Agents/T{n}/Do\nuid: v1T{n}Agent_Do",
            h1=f"# POST Agents/T{n}/Do",
            endpoint=f"POST /api/v1/Agents/T{n}/Do",
            description=f"{long} ünïcode {n}",
        )
        for n in range(5)
    ]
    api, _ = model(*pages)
    return emit_openapi(api, "3.0")


def test_pieces_give_the_same_bytes_cold_and_warm(tmp_path: Path) -> None:
    doc = _doc()
    expected = (to_yaml_text(doc), to_json_text(doc))
    cache = BuildCache(tmp_path / "cache")
    assert to_texts_cached(doc, None) == expected
    assert to_texts_cached(doc, cache) == expected  # cold: pieces are made and stored
    assert to_texts_cached(doc, cache) == expected  # warm: pieces come from the cache
    doc["paths"]["/api/v1/Agents/T0/Do"]["post"]["summary"] = "changed"  # type: ignore[index]
    assert to_texts_cached(doc, cache) == (to_yaml_text(doc), to_json_text(doc))
