"""Stage 2 (generator/model): carriers across pages, derived names, samples vs tables, and the
checks that need every page at once (SOG401-404)."""

from __future__ import annotations

from pagekit import HEADERS_FULL, model, page_text

from generator.diagnostics import Diagnostic, Diagnostics
from generator.model.ir import ANY, Api, Operation, TypeRef
from generator.openapi.emit import emit_openapi

INT32 = TypeRef("integer", format="int32")


def agent_page(
    agent: str,
    method: str,
    *,
    body: str = "",
    response: str = "",
    samples: str = "",
    uid: str | None = None,
) -> str:
    uid = uid or f"v1{agent}Agent_{method}"
    kwargs = {"response": response} if response else {}
    return page_text(
        front=f"title: POST Agents/{agent}/{method}\nuid: {uid}\ngenerated: true",
        h1=f"# POST Agents/{agent}/{method}",
        endpoint=f"POST /api/v1/Agents/{agent}/{method}",
        body=body,
        samples=samples,
        **kwargs,
    )


def carrier_response(label: str, rows: str, heading: str = "## Response:") -> str:
    return (
        f"{heading}\n\nOK\n\n| Response | Description |\n|----------------|-------------|\n"
        f"| 200 | OK |\n\n### Response body: {label}\n\n"
        "| Property Name | Type |  Description |\n|----------------|------|--------------|\n" + rows
    )


def request_body(rows: str, names: str) -> str:
    return (
        f"## Request Body: request \n\n{names} \n\n"
        "| Property Name | Type |  Description |\n|----------------|------|--------------|\n" + rows
    )


def response_sample(body: str, status: str = "200 OK") -> str:
    return (
        "## Sample response\n\n```http_\n"
        f"HTTP/1.1 {status}\nContent-Type: application/json; charset=utf-8\n\n{body}\n```"
    )


def request_sample(agent: str, method: str, body: str) -> str:
    return (
        f"## Sample request\n\n```http!\nPOST /api/v1/Agents/{agent}/{method}\n"
        f"Content-Type: application/json; charset=utf-8\n\n{body}\n```"
    )


THING_ROWS = "| ThingId | int32 | The id |\n| Name | string | The name |\n"


def codes(diags: Diagnostics) -> list[str]:
    return [d.code for d in diags]


def only(diags: Diagnostics, code: str) -> list[Diagnostic]:
    return [d for d in diags if d.code == code]


def op_of(api: Api, uid: str) -> Operation:
    return next(op for op in api.operations() if op.id == uid)


# --- carriers across pages --------------------------------------------------------------------


def test_same_carrier_described_twice_identically_is_one_schema() -> None:
    api, diags = model(
        ("pages/a.md", agent_page("Test", "GetA", response=carrier_response("Thing", THING_ROWS))),
        ("pages/b.md", agent_page("Test", "GetB", response=carrier_response("Thing", THING_ROWS))),
    )
    assert not only(diags, "SOG403")
    thing = api.schemas["Thing"]
    assert [(p.name, p.type) for p in thing.properties] == [
        ("ThingId", INT32),
        ("Name", TypeRef("string")),
    ]
    assert [s.path for s in thing.also_described_at] == ["pages/b.md"]
    for uid in ("v1TestAgent_GetA", "v1TestAgent_GetB"):
        assert op_of(api, uid).responses[0].type == TypeRef("ref", ref="Thing")


def test_carrier_described_differently_warns_naming_both_places_deterministically() -> None:
    other_rows = "| ThingId | string | The id |\n| Name | string | The name |\n"
    pages = [
        ("pages/a.md", agent_page("Test", "GetA", response=carrier_response("Thing", THING_ROWS))),
        ("pages/b.md", agent_page("Test", "GetB", response=carrier_response("Thing", other_rows))),
    ]
    api1, diags1 = model(*pages)
    api2, diags2 = model(*reversed(pages))
    warnings = only(diags1, "SOG403")
    assert len(warnings) == 1
    w = warnings[0]
    assert w.severity == "warning"
    assert w.source is not None and w.source.path == "pages/b.md"
    assert [r.path for r in w.related] == ["pages/a.md"]
    assert "Thing" in w.message and "ThingId: integer(int32) vs string" in w.message
    # the first page in path order wins, whatever order the pages came in
    for api in (api1, api2):
        assert api.schemas["Thing"].properties[0].type == INT32
    assert [d.render() for d in diags1.sorted()] == [d.render() for d in diags2.sorted()]


