"""Formatting the rendered Python files as black would, mostly without running black.

The templates emit black's style already; the lines that grow with page content are split by
`layout.settle`, which applies black's rules to our statement shapes (tests compare the two on
every generated file). Only a file with a line it cannot settle goes through black itself (black
is imported then, and only then). `SOGEN_FORMAT=black` runs black on every file.
"""

from __future__ import annotations

import os
import re

from generator.render.layout import normalize_blank_lines, settle

_HEADER_END = re.compile(
    r"^(def |class |async def |@|__all__|_[A-Za-z]|if TYPE_CHECKING|[A-Z_]+ = )", re.M
)


def tidy_header(text: str) -> str:
    """One blank line between import groups, whatever the templates' conditionals left."""
    m = _HEADER_END.search(text)
    end = m.start() if m else len(text)
    return re.sub(r"\n{3,}", "\n\n", text[:end]) + text[end:]


def _black(text: str) -> tuple[str, str | None]:
    """(formatted text, error message)."""
    import black

    mode = black.Mode(target_versions={black.mode.TargetVersion.PY311})
    try:
        return black.format_str(tidy_header(text), mode=mode), None
    except Exception as exc:  # black raises many types; each is reported, not raised
        return text, str(exc)[:300]


def format_source(text: str) -> tuple[str, str | None]:
    """(black's output for one file, None) by the layout pass when it can settle every line,
    else by black itself; (text, error message) when the file is not valid Python."""
    if os.environ.get("SOGEN_FORMAT") != "black":
        settled, ok = settle(tidy_header(text))
        if ok:
            return normalize_blank_lines(settled), None
    return _black(text)
