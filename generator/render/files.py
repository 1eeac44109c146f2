"""Rendering one template into one formatted file: the Jinja environment and `FileRenderer`,
shared by the build and its render helper process (which makes files from views it is sent)."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import jinja2

from generator.diagnostics import Diagnostics, SourceRef
from generator.render.context import GroupView, ModelView, export_order, import_order
from generator.render.formatting import STATS as FORMAT_STATS
from generator.render.formatting import format_source
from generator.render.literals import docstring_block, docstring_body, py_literal


class CompiledTemplates(Protocol):
    """Where compiled templates are kept between builds (the build cache provides one)."""

    def bytecode_cache(self) -> jinja2.BytecodeCache | None: ...


class FileMemo(Protocol):
    """Remembers the hash of a file made from a view, by the view's key."""

    def put(self, key: str, blob: bytes) -> None: ...


BUILTIN_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "python"
RUNTIME_FILES = ("_auth.py", "_codec.py", "_errors.py", "_http.py")


def make_environment(
    user_templates: Path | None = None, compiled: CompiledTemplates | None = None
) -> jinja2.Environment:
    """The Jinja environment; `compiled` is where compiled templates are kept between builds
    (Jinja checks each against its template's source)."""
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
        bytecode_cache=_compiled_templates(compiled),
    )
    env.filters["docstring"] = docstring_body
    env.filters["docstring_block"] = docstring_block
    env.filters["pyrepr"] = py_literal
    env.filters["format_kw"] = lambda name: f"{name}=..."
    env.filters["oneline"] = lambda text: " ".join(str(text).split())
    env.filters["exports"] = lambda names: sorted(names, key=export_order)
    env.filters["imports"] = lambda names: sorted(names, key=import_order)
    return env


def _compiled_templates(store: CompiledTemplates | None) -> jinja2.BytecodeCache | None:
    # without a store, compiling each build only costs time
    return store.bytecode_cache() if store is not None else None


class FileRenderer:
    """Renders templates into formatted files, handed to `sink`; failures are reported."""

    def __init__(
        self,
        env: jinja2.Environment,
        common: dict[str, object],
        diags: Diagnostics,
        sink: Callable[[str, bytes], None],
    ) -> None:
        self.env, self.common, self.diags, self.sink = env, common, diags, sink
        self.builtins: dict[str, bool] = {}  # template -> sogen's own

    def render(
        self,
        template: str,
        target: str,
        view: dict[str, object] | None = None,
        memo: FileMemo | None = None,
        key: str | None = None,
    ) -> None:
        text = self.render_text(template, view)
        if text is not None:
            self.finish(target, text, memo, key, view, self.builtin(template))

    def builtin(self, template: str) -> bool:
        """Whether `template` is one of sogen's own (not a user's override)."""
        loader = self.env.loader
        if isinstance(loader, jinja2.ChoiceLoader) and len(loader.loaders) == 1:
            return True  # no user templates
        known = self.builtins.get(template)
        if known is None:
            assert loader is not None
            try:
                _, filename, _ = loader.get_source(self.env, template)
            except jinja2.TemplateError:
                filename = None
            known = filename is not None and Path(filename).is_relative_to(BUILTIN_TEMPLATES)
            self.builtins[template] = known
        return known

    def render_text(self, template: str, view: dict[str, object] | None = None) -> str | None:
        """The template's text, or None when it failed (reported)."""
        try:
            return self.env.get_template(template).render(**self.common, **(view or {}))
        except jinja2.TemplateError as exc:
            where = SourceRef(
                str(getattr(exc, "filename", None) or template), getattr(exc, "lineno", 0) or 1, 1
            )
            message = " ".join(str(exc).split())
            self.diags.add("SOG503", f"template {template} failed: {message}", where)
            return None

    def finish(
        self,
        target: str,
        text: str,
        memo: FileMemo | None = None,
        key: str | None = None,
        view: dict[str, object] | None = None,
        builtin: bool = True,
    ) -> None:
        """Format and compile (Python files), remember, hand over. (`builtin`: made by one of
        sogen's own templates.)"""
        if target.endswith(".py"):
            began = time.perf_counter()
            formatted, error = format_source(text, house_style=builtin)
            FORMAT_STATS.timed(target, time.perf_counter() - began)
            if error is not None:
                m = re.search(r"(\d+):(\d+)", error)
                line, col = (int(m.group(1)), int(m.group(2)) + 1) if m else (1, 1)
                message = " ".join(error.split())  # black's message spans lines
                self.not_python(target, formatted, max(line, 1), max(col, 1), message, view)
                return
            text = formatted
            # the formatter parses but does not compile: a repeated argument or a name bound
            # twice only shows here, and a module that does not compile is never handed over
            try:
                compile(text, target, "exec", dont_inherit=True)
            except SyntaxError as exc:
                line, col = exc.lineno or 1, exc.offset or 1
                self.not_python(target, text, line, col, exc.msg, view)
                return
        self.deliver(target, text.encode("utf-8"), memo, key)

    def not_python(
        self,
        target: str,
        text: str,
        line: int,
        col: int,
        message: str,
        view: dict[str, object] | None,
    ) -> None:
        """SOG503 at the page(s) whose names or text made the failing line."""
        pages = blame(view, text, line)
        where = pages[0] if pages else SourceRef(target, line, col)
        self.diags.add(
            "SOG503",
            f"generated {target}:{line}:{col} is not valid Python: {message}",
            where,
            related=tuple(pages[1:]),
        )

    def deliver(
        self, target: str, data: bytes, memo: FileMemo | None = None, key: str | None = None
    ) -> None:
        if key is not None and memo is not None:
            memo.put(key, hashlib.sha256(data).hexdigest().encode("ascii"))
        self.sink(target, data)


def blame(view: dict[str, object] | None, text: str, line: int) -> list[SourceRef]:
    """The pages behind line `line` of a file made from `view`: the operation whose method (or
    test) holds the line, else every page of the group; the schema's page for a model."""
    found = next(iter(view.values()), None) if view else None
    if isinstance(found, ModelView):
        return [_source_ref(found.source)] if found.source else []
    if not isinstance(found, GroupView):
        return []
    lines = text.splitlines()[:line]
    enclosing = next((s.strip() for s in reversed(lines) if s.lstrip().startswith(_DEFS)), "")
    name = enclosing.split("(", 1)[0].split()[-1] if enclosing else ""
    ops = sorted(found.operations, key=lambda op: -len(op.name))
    hit = next((op for op in ops if op.name in name), None)
    chosen = [hit] if hit is not None else found.operations
    return sorted({_source_ref(op.source) for op in chosen})


_DEFS = ("def ", "async def ")


def _source_ref(text: str) -> SourceRef:
    """`path:line:col` (as the views keep it) back into a SourceRef."""
    parts = text.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return SourceRef(parts[0], int(parts[1]), int(parts[2]))
    return SourceRef(text)


@dataclass
class ViewJob:
    """The files of one model or group view still to be made: (template, target, memo key)."""

    var: str  # the name the templates know the view by: "model" or "group"
    view: object
    blob: bytes | None  # the view pickled (for a helper process)
    files: list[tuple[str, str, str | None]]
