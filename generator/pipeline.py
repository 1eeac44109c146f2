"""build / check / lint: wires the stages together and owns timing. Never prints."""

from __future__ import annotations

import contextlib
import gc
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from generator.build.cache import (
    BuildCache,
    PackMemo,
    TemplateStore,
    code_version,
    digest,
    templates_version,
)
from generator.build.pages import PageFile, page_one_pickled, page_states, parse_pages, read_pages
from generator.build.record import BuildRecord, BuildSummary, FileState, written_states
from generator.build.writer import (
    Difference,
    OutputComparison,
    RefusedPath,
    StagedOutput,
    UnsafePathError,
    WriteReport,
)
from generator.diagnostics import Diagnostics, SourceRef
from generator.pages.reader import find_pages

# The stages themselves (parser, model, OpenAPI, renderers) are imported where they are used: a
# build that finds OUT already current, the usual case in CI, never loads them.
if TYPE_CHECKING:
    from generator.build.prose_patch import StateWriter
    from generator.model.ir import Api
    from generator.openapi.emit import OpenApiVersion
    from generator.render.client import RenderedViews
    from generator.render.formatting import FormatStats

Progress = Callable[[str, int, int], None]  # (stage, done, total)
Sink = Callable[[str, bytes], None]  # receives each output file (relative path, bytes) once


@dataclass
class Options:
    inputs: list[Path]
    out: Path = Path("generated")
    openapi_version: OpenApiVersion = "3.0"
    strict: bool = False
    silence: frozenset[str] = frozenset()  # warning codes that neither print nor fail --strict
    cache_max_bytes: int | None = None  # None: $SOGEN_CACHE_MAX_MB, else 1 GiB
    with_client: bool = True
    package: str = "superoffice_webapi"
    version: str = "0.1.0"
    templates: Path | None = None
    # the spec's info.contact and info.license, from configuration
    contact: tuple[tuple[str, str], ...] = ()
    license: tuple[tuple[str, str], ...] = ()
    # from configuration: (operation, idempotent?, where it says so)
    retry_overrides: tuple[tuple[str, bool, SourceRef], ...] = ()
    progress: Progress | None = None
    cache_dir: Path | None = None  # None: the default cache folder
    use_cache: bool = True
    # replace files sogen did not write where it now writes one (else SOG505)
    overwrite_unowned: bool = False
    dump_model: Path | None = None  # build: the model as JSON, written before OUT is touched
    # set by build once OUT has been replaced, so that what is said after a failure is true
    out_replaced: bool = False


@dataclass
class Outcome:
    diags: Diagnostics
    api: Api | None = None
    pages: int = 0
    skipped: list[Path] = field(default_factory=list)
    produced: int = 0  # output files handed to the sink
    report: WriteReport | None = None
    difference: Difference | None = None
    timings: dict[str, float] = field(default_factory=dict)
    operations: int = 0
    schemas: int = 0
    input_digest: str = ""
    up_to_date: bool = False  # build found OUT already current and did nothing
    started_ns: int = 0  # wall clock when the pages were first looked at
    patched: int = 0  # build patched the last one for this many prose-only page edits
    notes: list[str] = field(default_factory=list)  # how the build went, for --verbose
    formatting: FormatStats | None = None  # what formatting needed black for

    def failed(self, strict: bool = False, silence: frozenset[str] = frozenset()) -> bool:
        """Errors, or under `strict` warnings other than the silenced codes."""
        if self.diags.errors:
            return True
        return strict and any(w.code not in silence for w in self.diags.warnings)


class _Clock:
    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + now - self.last
        self.last = now


def read_inputs(
    options: Options, outcome: Outcome, record: BuildRecord | None = None
) -> list[PageFile]:
    """Find every page and read it (see build/pages.py)."""
    outcome.started_ns = time.time_ns()
    paths = find_pages(options.inputs, outcome.diags, outcome.skipped)
    outcome.pages = len(paths)
    if not paths and not outcome.diags.errors:
        where = SourceRef(" ".join(str(p) for p in options.inputs), 1, 1)
        outcome.diags.add("SOG902", "no endpoint pages (*.md) found", where)
    inputs, outcome.input_digest = read_pages(paths, record)
    return inputs


