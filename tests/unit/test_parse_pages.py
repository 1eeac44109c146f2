"""Stage 1 (generator/pages): one rule per test, on small pages written in the reference format."""

from __future__ import annotations

from pathlib import Path

from pagekit import HEADERS_FULL, page_text, parse

from generator.diagnostics import Diagnostics
from generator.pages.reader import read_page_text

# --- front matter -----------------------------------------------------------------------------


def test_front_matter_current_form() -> None:
    p = parse(page_text())
    assert p.doc is not None and not p.codes
    assert p.doc.uid == "v1TestAgent_DoThing"
    assert p.doc.uid_source.line == 3
    assert p.doc.front_matter == {
        "title": "POST Agents/Test/DoThing",
        "uid": "v1TestAgent_DoThing",
        "generated": "True",
    }


def test_front_matter_with_content_type() -> None:
    front = (
        "title: POST Agents/Test/DoThing\nuid: v1TestAgent_DoThing\n"
        "generated: true\ncontent_type: reference"
    )
    p = parse(page_text(front=front))
    assert p.doc is not None and not p.codes
    assert p.doc.front_matter["content_type"] == "reference"
    assert p.doc.uid == "v1TestAgent_DoThing"


def test_front_matter_without_generated() -> None:
    p = parse(page_text(front="title: POST Agents/Test/DoThing\nuid: v1TestAgent_DoThing"))
    assert p.doc is not None and not p.codes
    assert "generated" not in p.doc.front_matter
    assert p.doc.uid == "v1TestAgent_DoThing"


def test_front_matter_older_id_key() -> None:
    p = parse(page_text(front="title: POST Agents/Test/DoThing\nid: v1TestAgent_Old"))
    assert p.doc is not None and not p.codes
    assert p.doc.uid == "v1TestAgent_Old"
    assert p.doc.uid_source.line == 3


def test_front_matter_without_uid_is_sog102() -> None:
    p = parse(page_text(front="title: POST Agents/Test/DoThing\ngenerated: true"))
    assert p.doc is None
    assert p.codes == ["SOG102"]


def test_missing_front_matter_is_sog101() -> None:
    text = page_text().split("---\n", 2)[2]
    p = parse(text)
    assert p.doc is None
    assert p.codes == ["SOG101"]


def test_bad_yaml_front_matter_is_located() -> None:
    p = parse(page_text(front="title: POST Agents/Test/DoThing\nuid: [unclosed"))
    assert p.doc is None
    assert p.codes[0] == "SOG101"
    source = p.diags.items[0].source
    assert source is not None and source.line >= 3  # inside the front matter, not line 1


# --- titles and the endpoint block ------------------------------------------------------------


def line_of(text: str, needle: str, start: int = 0) -> int:
    """1-based number of the first line at or after line `start` (1-based) equal to needle."""
    return text.split("\n").index(needle, start) + 1


def test_h1_with_verb_and_endpoint_block() -> None:
    text = page_text()
    p = parse(text)
    assert p.doc is not None
    assert p.doc.title == "POST Agents/Test/DoThing"
    assert (p.doc.method, p.doc.url_path) == ("POST", "/api/v1/Agents/Test/DoThing")
    # the line inside the fence
    assert p.doc.endpoint_source.line == line_of(text, "POST /api/v1/Agents/Test/DoThing")


def test_bare_method_title_older_form() -> None:
    p = parse(page_text(front="title: DoThing\nid: v1TestAgent_DoThing", h1="# DoThing"))
    assert p.doc is not None and not p.codes
    assert p.doc.title == "DoThing"
    assert (p.doc.method, p.doc.url_path) == ("POST", "/api/v1/Agents/Test/DoThing")


def test_endpoint_block_wins_over_title() -> None:
    front = "title: DEL Thing/{id}\nuid: v1ThingEntity_DeleteThing"
    p = parse(
        page_text(front=front, h1="# DEL Thing/{id}", endpoint="DELETE /api/v1/Thing/{thingId}")
    )
    assert p.doc is not None
    assert (p.doc.method, p.doc.url_path) == ("DELETE", "/api/v1/Thing/{thingId}")


