"""Formatting the rendered Python files as black would, mostly without running black.

The templates emit black's style already; the lines that grow with page content are split by
`layout.settle`, which applies black's rules to our statement shapes (tests compare the two on
every generated file). Only a file with a line it cannot settle goes through black itself: its
output is cached by a hash of the input and large batches are spread over the cores.
`SOGEN_FORMAT=black` runs black on every file.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ProcessPoolExecutor

import black

from generator.cache import POOL_CONTEXT, BuildCache
from generator.diagnostics import Diagnostics, SourceRef
from generator.render.layout import normalize_blank_lines, settle

_BLACK_MODE = black.Mode(target_versions={black.mode.TargetVersion.PY311})
_HEADER_END = re.compile(
    r"^(def |class |async def |@|__all__|_[A-Za-z]|if TYPE_CHECKING|[A-Z_]+ = )", re.M
)
# below this many files a process pool costs more than it saves
PARALLEL_THRESHOLD = 40


def tidy_header(text: str) -> str:
    """One blank line between import groups, whatever the templates' conditionals left."""
    m = _HEADER_END.search(text)
    end = m.start() if m else len(text)
    return re.sub(r"\n{3,}", "\n\n", text[:end]) + text[end:]


def _black(text: str) -> tuple[str, str | None]:
    """(formatted text, error message); runs in worker processes too."""
    try:
        return black.format_str(tidy_header(text), mode=_BLACK_MODE), None
    except Exception as exc:  # black raises many types; each is reported, not raised
        return text, str(exc)[:300]


def _format_one(text: str) -> tuple[str, str | None]:
    """black's output for one file: by the layout pass when it can settle every line, else by
    black itself (runs in worker processes too)."""
    if os.environ.get("SOGEN_FORMAT") != "black":
        settled, ok = settle(tidy_header(text))
        if ok:
            return normalize_blank_lines(settled), None
    return _black(text)


def format_python(
    files: dict[str, str], diags: Diagnostics, cache: BuildCache | None = None
) -> dict[str, str]:
    """Format every file whose name ends in .py; other files pass through."""
    result = dict(files)
    todo: list[str] = []
    for name, text in files.items():
        if not name.endswith(".py"):
            continue
        hit = cache.formatted(text) if cache is not None else None
        if hit is not None:
            result[name] = hit
        else:
            todo.append(name)
    workers = min(os.cpu_count() or 1, 8)
    if len(todo) >= PARALLEL_THRESHOLD and workers > 1:
        chunk = max(1, len(todo) // (workers * 4))
        with ProcessPoolExecutor(max_workers=workers, mp_context=POOL_CONTEXT) as pool:
            outputs = list(pool.map(_format_one, [files[n] for n in todo], chunksize=chunk))
    else:
        outputs = [_format_one(files[n]) for n in todo]
    for name, (formatted, error) in zip(todo, outputs, strict=True):
        if error is not None:
            m = re.search(r"(\d+):(\d+)", error)
            line, col = (int(m.group(1)), int(m.group(2)) + 1) if m else (1, 1)
            message = " ".join(error.split())  # black's message spans lines; a diagnostic not
            diags.add(
                "SOG503",
                f"generated file is not valid Python: {message}",
                SourceRef(name, max(line, 1), max(col, 1)),
            )
            continue
        result[name] = formatted
        if cache is not None:
            cache.remember_formatted(files[name], formatted)
    return result