def _record(
    out: Path,
    fingerprint: str,
    staged: StagedOutput,
    summary: BuildSummary | None,
    inputs: list[PageFile],
    outcome: Outcome,
) -> BuildRecord | None:
    """The record of this build for the next one: what it wrote, what it reported, and what
    the next build needs to trust unchanged pages without reading them."""
    files = written_states(out, staged.hashes, staged.kept)
    if files is None:
        return None
    return BuildRecord(
        fingerprint, files, summary, page_states(inputs), code_version(), outcome.started_ns
    )


def _cache_for(options: Options) -> BuildCache | None:
    return BuildCache(options.cache_dir) if options.use_cache else None


def model(
    options: Options,
    cache: BuildCache | None = None,
    outcome: Outcome | None = None,
    inputs: list[PageFile] | None = None,
) -> Outcome:
    """Parse and model only (lint)."""
    from generator.model.api import apply_retry_overrides, assemble_api

    outcome = outcome or Outcome(Diagnostics())
    clock = _Clock(outcome.timings)
    if inputs is None:
        inputs = read_inputs(options, outcome)
    with _long_lived_objects():
        pages = parse_pages(
            inputs, outcome.diags, cache, options.progress, str(options.out.resolve())
        )
        clock.lap("parse")
        if pages:
            outcome.api = assemble_api(pages, outcome.diags)
            apply_retry_overrides(outcome.api, options.retry_overrides, outcome.diags)
            outcome.operations = len(outcome.api.operations())
            outcome.schemas = len(outcome.api.schemas)
        clock.lap("model")
    return outcome


