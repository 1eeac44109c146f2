"""Helpers for the pages -> model -> OpenAPI tests (imported as `pagekit`; see conftest.py).

Pages used by the unit tests are written inline, modelled on the format described in
../shared/corpus/FORMAT-NOTES.md; `page_text` assembles one from sections so a test only spells
out the part it is about.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator import cli
from generator.diagnostics import Diagnostics
from generator.model.api import build_api
from generator.model.ir import Api
from generator.pages.pagedoc import PageDoc
from generator.pages.parse import parse_page

REPO = Path(__file__).resolve().parents[1]
CORPUS = (REPO / ".." / "shared" / "corpus").resolve()
UPDATE_GOLDEN = os.environ.get("SOGEN_UPDATE_GOLDEN") == "1"
# counts the corpus tests report at the end of the run (see conftest.pytest_terminal_summary)
COUNTS: dict[str, str] = {}

HEADERS_FULL = """\
## Request Headers

| Parameter Name | Description |
|----------------|-------------|
| Authorization  | Supports 'Basic', 'SoTicket' and 'Bearer' schemes. |
| X-XSRF-TOKEN   | If not using Authorization header, you must provide XSRF value from cookie |
| Content-Type | Content-type of the request body: `application/json`, `text/json` |
| Accept         | Content-type(s) you would like the response in: `application/json`, `text/json` |
| Accept-Language | Convert string references into a language (iso2) code. |
| SO-Language | Convert string references. Overrides Accept-Language value. |
| SO-AppToken | The application token that identifies the partner app. |
"""

RESPONSE_OK_STRING = """\
## Response:string

OK

| Response | Description |
|----------------|-------------|
| 200 | OK |

### Response body: string
"""


def page_text(
    *,
    front: str = "title: POST Agents/Test/DoThing\nuid: v1TestAgent_DoThing\ngenerated: true",
    h1: str | None = "# POST Agents/Test/DoThing",
    endpoint: str | None = "POST /api/v1/Agents/Test/DoThing",
    description: str = "Does the thing.",
    path_table: str = "",
    query: str = "",
    headers: str = HEADERS_FULL,
    body: str = "",
    response: str = RESPONSE_OK_STRING,
    samples: str = "",
) -> str:
    """One page in the current generator's layout; every part can be replaced or left out."""
    parts = [f"---\n{front}\n---\n"]
    if h1 is not None:
        parts.append(h1 + "\n")
    if endpoint is not None:
        parts.append(f"```http\n{endpoint}\n```\n")
    parts.append(description + "\n\n\n\n")
    for section in (path_table, query, headers, body, response, samples):
        if section:
            parts.append(section.rstrip("\n") + "\n\n")
    return "\n".join(parts).rstrip("\n")


_REST_HEADERS = "\n".join(ln for ln in HEADERS_FULL.splitlines() if "Content-Type" not in ln)


def rest_page(
    uid: str, method: str, path: str, params: dict[str, str], response: str = "", sample: str = ""
) -> str:
    """A REST page for `method /api/v1/path`; `params`: path part -> type cell; `sample`: the
    body of a 200 sample response."""
    rows = "".join(
        f"| {name} | {cell} | The {name}. **Required** |\n" for name, cell in params.items()
    )
    table = "| Path Part | Type | Description |\n|-----------|------|-------------|\n" + rows
    samples = ""
    if sample:
        samples = (
            "## Sample response\n\n```http_\nHTTP/1.1 200 OK\n"
            f"Content-Type: application/json; charset=utf-8\n\n{sample}\n```"
        )
    return page_text(
        front=f"title: {method} {path}\nuid: {uid}",
        h1=f"# {method} {path}",
        endpoint=f"{method} /api/v1/{path}",
        description=f"The {uid} operation.",
        path_table=table,
        headers=_REST_HEADERS,
        response=response or RESPONSE_OK_STRING,
        samples=samples,
    )


@dataclass
class Parsed:
    doc: PageDoc | None
    diags: Diagnostics

    @property
    def codes(self) -> list[str]:
        return [d.code for d in self.diags]


def parse(text: str, path: str = "pages/test.md") -> Parsed:
    diags = Diagnostics()
    return Parsed(parse_page(text, path, diags), diags)


def model(*texts: str | tuple[str, str]) -> tuple[Api, Diagnostics]:
    """Parse pages (text, or (path, text)) and build the model. Every page must parse."""
    diags = Diagnostics()
    docs = []
    for n, item in enumerate(texts):
        path, text = item if isinstance(item, tuple) else (f"pages/p{n}.md", item)
        doc = parse_page(text, path, diags)
        assert doc is not None, [d.render() for d in diags]
        docs.append(doc)
    return build_api(docs, diags), diags


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*argv: str | Path) -> CliResult:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(a) for a in argv], out=out, err=err)
    return CliResult(code, out.getvalue(), err.getvalue())


def need_corpus() -> Path:
    """The shared corpus folder; skips the calling test cleanly when it is absent."""
    if not (CORPUS / "pages").is_dir():
        pytest.skip(f"corpus not present at {CORPUS}")
    return CORPUS