def test_missing_endpoint_block_is_sog103() -> None:
    p = parse(page_text(endpoint=None))
    assert p.doc is None and p.codes == ["SOG103"]


def test_bad_method_is_sog107() -> None:
    p = parse(page_text(endpoint="FETCH /api/v1/Agents/Test/DoThing"))
    assert p.doc is None and p.codes == ["SOG107"]


def test_path_outside_api_v1_is_sog106_at_the_path_column() -> None:
    text = page_text(endpoint="POST /api/v2/Agents/Test/DoThing")
    p = parse(text)
    assert p.doc is None and p.codes == ["SOG106"]
    source = p.diags.items[0].source
    line = line_of(text, "POST /api/v2/Agents/Test/DoThing")
    assert source is not None and (source.line, source.col) == (line, 6)


def test_second_http_block_is_a_query_sample_not_the_endpoint() -> None:
    query = """\
## Query String Parameters

| Parameter Name | Type |  Description |
|----------------|------|--------------|
| $select | string |  Optional comma separated list. |

```http
POST /api/v1/Agents/Test/DoThing?$select=name
```
"""
    p = parse(page_text(query=query))
    assert p.doc is not None
    assert p.doc.url_path == "/api/v1/Agents/Test/DoThing"
    assert p.doc.query_table is not None and len(p.doc.query_table.rows) == 1


# --- path part table --------------------------------------------------------------------------

PATH_TABLE = """\
| Path Part | Type | Description |
|-----------|------|-------------|
| id | int32 | The item id. **Required** |
| udListDefinitionId | int32 | The list id. **Required** |
"""


def test_path_part_table_without_heading_rows_out_of_order() -> None:
    front = "title: GET List/{id}/Items/{id}\nuid: v1ListItemEntity_GetItem"
    p = parse(
        page_text(
            front=front,
            h1="# GET List/{id}/Items/{id}",
            endpoint="GET /api/v1/List/{udListDefinitionId}/Items/{id}",
            description="Gets an item.",
            path_table=PATH_TABLE,
        )
    )
    assert p.doc is not None and not p.codes
    assert p.doc.path_table is not None
    assert [r.cells[0] for r in p.doc.path_table.rows] == ["id", "udListDefinitionId"]
    # the table is not part of the description
    assert p.doc.description == "Gets an item."


def test_path_part_rows_bind_by_name_not_order() -> None:
    from pagekit import model

    front = "title: GET List/{id}/Items/{id}\nuid: v1ListItemEntity_GetItem"
    table = PATH_TABLE.replace("| udListDefinitionId | int32 |", "| udListDefinitionId | string |")
    api, diags = model(
        page_text(
            front=front,
            endpoint="GET /api/v1/List/{udListDefinitionId}/Items/{id}",
            path_table=table,
        )
    )
    op = api.operations()[0]
    params = [(p.name, p.type.kind) for p in op.parameters if p.location == "path"]
    assert params == [("udListDefinitionId", "string"), ("id", "integer")]
    assert not [d for d in diags if d.code == "SOG206"]


# --- query table ------------------------------------------------------------------------------


def test_query_table_split_with_repeated_header_is_joined() -> None:
    query = """\
## Query String Parameters

| Parameter Name | Type |  Description |
|----------------|------|--------------|
| a.b | string |  First. |
| a.c | int32 |  Second. |

| Parameter Name | Type |  Description |
|----------------|------|--------------|
| a.d | date-time |  Third. |

| Parameter Name | Type |  Description |
|----------------|------|--------------|
| a.e | Enum: X, Y |  Fourth. |
"""
    text = page_text(query=query)
    p = parse(text)
    assert p.doc is not None and not p.codes
    assert p.doc.query_table is not None
    assert [r.cells[0] for r in p.doc.query_table.rows] == ["a.b", "a.c", "a.d", "a.e"]
    lines = text.split("\n")
    expected = [
        next(n for n, ln in enumerate(lines, 1) if ln.startswith(f"| a.{c} |")) for c in "bcde"
    ]
    assert [r.source.line for r in p.doc.query_table.rows] == expected


