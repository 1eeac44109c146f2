"""Array bodies (issue 12 item 4): a request table that describes the items of a JSON-array
sample, PATCH bodies as JSON Patch operation lists, and sample items matched to a carrier only
when property names and value types agree (else a schema made from the sample, SOG305)."""

from __future__ import annotations

import json

from pagekit import HEADERS_FULL, model, need_corpus, page_text

from generator.diagnostics import Diagnostic, Diagnostics
from generator.model.ir import Api, Operation, TypeRef
from generator.model.operations import JSON_PATCH_NAME
from generator.openapi.emit import emit_openapi
from generator.render.context import build_context

ITEM_ROWS = (
    "| Id | Integer | The Id of the ListItem |\n"
    "| Name | String | The name of the ListItem |\n"
    "| Selected | Boolean | True if the ListItem is selected |\n"
)
PATCH_ROWS = (
    '| op | String | "add", "replace", "remove", "test" |\n'
    "| path | String | The property names to modify. |\n"
    "| value | Object | New/Replaced value - string or object. |\n"
)
NO_CONTENT = (
    "## Response:\n\nNo Content\n\n| Response | Description |\n|----------------|-------------|\n"
    "| 204 | No Content |\n\n### Response body: TimeZoneData\n"
)


def rest_body_page(uid: str, method: str, path: str, rows: str, sample: str) -> str:
    """A REST page whose request body is the table `rows` and whose sample request is `sample`."""
    body = (
        "## Request Body: entities \n\nThe items to save. \n\n"
        "| Property Name | Type |  Description |\n|----------------|------|--------------|\n" + rows
    )
    samples = (
        f"## Sample request\n\n```http!\n{method} /api/v1/{path}\n"
        f"Content-Type: application/json; charset=utf-8\n\n{sample}\n```\n\n"
        "## Sample response\n\n```http_\nHTTP/1.1 204 No Content\n\nnull\n```"
    )
    return page_text(
        front=f"title: {method} {path}\nuid: {uid}\ngenerated: true",
        h1=f"# {method} {path}",
        endpoint=f"{method} /api/v1/{path}",
        headers=HEADERS_FULL,
        body=body,
        response=NO_CONTENT,
        samples=samples,
    )


def agent_page(method: str, body_rows: str, sample: str, response: str = NO_CONTENT) -> str:
    body = (
        "## Request Body: request \n\nItems \n\n"
        "| Property Name | Type |  Description |\n|----------------|------|--------------|\n"
        + body_rows
    )
    samples = (
        f"## Sample request\n\n```http!\nPOST /api/v1/Agents/Test/{method}\n"
        f"Content-Type: application/json; charset=utf-8\n\n{sample}\n```"
    )
    return page_text(
        front=f"title: POST Agents/Test/{method}\nuid: v1TestAgent_{method}\ngenerated: true",
        h1=f"# POST Agents/Test/{method}",
        endpoint=f"POST /api/v1/Agents/Test/{method}",
        body=body,
        response=response,
        samples=samples,
    )


def carrier_page(name: str, rows: str, method: str = "GetCarrier") -> str:
    response = (
        "## Response:\n\nOK\n\n| Response | Description |\n|----------------|-------------|\n"
        f"| 200 | OK |\n\n### Response body: {name}\n\n"
        "| Property Name | Type |  Description |\n|----------------|------|--------------|\n" + rows
    )
    return page_text(
        front=f"title: POST Agents/Test/{method}\nuid: v1TestAgent_{method}\ngenerated: true",
        h1=f"# POST Agents/Test/{method}",
        endpoint=f"POST /api/v1/Agents/Test/{method}",
        response=response,
    )


def only(diags: Diagnostics, code: str) -> list[Diagnostic]:
    return [d for d in diags if d.code == code]


def op_of(api: Api, uid: str) -> Operation:
    return next(op for op in api.operations() if op.id == uid)


ITEMS_SAMPLE = json.dumps(
    [{"Id": 1, "Name": "a", "Selected": True}, {"Id": 2, "Name": "b", "Selected": False}]
)


# --- the table is the item of an array sample ------------------------------------------------


