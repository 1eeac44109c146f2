"""format_source must write what black writes on the whole file, with black run on single
statements at most: the shapes the layout pass leaves to it, a build of long-named pages
compared with a pure-black build, and the counts the build reports."""

from __future__ import annotations

import keyword
import os
import re
from pathlib import Path

import black
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import pipeline
from generator.render import formatting
from generator.render.formatting import FormatStats, format_source, tidy_header
from generator.render.units import format_units

MODE = black.Mode(target_versions={black.mode.TargetVersion.PY311})
EXAMPLES = int(os.environ.get("SOGEN_FUZZ_EXAMPLES", "150"))
REPO = Path(__file__).resolve().parents[2]

HEAD = '"""Tests."""\n\nfrom __future__ import annotations\n\nfrom x import Harness\n\n\n'
LONG = "create_default_appointment_entity_by_type_and_associate_with_a_long_name"
MODEL = "ListItemEntitySaveHeadingsForListItemFromListDefinitionRequest"


def _formatted(source: str) -> tuple[str, FormatStats]:
    before = formatting.STATS.copy()
    out, error = format_source(source)
    assert error is None
    return out, formatting.STATS.since(before)


def _check(source: str, statements: bool = True) -> FormatStats:
    """Our output is black's; black never ran on the whole file (and ran on a statement when
    `statements`: the shape is one the layout pass leaves to it)."""
    out, stats = _formatted(source)
    assert out == black.format_str(tidy_header(source), mode=MODE)
    assert stats.whole == 0
    if statements:
        assert stats.units >= 1
    return stats


SHAPES = {
    "call head too long": (
        f"def test_a(harness: Harness) -> None:\n    with harness.client() as client:\n"
        f"        result = client.appointment.{LONG}(\n"
        '            type_="ToDo",\n            associate_id=90,\n        )\n'
        "    assert result == 1\n\n\ndef test_b(harness: Harness) -> None:\n    pass\n"
    ),
    "call statement head too long": (
        "def test_a(harness: Harness) -> None:\n    with harness.client() as client:\n"
        f"        client.appointment.{LONG}_x(\n            id_=1,\n        )\n"
    ),
    "empty call too long": (
        "def test_a(harness: Harness) -> None:\n    with harness.client() as client:\n"
        f"        result = client.document_migration.{LONG}()\n    assert result\n"
    ),
    "test signature too long": (
        f"def test_{LONG}_and_more(harness: Harness) -> None:\n"
        '    """Doc."""\n    harness.respond(200, None)\n\n\n'
        "def test_b(harness: Harness) -> None:\n    pass\n"
    ),
    "method signature too long": (
        "class A:\n    @property\n"
        f"    def ticket_relation_definition_entity(self) -> Async{MODEL}:\n"
        '        """The entity."""\n        return 1\n\n'
        "    def b(self) -> None:\n        pass\n"
    ),
    "huge literal element": (
        "def test_a(harness: Harness) -> None:\n    with harness.client() as client:\n"
        "        result = client.list_.save(\n"
        f'            interests=[{MODEL}.from_dict({{"Id": 937, "Name": "Heathcote LLC", '
        '"ToolTip": "Dolore nisi.", "Deleted": False, "Rank": 354})],\n'
        "        )\n"
    ),
    "long import head": (
        f"from superoffice_webapi.models.list_item_entity_save_headings_{LONG} import (\n"
        f"    {MODEL},\n)\n\nX = 1\n"
    ),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shapes_left_to_black_are_formatted_per_statement(name: str) -> None:
    _check(HEAD + SHAPES[name])


def test_annotated_union_shapes_are_settled_without_black() -> None:
    source = (
        "class A:\n    def m(\n        self,\n        *,\n"
        f"        copilot_data_sources: list[{MODEL}] | Unset | None = UNSET,\n"
        f"        sort_order: list[Post{MODEL[:30]}] | Unset | None = UNSET,\n"
        "    ) -> None:\n        pass\n\n\n@dataclass\nclass B:\n"
        f"    interests: list[{MODEL}] | Unset | None = UNSET\n"
        "    restricted_module_licenses: list[AssignThirdPartyLicensesItem] | Unset | None"
        " = UNSET\n"
        "    def n(\n        self,\n        *,\n"
        "        merged_ticket_entity_category_default_ticket_status_ticket_status_id_more: "
        "int | None = None,\n    ) -> None:\n        pass\n"
    )
    _check(HEAD + source, statements=False)


names = st.from_regex(r"[a-z][a-z0-9_]{0,70}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n)
)
types = st.from_regex(r"[A-Z][A-Za-z0-9]{0,70}", fullmatch=True)


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    name=names,
    members=st.lists(types, min_size=1, max_size=3),
    listed=st.booleans(),
    value=st.sampled_from(["UNSET", "None", "1", ""]),
    parameter=st.booleans(),
)
def test_annotated_names(
    name: str, members: list[str], listed: bool, value: str, parameter: bool
) -> None:
    annotation = " | ".join([f"list[{members[0]}]" if listed else members[0], *members[1:]])
    default = f" = {value}" if value else ""
    if parameter:
        source = f"def f(\n    self,\n    {name}: {annotation}{default},\n) -> None:\n    pass\n"
    else:
        source = f"class A:\n    {name}: {annotation}{default}\n"
    _check(source, statements=False)