def test_carrier_properties_missing_on_one_page_are_merged_and_reported() -> None:
    more = THING_ROWS + "| Extra | bool | More |\n"
    api, diags = model(
        ("pages/a.md", agent_page("Test", "GetA", response=carrier_response("Thing", THING_ROWS))),
        ("pages/b.md", agent_page("Test", "GetB", response=carrier_response("Thing", more))),
    )
    assert [p.name for p in api.schemas["Thing"].properties] == ["ThingId", "Name", "Extra"]
    assert len(only(diags, "SOG403")) == 0  # b only adds: nothing contradicts a
    api, diags = model(
        ("pages/a.md", agent_page("Test", "GetA", response=carrier_response("Thing", more))),
        ("pages/b.md", agent_page("Test", "GetB", response=carrier_response("Thing", THING_ROWS))),
    )
    assert [p.name for p in api.schemas["Thing"].properties] == ["ThingId", "Name", "Extra"]
    warning = only(diags, "SOG403")
    assert len(warning) == 1 and "missing Extra" in warning[0].message


def test_empty_type_cell_filled_by_another_page() -> None:
    empty = "| ThingId |  | The id |\n| Name | string | The name |\n"
    api, diags = model(
        ("pages/a.md", agent_page("Test", "GetA", response=carrier_response("Thing", empty))),
        ("pages/b.md", agent_page("Test", "GetB", response=carrier_response("Thing", THING_ROWS))),
    )
    assert api.schemas["Thing"].properties[0].type == INT32
    assert not only(diags, "SOG403")


def test_anonymous_body_takes_the_name_of_a_carrier_with_the_same_properties() -> None:
    body = request_body("| ThingId | Integer |  |\n| Name | String |  |\n", "ThingId, Name")
    api, _ = model(
        ("pages/a.md", agent_page("Test", "GetA", response=carrier_response("Thing", THING_ROWS))),
        ("pages/b.md", agent_page("Test", "SaveThing", body=body)),
    )
    rb = op_of(api, "v1TestAgent_SaveThing").request_body
    assert rb is not None and rb.type == TypeRef("ref", ref="Thing")
    assert "SaveThingRequest" not in api.schemas


def test_derived_request_name() -> None:
    body = request_body(
        "| ChatSessionId | Integer |  |\n| Count | Integer |  |\n", "ChatSessionId, Count"
    )
    api, _ = model(agent_page("Chat", "GetChatMessages", body=body))
    rb = op_of(api, "v1ChatAgent_GetChatMessages").request_body
    assert rb is not None and rb.type == TypeRef("ref", ref="GetChatMessagesRequest")
    schema = api.schemas["GetChatMessagesRequest"]
    assert not schema.documented_name
    assert schema.description == ""  # the agent names line is not a description
    assert [p.name for p in schema.properties] == ["ChatSessionId", "Count"]


def test_derived_names_are_qualified_on_conflict() -> None:
    body_a = request_body("| A | Integer |  |\n", "A")
    body_b = request_body("| B | String |  |\n", "B")
    api, _ = model(
        ("pages/a.md", agent_page("Chat", "GetThing", body=body_a)),
        ("pages/b.md", agent_page("Sale", "GetThing", body=body_b)),
    )
    a = op_of(api, "v1ChatAgent_GetThing").request_body
    b = op_of(api, "v1SaleAgent_GetThing").request_body
    assert a is not None and a.type == TypeRef("ref", ref="GetThingRequest")
    assert b is not None and b.type == TypeRef("ref", ref="SaleGetThingRequest")
    # same shape twice shares the name
    api, _ = model(
        ("pages/a.md", agent_page("Chat", "GetThing", body=body_a)),
        ("pages/b.md", agent_page("Sale", "GetThing", body=body_a)),
    )
    b = op_of(api, "v1SaleAgent_GetThing").request_body
    assert b is not None and b.type == TypeRef("ref", ref="GetThingRequest")


