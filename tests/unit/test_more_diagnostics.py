"""SOG105 (title verb), SOG202 (second table with another header), SOG203 (empty Type cell with
nothing to fill it) and SOG204 (lower-case unknown type name)."""

from __future__ import annotations

import pytest
from pagekit import model, page_text, parse

from generator.model.ir import TypeRef

PROPS = "| Property Name | Type |  Description |\n|----------------|------|--------------|\n"


def body_with(rows: str) -> str:
    return "## Request Body: request \n\nA, B \n\n" + PROPS + rows


def response_with(rows: str) -> str:
    return (
        "## Response:\n\nOK\n\n| Response | Description |\n|----------------|-------------|\n"
        "| 200 | OK |\n\n### Response body: Thing\n\n" + PROPS + rows
    )


def test_title_verb_that_disagrees_with_the_endpoint_is_sog105() -> None:
    _, diags = model(page_text(front="title: GET Agents/Test/DoThing\nuid: v1TestAgent_DoThing"))
    found = [d for d in diags if d.code == "SOG105"]
    assert len(found) == 1
    assert "title says GET but the endpoint block says POST" in found[0].message
    assert found[0].source is not None and found[0].source.line == 1


def test_del_title_and_bare_method_titles_are_not_sog105() -> None:
    delete = page_text(
        front="title: DEL Thing/{id}\nuid: v1ThingEntity_DeleteThing",
        h1="# DEL Thing/{id}",
        endpoint="DELETE /api/v1/Thing/{id}",
    )
    bare = page_text(front="title: DoThing\nid: v1TestAgent_DoThing", h1="# DoThing")
    _, diags = model(delete, bare)
    assert not [d for d in diags if d.code == "SOG105"]


def test_second_table_with_another_header_is_sog202_and_ignored() -> None:
    body = body_with("| A | String |  |\n") + "\n\n| Other | Columns |\n|---|---|\n| x | y |\n"
    parsed = parse(page_text(body=body))
    assert parsed.codes.count("SOG202") == 1
    assert parsed.doc is not None and parsed.doc.request_body is not None
    table = parsed.doc.request_body.table
    assert table is not None and [r.cells[0] for r in table.rows] == ["A"]


def test_empty_type_cell_with_no_sample_is_sog203_and_any() -> None:
    api, diags = model(page_text(response=response_with("| Name | string |  |\n| Blob |  |  |\n")))
    assert [d.code for d in diags].count("SOG203") == 1
    blob = next(p for p in api.schemas["Thing"].properties if p.name == "Blob")
    assert blob.type == TypeRef("any")


def test_empty_type_cell_is_recovered_from_the_sample_without_warning() -> None:
    samples = (
        "## Sample response\n\n```http_\nHTTP/1.1 200 OK\nContent-Type: application/json\n\n"
        '{"Name": "x", "Blob": 42}\n```'
    )
    page = page_text(
        response=response_with("| Name | string |  |\n| Blob |  |  |\n"), samples=samples
    )
    api, diags = model(page)
    assert "SOG203" not in [d.code for d in diags]
    blob = next(p for p in api.schemas["Thing"].properties if p.name == "Blob")
    assert blob.type == TypeRef("integer", format="int32")


def test_lower_case_unknown_type_is_sog204_and_a_carrier() -> None:
    api, diags = model(page_text(body=body_with("| A | strng |  |\n| B | Associate |  |\n")))
    found = [d for d in diags if d.code == "SOG204"]
    assert len(found) == 1 and "'strng'" in found[0].message
    assert found[0].source is not None and found[0].source.col > 1
    assert "strng" in api.schemas  # kept as an open carrier, so nothing is lost


# --- pages that are broken in ways that used to pass silently (issue 18) ----------------------

SAMPLE = (
    "## Sample request\n\n```http!\n{line}\nContent-Type: application/json; charset=utf-8\n\n"
    '{{"A": 1}}\n```\n\n## Sample response\n\n```http_\nHTTP/1.1 200 OK\n'
    'Content-Type: application/json; charset=utf-8\n\n"done"\n```'
)


def _line_of(text: str, wanted: str) -> int:
    return text.split("\n").index(wanted) + 1


def _codes(text: str, code: str) -> list[str]:
    _, diags = model(text)
    return [f"{d.source.line if d.source else 0}: {d.message}" for d in diags if d.code == code]


def test_title_naming_another_endpoint_is_sog105() -> None:
    found = _codes(page_text(front="title: POST Agents/Test/DoOther\nuid: v1TestAgent_DoThing"),
                   "SOG105")  # fmt: skip
    assert found == [
        "1: title names 'Agents/Test/DoOther' but the endpoint block says "
        "/api/v1/Agents/Test/DoThing; the block wins"
    ]
    rest = page_text(
        front="title: GET Thing/{thingId}\nuid: v1ThingEntity_GetThing",
        h1="# GET Thing/{thingId}",
        endpoint="GET /api/v1/thing/{id}",  # placeholder names and case may differ
    )
    assert _codes(rest, "SOG105") == []


@pytest.mark.parametrize(
    "line",
    [
        "POST /api/v1/Agents/Test/DoOtherThing",
        "GET /api/v1/Agents/Test/DoThing",
        "POST /api/v1/Agents/Test/DoThing/Extra",
    ],
)
def test_sample_request_of_another_endpoint_is_sog311(line: str) -> None:
    text = page_text(samples=SAMPLE.format(line=line))
    found = _codes(text, "SOG311")
    at = _line_of(text, line)
    assert len(found) == 1 and found[0].startswith(f"{at}: sample request is "), found
    assert "not of the endpoint POST /api/v1/Agents/Test/DoThing" in found[0]


@pytest.mark.parametrize(
    "line",
    [
        "POST /api/v1/Agents/Test/DoThing",
        "POST /api/v1/agents/test/dothing?$select=a",
        "POST https://sod2.superoffice.com/Cust12345/api/v1/Agents/Test/DoThing",
    ],
)
def test_sample_request_of_this_endpoint_is_fine(line: str) -> None:
    assert _codes(page_text(samples=SAMPLE.format(line=line)), "SOG311") == []


def test_endpoint_path_with_an_unbalanced_brace_is_sog109() -> None:
    for path in ("/api/v1/Thing/{id", "/api/v1/Thing/id}", "/api/v1/Thing/{{id}}"):
        text = page_text(endpoint=f"GET {path}", front="title: GET x\nuid: v1ThingEntity_Get")
        found = _codes(text, "SOG109")
        assert len(found) == 1 and "has an unbalanced brace" in found[0], path
    assert _codes(page_text(endpoint="GET /api/v1/Thing/{id}/{x}"), "SOG109") == []


def test_fence_that_is_never_closed_is_sog310() -> None:
    unclosed = SAMPLE.format(line="POST /api/v1/Agents/Test/DoThing").removesuffix("```")
    text = page_text(samples=unclosed)
    found = _codes(text, "SOG310")
    assert len(found) == 1 and "fence is never closed" in found[0]
    assert found[0].startswith(f"{_line_of(text, '```http_')}: ")  # the sample response's
    closed = SAMPLE.format(line="POST /api/v1/Agents/Test/DoThing")
    assert _codes(page_text(samples=closed), "SOG310") == []