def test_query_required_marker_kept_in_cell() -> None:
    query = """\
## Query String Parameters

| Parameter Name | Type |  Description |
|----------------|------|--------------|
| associateId | int32 | **Required** The associate. |
"""
    p = parse(page_text(query=query))
    assert p.doc is not None and p.doc.query_table is not None
    assert p.doc.query_table.rows[0].cells == [
        "associateId",
        "int32",
        "**Required** The associate.",
    ]


# --- headers table ----------------------------------------------------------------------------


def test_headers_without_content_type() -> None:
    headers = "\n".join(ln for ln in HEADERS_FULL.splitlines() if "Content-Type" not in ln)
    p = parse(page_text(headers=headers))
    assert p.doc is not None and p.doc.header_table is not None
    names = [r.cells[0] for r in p.doc.header_table.rows]
    assert "Content-Type" not in names and "Authorization" in names


def test_headers_with_empty_lists() -> None:
    headers = """\
## Request Headers

| Parameter Name | Description |
|----------------|-------------|
| Authorization  | Supports 'Basic'. |
| Content-Type | Content-type of the request body:  |
| Accept         | Content-type(s) you would like the response in:  |
| SO-AppToken | The application token. |
"""
    p = parse(page_text(headers=headers))
    assert p.doc is not None and not p.codes
    assert p.doc.header_table is not None
    rows = {r.cells[0]: r.cells[1] for r in p.doc.header_table.rows}
    assert rows["Accept"] == "Content-type(s) you would like the response in:"
    assert rows["Content-Type"] == "Content-type of the request body:"


def test_irregular_padding_is_trimmed() -> None:
    p = parse(page_text())
    assert p.doc is not None and p.doc.header_table is not None
    assert p.doc.header_table.rows[0].cells[0] == "Authorization"
    assert p.doc.header_table.rows[0].cell_cols[0] == 3


# --- request body -----------------------------------------------------------------------------

AGENT_BODY = """\
## Request Body: request\x20

FormId, Status\x20

| Property Name | Type |  Description |
|----------------|------|--------------|
| FormId | Integer |  |
| Status | String |  |
"""


def test_request_body_agent_form() -> None:
    p = parse(page_text(body=AGENT_BODY))
    assert p.doc is not None and p.doc.request_body is not None
    body = p.doc.request_body
    assert body.name == "request"
    assert [x.text for x in body.paragraphs] == ["FormId, Status"]
    assert body.table is not None and [r.cells[:2] for r in body.table.rows] == [
        ["FormId", "Integer"],
        ["Status", "String"],
    ]


def test_request_body_rest_form_with_description() -> None:
    body = """\
## Request Body: entity\x20

The Thing to be saved.\x20

| Property Name | Type |  Description |
|----------------|------|--------------|
| ThingId | Integer |  |
"""
    p = parse(page_text(body=body))
    assert p.doc is not None and p.doc.request_body is not None
    assert p.doc.request_body.name == "entity"
    assert [x.text for x in p.doc.request_body.paragraphs] == ["The Thing to be saved."]


def test_request_body_without_table() -> None:
    body = "## Request Body: ids \n\nThe ids to add. \n"
    p = parse(page_text(body=body))
    assert p.doc is not None and p.doc.request_body is not None
    assert p.doc.request_body.name == "ids"
    assert p.doc.request_body.table is None
    assert p.doc.response is not None and p.doc.response.label == "string"


def test_request_body_older_two_trailing_spaces_and_none() -> None:
    for heading in ("## Request Body: request  ", "## Request Body: request"):
        p = parse(page_text(body=AGENT_BODY.replace("## Request Body: request ", heading)))
        assert p.doc is not None and p.doc.request_body is not None
        assert p.doc.request_body.name == "request"


# --- response section -------------------------------------------------------------------------


def _response(heading: str, body_line: str, table: str = "") -> str:
    codes = "| Response | Description |\n|----------------|-------------|\n| 200 | OK |"
    return f"{heading}\n\nOK\n\n{codes}\n\n{body_line}\n\n{table}"


PROPS = """\
| Property Name | Type |  Description |
|----------------|------|--------------|
| ThingId | int32 | The id |
| Name | string | The name |
"""