def test_derived_name_does_not_take_a_documented_carrier_name() -> None:
    body = request_body("| X | Integer |  |\n", "X")
    api, _ = model(
        ("pages/a.md", agent_page("Chat", "Get", body=body)),
        (
            "pages/b.md",
            agent_page("Chat", "Other", response=carrier_response("GetRequest", THING_ROWS)),
        ),
    )
    rb = op_of(api, "v1ChatAgent_Get").request_body
    assert rb is not None and rb.type == TypeRef("ref", ref="ChatGetRequest")
    assert [p.name for p in api.schemas["GetRequest"].properties] == ["ThingId", "Name"]


def test_response_object_and_array_bodies_get_derived_names() -> None:
    api, _ = model(
        (
            "pages/a.md",
            agent_page(
                "Test",
                "GetA",
                response=carrier_response("object", THING_ROWS, "## Response: object"),
            ),
        ),
        (
            "pages/b.md",
            agent_page(
                "Test",
                "GetB",
                response=carrier_response("array", "| X | bool | x |\n", "## Response:array"),
            ),
        ),
    )
    assert op_of(api, "v1TestAgent_GetA").responses[0].type == TypeRef("ref", ref="GetAResponse")
    assert op_of(api, "v1TestAgent_GetB").responses[0].type == TypeRef(
        "array", items=TypeRef("ref", ref="GetBItem")
    )


def test_timezonedata_under_204_means_no_body() -> None:
    response = (
        "## Response:\n\nNo Content\n\n"
        "| Response | Description |\n|----------------|-------------|\n"
        "| 204 | No Content |\n\n### Response body: TimeZoneData\n"
    )
    api, diags = model(agent_page("Test", "Send", response=response))
    (r,) = op_of(api, "v1TestAgent_Send").responses
    assert (r.status, r.type) == (204, None)
    assert "TimeZoneData" not in api.schemas and not only(diags, "SOG405")


def test_timezonedata_label_with_other_properties_is_renamed() -> None:
    api, diags = model(
        agent_page("Test", "GetA", response=carrier_response("TimeZoneData", THING_ROWS))
    )
    assert op_of(api, "v1TestAgent_GetA").responses[0].type == TypeRef("ref", ref="GetAResponse")
    assert "TimeZoneData" not in api.schemas
    assert len(only(diags, "SOG405")) == 1


# --- samples against tables -------------------------------------------------------------------


def test_array_items_recovered_from_a_primitive_sample() -> None:
    response = (
        "## Response:array\n\nOK\n\n| Response | Description |\n|----------------|-------------|\n"
        "| 200 | OK |\n\n### Response body: array\n"
    )
    api, diags = model(
        agent_page("Test", "GetIds", response=response, samples=response_sample("[\n  1,\n  2\n]"))
    )
    assert op_of(api, "v1TestAgent_GetIds").responses[0].type == TypeRef("array", items=INT32)
    assert not only(diags, "SOG303") and not only(diags, "SOG305")


def test_array_property_items_recovered_from_sample_else_sog305() -> None:
    rows = THING_ROWS + "| Tags | array | The tags |\n| Others | array | Never shown |\n"
    sample = '{"ThingId": 1, "Name": "x", "Tags": ["a", "b"], "Others": []}'
    api, diags = model(
        agent_page(
            "Test",
            "GetA",
            response=carrier_response("Thing", rows),
            samples=response_sample(sample),
        )
    )
    props = {p.name: p.type for p in api.schemas["Thing"].properties}
    assert props["Tags"] == TypeRef("array", items=TypeRef("string"))
    assert props["Others"] == TypeRef("array", items=ANY)
    (w,) = only(diags, "SOG305")
    assert "Thing.Others" in w.message and w.source is not None and w.source.line > 0
    assert not only(diags, "SOG303")


