"""Stage 4: Api -> the files of the Python client project (OUT/python/...), rendered in memory.

Templates come from templates/python/ (a user's --templates folder overrides them one by one).
Python files are formatted with black, so the output is what `black --check` expects.
"""

from __future__ import annotations

import ast
import gc
import hashlib
import json
import pickle
import re
from collections.abc import Callable
from pathlib import Path

import jinja2

from generator.cache import PackMemo, code_version, digest
from generator.diagnostics import Diagnostics, SourceRef
from generator.model.ir import Api
from generator.render.context import (
    ClientContext,
    GroupView,
    OperationView,
    build_context,
    export_order,
    import_order,
    names_in,
)
from generator.render.formatting import format_source
from generator.render.literals import docstring_block, docstring_body, py_literal, py_string

BUILTIN_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "python"
RUNTIME_FILES = ("_auth.py", "_codec.py", "_errors.py", "_http.py")


def make_environment(user_templates: Path | None = None) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if user_templates is not None:
        loaders.append(jinja2.FileSystemLoader(str(user_templates)))
    loaders.append(jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Python, not HTML: page text is escaped by the filters below
        keep_trailing_newline=True,
        auto_reload=False,  # one build: no need to stat every template file on every render
        extensions=["jinja2.ext.do"],  # templates may compute a value once: {% do xs.append(x) %}
    )
    env.filters["docstring"] = docstring_body
    env.filters["docstring_block"] = docstring_block
    env.filters["pyrepr"] = py_literal
    env.filters["format_kw"] = lambda name: f"{name}=..."
    env.filters["oneline"] = lambda text: " ".join(str(text).split())
    env.filters["exports"] = lambda names: sorted(names, key=export_order)
    env.filters["imports"] = lambda names: sorted(names, key=import_order)
    return env


def _probe(ctx: ClientContext) -> tuple[GroupView, OperationView]:
    """The operation the client-behaviour tests call: the first that answers with success."""
    for group in ctx.groups:
        for op in group.operations:
            if (
                op.test.expect in ("model", "models", "value", "none")
                and op.return_kind != "binary"
            ):
                return group, op
    return ctx.groups[0], ctx.groups[0].operations[0]


def render_client(
    api: Api,
    diags: Diagnostics,
    sink: Callable[[str, bytes], None],
    user_templates: Path | None = None,
    version: str = "0.1.0",
    package: str = "superoffice_webapi",
    memo: PackMemo | None = None,
    reuse: Callable[[str, str], bool] | None = None,
) -> None:
    """Render, format and hand each file to `sink` (relative path, bytes) as soon as it is
    done; a file that fails is reported (SOG503) and not handed over.

    `memo` remembers the hash of each per-model and per-group file by its template and view;
    when the view is unchanged, `reuse(path, hash)` may keep the file the last build wrote
    (True) instead of it being made again."""
    if not api.groups:
        return
    # Rendering makes many short-lived containers; the collections they trigger would walk the
    # whole model (pages, Api) again and again. Frozen, it is left out of them until we are done.
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        _render_client(api, diags, sink, user_templates, version, package, memo, reuse)
    finally:
        if freeze:
            gc.unfreeze()