def test_table_describing_the_items_of_an_array_sample_types_the_body_as_an_array() -> None:
    uid = "v1SourceList_PutSourceUserGroupsForListItem"
    path = "List/Source/Items/{itemId}/UserGroups"
    api, diags = model(rest_body_page(uid, "PUT", path, ITEM_ROWS, ITEMS_SAMPLE))
    body = op_of(api, uid).request_body
    assert body is not None
    item = "PutSourceUserGroupsForListItemRequestItem"
    assert body.type == TypeRef("array", items=TypeRef("ref", ref=item))
    assert [p.name for p in api.schemas[item].properties] == ["Id", "Name", "Selected"]
    assert not only(diags, "SOG303")
    spec = emit_openapi(api, "3.0")
    schema = spec["paths"]["/api/v1/" + path]["put"]["requestBody"]["content"][  # type: ignore[index]
        "application/json"
    ]["schema"]
    assert schema["type"] == "array"  # type: ignore[index]
    assert schema["items"] == {"$ref": f"#/components/schemas/{item}"}  # type: ignore[index]


def test_array_body_client_method_takes_a_list_of_the_carrier() -> None:
    uid = "v1SourceList_PutSourceHeadings"
    api, diags = model(rest_body_page(uid, "PUT", "List/Source/Headings", ITEM_ROWS, ITEMS_SAMPLE))
    ctx = build_context(api, diags)
    (view,) = [op for g in ctx.groups for op in g.operations if op.op_id == uid]
    assert view.body_param is not None
    assert view.body_param.annotation == "list[PutSourceHeadingsRequestItem]"
    assert view.body_param.codec.startswith("list_of(")
    assert view.test.json_body is not None and '"Selected": True' in view.test.json_body
    assert view.test.args[0].expr.startswith("[PutSourceHeadingsRequestItem.from_dict(")


def test_array_sample_with_keys_outside_the_table_is_still_a_contradiction() -> None:
    sample = json.dumps([{"Id": 1, "Colour": "red"}])
    uid = "v1SourceList_PutSourceOther"
    api, diags = model(rest_body_page(uid, "PUT", "List/Source/Other", ITEM_ROWS, sample))
    body = op_of(api, uid).request_body
    assert body is not None and body.type.kind == "any"
    assert len(only(diags, "SOG303")) == 1


def test_object_sample_keeps_the_table_as_the_body() -> None:
    sample = json.dumps({"Id": 1, "Name": "a", "Selected": True})
    uid = "v1SourceList_PostSource"
    api, diags = model(rest_body_page(uid, "POST", "List/Source", ITEM_ROWS, sample))
    body = op_of(api, uid).request_body
    assert body is not None and body.type == TypeRef("ref", ref="PostSourceRequest")
    assert not only(diags, "SOG303")


# --- PATCH -----------------------------------------------------------------------------------


def test_patch_body_is_an_array_of_one_shared_json_patch_operation() -> None:
    sample = json.dumps([{"op": "add", "path": "maxime", "value": {}}])
    api, diags = model(
        rest_body_page("v1ProjectMember_PatchProjectMember", "PATCH", "ProjectMember/{id}",
                       PATCH_ROWS, sample),
        rest_body_page("v1Webhook_PatchWebhook", "PATCH", "Webhook/{id}", PATCH_ROWS, sample),
    )  # fmt: skip
    want = TypeRef("array", items=TypeRef("ref", ref=JSON_PATCH_NAME))
    for uid in ("v1ProjectMember_PatchProjectMember", "v1Webhook_PatchWebhook"):
        body = op_of(api, uid).request_body
        assert body is not None and body.type == want
    patch = api.schemas[JSON_PATCH_NAME]
    assert [(p.name, p.type.kind) for p in patch.properties] == [
        ("op", "string"),
        ("path", "string"),
        ("value", "map"),
    ]
    assert not [n for n in api.schemas if n.startswith("Patch")]  # no per-page copies
    assert not only(diags, "SOG303")


# --- matching sample items to a carrier ------------------------------------------------------

TOGGLE_TABLE = "| FeatureToggles | Array |  |\n"
TOGGLE_SAMPLE = json.dumps({"FeatureToggles": [{"Name": "x", "State": True}]})
STATE_ROWS = "| Name | string | The name |\n| State | string | The state |\n"


