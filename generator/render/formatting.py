"""Formatting the rendered Python files as black would, mostly without running black.

The templates emit black's style already; the lines that grow with page content are split by
`layout.settle`, which applies black's rules to our statement shapes (tests compare the two on
every generated file). A line it cannot settle has black format the statement around it, alone
(`units`): the cost grows with that statement, not with the file. Black formats a whole file
only when no statement around such a line can be cut out safely; `STATS` counts both.
`SOGEN_FORMAT=black` runs black on every whole file. Black is imported only when used.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from generator.render.layout import LINE_LENGTH, normalize_blank_lines, settle_marked
from generator.render.units import format_units

if TYPE_CHECKING:
    import black

_HEADER_END = re.compile(
    r"^(def |class |async def |@|__all__|_[A-Za-z]|if TYPE_CHECKING|[A-Z_]+ = )", re.M
)


@dataclass
class FormatStats:
    """What black was needed for, over the files formatted."""

    units: int = 0  # statements black formatted alone
    unit_files: int = 0  # files with such statements
    whole: int = 0  # files black formatted whole
    slowest: float = 0.0  # seconds, the file that took longest to format
    slowest_path: str = ""

    def add(self, other: FormatStats) -> None:
        self.units += other.units
        self.unit_files += other.unit_files
        self.whole += other.whole
        if other.slowest > self.slowest:
            self.slowest, self.slowest_path = other.slowest, other.slowest_path

    def timed(self, path: str, seconds: float) -> None:
        if seconds > self.slowest:
            self.slowest, self.slowest_path = seconds, path

    def since(self, before: FormatStats) -> FormatStats:
        """The counts added after `before` was copied (the slowest file is this one's)."""
        return FormatStats(
            self.units - before.units,
            self.unit_files - before.unit_files,
            self.whole - before.whole,
            self.slowest,
            self.slowest_path,
        )

    def copy(self) -> FormatStats:
        return replace(self)

    def describe(self) -> str:
        where = f"{self.slowest_path} {self.slowest:.3f}s" if self.slowest_path else "none"
        return (
            f"formatter fallbacks: {self.units + self.whole} "
            f"(statements: {self.units} in {self.unit_files} files, whole-file: {self.whole}), "
            f"slowest file: {where}"
        )


STATS = FormatStats()  # this process's, since it started


def tidy_header(text: str) -> str:
    """One blank line between import groups, whatever the templates' conditionals left."""
    m = _HEADER_END.search(text)
    end = m.start() if m else len(text)
    return re.sub(r"\n{3,}", "\n\n", text[:end]) + text[end:]


def _mode(line_length: int = LINE_LENGTH) -> black.Mode:
    import black

    return black.Mode(target_versions={black.mode.TargetVersion.PY311}, line_length=line_length)


def _black(text: str) -> tuple[str, str | None]:
    """(formatted text, error message)."""
    import black

    STATS.whole += 1
    try:
        return black.format_str(tidy_header(text), mode=_mode()), None
    except Exception as exc:  # black raises many types; each is reported, not raised
        return text, str(exc)[:300]


def black_statement(text: str, line_length: int) -> str:
    """Black's text for statements given without their indentation, which is
    LINE_LENGTH - line_length columns."""
    import black

    return black.format_str(text, mode=_mode(line_length))


def _marked_lines(settled: str, marks: list[int], lines: list[str]) -> list[int]:
    """The indexes in `lines` (settled text after normalize_blank_lines) of the lines that
    start at offsets `marks` in `settled`. Normalizing adds and removes blank lines only, so
    a line keeps its place among the non-blank ones."""
    places: list[int] = []  # each mark's place among the non-blank lines
    nonblank = pos = 0
    for mark in marks:
        while pos < mark:
            end = settled.find("\n", pos)
            if settled[pos:end].strip():
                nonblank += 1
            pos = end + 1
        places.append(nonblank)
    found = []
    it = iter(places)
    want = next(it, None)
    nonblank = 0
    for k, text in enumerate(lines):
        if not text.strip():
            continue
        while want is not None and want == nonblank:
            found.append(k)
            want = next(it, None)
        nonblank += 1
    return found


def format_source(text: str, house_style: bool = True) -> tuple[str, str | None]:
    """(black's output for one file, None) by the layout pass, with black on the statements
    it cannot settle, else by black itself; (text, error message) when the file is not valid
    Python. The layout pass holds only for text in the built-in templates' style (`house_style`,
    which the tests check against black on every generated file); a user's template may write
    anything, so its files are black's alone."""
    if not house_style or os.environ.get("SOGEN_FORMAT") == "black":
        return _black(text)
    settled, marks = settle_marked(tidy_header(text))
    normalized = normalize_blank_lines(settled)
    if not marks:
        return normalized, None
    if "fmt:" not in normalized:  # `# fmt: off` and `# fmt: skip` reach beyond a statement
        lines = normalized.split("\n")
        count = format_units(lines, _marked_lines(settled, marks, lines), black_statement)
        if count is not None:
            STATS.units += count
            STATS.unit_files += 1
            return "\n".join(lines), None
    return _black(text)