def test_response_colon_with_carrier_body() -> None:
    p = parse(page_text(response=_response("## Response:", "### Response body: Thing", PROPS)))
    assert p.doc is not None and p.doc.response is not None
    r = p.doc.response
    assert (r.label, r.body_label) == ("", "Thing")
    assert r.codes is not None and [row.cells[0] for row in r.codes.rows] == ["200"]
    assert r.body_table is not None and len(r.body_table.rows) == 2


def test_response_array_no_space() -> None:
    p = parse(page_text(response=_response("## Response:array", "### Response body: array", PROPS)))
    assert p.doc is not None and p.doc.response is not None
    assert (p.doc.response.label, p.doc.response.body_label) == ("array", "array")


def test_response_older_forms_with_plain_body_line() -> None:
    for heading, label in (
        ("## Response: object", "object"),
        ("## Response: array", "array"),
        ("## Response", ""),
    ):
        p = parse(page_text(response=_response(heading, "Response body: object", PROPS)))
        assert p.doc is not None and p.doc.response is not None, heading
        r = p.doc.response
        assert r.label == label
        assert r.body_label == "object"
        assert r.body_table is not None and len(r.body_table.rows) == 2
        assert r.codes is not None and len(r.codes.rows) == 1


def test_response_bare_body_line() -> None:
    p = parse(page_text(response=_response("## Response: array", "Response body:", PROPS)))
    assert p.doc is not None and p.doc.response is not None
    assert p.doc.response.body_label == ""
    assert p.doc.response.body_table is not None


def test_older_object_response_carrier_description_paragraphs() -> None:
    response = """\
## Response: object

User agents within a chat topic.



Carrier object for ChatTopicAgent.

| Response | Description |
|----------------|-------------|
| 200 | OK |

Response body: object

""" + PROPS
    p = parse(page_text(response=response))
    assert p.doc is not None and p.doc.response is not None
    texts = [x.text for x in p.doc.response.paragraphs]
    assert texts == ["User agents within a chat topic.", "Carrier object for ChatTopicAgent."]


def test_bogus_timezonedata_under_204() -> None:
    response = """\
## Response:

No Content

| Response | Description |
|----------------|-------------|
| 204 | No Content |

### Response body: TimeZoneData
"""
    p = parse(page_text(response=response))
    assert p.doc is not None and p.doc.response is not None
    assert p.doc.response.body_label == "TimeZoneData"
    assert p.doc.response.body_table is None


def test_property_row_named_response_is_not_a_code_table() -> None:
    table = (
        PROPS
        + "| Response | string | Maps to the response field |\n| Description | string | Text |\n"
    )
    p = parse(page_text(response=_response("## Response:", "### Response body: Counter", table)))
    assert p.doc is not None and p.doc.response is not None
    r = p.doc.response
    assert r.codes is not None and [row.cells[0] for row in r.codes.rows] == ["200"]
    assert r.body_table is not None
    assert [row.cells[0] for row in r.body_table.rows] == [
        "ThingId",
        "Name",
        "Response",
        "Description",
    ]


def test_table_header_response_description_inside_body_section_is_props() -> None:
    # A carrier whose first two properties are literally Response and Description: the table
    # header must still be `Property Name`, so this is a property table, not a code table.
    table = "| Property Name | Type |  Description |\n|---|---|---|\n| Response | string | x |\n"
    p = parse(page_text(response=_response("## Response:", "### Response body: Thing", table)))
    assert p.doc is not None and p.doc.response is not None
    assert p.doc.response.codes is not None and len(p.doc.response.codes.rows) == 1
    assert p.doc.response.body_table is not None and len(p.doc.response.body_table.rows) == 1


# --- samples ----------------------------------------------------------------------------------

SAMPLES = """\
## Sample request

```http!
POST /api/v1/Agents/Test/DoThing
Content-Type: application/json; charset=utf-8

{
  "FormId": 1
}
```

## Sample response

```http_
HTTP/1.1 200 OK
Content-Type: application/json; charset=utf-8

"done"
```"""