def test_array_of_objects_matches_a_carrier_by_keys() -> None:
    rows = "| Items | array | The things |\n"
    sample = '{"Items": [{"ThingId": 1, "Name": "x"}]}'
    api, _ = model(
        ("pages/a.md", agent_page("Test", "GetA", response=carrier_response("Thing", THING_ROWS))),
        (
            "pages/b.md",
            agent_page(
                "Test",
                "GetB",
                response=carrier_response("Box", rows),
                samples=response_sample(sample),
            ),
        ),
    )
    assert api.schemas["Box"].properties[0].type == TypeRef(
        "array", items=TypeRef("ref", ref="Thing")
    )


def test_sample_contradicting_table_widens_with_sog303() -> None:
    rows = THING_ROWS + "| Amount | int32 | The amount |\n"
    sample = '{"ThingId": "not a number", "Name": "x", "Amount": 192.5}'
    api, diags = model(
        agent_page(
            "Test",
            "GetA",
            response=carrier_response("Thing", rows),
            samples=response_sample(sample),
        )
    )
    props = {p.name: p.type for p in api.schemas["Thing"].properties}
    assert props["ThingId"] == ANY
    assert props["Amount"] == TypeRef("number", format="double")
    assert props["Name"] == TypeRef("string")
    warnings = only(diags, "SOG303")
    assert len(warnings) == 2
    assert {w.message.split(" does")[0] for w in warnings} == {
        "sample value of Thing.ThingId",
        "sample value of Thing.Amount",
    }
    for w in warnings:
        assert w.related and w.related[0].line > 0  # names the table row too


def test_request_sample_contradicting_body_type() -> None:
    body = request_body("| Flag | Boolean |  |\n", "Flag")
    api, diags = model(
        agent_page(
            "Test",
            "SetFlag",
            body=body,
            samples=request_sample("Test", "SetFlag", '{"Flag": "yes"}'),
        )
    )
    rb = op_of(api, "v1TestAgent_SetFlag").request_body
    assert rb is not None and rb.type == TypeRef("ref", ref="SetFlagRequest")
    assert api.schemas["SetFlagRequest"].properties[0].type == ANY
    assert len(only(diags, "SOG303")) == 1


def test_sample_matching_table_gives_no_warning() -> None:
    rows = THING_ROWS + "| When | date-time | The time |\n| Kind | object | Map |\n"
    sample = '{"ThingId": 1, "Name": null, "When": "2023-10-17T14:28:29", "Kind": {"a": 1}}'
    _, diags = model(
        agent_page(
            "Test",
            "GetA",
            response=carrier_response("Thing", rows),
            samples=response_sample(sample),
        )
    )
    assert not only(diags, "SOG303")


def test_empty_type_cell_recovered_from_sample_without_sog303() -> None:
    rows = "| User |  | The associate |\n| Count | int32 | n |\n"
    sample = '{"User": {"AssociateId": 1}, "Count": 2}'
    api, diags = model(
        agent_page(
            "Test",
            "GetA",
            response=carrier_response("Thing", rows),
            samples=response_sample(sample),
        )
    )
    assert not only(diags, "SOG303")
    assert api.schemas["Thing"].properties[0].type.kind in ("map", "any")


# --- checks across pages ----------------------------------------------------------------------


def test_duplicate_uid_is_sog401_naming_both_places() -> None:
    _, diags = model(
        ("pages/a.md", agent_page("Test", "GetA", uid="v1TestAgent_Same")),
        ("pages/b.md", agent_page("Test", "GetB", uid="v1TestAgent_Same")),
    )
    (d,) = only(diags, "SOG401")
    assert d.severity == "error"
    assert d.source is not None and (d.source.path, d.source.line) == ("pages/b.md", 3)
    assert "pages/a.md" in d.message
    assert [(r.path, r.line) for r in d.related] == [("pages/a.md", 3)]


