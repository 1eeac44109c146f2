"""PageDoc: one page split into its sections, tables and fences, each with its line.

This is the output of stage 1. It stays close to the page: cells are raw strings, types are
not interpreted yet. The model stage (stage 2) gives them meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.diagnostics import SourceRef


@dataclass(slots=True)
class Row:
    cells: list[str]
    source: SourceRef
    cell_cols: list[int] = field(default_factory=list)  # 1-based column of each cell

    def cell_ref(self, index: int) -> SourceRef:
        col = self.cell_cols[index] if index < len(self.cell_cols) else 1
        return self.source.at(self.source.line, col)


@dataclass(slots=True)
class Table:
    header: list[str]
    rows: list[Row]
    source: SourceRef


@dataclass(slots=True)
class Fence:
    info: str  # http, http!, http_, js, ""
    content: str
    source: SourceRef  # the opening fence line
    content_line: int  # line of the first content line


@dataclass(slots=True)
class Paragraph:
    text: str
    source: SourceRef


@dataclass(slots=True)
class Sample:
    """A sample request or response: a fence, or a DocFX include we cannot follow."""

    source: SourceRef
    fence: Fence | None = None
    include: str | None = None


@dataclass(slots=True)
class RequestBodySection:
    name: str
    source: SourceRef
    paragraphs: list[Paragraph] = field(default_factory=list)
    table: Table | None = None


@dataclass(slots=True)
class ResponseSection:
    label: str  # what follows "Response:" (`array`, `string`, `object`, "" ...)
    source: SourceRef
    paragraphs: list[Paragraph] = field(default_factory=list)
    codes: Table | None = None
    body_label: str | None = None  # what follows "Response body:"; None when absent
    body_source: SourceRef | None = None
    body_table: Table | None = None


@dataclass(slots=True)
class PageDoc:
    path: str
    front_matter: dict[str, str]
    front_matter_source: SourceRef
    uid: str
    uid_source: SourceRef
    title: str
    method: str
    url_path: str
    endpoint_source: SourceRef
    description: str
    description_source: SourceRef
    path_table: Table | None = None
    query_table: Table | None = None
    header_table: Table | None = None
    request_body: RequestBodySection | None = None
    response: ResponseSection | None = None
    sample_request: Sample | None = None
    sample_response: Sample | None = None