def test_samples_current_form() -> None:
    p = parse(page_text(body=AGENT_BODY, samples=SAMPLES))
    assert p.doc is not None
    req, res = p.doc.sample_request, p.doc.sample_response
    assert req is not None and req.fence is not None and req.fence.info == "http!"
    assert res is not None and res.fence is not None and res.fence.info == "http_"
    assert res.fence.content.startswith("HTTP/1.1 200 OK")


def test_sample_request_capital_and_response_fence_without_heading() -> None:
    samples = SAMPLES.replace("## Sample request", "## Sample Request").replace(
        "## Sample response\n\n", ""
    )
    p = parse(page_text(body=AGENT_BODY, samples=samples))
    assert p.doc is not None
    assert p.doc.sample_request is not None and p.doc.sample_request.fence is not None
    assert p.doc.sample_response is not None and p.doc.sample_response.fence is not None
    assert p.doc.sample_response.fence.info == "http_"


def test_docfx_include_samples() -> None:
    samples = """\
## Sample request

[!include[sample request](../../samples/agent/request/v1TestAgent_DoThing.md)]

## Sample response

[!include[sample response](../../samples/agent/response/v1TestAgent_DoThing.md)]"""
    p = parse(page_text(samples=samples))
    assert p.doc is not None
    assert p.doc.sample_request is not None and p.doc.sample_request.fence is None
    assert p.doc.sample_request.include == "../../samples/agent/request/v1TestAgent_DoThing.md"
    assert p.doc.sample_response is not None
    assert p.doc.sample_response.include == "../../samples/agent/response/v1TestAgent_DoThing.md"


# --- pseudo-headings inside descriptions ------------------------------------------------------


def test_online_restricted_pseudo_heading_stays_in_description() -> None:
    description = (
        "Deletes a script.\n\n\n"
        "## Online Restricted: ## The CRMScript agent is not available in Online by default. "
        "Access must be requested specifically when app is registered."
    )
    p = parse(page_text(description=description))
    assert p.doc is not None and not p.codes
    assert "## Online Restricted: ## The CRMScript agent" in p.doc.description
    assert p.doc.header_table is not None  # the real sections after it are still found


def test_aggregation_operators_heading_before_path_table_stays_in_description() -> None:
    description = "Gets rows.\n\n## Aggregation operators\n\n* GroupBy(col)\n* Sum(col)"
    front = "title: GET Thing/{id}\nuid: v1ThingEntity_GetThing"
    table = (
        "| Path Part | Type | Description |\n|-----------|------|-------------|\n"
        "| id | int32 | The id. **Required** |\n"
    )
    p = parse(
        page_text(
            front=front,
            endpoint="GET /api/v1/Thing/{id}",
            description=description,
            path_table=table,
        )
    )
    assert p.doc is not None and not p.codes
    assert "## Aggregation operators" in p.doc.description
    assert "* Sum(col)" in p.doc.description
    assert "Path Part" not in p.doc.description
    assert p.doc.path_table is not None and len(p.doc.path_table.rows) == 1


# --- line endings and encodings ---------------------------------------------------------------