def test_duplicate_method_and_path_is_sog402_naming_both_places() -> None:
    _, diags = model(
        ("pages/a.md", agent_page("Test", "GetA", uid="v1TestAgent_One")),
        ("pages/b.md", agent_page("Test", "GetA", uid="v1TestAgent_Two")),
    )
    (d,) = only(diags, "SOG402")
    assert d.severity == "error"
    assert d.source is not None and d.source.path == "pages/b.md"
    assert "POST /api/v1/Agents/Test/GetA" in d.message and "pages/a.md" in d.message
    assert [r.path for r in d.related] == ["pages/a.md"]
    assert d.related[0].line == d.source.line > 0


def rest_page(uid: str, path: str, param: str, type_: str) -> str:
    table = (
        "| Path Part | Type | Description |\n|-----------|------|-------------|\n"
        f"| {param} | {type_} | The script. **Required** |\n"
    )
    headers = "\n".join(ln for ln in HEADERS_FULL.splitlines() if "Content-Type" not in ln)
    return page_text(
        front=f"title: GET {path}\nuid: {uid}",
        h1=f"# GET {path}",
        endpoint=f"GET /api/v1/{path.replace('{id}', '{' + param + '}')}",
        path_table=table,
        headers=headers,
    )


def test_paths_differing_only_in_parameter_names_sog404() -> None:
    pages = [
        ("pages/a.md", rest_page("v1Script_Validate", "Script/{id}/Validate", "scriptId", "int32")),
        (
            "pages/b.md",
            rest_page(
                "v1Script_ValidateByUniqueId", "Script/{id}/Validate", "scriptUniqueId", "string"
            ),
        ),
    ]
    api, diags = model(*pages)
    (d,) = only(diags, "SOG404")
    assert d.severity == "warning"
    assert d.source is not None and d.source.path == "pages/b.md"
    assert [r.path for r in d.related] == ["pages/a.md"]
    assert f"pages/a.md:{d.related[0].line}" in d.message
    assert "one path item /api/v1/Script/{scriptId}/Validate" in d.message
    # each operation keeps the path its page documents: that is what the client sends
    paths = sorted(op.path for op in api.operations())
    assert paths == [
        "/api/v1/Script/{scriptId}/Validate",
        "/api/v1/Script/{scriptUniqueId}/Validate",
    ]
    api2, diags2 = model(*reversed(pages))
    assert sorted(op.path for op in api2.operations()) == paths
    assert [x.render() for x in diags2.sorted()] == [x.render() for x in diags.sorted()]
    # one path item, one GET (tests/unit/test_path_shapes.py has the details)
    for version in ("3.0", "3.1"):
        doc = emit_openapi(api, version)  # type: ignore[arg-type]
        assert isinstance(doc["paths"], dict)
        assert list(doc["paths"]) == ["/api/v1/Script/{scriptId}/Validate"]


def test_same_path_with_other_method_is_not_sog404() -> None:
    a = rest_page("v1Script_Get", "Script/{id}", "scriptId", "int32")
    b = a.replace("GET /api/v1/Script/{scriptId}", "DELETE /api/v1/Script/{scriptId}").replace(
        "uid: v1Script_Get", "uid: v1Script_Delete"
    )
    _, diags = model(("pages/a.md", a), ("pages/b.md", b))
    assert not only(diags, "SOG404") and not only(diags, "SOG402")


def test_model_is_independent_of_input_order() -> None:
    pages = [
        (f"pages/{n}.md", agent_page("Test", f"Get{n}", response=carrier_response("Thing", rows)))
        for n, rows in enumerate([THING_ROWS, THING_ROWS.replace("string", "int32"), THING_ROWS])
    ]
    api1, d1 = model(*pages)
    api2, d2 = model(*reversed(pages))
    assert emit_openapi(api1) == emit_openapi(api2)
    assert [x.render() for x in d1.sorted()] == [x.render() for x in d2.sorted()]