def _render_client(
    api: Api,
    diags: Diagnostics,
    sink: Callable[[str, bytes], None],
    user_templates: Path | None,
    version: str,
    package: str,
    memo: PackMemo | None,
    reuse: Callable[[str, str], bool] | None,
) -> None:
    ctx = build_context(api, diags, version, package)
    # the views live until every file is rendered: out of the collector's way too (whoever
    # froze first unfreezes everything at the end)
    gc.freeze()
    env = make_environment(user_templates)
    pkg = f"python/{ctx.package}"
    probe_group, probe = _probe(ctx)
    probe_answer = (
        b"" if probe.test.status == 204 else _json_answer(probe.test.response_body).encode()
    )
    common = {
        "package": ctx.package,
        "title": ctx.title,
        "version": ctx.version,
        "groups": ctx.groups,
        "models": ctx.models,
        "operation_count": ctx.operation_count,
        "probe_group": probe_group,
        "probe": probe,
        "probe_answer": _bytes_literal(probe_answer),
        "probe_model_imports": [
            (module, cls)
            for module, cls in probe_group.model_imports
            if names_in([a.expr for a in probe.test.args], [cls])
        ],
        "probe_datetime": bool(names_in([a.expr for a in probe.test.args], ["datetime"])),
        "probe_wire_datetime": bool(names_in([a.expr for a in probe.test.args], ["WireDateTime"])),
    }
    # Per-model and per-group files depend only on their own view (built-in templates), so a
    # rebuild after one page changed renders only the files of what changed.
    if user_templates is not None:
        memo = None

    def finish(target: str, text: str, key: str | None = None) -> None:
        """Format (Python files), remember, hand over."""
        if target.endswith(".py"):
            formatted, error = format_source(text)
            if error is not None:
                m = re.search(r"(\d+):(\d+)", error)
                line, col = (int(m.group(1)), int(m.group(2)) + 1) if m else (1, 1)
                message = " ".join(error.split())  # black's message spans lines
                diags.add(
                    "SOG503",
                    f"generated file is not valid Python: {message}",
                    SourceRef(target, max(line, 1), max(col, 1)),
                )
                return
            text = formatted
        data = text.encode("utf-8")
        if key is not None and memo is not None:
            memo.put(key, hashlib.sha256(data).hexdigest().encode("ascii"))
        sink(target, data)

    def render(template: str, target: str, **extra: object) -> None:
        key = None
        if memo is not None and extra:
            key = digest(
                code_version(), template, target, ctx.package, ctx.version, ctx.title,
                pickle.dumps(extra, protocol=pickle.HIGHEST_PROTOCOL),
            )  # fmt: skip
            hit = memo.get(key)
            if hit is not None and reuse is not None and reuse(target, hit.decode("ascii")):
                return
        try:
            text = env.get_template(template).render(**common, **extra)
        except jinja2.TemplateError as exc:
            where = SourceRef(
                str(getattr(exc, "filename", None) or template), getattr(exc, "lineno", 0) or 1, 1
            )
            message = " ".join(str(exc).split())
            diags.add("SOG503", f"template {template} failed: {message}", where)
            return
        finish(target, text, key)

    render("pyproject.toml.jinja", "python/pyproject.toml")
    render("README.md.jinja", "python/README.md")
    render("package/__init__.py.jinja", f"{pkg}/__init__.py")
    render("package/_client.py.jinja", f"{pkg}/_client.py")
    render("package/models/__init__.py.jinja", f"{pkg}/models/__init__.py")
    render("package/agents/__init__.py.jinja", f"{pkg}/agents/__init__.py")
    for model in ctx.models:
        render("package/models/model.py.jinja", f"{pkg}/models/{model.module}.py", model=model)
    for group in ctx.groups:
        render("package/agents/group.py.jinja", f"{pkg}/agents/{group.module}.py", group=group)
        render("tests/test_group.py.jinja", f"python/tests/test_{group.module}.py", group=group)
    render("tests/conftest.py.jinja", "python/tests/conftest.py")
    render("tests/test_client.py.jinja", "python/tests/test__client.py")
    sink("python/tests/__init__.py", b"")
    sink(f"{pkg}/py.typed", b"")
    for name in RUNTIME_FILES:
        text = _read_template_file(env, f"runtime/{name}")
        if name == "_http.py":
            text = re.sub(
                r'^__version__ = "[^"]*"', f'__version__ = "{ctx.version}"', text, flags=re.M
            )
        finish(f"{pkg}/{name}", text)


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
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return "null"  # float("nan") and friends: not literals, and not JSON either
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return "null"


def _bytes_literal(data: bytes) -> str:
    return py_string(data.decode("utf-8", errors="replace"), prefix="b")