def test_crlf_and_bom_read_like_lf(tmp_path: Path) -> None:
    text = page_text(body=AGENT_BODY, samples=SAMPLES)
    lf = parse(text)
    for name, data in (
        ("crlf.md", text.replace("\n", "\r\n").encode()),
        ("bom.md", b"\xef\xbb\xbf" + text.encode()),
        ("both.md", b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        diags = Diagnostics()
        read = read_page_text(path, name, diags)
        assert read == text and not diags.items, name
        again = parse(read, "pages/test.md")
        assert again.doc == lf.doc, name


def test_trailing_newline_or_not() -> None:
    text = page_text(body=AGENT_BODY, samples=SAMPLES)
    a, b = parse(text), parse(text + "\n")
    assert a.doc is not None and b.doc is not None
    assert a.doc.sample_response == b.doc.sample_response


def test_invalid_utf8_and_nul_are_sog100_with_position(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"---\ntitle: x\n---\nab\xffcd\n")
    diags = Diagnostics()
    assert read_page_text(bad, "bad.md", diags) is None
    d = diags.items[0]
    assert d.code == "SOG100" and d.source is not None and (d.source.line, d.source.col) == (4, 3)
    nul = tmp_path / "nul.md"
    nul.write_bytes(b"---\ntitle: x\n---\n\nx\x00y\n")
    diags = Diagnostics()
    assert read_page_text(nul, "nul.md", diags) is None
    d = diags.items[0]
    assert d.code == "SOG100" and d.source is not None and (d.source.line, d.source.col) == (5, 2)


# --- table rows -------------------------------------------------------------------------------


def test_short_row_is_sog201_at_end_of_row() -> None:
    body = AGENT_BODY.replace("| Status | String |  |", "| Status |")
    p = parse(page_text(body=body))
    assert "SOG201" in p.codes
    d = next(d for d in p.diags if d.code == "SOG201")
    assert d.source is not None
    line = page_text(body=body).split("\n")[d.source.line - 1]
    assert line == "| Status |" and d.source.col == len(line) + 1


def test_description_keeps_paragraphs_and_drops_trailing_blank_lines() -> None:
    text = page_text(description="First paragraph.\n\n\nSecond paragraph.")
    p = parse(text)
    assert p.doc is not None
    assert p.doc.description == "First paragraph.\n\n\nSecond paragraph."
    # the first line after the closing fence of the endpoint block
    assert p.doc.description_source.line == line_of(text, "POST /api/v1/Agents/Test/DoThing") + 2


def test_long_row_is_sog201_at_the_first_extra_cell() -> None:
    body = AGENT_BODY.replace("| Status | String |  |", "| Status | String | text | extra |")
    text = page_text(body=body)
    p = parse(text)
    (d,) = [d for d in p.diags if d.code == "SOG201"]
    assert d.source is not None
    line = text.split("\n")[d.source.line - 1]
    assert line[d.source.col - 1 :] == "extra |"
    assert "4 cells; the header has 3" in d.message


def test_escaped_pipe_stays_in_the_cell_and_columns_are_exact() -> None:
    body = AGENT_BODY.replace("| Status | String |  |", "| Status | int32 \\| x |  |")
    text = page_text(body=body)
    p = parse(text)
    assert "SOG201" not in p.codes
    assert (
        p.doc is not None
        and p.doc.request_body is not None
        and p.doc.request_body.table is not None
    )
    row = p.doc.request_body.table.rows[1]
    assert row.cells[1] == "int32 | x"
    line = text.split("\n")[row.source.line - 1]
    assert line[row.cell_cols[1] - 1 :].startswith("int32 \\| x")
    opening = line.rindex("|", 0, line.rindex("|"))
    assert row.cell_cols[2] == opening + 2  # an empty cell: just after its opening pipe (1-based)


def test_bad_yaml_names_where_the_construct_began() -> None:
    p = parse(page_text(front="title: x\nuid: [unclosed\ngenerated: true"))
    (d,) = p.diags.items
    assert d.code == "SOG101" and "starts at line 3" in d.message


def test_row_ending_in_an_escaped_pipe_keeps_it_in_the_last_cell() -> None:
    body = AGENT_BODY.replace("| Status | String |  |", "| Status | String \\|")
    text = page_text(body=body)
    p = parse(text)
    (d,) = [d for d in p.diags if d.code == "SOG201"]
    assert "2 cells; the header has 3" in d.message
    assert p.doc is not None and p.doc.request_body is not None
    assert p.doc.request_body.table is not None
    row = p.doc.request_body.table.rows[1]
    assert row.cells == ["Status", "String |", ""]
    line = text.split("\n")[row.source.line - 1]
    assert line[row.cell_cols[1] - 1 :] == "String \\|"
    assert row.cell_cols[2] == 1  # no third cell written


def test_cell_columns_with_and_without_backslashes_agree() -> None:
    plain = "| a |  b  ||c|"
    escaped = "| a |  b  ||c\\\\|"  # backslashes take the slower, character-by-character path
    for line in (plain, escaped):
        p = parse(page_text(body=AGENT_BODY.replace("| Status | String |  |", line)))
        assert p.doc is not None and p.doc.request_body is not None
        assert p.doc.request_body.table is not None
        row = p.doc.request_body.table.rows[1]
        assert row.cell_cols == [3, 8, 12]
        assert row.cells[2] == ""