def test_carrier_with_the_same_names_but_another_value_type_is_not_matched() -> None:
    api, diags = model(
        ("pages/a.md", carrier_page("BatchTaskFilter", STATE_ROWS)),
        ("pages/b.md", agent_page("UpdateFeatureToggles", TOGGLE_TABLE, TOGGLE_SAMPLE)),
    )
    prop = api.schemas["UpdateFeatureTogglesRequest"].properties[0]
    item = "UpdateFeatureTogglesRequestFeatureTogglesItem"
    assert prop.type == TypeRef("array", items=TypeRef("ref", ref=item))
    assert [(p.name, p.type.kind) for p in api.schemas[item].properties] == [
        ("Name", "string"),
        ("State", "boolean"),
    ]
    (w,) = only(diags, "SOG305")
    assert item in w.message and "UpdateFeatureTogglesRequest.FeatureToggles" in w.message
    assert not only(diags, "SOG303")


def test_carrier_whose_names_and_value_types_agree_is_matched() -> None:
    rows = "| Name | string | The name |\n| State | bool | On or off |\n"
    api, diags = model(
        ("pages/a.md", carrier_page("BatchTaskFilter", STATE_ROWS)),
        ("pages/b.md", carrier_page("FeatureToggle", rows, method="GetToggle")),
        ("pages/c.md", agent_page("UpdateFeatureToggles", TOGGLE_TABLE, TOGGLE_SAMPLE)),
    )
    prop = api.schemas["UpdateFeatureTogglesRequest"].properties[0]
    assert prop.type == TypeRef("array", items=TypeRef("ref", ref="FeatureToggle"))
    assert not only(diags, "SOG305") and not only(diags, "SOG303")


def test_null_values_agree_with_any_type_and_the_pages_own_carrier_comes_first() -> None:
    # AToggle sorts first and accepts the items too; the carrier this page documents wins
    rows = "| Name | string | The name |\n| State | bool | On or off |\n| Children | array | |\n"
    response = (
        "## Response:\n\nOK\n\n| Response | Description |\n|----------------|-------------|\n"
        "| 200 | OK |\n\n### Response body: Toggle\n\n"
        "| Property Name | Type |  Description |\n|----------------|------|--------------|\n" + rows
    )
    child = {"Name": "y", "State": None, "Children": []}
    sample = json.dumps({"Name": "x", "State": True, "Children": [child]})
    page = page_text(
        front="title: POST Agents/Test/GetToggle\nuid: v1TestAgent_GetToggle\ngenerated: true",
        h1="# POST Agents/Test/GetToggle",
        endpoint="POST /api/v1/Agents/Test/GetToggle",
        response=response,
        samples="## Sample response\n\n```http_\nHTTP/1.1 200 OK\n\n" + sample + "\n```",
    )
    api, diags = model(("pages/a.md", carrier_page("AToggle", rows)), ("pages/b.md", page))
    children = next(p for p in api.schemas["Toggle"].properties if p.name == "Children")
    assert children.type == TypeRef("array", items=TypeRef("ref", ref="Toggle"))
    assert not only(diags, "SOG303")
    assert [w.message.split(" is ")[0] for w in only(diags, "SOG305")] == [
        "item type of AToggle.Children"  # no sample shows AToggle's own items
    ]


def test_schema_made_from_the_sample_is_reused_by_the_next_sample_of_its_shape() -> None:
    api, diags = model(
        ("pages/a.md", agent_page("UpdateA", TOGGLE_TABLE, TOGGLE_SAMPLE)),
        ("pages/b.md", agent_page("UpdateB", TOGGLE_TABLE, TOGGLE_SAMPLE)),
    )
    a = api.schemas["UpdateARequest"].properties[0].type
    b = api.schemas["UpdateBRequest"].properties[0].type
    assert a == b == TypeRef("array", items=TypeRef("ref", ref="UpdateARequestFeatureTogglesItem"))
    assert len(only(diags, "SOG305")) == 1


# --- real pages ------------------------------------------------------------------------------


def test_real_patch_pages_send_a_json_patch_array() -> None:
    corpus = need_corpus()
    pages = sorted((corpus / "pages" / "rest").rglob("v1*_Patch*.md"))
    assert pages
    api, _ = model(*((str(p), p.read_text()) for p in pages))
    want = TypeRef("array", items=TypeRef("ref", ref=JSON_PATCH_NAME))
    for op in api.operations():
        if op.method == "PATCH":
            assert op.request_body is not None and op.request_body.type == want, op.id
    names = {p.name for p in api.schemas[JSON_PATCH_NAME].properties}
    assert names == {"op", "path", "value"}


