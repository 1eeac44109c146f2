"""Stage 1: one page's text -> PageDoc.

markdown-it-py gives a block token stream with line maps; small rule functions walk it and put
each table, fence and paragraph into the section it belongs to. Only the known section headings
open a section: pseudo-headings inside descriptions (`## Online Restricted: ## ...`,
`## Aggregation operators`) stay description text. See ../shared/corpus/FORMAT-NOTES.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import yaml
from markdown_it.token import Token

from generator.diagnostics import Diagnostics, SourceRef
from generator.pages import heading_rule, table_rule
from generator.pages.mdparser import make_parser
from generator.pages.pagedoc import (
    Fence,
    PageDoc,
    Paragraph,
    RequestBodySection,
    ResponseSection,
    Row,
    Sample,
    Table,
)

MAX_TABLE_ROWS = 5000
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


_MD = make_parser()
# libyaml's loader when present (same results, several times faster)
_YAML_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(text: str) -> object:
    """Load with libyaml; on an error, load again with the Python loader, whose messages are
    the ones we report (libyaml words them differently)."""
    try:
        return yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError:
        return yaml.load(text, Loader=yaml.SafeLoader)


_REQUEST_BODY = re.compile(r"^Request Body\s*:?\s*(.*)$", re.I)
_RESPONSE = re.compile(r"^Response(?:\s*:\s*(.*)|\s*)$", re.I)
_RESPONSE_BODY = re.compile(r"^Response body\s*:\s*(.*)$", re.I)
# `[^\[\]\n]` (not `[^\]]`): a title may not hold "[", so each "[!include[" scans only to the
# next one; otherwise 100k of them on one line are quadratic.
_INCLUDE = re.compile(r"\[!include\[[^\[\]\n]*\]\(([^()\n]*)\)\]")
_ENDPOINT = re.compile(r"^\s*([A-Za-z]+)\s+(\S+)\s*$")


@dataclass
class _State:
    """What the token walk knows so far."""

    path: str
    lines: list[str]
    diags: Diagnostics
    section: str = "preamble"  # preamble, description, query, headers, body, response, ...
    front_matter: dict[str, str] = field(default_factory=dict)
    front_matter_line: int = 1
    uid_line: int = 1
    title: str = ""
    endpoint: Fence | None = None
    description_start: int = 0  # 0-based line after the endpoint fence
    description_end: int | None = None
    path_table: Table | None = None
    query_table: Table | None = None
    header_table: Table | None = None
    request_body: RequestBodySection | None = None
    response: ResponseSection | None = None
    sample_request: Sample | None = None
    sample_response: Sample | None = None
    excluded_lines: set[int] = field(default_factory=set)

    def ref(self, line0: int, col: int = 1) -> SourceRef:
        return SourceRef(self.path, line0 + 1, col)

    def end_description(self, line0: int) -> None:
        if self.section in ("preamble", "description") and self.description_end is None:
            self.description_end = line0


def parse_page(text: str, path: str, diags: Diagnostics) -> PageDoc | None:
    """Parse one page. Returns None when an error makes the page unusable (already reported)."""
    state = _State(path=path, lines=text.split("\n"), diags=diags)
    if _refuse_oversized_tables(state):
        return None
    tokens = _MD.parse(text)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        rule = _RULES.get(token.type)
        i = rule(state, tokens, i) if rule else i + 1
    return _finish(state)


# A GFM delimiter row (`|---|:--:|`) and what ends a table's body (blank line or a new block).
_TABLE_DELIMITER = re.compile(r"^\s*(?:\|\s*)?:?-+:?\s*(?:\|\s*:?-+:?\s*)*(?:\|\s*)?$")
_BLOCK_START = re.compile(
    r"^\s{0,3}(?:#{1,6}(?:\s|$)|>|```|~~~|[-*+](?:\s|$)|\d{1,9}[.)](?:\s|$)|<)"
)


def _refuse_oversized_tables(state: _State) -> bool:
    """Refuse a page whose table has more rows than the limit before Markdown parses it.

    One linear pass over the lines: parsing a 100,000-row table takes seconds, and a page
    with such a table is refused anyway (SOG205 is an error).
    """
    lines = state.lines
    if len(lines) <= MAX_TABLE_ROWS + 2:
        return False  # too short to hold a table over the limit (most pages)
    n = 1
    while n < len(lines):
        if "|" in lines[n - 1] and "-" in lines[n] and _TABLE_DELIMITER.match(lines[n]):
            start = n - 1
            n += 1
            while n < len(lines) and lines[n].strip() and not _BLOCK_START.match(lines[n]):
                n += 1
            rows = n - start - 2
            if rows > MAX_TABLE_ROWS:
                state.diags.add(
                    "SOG205",
                    f"table has {rows} rows; the limit is {MAX_TABLE_ROWS} (page not parsed)",
                    state.ref(start),
                )
                return True
        n += 1
    return False


# --- rule functions: each takes the token index and returns the index after what it used ---


def _rule_front_matter(state: _State, tokens: list[Token], i: int) -> int:
    token = tokens[i]
    start = token.map[0] if token.map else 0
    state.front_matter_line = start + 1
    unsafe = _unsafe_yaml(token.content)
    if unsafe is not None:
        line, col, problem = unsafe
        state.diags.add(
            "SOG101", f"front matter is not accepted: {problem}", state.ref(start + line, col)
        )
        return i + 1
    try:
        data = _load_yaml(token.content)
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        # bad scalars the resolver accepted: `2024-13-45`, `!!int x`, a 5,000-digit number
        state.diags.add(
            "SOG101", f"front matter value is not valid: {str(exc)[:120]}", state.ref(start)
        )
        return i + 1
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = start + 2 + (mark.line if mark is not None else 0)
        col = (mark.column + 1) if mark is not None else 1
        problem = getattr(exc, "problem", None) or "syntax error"
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark is not None:
            # the parser notices late; say where the construct it gave up on began
            problem += f" ({context} that starts at line {start + 2 + context_mark.line})"
        state.diags.add(
            "SOG101", f"front matter is not valid YAML: {problem}", state.ref(line - 1, col)
        )
        return i + 1
    if not isinstance(data, dict):
        state.diags.add("SOG101", "front matter is not a YAML mapping", state.ref(start))
        return i + 1
    state.front_matter = {}
    for key, value in data.items():
        name = _key_text(key)
        if name is None:
            # `? 0xfff...` (5,000 hex digits) is an integer that str() refuses to print
            state.diags.add(
                "SOG111",
                "front matter key is a number too long to write as text; ignored",
                state.ref(start + _key_line(token.content)),
            )
            continue
        state.front_matter[name] = _scalar_text(value)
    for offset, text in enumerate(token.content.split("\n")):
        if re.match(r"^(uid|id)\s*:", text):
            state.uid_line = start + 2 + offset
            break
    return i + 1


_MAX_YAML_DEPTH = 20


def _unsafe_yaml(text: str) -> tuple[int, int, str] | None:
    """(line, col, problem) when front matter uses what pages never need and attackers love:
    anchors and aliases (a "billion laughs" page expands exponentially) or deep nesting (the
    YAML loader recurses). The token scan is linear and does not build anything. Syntax errors
    are left to the loader, which reports them with their place."""
    if "&" not in text and "*" not in text and sum(map(text.count, ":?-[{")) <= _MAX_YAML_DEPTH:
        # No anchor or alias, and each nesting level needs one of these indicators: skip the
        # scan, which costs as much as loading.
        return None
    depth = 0
    try:
        for token in yaml.scan(text, Loader=_YAML_LOADER):
            mark = token.start_mark
            if isinstance(token, yaml.AliasToken | yaml.AnchorToken):
                return mark.line + 1, mark.column + 1, "anchors and aliases (& and *)"
            if isinstance(
                token,
                yaml.FlowMappingStartToken
                | yaml.FlowSequenceStartToken
                | yaml.BlockMappingStartToken
                | yaml.BlockSequenceStartToken,
            ):
                depth += 1
                if depth > _MAX_YAML_DEPTH:
                    return mark.line + 1, mark.column + 1, f"nests deeper than {_MAX_YAML_DEPTH}"
            elif isinstance(
                token, yaml.FlowMappingEndToken | yaml.FlowSequenceEndToken | yaml.BlockEndToken
            ):
                depth -= 1
    except yaml.YAMLError:
        return None
    return None


def _key_text(key: object) -> str | None:
    try:
        return str(key)
    except ValueError:  # an integer with more digits than Python prints
        return None


def _key_line(text: str) -> int:
    """The front matter line (1 = the opening `---`) of the first key too long to print:
    the first line holding a run of more digits than a uid or title could."""
    for offset, line in enumerate(text.split("\n")):
        if re.search(r"[0-9a-fA-F_]{1000}", line):
            return offset + 1
    return 0


def _scalar_text(value: object) -> str:
    """Front matter values are plain text; a list or mapping is not a title or a uid."""
    if value is None or isinstance(value, dict | list | set | tuple):
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    try:
        return str(value)
    except ValueError:  # an integer too long to print
        return ""


def _rule_heading(state: _State, tokens: list[Token], i: int) -> int:
    """An ATX heading (`## Response`): one token (heading_rule.py)."""
    token = tokens[i]
    _heading(state, token.tag, token.content.strip(), token.map[0] if token.map else 0)
    return i + 1


def _rule_setext_heading(state: _State, tokens: list[Token], i: int) -> int:
    """A setext heading (a line underlined with === or ---): heading_open, inline, close."""
    token = tokens[i]
    text = tokens[i + 1].content.strip() if i + 1 < len(tokens) else ""
    _heading(state, token.tag, text, token.map[0] if token.map else 0)
    return i + 3


def _heading(state: _State, tag: str, text: str, line0: int) -> None:
    if tag == "h1" and not state.title:
        state.title = text
        return
    kind = _section_of_heading(tag, text)
    if kind is None:
        return  # a pseudo-heading: stays part of the description lines
    state.end_description(line0)
    state.section = kind
    ref = state.ref(line0, 1)
    if kind == "body":
        m = _REQUEST_BODY.match(text)
        state.request_body = RequestBodySection(name=(m.group(1) if m else "").strip(), source=ref)
    elif kind == "response":
        m = _RESPONSE.match(text)
        label = (m.group(1) or "") if m else ""
        state.response = ResponseSection(label=label.strip(), source=ref)
    elif kind == "response_body":
        _set_response_body(state, text, ref)


def _section_of_heading(tag: str, text: str) -> str | None:
    lower = text.lower()
    if tag not in ("h2", "h3"):
        return None
    if lower == "query string parameters":
        return "query"
    if lower == "request headers":
        return "headers"
    if _REQUEST_BODY.match(text):
        return "body"
    if _RESPONSE_BODY.match(text):
        return "response_body"
    if _RESPONSE.match(text):
        return "response"
    if lower == "sample request":
        return "sample_request"
    if lower == "sample response":
        return "sample_response"
    return None


def _set_response_body(state: _State, text: str, ref: SourceRef) -> None:
    m = _RESPONSE_BODY.match(text)
    if state.response is None:
        state.response = ResponseSection(label="", source=ref)
    state.response.body_label = (m.group(1) if m else "").strip()
    state.response.body_source = ref
    state.section = "response_body"


def _rule_paragraph(state: _State, tokens: list[Token], i: int) -> int:
    token = tokens[i]
    text = tokens[i + 1].content if i + 1 < len(tokens) else ""
    line0 = token.map[0] if token.map else 0
    after = i + 3
    ref = state.ref(line0)
    # Older pages write "Response body: object" as a plain line, not a heading.
    if state.section in ("response", "response_body") and _RESPONSE_BODY.match(text.strip()):
        _set_response_body(state, text.strip(), ref)
        return after
    include = _INCLUDE.search(text)
    if include and state.section in ("sample_request", "sample_response"):
        sample = Sample(source=ref, include=include.group(1))
        if state.section == "sample_request":
            state.sample_request = state.sample_request or sample
        else:
            state.sample_response = state.sample_response or sample
        return after
    paragraph = Paragraph(text=text.strip(), source=ref)
    if state.section == "body" and state.request_body is not None:
        state.request_body.paragraphs.append(paragraph)
    elif state.section == "response" and state.response is not None:
        state.response.paragraphs.append(paragraph)
    return after


def _rule_fence(state: _State, tokens: list[Token], i: int) -> int:
    token = tokens[i]
    line0 = token.map[0] if token.map else 0
    fence = Fence(
        info=token.info.strip(),
        content=token.content,
        source=state.ref(line0),
        content_line=line0 + 2,
    )
    _check_closed(state, token, line0)
    info = fence.info.lower()
    if info == "http" and state.endpoint is None and state.section == "preamble":
        state.endpoint = fence
        state.section = "description"
        state.description_start = token.map[1] if token.map else line0 + 1
    elif info == "http!":
        state.end_description(line0)
        state.sample_request = state.sample_request or Sample(source=fence.source, fence=fence)
    elif info == "http_":
        # Older pages put the response fence right under "## Sample Request", with no heading.
        state.end_description(line0)
        state.sample_response = state.sample_response or Sample(source=fence.source, fence=fence)
    return i + 1


def _rule_table(state: _State, tokens: list[Token], i: int) -> int:
    table = _read_table(state, tokens[i])
    header = [h.lower() for h in table.header]
    line0 = table.source.line - 1
    if header and header[0] == "path part":
        state.path_table = _merge(state, state.path_table, table)
        if state.section in ("preamble", "description") and state.description_end is None:
            token_map = tokens[i].map
            end = token_map[1] if token_map else line0 + 1
            state.excluded_lines.update(range(line0, end))
    elif header[:2] == ["response", "description"] and state.section in (
        "response",
        "response_body",
    ):
        if state.response is not None:
            state.response.codes = _merge(state, state.response.codes, table)
    elif state.section == "query":
        state.query_table = _merge(state, state.query_table, table)
    elif state.section == "headers":
        state.header_table = _merge(state, state.header_table, table)
    elif state.section == "body" and state.request_body is not None:
        state.request_body.table = _merge(state, state.request_body.table, table)
    elif state.section == "response_body" and state.response is not None:
        state.response.body_table = _merge(state, state.response.body_table, table)
    elif (
        state.section == "response"
        and state.response is not None
        and header[:1] == ["property name"]
    ):
        # A property table right under "## Response" with no body line (older pages).
        state.response.body_table = _merge(state, state.response.body_table, table)
    return i + 1


def _merge(state: _State, existing: Table | None, table: Table) -> Table:
    """A long table may be split into several with a repeated header: join them. A table with
    another header in the same section is reported and left out."""
    if existing is None:
        return table
    if [h.lower() for h in existing.header] == [h.lower() for h in table.header]:
        existing.rows.extend(table.rows)
    else:
        state.diags.add(
            "SOG202",
            f"table with header {' | '.join(table.header)!r} in a section that already has "
            f"{' | '.join(existing.header)!r}; ignored",
            table.source,
            related=(existing.source,),
        )
    return existing


def _read_table(state: _State, token: Token) -> Table:
    start = token.map[0] if token.map else 0
    header: list[str] = token.meta["header"]
    rows = [_make_row(state, cells, line0, len(header)) for line0, cells in token.meta["rows"]]
    table = Table(header=header, rows=rows, source=state.ref(start))
    if len(rows) > MAX_TABLE_ROWS:
        state.diags.add(
            "SOG205", f"table has {len(rows)} rows; the limit is {MAX_TABLE_ROWS}", table.source
        )
        table.rows = rows[:MAX_TABLE_ROWS]
    return table


def _make_row(state: _State, cells: list[str], line0: int, width: int) -> Row:
    raw = state.lines[line0] if line0 < len(state.lines) else ""
    starts = _cell_starts(raw)
    written = len(starts)
    cols = starts[: len(cells)]
    if written < len(cells):
        cols += [1] * (len(cells) - written)
    row = Row(cells=cells, source=state.ref(line0), cell_cols=cols)
    if written < width:
        state.diags.add(
            "SOG201",
            f"table row has {written} cells; the header has {width}",
            state.ref(line0, len(raw.rstrip()) + 1),
        )
    elif written > width > 0:
        # Markdown drops the extra cells; say so rather than lose them silently.
        state.diags.add(
            "SOG201",
            f"table row has {written} cells; the header has {width} (the extra cells are ignored;"
            " write a | inside a cell as \\|)",
            state.ref(line0, starts[width]),
        )
    return row


def _cell_starts(raw: str) -> list[int]:
    """Where the cells of a written table row start: the 1-based column of each cell's text.

    Cells are split at unescaped pipes (`\\|` stays inside a cell); the optional leading and
    trailing pipes do not open a cell. An empty cell's column is just after its opening pipe.
    """
    start = len(raw) - len(raw.lstrip())
    if raw.startswith("|", start):
        start += 1
    end = len(raw.rstrip())
    if "\\" in raw:
        return _escaped_cell_starts(raw, start, end)
    # No escapes (nearly every row): str.split finds the cells.
    if end > start and raw[end - 1] == "|":
        end -= 1
    if start > end:
        return []  # a line of blanks only
    starts: list[int] = []
    for text in raw[start:end].split("|"):
        rest = text.lstrip()
        starts.append(start + (len(text) - len(rest) if rest else 0) + 1)
        start += len(text) + 1
    return starts


def _escaped_cell_starts(raw: str, start: int, end: int) -> list[int]:
    """_cell_starts for a row with backslashes: a backslash keeps the next character in the
    cell, and one before the trailing pipe keeps that pipe in the last cell."""
    if end > start and raw[end - 1] == "|" and raw[end - 2 : end] != "\\|":
        end -= 1
    starts: list[int] = []
    cell_start = i = start
    while i <= end:
        if i == end or raw[i] == "|":
            text = raw[cell_start:i]
            lead = len(text) - len(text.lstrip()) if text.strip() else 0
            starts.append(cell_start + lead + 1)
            cell_start = i + 1
        elif raw[i] == "\\":
            i += 1  # an escaped character, `\\|` included, stays in the cell
        i += 1
    return starts


_Rule = Callable[[_State, list[Token], int], int]
_RULES: dict[str, _Rule] = {
    "front_matter": _rule_front_matter,
    heading_rule.TOKEN_TYPE: _rule_heading,
    "heading_open": _rule_setext_heading,
    "paragraph_open": _rule_paragraph,
    "fence": _rule_fence,
    table_rule.TOKEN_TYPE: _rule_table,
}


# --- assembling the PageDoc ---


def _finish(state: _State) -> PageDoc | None:
    fm = state.front_matter
    path_ref = SourceRef(state.path, 1, 1)
    if not fm:
        if (
            not state.diags.errors
            or state.diags.errors[-1].source is None
            or (state.diags.errors[-1].source.path != state.path)
        ):
            state.diags.add("SOG101", "page has no YAML front matter (--- ... ---)", path_ref)
        return None
    uid = fm.get("uid") or fm.get("id") or ""
    if not uid:
        state.diags.add("SOG102", "front matter has no uid", state.ref(state.front_matter_line - 1))
        return None
    endpoint = _parse_endpoint(state)
    if endpoint is None:
        return None
    method, url_path = endpoint
    assert state.endpoint is not None
    end = state.description_end if state.description_end is not None else len(state.lines)
    desc_lines = [
        state.lines[n]
        for n in range(state.description_start, min(end, len(state.lines)))
        if n not in state.excluded_lines
    ]
    return PageDoc(
        path=state.path,
        front_matter=fm,
        front_matter_source=state.ref(state.front_matter_line - 1),
        uid=uid.strip(),
        uid_source=SourceRef(state.path, state.uid_line, 1),
        title=fm.get("title", "") or state.title,
        method=method,
        url_path=url_path,
        endpoint_source=SourceRef(state.path, state.endpoint.content_line, 1),
        description="\n".join(desc_lines).strip("\n"),
        description_source=state.ref(state.description_start),
        path_table=state.path_table,
        query_table=state.query_table,
        header_table=state.header_table,
        request_body=state.request_body,
        response=state.response,
        sample_request=state.sample_request,
        sample_response=state.sample_response,
    )


def _check_closed(state: _State, token: Token, line0: int) -> None:
    """A fence never closed runs to the end of the page and swallows what follows (the
    sample response, say), which would otherwise go unnoticed."""
    end = token.map[1] if token.map else line0 + 1
    last = state.lines[end - 1].strip() if line0 < end - 1 < len(state.lines) else ""
    closed = last.startswith(token.markup) and not last.strip(token.markup[0])
    if not closed:
        state.diags.add(
            "SOG310",
            f"this {token.markup} fence is never closed; it runs to the end of the page",
            state.ref(line0),
        )


def _parse_endpoint(state: _State) -> tuple[str, str] | None:
    fence = state.endpoint
    if fence is None:
        state.diags.add(
            "SOG103",
            "no ```http block with the endpoint (METHOD /api/v1/...)",
            SourceRef(state.path, max(state.front_matter_line, 1), 1),
        )
        return None
    first = next((ln for ln in fence.content.split("\n") if ln.strip()), "")
    m = _ENDPOINT.match(first)
    ref = SourceRef(state.path, fence.content_line, 1)
    if not m:
        state.diags.add("SOG103", f"endpoint block does not read METHOD /path: {first!r}", ref)
        return None
    method = m.group(1).upper()
    if method not in HTTP_METHODS:
        state.diags.add("SOG107", f"unknown HTTP method {m.group(1)!r}", ref)
        return None
    url_path = m.group(2).split("?", 1)[0]
    if not url_path.startswith("/api/v1/"):
        col = first.find(m.group(2)) + 1
        state.diags.add(
            "SOG106", f"endpoint path {url_path!r} is not under /api/v1/", ref.at(ref.line, col)
        )
        return None
    if _has_dot_segment(url_path):
        # `/api/v1/Agents/../../Cust99999/...` would leave the tenant's base URL, credentials
        # and all, once a server or proxy resolves the dots
        col = first.find(m.group(2)) + 1
        state.diags.add(
            "SOG106",
            f"endpoint path {url_path!r} has a dot segment (. or ..); it could leave /api/v1/",
            ref.at(ref.line, col),
        )
        return None
    if not _balanced_braces(url_path):
        col = first.find(m.group(2)) + 1
        state.diags.add(
            "SOG109",
            f"endpoint path {url_path!r} has an unbalanced brace; the brace is sent as text",
            ref.at(ref.line, col),
        )
    return method, url_path


def _balanced_braces(path: str) -> bool:
    """Every `{` closed by a `}` before the next `{`, and no `}` without its `{`."""
    depth = 0
    for char in path:
        if char in "{}":
            depth += 1 if char == "{" else -1
            if depth not in (0, 1):
                return False
    return depth == 0


def _has_dot_segment(path: str) -> bool:
    """A `.` or `..` segment, also percent-encoded (`%2e%2E`) or with a backslash separator."""
    segments = re.split(r"[/\\]", path.replace("%2e", ".").replace("%2E", "."))
    return any(segment in (".", "..") for segment in segments)