@settings(max_examples=EXAMPLES, deadline=None)
@given(attr=names, method=names, test=names, args=st.lists(names, max_size=3))
def test_calls_and_signatures(attr: str, method: str, test: str, args: list[str]) -> None:
    call = f"client.{attr}.{method}(" + "".join(f"\n            {a}=1," for a in args)
    call += "\n        )" if args else ")"
    source = (
        f"def test_{test}(harness: Harness) -> None:\n    with harness.client() as client:\n"
        f"        result = {call}\n        client.{attr}.{method}()\n    assert result\n"
    )
    _check(HEAD + source, statements=False)


def test_statement_black_cannot_cut_out_goes_to_the_enclosing_one() -> None:
    # alone, a string statement would be a module docstring: its method is formatted
    source = (
        "class A:\n    def m(self) -> None:\n"
        f'        "-".join([client.appointment.{LONG}(), client.other.{LONG}()])\n'
        "        return None\n"
    )
    assert _check(source).units == 1
    # a string whose lines are less indented than the statement cannot be dedented: the
    # enclosing statements are cut by indentation, which such a string defeats, so black
    # formats the file (and the count says so)
    source = (
        "class A:\n    def m(self) -> None:\n"
        f"        y = f(client.appointment.{LONG}.more.and_more(), '''\nz\n''')\n"
        "        return y\n"
    )
    out, stats = _formatted(source)
    assert out == black.format_str(source, mode=MODE)
    assert (stats.units, stats.whole) == (0, 1)


def test_fmt_comments_send_the_file_to_black() -> None:
    source = f"x = [  # fmt: skip\n    1]\ny = client.appointment.{LONG}.more_and_more()\n"
    out, stats = _formatted(source)
    assert out == black.format_str(source, mode=MODE)
    assert stats.whole == 1


def test_format_units_keeps_nested_statements_once() -> None:
    lines = ["def f(", "    a,", ") -> None:", "    x = g(", "        1,", "    )", ""]
    seen: list[tuple[str, int]] = []

    def fake(text: str, length: int) -> str:
        seen.append((text, length))
        return text

    assert format_units(lines, [0, 4], fake) == 2
    assert seen == [("def f(\n    a,\n) -> None:\n    pass\n", 88), ("x = g(\n    1,\n)\n", 84)]


# Pages with long names: the generated tests and agents then have every shape above.
_RENAMES = {
    "AddChatMessage": "AddChatMessageToTheChatSessionOfTheCustomerAndNotifyAllTheAgentsNow",
    "ChatSessionId": "ChatSessionIdentifierOfTheSessionTheMessageBelongsToInTheChatAgentQueue",
    "SendSystemMessage": "SendSystemMessageToEveryAssociateThatIsCurrentlyLoggedOnToTheSystem",
}


def _long_named_pages(folder: Path) -> Path:
    folder.mkdir()
    for page in sorted((REPO / "specs").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for old, new in _RENAMES.items():
            text = text.replace(old, new)
        (folder / page.name).write_text(text, encoding="utf-8")
    return folder


def _build(pages: Path, out: Path, cache: Path) -> pipeline.Outcome:
    outcome = pipeline.build(pipeline.Options(inputs=[pages], out=out, cache_dir=cache))
    assert not outcome.diags.errors, [d.render() for d in outcome.diags.errors]
    return outcome


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".sogen-manifest.json"
    }


def test_build_matches_pure_black_and_never_formats_a_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = _long_named_pages(tmp_path / "pages")
    ours = _build(pages, tmp_path / "ours", tmp_path / "cache1")
    assert ours.formatting is not None
    assert ours.formatting.whole == 0
    assert ours.formatting.units > 0  # the pages do have lines left to black
    assert ours.formatting.slowest_path.endswith(".py")
    monkeypatch.setenv("SOGEN_FORMAT", "black")
    theirs = _build(pages, tmp_path / "black", tmp_path / "cache2")
    assert theirs.formatting is not None and theirs.formatting.whole > 0
    mine, reference = _tree(tmp_path / "ours"), _tree(tmp_path / "black")
    assert sorted(mine) == sorted(reference)
    assert [k for k in mine if mine[k] != reference[k]] == []
    assert re.match(r"formatter fallbacks: \d+ \(statements: ", ours.formatting.describe())
