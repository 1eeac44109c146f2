"""Stage 4: Api -> the files of the Python client project (OUT/python/...), rendered in memory.

Templates come from templates/python/ (a user's --templates folder overrides them one by one).
Python files are formatted with black, so the output is what `black --check` expects.
"""

from __future__ import annotations

import ast
import gc
import json
import os
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from generator.build.cache import PackMemo, TemplateStore, code_version, digest
from generator.diagnostics import Diagnostic, Diagnostics
from generator.model.ir import Api
from generator.render.context import (
    ClientContext,
    GroupView,
    ModelView,
    build_context,
    names_in,
    uses_json_loads,
)
from generator.render.files import (
    RUNTIME_FILES,
    FileRenderer,
    ViewJob,
    make_environment,
)
from generator.render.formatting import STATS as FORMAT_STATS


def probe_of(ctx: ClientContext) -> tuple[int, int]:
    """The operation the client-behaviour tests call, the first that answers with success, as
    (group, operation) indexes."""
    for g, group in enumerate(ctx.groups):
        for o, op in enumerate(group.operations):
            if (
                op.test.expect in ("model", "models", "value", "none")
                and op.return_kind != "binary"
            ):
                return g, o
    return 0, 0


@dataclass
class RenderedViews:
    """The context a client was rendered from, with each group's and model's view pickled (the
    bytes that keyed its file): what a later rebuild needs to render a part of it again."""

    ctx: ClientContext
    group_blobs: list[bytes] = field(default_factory=list)
    model_blobs: list[bytes] = field(default_factory=list)
    readme_sections: list[str] = field(default_factory=list)  # each group's, in order
    probe: tuple[int, int] = (0, 0)


