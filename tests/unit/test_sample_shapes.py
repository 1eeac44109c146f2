"""Samples against the tables, seen where redocly checks the spec's examples on the whole API:
a carrier named where the page means a dictionary, and a `byte` property inside a carrier."""

from __future__ import annotations

import base64

from pagekit import model
from unit.test_array_bodies import agent_page, carrier_page, only, op_of

from generator.model.ir import TypeRef
from generator.openapi.emit import emit_openapi

# the carrier comes from another page's response table, as on the real pages
OWNER = carrier_page(
    "Owner", "| OwnerId | Integer | The id |\n| Picture | Byte[] | The picture |\n", "GetOwner"
)
UID = "v1TestAgent_SaveThing"
PATH = "/api/v1/Agents/Test/SaveThing"


def _build(rows: str, sample: str) -> tuple[dict[str, object], list[str]]:
    api, diags = model(agent_page("SaveThing", rows, sample), OWNER)
    spec = emit_openapi(api, "3.0")
    media = spec["paths"][PATH]["post"]["requestBody"]["content"]  # type: ignore[index]
    return media["application/json"], [d.render() for d in only(diags, "SOG303")]  # type: ignore[index]


def test_a_carrier_whose_sample_is_a_dictionary_is_a_dictionary() -> None:
    rows = "| Name | String | The name |\n| Parameters | Owner | Script parameters |\n"
    sample = '{"Name": "x", "Parameters": {"Parameters1": "ex"}}'
    api, diags = model(agent_page("SaveThing", rows, sample), OWNER)
    body = op_of(api, UID).request_body
    assert body is not None and body.type.ref is not None
    (parameters,) = [p for p in api.schemas[body.type.ref].properties if p.name == "Parameters"]
    assert parameters.type == TypeRef("map", items=TypeRef("string"))
    (warning,) = only(diags, "SOG303")
    assert "Parameters" in warning.message


def test_a_carrier_sample_with_one_known_key_stays_the_carrier() -> None:
    rows = "| Name | String | The name |\n| Owner | Owner | Who owns it |\n"
    sample = '{"Name": "x", "Owner": {"OwnerId": 1, "Extra": 2}}'
    api, diags = model(agent_page("SaveThing", rows, sample), OWNER)
    body = op_of(api, UID).request_body
    assert body is not None and body.type.ref is not None
    (owner,) = [p for p in api.schemas[body.type.ref].properties if p.name == "Owner"]
    assert owner.type == TypeRef("ref", ref="Owner")
    assert not only(diags, "SOG303")


def test_a_byte_property_inside_a_carrier_is_base64_in_the_example() -> None:
    rows = "| Name | String | The name |\n| Owner | Owner | Who owns it |\n"
    media, warnings = _build(rows, '{"Name": "x", "Owner": {"OwnerId": 1, "Picture": "GIF89a"}}')
    assert not warnings
    example = media["example"]
    assert example == {  # the carrier's other values as written
        "Name": "x",
        "Owner": {"OwnerId": 1, "Picture": base64.b64encode(b"GIF89a").decode("ascii")},
    }
