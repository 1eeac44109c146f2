"""The imports of a generated test module: a model whose name only occurs in a string (a
sample value or wire key such as `"Owner"`) is not imported (ruff F401 on the generated
tests of the whole API), one the test constructs is."""

from __future__ import annotations

from pagekit import model
from unit.test_array_bodies import agent_page

from generator.render.context import build_context

ROWS = (
    "| Name | String | The name |\n| Owner | Owner | Who owns it |\n\n## Owner\n\n"
    "| Property Name | Type |  Description |\n|----------------|------|--------------|\n"
    "| OwnerId | Integer | The id |\n"
)


def _test_imports(sample: str) -> list[str]:
    api, diags = model(agent_page("SaveThing", ROWS, sample))
    (group,) = build_context(api, diags).groups
    return [cls for _module, cls in group.test_model_imports]


def test_a_model_named_only_in_a_string_is_not_imported() -> None:
    assert _test_imports('{"Name": "Owner", "Owner": null}') == []


def test_a_model_the_test_constructs_is_imported() -> None:
    assert _test_imports('{"Name": "x", "Owner": {"OwnerId": 3}}') == ["Owner"]
