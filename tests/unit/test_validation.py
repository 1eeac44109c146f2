"""Validation by shapes (generator/openapi/incremental.py): in-process and in the background
worker, a valid document passes and a broken one gives located SOG501 errors."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from pagekit import REPO

from generator.build.cache import BuildCache
from generator.diagnostics import Diagnostics
from generator.openapi import incremental
from generator.openapi.emit import emit_openapi
from generator.openapi.incremental import PendingValidation, validate_incrementally
from generator.pipeline import Options, model


def _doc() -> dict[str, Any]:
    outcome = model(Options(inputs=[REPO / "specs"], use_cache=False))
    assert outcome.api is not None
    return emit_openapi(outcome.api)


def _break_first_operation(doc: dict[str, Any]) -> dict[str, Any]:
    broken = copy.deepcopy(doc)
    item = next(iter(broken["paths"].values()))
    operation = next(iter(item.values()))
    del operation["responses"]  # required by the OpenAPI schema
    return broken


@pytest.fixture(params=["in-process", "background"])
def where(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    # the background worker is used from PARALLEL_THRESHOLD units on; force either path
    threshold = 10**6 if request.param == "in-process" else 1
    monkeypatch.setattr(incremental, "PARALLEL_THRESHOLD", threshold)
    return str(request.param)


def test_valid_document_passes(where: str) -> None:
    doc = _doc()
    diags = Diagnostics()
    pending = PendingValidation(doc, "out/openapi.yaml", None, lambda: doc)
    assert (pending.worker is not None) == (where == "background")
    assert pending.finish(diags)
    assert diags.items == []


def test_broken_document_reports_the_place(where: str) -> None:
    broken = _break_first_operation(_doc())
    remade: list[int] = []

    def remake() -> dict[str, Any]:
        remade.append(1)
        return broken

    diags = Diagnostics()
    assert not PendingValidation(broken, "out/openapi.yaml", None, remake).finish(diags)
    assert remade == [1]  # the exact messages come from the real document, made again
    assert {d.code for d in diags} == {"SOG501"}
    rendered = [d.render() for d in diags]
    assert any("'responses' is a required property" in r for r in rendered), rendered
    assert all(
        r.startswith("out/openapi.yaml:1:1: error: invalid OpenAPI at #/paths/") for r in rendered
    )


def test_dangling_reference_is_reported() -> None:
    doc = _doc()
    doc["components"]["schemas"] = {}
    diags = Diagnostics()
    assert not validate_incrementally(doc, "out/openapi.yaml", diags, None)
    assert any("does not resolve" in d.message for d in diags)


def test_valid_units_are_remembered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = BuildCache(tmp_path / "cache")
    doc = _doc()
    assert validate_incrementally(doc, "o", Diagnostics(), cache)
    validated: list[int] = []
    real = incremental._errors

    def counting(unit: dict[str, Any]) -> list[str]:
        validated.append(1)
        return real(unit)

    monkeypatch.setattr(incremental, "_errors", counting)
    monkeypatch.setattr(incremental, "PARALLEL_THRESHOLD", 10**6)
    assert validate_incrementally(doc, "o", Diagnostics(), cache)
    assert validated == []  # every unit was valid before: nothing is validated again
    broken = _break_first_operation(doc)
    assert not validate_incrementally(broken, "o", Diagnostics(), cache)
    assert validated  # the changed unit (and then the whole document) was validated


def test_an_invalid_part_is_reported_at_the_page_that_made_it(
    where: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A build whose spec fails validation points at the page and line of the operation or
    schema at fault (the spec itself is never written)."""
    from generator import pipeline
    from generator.openapi import emit

    real = emit.emit_openapi

    def broken_emit(*args: Any, **kwargs: Any) -> dict[str, Any]:
        doc = real(*args, **kwargs)
        del doc["paths"]["/api/v1/Agents/Chat/AddChatMessage"]["post"]["responses"]
        doc["components"]["schemas"]["ChatMessage"]["type"] = "no such type"
        return doc

    monkeypatch.setattr(emit, "emit_openapi", broken_emit)
    out = tmp_path / "out"
    outcome = pipeline.build(Options(inputs=[REPO / "specs"], out=out, use_cache=False))
    found = sorted(d.render() for d in outcome.diags if d.code == "SOG501")
    page = str(REPO / "specs" / "v1ChatAgent_AddChatMessage.md")
    operation = next(r for r in found if "#/paths/" in r)
    schema = next(r for r in found if "#/components/schemas/ChatMessage" in r)
    assert operation.startswith(f"{page}:10:1: error: invalid OpenAPI at #/paths/"), operation
    assert schema.startswith(f"{page}:"), schema
    assert not out.exists()