def render_client(
    api: Api,
    diags: Diagnostics,
    sink: Callable[[str, bytes], None],
    user_templates: Path | None = None,
    version: str = "0.1.0",
    package: str = "superoffice_webapi",
    memo: PackMemo | None = None,
    reuse: Callable[[str, str], bool] | None = None,
    compiled: TemplateStore | None = None,
    helper_ok: Callable[[], bool] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> RenderedViews | None:
    """Render, format and hand each file to `sink` (relative path, bytes) as soon as it is
    done; a file that fails is reported (SOG503) and not handed over. `progress("render",
    done, total)` is told as the per-view files are made.

    `memo` remembers the hash of each per-model and per-group file by its template and view;
    when the view is unchanged, `reuse(path, hash)` may keep the file the last build wrote
    (True) instead of it being made again. Once `helper_ok()` says so (a core is free), a
    helper process makes part of the per-view files (with `memo`). Returns the views
    (pickled too when `memo` was used), or None when there was nothing to render."""
    if not api.groups:
        return None
    # Rendering makes many short-lived containers; the collections they trigger would walk the
    # whole model (pages, Api) again and again. Frozen, it is left out of them until we are done.
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        ctx = build_context(api, diags, version, package)
        # the views live until every file is rendered: out of the collector's way too (whoever
        # froze first unfreezes everything at the end)
        gc.freeze()
        if user_templates is not None:
            memo = None  # a user's templates may read anything: no file is kept by its view
        rendered = RenderedViews(ctx)
        renderer = _ClientRenderer(ctx, diags, sink, user_templates, compiled)
        renderer.helper_ok = helper_ok if memo is not None else None
        renderer.progress = progress
        renderer.render_all(memo=memo, reuse=reuse, rendered=rendered if memo is not None else None)
        return rendered
    finally:
        if freeze:
            gc.unfreeze()


def render_client_again(
    ctx: ClientContext,
    diags: Diagnostics,
    sink: Callable[[str, bytes], None],
    fresh_groups: set[int],
    keep: Callable[[str], bool],
    readme_sections: list[str | None],
    probe: tuple[int, int],
    full_views: tuple[Callable[[int], GroupView], Callable[[int], ModelView]],
    compiled: TemplateStore | None = None,
) -> list[str]:
    """Render a client whose views are all as the last build made them (built-in templates),
    but for the groups in `fresh_groups` (indexes into ctx.groups): every other per-group and
    per-model file is kept as that build wrote it when `keep(path)` says OUT still holds it, and
    so is every README section given (None: render it). Of the files made from the whole
    context only the README is made again: the others read nothing of the operations' prose,
    and of the other groups and the models only what their views hold without operations and
    fields (tests compare the result with a whole build). So ctx may hold those views without
    them: `full_views` gives a group's or a model's whole view, for a file that must be made
    again. Returns the README's sections."""
    renderer = _ClientRenderer(ctx, diags, sink, None, compiled, probe)
    renderer.full_group, renderer.full_model = full_views
    return renderer.render_all(fresh_groups=fresh_groups, keep=keep, sections=readme_sections)


class _ClientRenderer(FileRenderer):
    """Renders the files of one ClientContext."""

    def __init__(
        self,
        ctx: ClientContext,
        diags: Diagnostics,
        sink: Callable[[str, bytes], None],
        user_templates: Path | None,
        compiled: TemplateStore | None,
        probe_at: tuple[int, int] | None = None,
    ) -> None:
        self.ctx = ctx
        self.compiled = compiled
        self.helper_ok: Callable[[], bool] | None = None  # may a helper process start now?
        self.progress: Callable[[str, int, int], None] | None = None
        env = make_environment(user_templates, compiled)
        self.probe_at = probe_at if probe_at is not None else probe_of(ctx)
        self.full_group: Callable[[int], GroupView] = ctx.groups.__getitem__
        self.full_model: Callable[[int], ModelView] = ctx.models.__getitem__
        probe_group = ctx.groups[self.probe_at[0]]
        probe = probe_group.operations[self.probe_at[1]]
        probe_answer = (
            b"" if probe.test.status == 204 else _json_answer(probe.test.response_body).encode()
        )
        common: dict[str, object] = {
            "package": ctx.package,
            "title": ctx.title,
            "version": ctx.version,
            "groups": ctx.groups,
            "models": ctx.models,
            "operation_count": ctx.operation_count,
            "idempotent_count": ctx.idempotent_count,
            "query_objects": ctx.query_objects,
            "probe_group": probe_group,
            "probe": probe,
            "probe_answer": _bytes_literal(probe_answer),
            "probe_model_imports": [
                (module, cls)
                for module, cls in probe_group.model_imports
                if names_in([a.expr for a in probe.test.args], [cls])
            ],
            "probe_datetime": bool(names_in([a.expr for a in probe.test.args], ["datetime"])),
            "probe_json": uses_json_loads(probe.test, args_only=True),
            "probe_wire_datetime": bool(
                names_in([a.expr for a in probe.test.args], ["WireDateTime"])
            ),
        }
        super().__init__(env, common, diags, sink)

    def render_all(
        self,
        memo: PackMemo | None = None,
        reuse: Callable[[str, str], bool] | None = None,
        rendered: RenderedViews | None = None,
        fresh_groups: set[int] | None = None,
        keep: Callable[[str], bool] | None = None,
        sections: list[str | None] | None = None,
    ) -> list[str]:
        """Every file of the client. Per-model and per-group files depend only on their own
        view (built-in templates): with `memo`, a file whose view is unchanged may be kept by
        `reuse`; with `keep`, every such file not in `fresh_groups` may be kept as it is."""
        ctx = self.ctx
        pkg = f"python/{ctx.package}"

        jobs: list[ViewJob] = []

        def plan(var: str, view: object, blob: bytes | None, files: list[tuple[str, str]]) -> None:
            """Queue the view's files but those the last build made from the same view."""
            todo: list[tuple[str, str, str | None]] = []
            for template, target in files:
                key = None
                if blob is not None and memo is not None:
                    key = digest(
                        code_version(), template, target, ctx.package, ctx.version, ctx.title,
                        blob,
                    )  # fmt: skip
                    hit = memo.get(key)
                    if hit is not None and reuse is not None and reuse(target, hit.decode()):
                        continue
                todo.append((template, target, key))
            if todo:
                jobs.append(ViewJob(var, view, blob, todo))

        def pickled(view: object, into: list[bytes] | None = None) -> bytes | None:
            if memo is None:
                return None
            blob = pickle.dumps(view, protocol=pickle.HIGHEST_PROTOCOL)
            if into is not None:
                into.append(blob)
            return blob

        # the README's Reference section is made group by group, so a rebuild can make only
        # the parts of the groups that changed
        made = [
            text if text is not None else self.render_text("readme_group.md.jinja", {"group": g})
            for g, text in zip(ctx.groups, sections or [None] * len(ctx.groups), strict=True)
        ]
        readme_sections = [text or "" for text in made]
        if rendered is not None:
            rendered.readme_sections = readme_sections
            rendered.probe = self.probe_at

        def whole(template: str, target: str) -> None:
            """A file made from the whole context: after a prose-only edit, the files but the
            README read nothing that can have changed (see render_client_again)."""
            if keep is None or not keep(target):
                self.render(template, target)

        whole("pyproject.toml.jinja", "python/pyproject.toml")
        whole("gitignore.jinja", "python/.gitignore")
        self.render("README.md.jinja", "python/README.md", {"reference": "".join(readme_sections)})
        whole("package/__init__.py.jinja", f"{pkg}/__init__.py")
        whole("package/_client.py.jinja", f"{pkg}/_client.py")
        whole("package/models/__init__.py.jinja", f"{pkg}/models/__init__.py")
        whole("package/agents/__init__.py.jinja", f"{pkg}/agents/__init__.py")
        model_blobs = rendered.model_blobs if rendered is not None else None
        for m, model in enumerate(ctx.models):
            target = f"{pkg}/models/{model.module}.py"
            if keep is not None:
                if keep(target):
                    continue
                model = self.full_model(m)
            blob = pickled(model, model_blobs)
            plan("model", model, blob, [("package/models/model.py.jinja", target)])
        group_blobs = rendered.group_blobs if rendered is not None else None
        for n, group in enumerate(ctx.groups):
            targets = (f"{pkg}/agents/{group.module}.py", f"python/tests/test_{group.module}.py")
            if fresh_groups is None or n in fresh_groups or keep is None:
                kept = [False, False]
            else:
                kept = [keep(target) for target in targets]
            if not all(kept) and fresh_groups is not None and n not in fresh_groups:
                group = self.full_group(n)
            blob = pickled(group, group_blobs)
            templates = ("package/agents/group.py.jinja", "tests/test_group.py.jinja")
            files = zip(templates, targets, strict=True)
            plan("group", group, blob, [f for f, k in zip(files, kept, strict=True) if not k])
        self.run(jobs, memo)
        whole("tests/conftest.py.jinja", "python/tests/conftest.py")
        whole("tests/test_client.py.jinja", "python/tests/test__client.py")
        for empty in ("python/tests/__init__.py", f"{pkg}/py.typed"):
            if keep is None or not keep(empty):
                self.sink(empty, b"")
        for name in RUNTIME_FILES:
            if keep is not None and keep(f"{pkg}/{name}"):
                continue
            text = _read_template_file(self.env, f"runtime/{name}")
            if name == "_http.py":
                text = re.sub(
                    r'^__version__ = "[^"]*"', f'__version__ = "{ctx.version}"', text, flags=re.M
                )
            self.finish(f"{pkg}/{name}", text, builtin=self.builtin(f"runtime/{name}"))
        return readme_sections

    def run(self, jobs: list[ViewJob], memo: PackMemo | None) -> None:
        """Make the queued files. This process takes them from the front; once `helper_ok`
        says a second core is free (the spec's validation is done), a helper process takes
        them from the back, until the two meet. Diagnostics come out in queue order."""
        from generator.build.render_helper import HELPER_MIN_JOBS, RenderHelper

        def here(job: ViewJob) -> None:
            for template, target, key in job.files:
                self.render(template, target, {job.var: job.view}, memo, key)

        can_help = (
            self.helper_ok is not None
            and len(jobs) >= HELPER_MIN_JOBS
            and all(job.blob is not None for job in jobs)
            and (os.cpu_count() or 1) > 1
        )
        helper: RenderHelper | None = None
        helped: dict[int, list[Diagnostic]] = {}  # job -> what making it reported
        end, n = len(jobs), 0
        try:
            while n < end:
                if helper is None and can_help and end - n > HELPER_MIN_JOBS:
                    assert self.helper_ok is not None
                    if self.helper_ok():
                        can_help = False  # one try
                        header = (self.ctx.package, self.ctx.title, self.ctx.version)
                        helper = RenderHelper.start(header, self.compiled, jobs, n + 1)
                if helper is not None:
                    for k, datas, diags, stats in helper.ready():
                        if k != end - 1 or k < n:
                            continue  # made here meanwhile (the helper goes backwards)
                        FORMAT_STATS.add(stats)
                        for (_, target, key), data in zip(jobs[k].files, datas, strict=True):
                            if data is not None:
                                self.deliver(target, data, memo, key)
                        helped[k] = diags
                        end = k
                if n < end:
                    here(jobs[n])
                    n += 1
                if self.progress is not None:
                    self.progress("render", n + len(jobs) - end, len(jobs))
        finally:
            if helper is not None:
                helper.stop()
        for k in range(end, len(jobs)):
            self.diags.items.extend(helped[k])


def _read_template_file(env: jinja2.Environment, name: str) -> str:
    """Runtime modules are plain Python, copied as they are (a user may override them too)."""
    assert env.loader is not None
    source, _, _ = env.loader.get_source(env, name)
    return source


def _json_answer(literal: str | None) -> str:
    """JSON text for a test's answer, which the context holds as a Python literal (`None`,
    `{"a": True}`): the two spell null, true and false differently."""
    if literal is None:
        return "null"
    if literal.startswith("json.loads(") and literal.endswith(")"):
        # a value too deep for a literal (value_literal): the JSON text is already there
        literal = literal[len("json.loads(") : -1]
        try:
            return str(ast.literal_eval(literal))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return "null"
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return "null"  # float("nan") and friends: not literals, and not JSON either
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return "null"


def _bytes_literal(data: bytes) -> str:
    """A bytes literal as black writes it (double quotes unless single need fewer escapes).
    Only printable ASCII stands as itself: a bytes literal may hold no other character, so
    UTF-8 text (`Ørjan`) is written as its bytes, `\\xc3\\x98rjan`."""
    quote = "'" if data.count(b'"') > data.count(b"'") else '"'
    out = []
    for byte in data:
        ch = chr(byte)
        if ch == "\\" or ch == quote:
            out.append("\\" + ch)
        elif ch in _BYTE_ESCAPES:
            out.append(_BYTE_ESCAPES[ch])
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\x{byte:02x}")
    return f"b{quote}{''.join(out)}{quote}"


_BYTE_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
