"""Diagnostics are data: a code, a severity, a message and where it came from.

Stages append to a `Diagnostics` collector and never print; the CLI renders them.
Every code lives in the one table `CODES` below so that codes stay stable and documented.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]

# code -> (default severity, one-line meaning). Codes are stable: never renumber.
CODES: dict[str, tuple[Severity, str]] = {
    # 1xx: reading a page (encoding, front matter, required sections)
    "SOG100": ("error", "file cannot be read or decoded as UTF-8"),
    "SOG101": ("error", "front matter missing or not valid YAML"),
    "SOG102": ("error", "front matter has no uid (or older id)"),
    "SOG103": ("error", "no ```http endpoint block with METHOD /path"),
    "SOG104": ("error", "page is larger than the size limit"),
    "SOG105": ("warning", "title disagrees with the endpoint block"),
    "SOG106": ("error", "path is not under /api/v1/ (or has a '.' or '..' segment)"),
    "SOG107": ("error", "unknown HTTP method"),
    "SOG108": ("warning", "page has no response section"),
    "SOG109": ("warning", "endpoint path has an unbalanced brace; sent as text"),
    "SOG110": ("error", "a symlink loop in the input: the link names no file"),
    "SOG111": ("warning", "front matter key cannot be read as text; ignored"),
    # 2xx: tables
    "SOG201": ("error", "table row has the wrong number of cells"),
    "SOG202": ("warning", "a second table with another header in one section; ignored"),
    "SOG203": ("warning", "type cell is empty; type recovered from the sample or left open"),
    "SOG204": ("warning", "unknown type name; treated as a carrier reference"),
    "SOG205": ("error", "table has more rows than the row limit"),
    "SOG206": (
        "warning",
        "path part documented but not in the path, or in the path but not documented",
    ),
    "SOG207": ("warning", "response code is not a number"),
    "SOG208": ("warning", "duplicate row name in a table; the first is kept"),
    "SOG209": ("error", "type cell is not a valid type expression"),
    "SOG210": ("warning", "dotted query parameters cannot be one object; kept one by one"),
    # 3xx: samples
    "SOG301": ("warning", "sample body is not valid JSON"),
    "SOG302": ("warning", "sample http block is malformed"),
    "SOG303": ("warning", "sample contradicts the page's tables; the schema was widened"),
    "SOG304": ("warning", "sample is an include of another file; not available"),
    "SOG305": ("warning", "array item type unknown: not in the table nor the sample"),
    "SOG306": ("warning", "sample value breaks its type's format; the spec's example is repaired"),
    "SOG310": ("warning", "a code fence is never closed; it runs to the end of the page"),
    "SOG311": ("warning", "sample request's method or path is not the endpoint's"),
    "SOG307": ("warning", "sample holds a number no JSON tool carries; the sample is not used"),
    # 4xx: the model across pages
    "SOG401": ("error", "two pages have the same uid"),
    "SOG402": ("error", "two operations have the same method and path"),
    "SOG403": ("warning", "two pages describe one schema differently"),
    "SOG404": (
        "warning",
        "path templates differ only in parameter names; one path item in the spec",
    ),
    "SOG405": ("warning", "response body labelled TimeZoneData (known docs defect); renamed"),
    "SOG406": ("warning", "names collide after conversion to identifiers; made unique"),
    "SOG407": ("warning", "operation has no success (2xx) response"),
    "SOG408": ("warning", "dotted query object matches no carrier; schema made from the names"),
    "SOG409": ("warning", "enum lists a value twice, or an empty value; dropped"),
    "SOG410": ("warning", "a name from the pages is one the generated code uses; renamed"),
    # 5xx: output
    "SOG501": ("error", "emitted OpenAPI document is not valid"),
    "SOG502": ("error", "cannot write the output folder"),
    "SOG503": ("error", "generated code failed to render, format or compile"),
    "SOG504": ("error", "output folder (or a folder in it) sogen may not write or take over"),
    "SOG505": ("error", "a file sogen did not write is where it now writes one"),
    "SOG506": ("error", "something that is not a regular file is where sogen writes a file"),
    "SOG507": ("error", "cannot write the --dump-model file"),
    # 9xx: usage
    "SOG901": ("error", "input path does not exist"),
    "SOG902": ("error", "no endpoint pages found"),
    "SOG903": ("error", "configuration file problem"),
    "SOG904": ("error", "templates folder does not exist"),
    "SOG999": ("error", "internal error in sogen (a bug; please report it)"),
}


@dataclass(frozen=True, order=True, slots=True)
class SourceRef:
    """A place in an input page. line and col are 1-based; 0 means unknown."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col or 1}"
        return self.path

    def at(self, line: int, col: int = 1) -> SourceRef:
        return SourceRef(self.path, line, col)

    def __reduce__(self) -> tuple[type[SourceRef], tuple[str, int, int]]:
        # pickled as a constructor call: a frozen slotted dataclass would otherwise be
        # restored field by field in Python, and every cached page holds hundreds of these
        return (SourceRef, (self.path, self.line, self.col))


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    source: SourceRef | None = None
    severity: Severity = "error"
    related: tuple[SourceRef, ...] = ()

    def render(self) -> str:
        where = f"{self.source}: " if self.source else ""
        text = f"{where}{self.severity}: {self.message} [{self.code}]"
        for other in self.related:
            text += f"\n{other}: note: see also"
        return text

    def sort_key(self) -> tuple[str, int, int, str, str]:
        s = self.source or SourceRef("")
        return (s.path, s.line, s.col, self.code, self.message)


@dataclass(slots=True)
class Diagnostics:
    """Collects diagnostics from every stage, in the order they were found."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(
        self,
        code: str,
        message: str,
        source: SourceRef | None = None,
        related: tuple[SourceRef, ...] = (),
    ) -> None:
        severity, _ = CODES[code]
        self.items.append(Diagnostic(code, message, source, severity, related))

    def extend(self, other: Diagnostics) -> None:
        self.items.extend(other.items)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=Diagnostic.sort_key)
