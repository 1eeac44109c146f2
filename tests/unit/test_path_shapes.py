"""Templates equal but for their parameter names (GET User/{id} and GET User/{userName}): the
model keeps each page's documented path, the spec writes them as one path item (one operation
per method), and SOG404 says so (generator/model/paths.py, generator/openapi/emit.py)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from pagekit import model, rest_page
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from generator.diagnostics import Diagnostics
from generator.model.ir import Api
from generator.model.paths import canonical_template, path_shape, renamed
from generator.openapi.emit import emit_openapi, emit_paths

USER_RESPONSE = """\
## Response:

OK

| Response | Description |
|----------------|-------------|
| 200 | OK |

### Response body: UserThing

| Property Name | Type |  Description |
|----------------|------|--------------|
| Id | int32 | The id. |
| Name | string | The name. |
"""

GET_BY_ID = rest_page(
    "v1User_GetUser", "GET", "User/{id}", {"id": "int32"}, USER_RESPONSE,
    '{\n  "Id": 7,\n  "Name": "Ann"\n}',
)  # fmt: skip
GET_BY_NAME = rest_page(
    "v1User_GetUserFromName", "GET", "User/{userName}", {"userName": "string"}, "", '"ann"'
)
DELETE_BY_ID = rest_page("v1User_DeleteUser", "DELETE", "User/{id}", {"id": "int32"})


def build(*pages: tuple[str, str]) -> tuple[Api, Diagnostics]:
    return model(*pages)


def docs(api: Api) -> dict[str, dict[str, Any]]:
    found = {}
    for version in ("3.0", "3.1"):
        doc: dict[str, Any] = emit_openapi(api, version)  # type: ignore[arg-type,assignment]
        validator = OpenAPIV31SpecValidator if version == "3.1" else OpenAPIV30SpecValidator
        assert [e.message for e in validator(doc).iter_errors()] == []
        paths = list(doc["paths"])
        assert not [p for p in paths if p.endswith("/") or "//" in p]
        assert len({path_shape(p) for p in paths}) == len(paths)  # no two of one shape
        found[version] = doc
    return found


def test_helpers() -> None:
    assert path_shape("/a/{x}/b/{y}") == "/a/{}/b/{}"
    # the most documented template; on a tie the first in sort order
    assert canonical_template(["/X/{zed}", "/X/{abc}", "/X/{zed}"]) == "/X/{zed}"
    assert canonical_template(["/X/{zed}", "/X/{abc}"]) == "/X/{abc}"
    assert renamed("/X/{a}/Y/{b}", "/X/{c}/Y/{b}") == {"a": ["c"], "b": ["b"]}
    assert renamed("/X/{a}/Y/{a}", "/X/{c}/Y/{d}") == {"a": ["c", "d"]}


def test_same_method_pair_is_one_operation_and_each_keeps_its_path() -> None:
    api, diags = build(("pages/a.md", GET_BY_ID), ("pages/b.md", GET_BY_NAME))
    assert sorted(op.path for op in api.operations()) == [
        "/api/v1/User/{id}",
        "/api/v1/User/{userName}",
    ]
    (d,) = [d for d in diags if d.code == "SOG404"]
    assert d.source is not None and d.source.path == "pages/b.md"
    assert [r.path for r in d.related] == ["pages/a.md"]
    assert f"pages/a.md:{d.related[0].line}" in d.message
    assert "x-sogen-merged" in d.message and "one path item /api/v1/User/{id}" in d.message
    for version, doc in docs(api).items():
        assert list(doc["paths"]) == ["/api/v1/User/{id}"]
        item = doc["paths"]["/api/v1/User/{id}"]
        assert list(item) == ["get"]
        op = item["get"]
        assert op["operationId"] == "v1User_GetUser"
        assert op["x-sogen-merged"] == [
            {"operationId": "v1User_GetUserFromName", "path": "/api/v1/User/{userName}"}
        ]
        assert "GET /api/v1/User/{userName}" in op["description"]
        assert "x-sogen-path" not in op  # its own template is the path item's
        (param,) = [p for p in op["parameters"] if p.get("in") == "path"]
        assert param["name"] == "id" and param["required"] is True
        assert param["schema"] == {
            "anyOf": [{"type": "integer", "format": "int32"}, {"type": "string"}]
        }
        assert "`userName`" in param["description"]
        media = op["responses"]["200"]["content"]["application/json"]
        assert len(media["schema"]["anyOf"]) == 2, version
        # each page's sample, named by its operation id (prism: `Prefer: example=<id>`)
        assert media["examples"] == {
            "v1User_GetUser": {"value": {"Id": 7, "Name": "Ann"}},
            "v1User_GetUserFromName": {"value": "ann"},
        }
        assert "example" not in media


def _validate(doc: dict[str, Any], pointer: str, value: Any) -> list[str]:
    registry: Registry = Registry().with_resource(
        "urn:t", Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    validator = Draft202012Validator({"$ref": "urn:t#" + pointer}, registry=registry)
    return [e.message for e in validator.iter_errors(value)]


def test_every_pages_sample_conforms_to_the_merged_schema() -> None:
    api, _ = build(("pages/a.md", GET_BY_ID), ("pages/b.md", GET_BY_NAME))
    doc = docs(api)["3.1"]
    pointer = "/paths/~1api~1v1~1User~1{id}/get/responses/200/content/application~1json/schema"
    assert _validate(doc, pointer, {"Id": 7, "Name": "Ann"}) == []
    assert _validate(doc, pointer, "ann") == []
    assert _validate(doc, pointer, 12345) != []  # not vacuous
    media = doc["paths"]["/api/v1/User/{id}"]["get"]["responses"]["200"]["content"]
    for example in media["application/json"]["examples"].values():
        assert _validate(doc, pointer, example["value"]) == []


def test_other_methods_share_the_path_item_under_one_name() -> None:
    put = rest_page("v1Batch_UpdateBatchTask", "PUT", "BatchTask/{Id}", {"Id": "int32"})
    get = rest_page("v1Batch_GetByState", "GET", "BatchTask/{state}", {"state": "string"})
    api, diags = build(("pages/put.md", put), ("pages/get.md", get))
    (d,) = [d for d in diags if d.code == "SOG404"]
    assert d.source is not None and d.source.path == "pages/get.md"
    assert "{state} as {Id}" in d.message and "x-sogen-merged" not in d.message
    for doc in docs(api).values():
        assert list(doc["paths"]) == ["/api/v1/BatchTask/{Id}"]
        item = doc["paths"]["/api/v1/BatchTask/{Id}"]
        assert list(item) == ["get", "put"]
        assert "x-sogen-merged" not in item["get"] and "x-sogen-path" not in item["put"]
        assert item["get"]["x-sogen-path"] == "/api/v1/BatchTask/{state}"
        (param,) = [p for p in item["get"]["parameters"] if p.get("in") == "path"]
        assert param["name"] == "Id" and param["schema"] == {"type": "string"}
        assert param["description"] == "The state. The reference page names it `state`."


def test_the_template_most_operations_document_wins_and_order_does_not_matter() -> None:
    pages = [
        ("pages/a.md", rest_page("v1X_Get", "GET", "X/{abc}", {"abc": "string"})),
        ("pages/b.md", rest_page("v1X_Put", "PUT", "X/{zed}", {"zed": "string"})),
        ("pages/c.md", rest_page("v1X_Delete", "DELETE", "X/{zed}", {"zed": "string"})),
    ]
    api, diags = build(*pages)
    api2, diags2 = build(*reversed(pages))
    assert emit_openapi(api) == emit_openapi(api2)
    assert [x.render() for x in diags.sorted()] == [x.render() for x in diags2.sorted()]
    doc = docs(api)["3.0"]
    assert list(doc["paths"]) == ["/api/v1/X/{zed}"]
    assert list(doc["paths"]["/api/v1/X/{zed}"]) == ["get", "put", "delete"]
    assert [d.source.path for d in diags if d.code == "SOG404" and d.source] == ["pages/a.md"]


def test_equal_types_stay_one_schema_and_other_methods_stay_apart() -> None:
    other = rest_page("v1User_GetUserFromLogin", "GET", "User/{login}", {"login": "int32"})
    api, _ = build(("pages/a.md", GET_BY_ID), ("pages/c.md", DELETE_BY_ID), ("pages/d.md", other))
    doc = docs(api)["3.0"]
    item = doc["paths"]["/api/v1/User/{id}"]
    assert list(item) == ["get", "delete"]
    assert "x-sogen-merged" not in item["delete"]
    (param,) = [p for p in item["get"]["parameters"] if p.get("in") == "path"]
    assert param["schema"] == {"type": "integer", "format": "int32"}


@pytest.mark.parametrize("version", ["3.0", "3.1"])
def test_emit_paths_writes_the_merged_items_as_emit_openapi_does(version: str) -> None:
    api, _ = build(
        ("pages/a.md", GET_BY_ID), ("pages/b.md", GET_BY_NAME), ("pages/c.md", DELETE_BY_ID)
    )
    whole = emit_openapi(api, version)  # type: ignore[arg-type]
    assert emit_paths(api.operations(), api.schemas, version) == whole["paths"]  # type: ignore[arg-type]
    text = json.dumps(whole)
    assert not re.search(r'"/api/v1/[^"]*/"', text)


def test_merged_bodies_take_a_form_every_generator_can_write() -> None:
    from generator.openapi.emit import _merged_body

    a, b = {"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}
    assert _merged_body([a, a]) == a
    assert _merged_body([a, b]) == {"anyOf": [a, b]}
    # two lists: one list of either item (java cannot write anyOf with an array in it)
    listed = _merged_body([{"type": "array", "items": a}, {"type": "array", "items": b}])
    assert listed == {"type": "array", "items": {"anyOf": [a, b]}}
    # one object beside a list: any JSON, said in words
    mixed = _merged_body([a, {"type": "array", "items": b}])
    assert set(mixed) == {"description"}  # type: ignore[arg-type]
    assert "A; a list of B" in mixed["description"]  # type: ignore[index]