def test_a_stream_sample_never_contradicts_its_binary_type() -> None:
    response = (
        "## Response:binary\n\nOK\n\n| Response | Description |\n|----------------|-------------|\n"
        "| 200 | OK |\n\n### Response body: binary\n"
    )
    page = page_text(
        front="title: POST Agents/Test/GetStream\nuid: v1TestAgent_GetStream\ngenerated: true",
        h1="# POST Agents/Test/GetStream",
        endpoint="POST /api/v1/Agents/Test/GetStream",
        response=response,
        samples="## Sample response\n\n```http_\nHTTP/1.1 200 OK\n\n99.99\n```",
    )
    api, diags = model(page)
    assert op_of(api, "v1TestAgent_GetStream").responses[0].type == TypeRef("binary")
    assert not only(diags, "SOG303")
    spec = emit_openapi(api, "3.0")
    media = spec["paths"]["/api/v1/Agents/Test/GetStream"]["post"]["responses"]["200"][  # type: ignore[index]
        "content"
    ]["application/octet-stream"]
    # the page's sample of a stream is a JSON placeholder (`99.99`), not its bytes: no example
    assert "example" not in media  # type: ignore[operator]


def test_schema_made_from_a_sample_takes_the_keys_later_samples_show() -> None:
    rows = "| Items | array | The rows |\n"

    def page(method: str, item: dict[str, object]) -> str:
        response = (
            "## Response:\n\nOK\n\n| Response | Description |\n|----------------|-------------|\n"
            "| 200 | OK |\n\n### Response body: Box\n\n"
            "| Property Name | Type |  Description |\n|----------------|------|--------------|\n"
            + rows
        )
        sample = json.dumps({"Items": [item]})
        return page_text(
            front=f"title: POST Agents/Test/{method}\nuid: v1TestAgent_{method}\ngenerated: true",
            h1=f"# POST Agents/Test/{method}",
            endpoint=f"POST /api/v1/Agents/Test/{method}",
            response=response,
            samples="## Sample response\n\n```http_\nHTTP/1.1 200 OK\n\n" + sample + "\n```",
        )

    api, diags = model(
        ("pages/a.md", page("GetA", {"Name": "x", "State": True})),
        ("pages/b.md", page("GetB", {"Name": "y", "Owner": "me"})),
    )
    item = api.schemas["BoxItemsItem"]
    assert [(p.name, p.type.kind) for p in item.properties] == [
        ("Name", "string"),
        ("State", "boolean"),
        ("Owner", "string"),
    ]
    assert not only(diags, "SOG303") and len(only(diags, "SOG305")) == 1


def test_pages_with_one_item_table_share_one_item_schema() -> None:
    # every list's PUT .../Items/{itemId}/UserGroups documents the same item table: one class
    pages = [
        rest_body_page(
            f"v1{entity}List_Put{entity}UserGroups", "PUT", f"List/{entity}/UserGroups",
            ITEM_ROWS, ITEMS_SAMPLE,
        )
        for entity in ("Source", "Business")
    ]  # fmt: skip
    api, _ = model(*pages)
    bodies = [op.request_body for op in api.operations()]
    types = {b.type for b in bodies if b is not None}
    # named by what the pages' names share
    assert types == {TypeRef("array", items=TypeRef("ref", ref="PutUserGroupsRequestItem"))}
    assert [n for n in api.schemas if n.endswith("RequestItem")] == ["PutUserGroupsRequestItem"]


def test_item_tables_that_differ_keep_their_own_schemas() -> None:
    other_rows = ITEM_ROWS.replace("The name of the ListItem", "Another text")
    pages = [
        rest_body_page("v1SourceList_PutSourceX", "PUT", "List/Source/X", ITEM_ROWS, ITEMS_SAMPLE),
        rest_body_page("v1BusinessList_PutBusinessX", "PUT", "List/Business/X", other_rows,
                       ITEMS_SAMPLE),
    ]  # fmt: skip
    api, _ = model(*pages)
    assert sorted(n for n in api.schemas if n.endswith("RequestItem")) == [
        "PutBusinessXRequestItem",
        "PutSourceXRequestItem",
    ]
