"""Nullability where it is true (issue 13): components are never nullable; a property is where a
sample shows null or its description says so, and that is said at the use site; a request body
never accepts null; the Python client decodes null anywhere regardless."""

from __future__ import annotations

from typing import Any

import pytest
from pagekit import model
from unit.test_array_bodies import agent_page, carrier_page, op_of

from generator.model.operations import says_nullable
from generator.openapi.emit import emit_openapi

OWNER = carrier_page(
    "Owner",
    "| OwnerId | Integer | The id |\n"
    "| Contact | Owner | The contact. May be null. |\n"
    "| Rank | Integer | Its rank |\n",
    "GetOwner",
)
ROWS = (
    "| Name | String | The name |\n"
    "| Count | Integer | How many |\n"
    "| Owner | Owner | Who owns it |\n"
    "| Backup | Owner | Who else |\n"
)
# Backup is null in the sample; Owner and the scalars never are
SAMPLE = '{"Name": "x", "Count": 2, "Owner": {"OwnerId": 1, "Rank": null}, "Backup": null}'
PATH = "/api/v1/Agents/Test/SaveThing"


def _spec(version: str) -> dict[str, Any]:
    api, _ = model(agent_page("SaveThing", ROWS, SAMPLE), OWNER)
    return emit_openapi(api, version)  # type: ignore[arg-type]


def _body_schema(spec: dict[str, Any]) -> dict[str, Any]:
    media = spec["paths"][PATH]["post"]["requestBody"]["content"]["application/json"]
    name = media["schema"]["$ref"].rsplit("/", 1)[1]
    return spec["components"]["schemas"][name]  # type: ignore[no-any-return]


@pytest.mark.parametrize("version", ["3.0", "3.1"])
def test_no_component_is_nullable(version: str) -> None:
    spec = _spec(version)
    for name, schema in spec["components"]["schemas"].items():
        assert "nullable" not in schema, name
        assert schema.get("type") == "object", name


def test_a_sample_null_makes_the_property_nullable_at_the_use_site_3_0() -> None:
    props = _body_schema(_spec("3.0"))["properties"]
    # 3.0.3: nullable widens only a type beside it, so the null is a branch of its own
    assert props["Backup"]["anyOf"] == [
        {"$ref": "#/components/schemas/Owner"},
        {"type": "object", "nullable": True, "enum": [None]},
    ]
    assert props["Owner"] == {
        "allOf": [{"$ref": "#/components/schemas/Owner"}],
        "description": "Who owns it",
    }  # the allOf only carries the description: no null
    assert props["Name"] == {"type": "string", "description": "The name"}
    assert props["Count"] == {"type": "integer", "format": "int32", "description": "How many"}


def test_a_sample_null_makes_the_property_nullable_at_the_use_site_3_1() -> None:
    props = _body_schema(_spec("3.1"))["properties"]
    assert props["Backup"]["anyOf"] == [{"$ref": "#/components/schemas/Owner"}, {"type": "null"}]
    assert props["Owner"] == {"$ref": "#/components/schemas/Owner", "description": "Who owns it"}
    assert props["Count"]["type"] == "integer"


def test_a_null_inside_a_carrier_sample_marks_that_carrier_property() -> None:
    owner = _spec("3.1")["components"]["schemas"]["Owner"]["properties"]
    assert owner["Rank"]["type"] == ["integer", "null"]  # null in the sample: evidence
    assert owner["OwnerId"]["type"] == "integer"  # a value in the sample
    assert owner["Contact"]["anyOf"][1] == {"type": "null"}  # "May be null."


def test_the_request_body_itself_never_accepts_null() -> None:
    for version in ("3.0", "3.1"):
        spec = _spec(version)
        body = spec["paths"][PATH]["post"]["requestBody"]
        assert body["required"] is True
        assert body["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/" + _ref_name(spec)
        }


def _ref_name(spec: dict[str, Any]) -> str:
    media = spec["paths"][PATH]["post"]["requestBody"]["content"]["application/json"]
    return str(media["schema"]["$ref"].rsplit("/", 1)[1])


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("The contact. May be null.", True),
        ("It may also be null if no contact is associated.", True),
        ("Populated if the parameter is set, otherwise null", True),
        ("The id, or null when unknown", True),
        ("Default NULL = no filter", False),
        ("Keys that share a value (including NULL) are shown together", False),
        ("The primary key", False),
    ],
)
def test_which_descriptions_say_null(text: str, says: bool) -> None:
    assert says_nullable(text) is says


def test_the_model_keeps_the_evidence() -> None:
    api, _ = model(agent_page("SaveThing", ROWS, SAMPLE), OWNER)
    body = op_of(api, "v1TestAgent_SaveThing").request_body
    assert body is not None and body.type.ref is not None
    props = {p.name: p.nullable for p in api.schemas[body.type.ref].properties}
    assert props == {"Name": False, "Count": False, "Owner": False, "Backup": True}