@contextlib.contextmanager
def _long_lived_objects() -> Iterator[None]:
    """The cyclic garbage collector off while page results and the model are made: they are
    hundreds of thousands of objects that live for the whole build and hold no garbage cycles,
    and every collection would walk them again (a third of the parent's time here)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def render_all(
    options: Options,
    outcome: Outcome,
    sink: Sink,
    cache: BuildCache | None = None,
    reuse: Callable[[str, str], bool] | None = None,
    state: StateWriter | None = None,
) -> None:
    """Everything `build` would write, each file handed to `sink` as soon as it is ready (and
    then forgotten: the output is never all in memory at once)."""
    api = outcome.api
    if api is None or outcome.diags.errors:
        return
    # The model lives until the end: frozen, the collections that emitting and rendering
    # trigger leave it out instead of walking it again each time.
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        _emit_all(options, outcome, api, sink, cache, reuse, state)
    finally:
        if freeze:
            gc.unfreeze()


def _emit_all(
    options: Options,
    outcome: Outcome,
    api: Api,
    sink: Sink,
    cache: BuildCache | None,
    reuse: Callable[[str, str], bool] | None,
    state: StateWriter | None,
) -> None:
    from generator.openapi.emit import Info, emit_openapi
    from generator.openapi.incremental import PendingValidation
    from generator.openapi.serialize import to_doc_texts

    def emit(target: str, data: bytes) -> None:
        outcome.produced += 1
        sink(target, data)

    def keep(target: str, sha: str) -> bool:
        kept = reuse is not None and reuse(target, sha)
        outcome.produced += kept
        return kept

    clock = _Clock(outcome.timings)
    info = Info(dict(options.contact), dict(options.license))
    doc = emit_openapi(api, options.openapi_version, info)
    clock.lap("openapi")
    reported = len(outcome.diags.items)
    texts = to_doc_texts(doc, cache)
    if state is not None:
        state.texts(texts)
    yaml_text, json_text = texts.texts()
    del texts
    for target, text in (("openapi.yaml", yaml_text), ("openapi.json", json_text)):
        emit(target, text.encode())
    del yaml_text, json_text, text
    clock.lap("serialize")
    # Validated in the background while the client is rendered; started after serialising,
    # so the worker and the texts are not in memory at the same time.
    validation = PendingValidation(
        doc,
        str(options.out / "openapi.yaml"),
        cache,
        lambda: emit_openapi(api, options.openapi_version, info),
        _origins(api),
    )
    del doc
    clock.lap("validate")
    if options.with_client:
        rendered = _render_client(options, outcome, api, emit, keep, cache, validation.done)
        if state is not None:
            state.views(rendered)
        del rendered
        clock.lap("render")
    found = Diagnostics()
    if not validation.finish(found):
        # as if the build had stopped at validation: what came after it is not reported
        del outcome.diags.items[reported:]
    outcome.diags.items.extend(found.items)
    clock.lap("validate")  # the wait for the validation worker, if any


def _origins(api: Api) -> dict[str, SourceRef]:
    """Where each operation and schema of the spec comes from, for located SOG501s."""
    found = {op.id: op.source for op in api.operations()}
    found.update({f"#/components/schemas/{n}": s.source for n, s in api.schemas.items()})
    return found


def _render_client(
    options: Options,
    outcome: Outcome,
    api: Api,
    emit: Sink,
    keep: Callable[[str, str], bool],
    cache: BuildCache | None,
    helper_ok: Callable[[], bool] | None = None,
) -> RenderedViews | None:
    from generator.render.client import render_client

    if options.templates is not None and not options.templates.is_dir():
        outcome.diags.add(
            "SOG904", "templates folder does not exist", SourceRef(str(options.templates), 1, 1)
        )
        return None
    memo = PackMemo(cache, "rendered:" + str(options.out.resolve()))
    rendered = render_client(
        api,
        outcome.diags,
        emit,
        user_templates=options.templates,
        version=options.version,
        package=options.package,
        memo=memo if cache is not None else None,
        reuse=keep,
        compiled=_compiled_templates(cache),
        helper_ok=helper_ok,
        progress=options.progress,
    )
    memo.commit()
    return rendered


def _config(options: Options) -> str:
    """Everything but the pages that the output depends on: generator code, templates,
    options."""
    return digest(
        code_version(),
        templates_version(options.templates),
        repr((options.openapi_version, options.with_client, options.package, options.version)),
        repr((options.contact, options.license)),
        repr([(name, flag) for name, flag, _ in options.retry_overrides]),
        repr((options.strict, sorted(options.silence))),
    )


def _compiled_templates(cache: BuildCache | None) -> TemplateStore | None:
    return cache.template_store() if cache is not None else None


def build(options: Options) -> Outcome:
    stats = _format_stats()
    before = stats.copy() if stats is not None else None
    if stats is not None:
        stats.slowest, stats.slowest_path = 0.0, ""  # this build's slowest file
    outcome = _build(options)
    if outcome.report is not None and options.use_cache:
        from generator.build.cache import cache_max_bytes, sweep

        sweep(BuildCache(options.cache_dir), cache_max_bytes(options.cache_max_bytes))
    stats = _format_stats()
    if stats is not None:
        outcome.formatting = stats.since(before) if before is not None else stats.copy()
    return outcome


def _format_stats() -> FormatStats | None:
    """The formatter's counts in this process, None while it has formatted nothing: only
    rendering imports it, and a build that finds OUT current should not."""
    module = sys.modules.get("generator.render.formatting")
    return cast("FormatStats", module.STATS) if module is not None else None


def _build(options: Options) -> Outcome:
    cache = _cache_for(options)
    outcome = Outcome(Diagnostics())
    clock = _Clock(outcome.timings)
    record = cache.load_record(options.out) if cache is not None else None
    inputs = read_inputs(options, outcome, record)
    clock.lap("read")
    config = _config(options)
    fingerprint = digest(config, outcome.input_digest)  # everything the output depends on
    # Neither replaying nor patching the last build makes a model to dump, and an input that
    # could not be read (an unreadable folder: SOG100) must fail the build, not replay it.
    shortcut = options.dump_model is None and not outcome.diags.errors
    if (
        shortcut
        and record is not None
        and _replay_if_current(options, outcome, record, fingerprint)
    ):
        return outcome
    if shortcut and _patch_prose_edits(
        options, outcome, inputs, cache, record, config, fingerprint
    ):
        return outcome
    model(options, cache, outcome, inputs)
    if options.dump_model is not None and outcome.api is not None:
        # before OUT is touched: a dump that cannot be written fails the build, OUT as it was
        dump_model(outcome.api, options.dump_model, outcome.diags, OUT_KEPT)
    if outcome.api is None or outcome.diags.errors:
        return outcome
    state = _state_writer(options, cache, fingerprint)
    try:
        with StagedOutput(options.out, _known_files(record), options.overwrite_unowned) as staged:
            render_all(options, outcome, staged.put, cache, staged.reuse, state)
            if outcome.failed(options.strict, options.silence) or not outcome.produced:
                return outcome  # nothing is written when anything failed
            if staged.problems:
                _refused(outcome, staged.problems)
                return outcome
            clock = _Clock(outcome.timings)
            outcome.report = staged.commit()
            _written(options, outcome, outcome.report)
    except RefusedPath as exc:
        _refused(outcome, [exc])
        return outcome
    except (OSError, UnsafePathError) as exc:
        where = SourceRef(str(options.out), 1, 1)
        outcome.diags.add("SOG502", f"cannot write output: {exc}", where)
        return outcome
    finally:
        if state is not None and outcome.report is None:
            state.abort()
    if cache is not None:
        if state is not None:
            pages = [(item.display, item.key) for item in inputs]
            state.commit(outcome.api, pages, config)
        record = _record(options.out, fingerprint, staged, _summary(outcome), inputs, outcome)
        if record is not None:
            cache.save_record(options.out, record)
    clock.lap("write")
    return outcome


OUT_KEPT = "; the output folder was left as it was"


def dump_model(api: Api, path: Path, diags: Diagnostics, after: str = "") -> bool:
    """Write the model as JSON to `path` (any file: /dev/stdout too); a located SOG507
    (`after` appended to its message) when it cannot be written."""
    import json

    from generator.model.ir import to_json

    text = json.dumps(to_json(api), indent=2, ensure_ascii=False) + "\n"
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        diags.add(
            "SOG507", f"cannot write the model dump: {reason}{after}", SourceRef(str(path), 1, 1)
        )
        return False
    return True


def _refused(outcome: Outcome, problems: list[RefusedPath]) -> None:
    """Each path in OUT the build would not write, located at that path; nothing was."""
    for problem in problems:
        message = problem.message + OUT_KEPT
        outcome.diags.add(problem.code, message, SourceRef(problem.where, 1, 1))


def _written(options: Options, outcome: Outcome, report: WriteReport) -> None:
    """Remember that OUT was replaced; say (--verbose) what was kept or left behind."""
    options.out_replaced = bool(report.written or report.removed)
    for rel in report.kept_edited:
        outcome.notes.append(
            f"kept {options.out / rel}: sogen no longer makes it, and it was changed since "
            "sogen wrote it (it is no longer in the manifest)"
        )
    for folder in report.leftovers:
        outcome.notes.append(f"could not remove {folder}, left by an earlier build")


def _summary(outcome: Outcome) -> BuildSummary:
    """What a build reports besides its files, kept in its record to be reported again."""
    return BuildSummary(
        outcome.pages,
        outcome.operations,
        outcome.schemas,
        list(outcome.diags),
        [str(p) for p in outcome.skipped],
    )


def _state_writer(
    options: Options, cache: BuildCache | None, fingerprint: str
) -> StateWriter | None:
    """Saves what a later build needs to patch this one for prose-only edits (built-in
    templates only: a user's templates may read anything)."""
    if cache is None or not cache.enabled or options.templates is not None:
        return None
    if not options.with_client:
        return None
    from generator.build.prose_patch import StateWriter

    return StateWriter(cache, str(options.out.resolve()), fingerprint)


def _patch_prose_edits(
    options: Options,
    outcome: Outcome,
    inputs: list[PageFile],
    cache: BuildCache | None,
    record: BuildRecord | None,
    config: str,
    fingerprint: str,
) -> bool:
    """When the pages edited since the last build changed only prose, patch that build
    instead of making everything again (see build/prose_patch.py); False when that does not
    apply."""
    if cache is None or record is None:
        return False
    from generator.build.prose_patch import PageInput, TextPatch

    clock = _Clock(outcome.timings)
    out_key = str(options.out.resolve())
    summary = record.summary
    if options.templates is not None or not options.with_client or summary is None:
        return False
    pages = [PageInput(i.display, i.key, i.data, not i.diags.items) for i in inputs]
    patch = TextPatch.prepare(
        cache,
        out_key,
        config,
        record.fingerprint,
        pages,
        options.openapi_version,
        page_one_pickled,
    )
    if isinstance(patch, str):
        outcome.notes.append(f"whole build, not a patch of the last one: {patch}")
        return False
    _summary_into(outcome, summary)
    clock.lap("patch")
    known = _known_files(record)
    try:
        with StagedOutput(options.out, known, options.overwrite_unowned) as staged:
            if not patch.write(staged, known, _compiled_templates(cache)):
                outcome.diags.items.clear()
                outcome.notes.append("whole build, not a patch: rendering reported a problem")
                return False  # the whole build will report what went wrong
            if staged.problems:
                _refused(outcome, staged.problems)
                return True
            outcome.report = staged.commit()
            _written(options, outcome, outcome.report)
    except RefusedPath as exc:
        _refused(outcome, [exc])
        return True
    except (OSError, UnsafePathError) as exc:
        where = SourceRef(str(options.out), 1, 1)
        outcome.diags.add("SOG502", f"cannot write output: {exc}", where)
        return True
    outcome.produced = len(staged.hashes)
    outcome.patched = len(patch.edited)
    outcome.notes.append(f"patched the last build for prose edits in {outcome.patched} page(s)")
    clock.lap("render")
    patch.save(config, fingerprint, [(item.display, item.key) for item in inputs])
    record = _record(options.out, fingerprint, staged, summary, inputs, outcome)
    if record is not None:
        cache.save_record(options.out, record)
    clock.lap("write")
    return True


def _known_files(record: BuildRecord | None) -> dict[str, FileState]:
    """What the last build recorded about each file it left in OUT."""
    return record.files if record is not None else {}


def _replay_if_current(
    options: Options, outcome: Outcome, record: BuildRecord, fingerprint: str
) -> bool:
    """When nothing the output depends on changed and OUT is as we left it, reuse the last
    build's result (its diagnostics included) instead of doing the work again."""
    if record.fingerprint != fingerprint or record.summary is None:
        return False
    if not record.output_unchanged(options.out):
        return False
    _summary_into(outcome, record.summary)
    outcome.report = WriteReport(unchanged=sorted(record.files))
    outcome.up_to_date = True
    return True


def _summary_into(outcome: Outcome, summary: BuildSummary) -> None:
    """Report what the build that left `summary` in its record reported."""
    outcome.diags.items = list(summary.diagnostics)
    outcome.operations, outcome.schemas = summary.operations, summary.schemas
    outcome.skipped = [Path(p) for p in summary.skipped]


def check(options: Options) -> Outcome:
    cache = _cache_for(options)
    outcome = model(options, cache)
    comparison = OutputComparison(options.out)
    render_all(options, outcome, comparison.put, cache, comparison.reuse)
    if not outcome.failed(options.strict, options.silence) and outcome.produced:
        outcome.difference = comparison.finish()
    return outcome
