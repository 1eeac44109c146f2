"""build / check / lint: wires the stages together and owns timing. Never prints."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator.diagnostics import Diagnostics, SourceRef
from generator.model.api import build_api
from generator.model.ir import Api
from generator.openapi.emit import OpenApiVersion, emit_openapi
from generator.openapi.serialize import to_json_text, to_yaml_text
from generator.openapi.validate import validate_openapi
from generator.pages.pagedoc import PageDoc
from generator.pages.parse import parse_page
from generator.pages.reader import find_pages, read_page_text
from generator.render.writer import Difference, WriteReport, diff_output, write_output

Renderer = Callable[[Api, Diagnostics], dict[str, bytes]]


Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class Options:
    inputs: list[Path]
    out: Path = Path("generated")
    openapi_version: OpenApiVersion = "3.0"
    strict: bool = False
    with_client: bool = True
    package: str = "superoffice_webapi"
    version: str = "0.1.0"
    templates: Path | None = None
    progress: Progress | None = None


@dataclass
class Outcome:
    diags: Diagnostics
    api: Api | None = None
    pages: int = 0
    skipped: list[Path] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    report: WriteReport | None = None
    difference: Difference | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def failed(self, strict: bool = False) -> bool:
        return bool(self.diags.errors) or (strict and bool(self.diags.warnings))


class _Clock:
    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + now - self.last
        self.last = now


def load_pages(
    inputs: list[Path], outcome: Outcome, progress: Progress | None = None
) -> list[PageDoc]:
    diags = outcome.diags
    paths = find_pages(inputs, diags, outcome.skipped)
    outcome.pages = len(paths)
    if not paths and not diags.errors:
        where = SourceRef(" ".join(str(p) for p in inputs))
        diags.add("SOG902", "no endpoint pages (*.md) found", where)
    docs = []
    for n, path in enumerate(paths, 1):
        if progress is not None and (n % 25 == 0 or n == len(paths)):
            progress("parse", n, len(paths))
        display = str(path)
        text = read_page_text(path, display, diags)
        if text is None:
            continue
        doc = parse_page(text, display, diags)
        if doc is not None:
            docs.append(doc)
    return docs


def model(options: Options) -> Outcome:
    """Parse and model only (lint)."""
    outcome = Outcome(Diagnostics())
    clock = _Clock(outcome.timings)
    docs = load_pages(options.inputs, outcome, options.progress)
    clock.lap("parse")
    if docs:
        outcome.api = build_api(docs, outcome.diags)
    clock.lap("model")
    return outcome


def render_all(options: Options, outcome: Outcome) -> None:
    """Everything `build` would write, in memory."""
    api = outcome.api
    if api is None or outcome.diags.errors:
        return
    clock = _Clock(outcome.timings)
    doc = emit_openapi(api, options.openapi_version)
    clock.lap("openapi")
    where = str(options.out / "openapi.yaml")
    if not validate_openapi(doc, where, outcome.diags):
        return
    clock.lap("validate")
    outcome.files["openapi.yaml"] = to_yaml_text(doc).encode()
    outcome.files["openapi.json"] = to_json_text(doc).encode()
    clock.lap("serialize")
    if options.with_client:
        from generator.render.client import render_client

        if options.templates is not None and not options.templates.is_dir():
            outcome.diags.add(
                "SOG904", "templates folder does not exist", SourceRef(str(options.templates))
            )
            return
        outcome.files.update(
            render_client(
                api,
                outcome.diags,
                user_templates=options.templates,
                version=options.version,
                package=options.package,
            )
        )
        clock.lap("render")


def build(options: Options) -> Outcome:
    outcome = model(options)
    render_all(options, outcome)
    if outcome.failed(options.strict) or not outcome.files:
        return outcome  # nothing is written when anything failed
    clock = _Clock(outcome.timings)
    try:
        outcome.report = write_output(options.out, outcome.files)
    except (OSError, ValueError) as exc:
        outcome.diags.add("SOG502", f"cannot write output: {exc}", SourceRef(str(options.out)))
    clock.lap("write")
    return outcome


def check(options: Options) -> Outcome:
    outcome = model(options)
    render_all(options, outcome)
    if not outcome.failed(options.strict) and outcome.files:
        outcome.difference = diff_output(options.out, outcome.files)
    return outcome
