"""Dotted query parameters (issue 13): rows such as `entity.owner.associateId` are one object
parameter. Its schema is a carrier whose names and value types agree (nested prefixes through
the carriers its properties name), else a schema made from the dotted names (SOG408); a prefix
that cannot be one object stays as separate parameters (SOG210). The spec writes one deepObject
parameter and the client one model argument, whose generated test checks the pairs sent."""

from __future__ import annotations

from pathlib import Path

from openapi_spec_validator import validate
from pagekit import HEADERS_FULL, RESPONSE_OK_STRING, model, need_corpus, page_text, run_cli

from generator.diagnostics import Diagnostics
from generator.model.ir import Api, Operation, Parameter, TypeRef
from generator.openapi.emit import emit_openapi
from generator.render.context import build_context

QS_HEAD = "## Query String Parameters\n\n| Parameter Name | Type |  Description |\n"
QS_RULE = "|----------------|------|--------------|\n"
DOTTED = (
    "| ids | array | **Required** Ids of the others |\n"
    "| entity.id | int32 |  The primary key |\n"
    "| entity.name | string |  The name |\n"
    "| entity.state | Enum: Open, Closed |  The state |\n"
    "| entity.owner.associateId | int32 |  Owner id |\n"
    "| entity.owner.name | string |  Owner name |\n"
    "| entity.helper.associateId | int32 |  Owner id |\n"
    "| entity.helper.name | string |  Owner name |\n"
    "| entity.tags | array |  Tags |\n"
)
# the table as the pages split long ones: a blank line, the header again, a row dropped
SPLIT = DOTTED.replace("| entity.owner.name", "\n" + QS_HEAD + QS_RULE + "| entity.owner.name")


def merge_page(rows: str = DOTTED, response: str = "") -> str:
    return page_text(
        front="title: POST Thing/Merge\nuid: v1ThingEntity_MergeThings\ngenerated: true",
        h1="# POST Thing/Merge",
        endpoint="POST /api/v1/Thing/Merge",
        description="Merge things.",
        query=QS_HEAD + QS_RULE + rows,
        headers=HEADERS_FULL,
        response=response or carrier_response("Thing", THING_ROWS),
    )


def carrier_response(name: str, rows: str) -> str:
    return (
        "## Response:\n\nOK\n\n| Response | Description |\n|----------------|-------------|\n"
        f"| 200 | OK |\n\n### Response body: {name}\n\n"
        "| Property Name | Type |  Description |\n|----------------|------|--------------|\n" + rows
    )


THING_ROWS = (
    "| Id | int32 | The primary key |\n"
    "| Name | string | The name |\n"
    "| State | string | The state |\n"
    "| Owner | Associate | Who owns it |\n"
    "| Helper | Associate | Who helps |\n"
    "| Tags | array | Tags |\n"
    "| Extra | string | Not in the query table |\n"
)
ASSOCIATE_ROWS = "| AssociateId | int32 | Primary key |\n| Name | string | Initials |\n"


def associate_page() -> str:
    return page_text(
        front="title: GET Associate/{id}\nuid: v1Associate_GetAssociate\ngenerated: true",
        h1="# GET Associate/{id}",
        endpoint="GET /api/v1/Associate/{id}",
        path_table="| Path Part | Type | Description |\n|-----------|------|-------------|\n"
        "| id | int32 | The id. **Required** |\n",
        response=carrier_response("Associate", ASSOCIATE_ROWS),
    )


def merge_op(api: Api) -> Operation:
    return next(op for op in api.operations() if op.id == "v1ThingEntity_MergeThings")


def query_params(op: Operation) -> list[Parameter]:
    return [p for p in op.parameters if p.location == "query"]


def test_dotted_rows_become_one_parameter_typed_as_the_agreeing_carrier() -> None:
    api, diags = model(("pages/merge.md", merge_page()), ("pages/assoc.md", associate_page()))
    op = merge_op(api)
    ids, entity = query_params(op)
    assert ids.name == "ids" and not ids.members
    assert entity.name == "entity"
    assert entity.type == TypeRef("ref", ref="Thing")  # the page's own carrier
    assert not entity.required
    # each row kept, with its own line, and the wire names it fills
    rows = {".".join(m.path): m for m in entity.members}
    assert list(rows) == [
        "id", "name", "state", "owner.associateId", "owner.name", "helper.associateId",
        "helper.name", "tags",
    ]  # fmt: skip
    assert rows["owner.associateId"].wire == ("Owner", "AssociateId")
    assert rows["state"].type.kind == "enum"  # the query table spells the enum out
    first_row = page_line(merge_page(), "| entity.id ")
    assert (entity.source.path, entity.source.line) == ("pages/merge.md", first_row)
    assert rows["tags"].source.line == page_line(merge_page(), "| entity.tags ")
    assert not [d for d in diags if d.code in ("SOG210", "SOG408")]


def page_line(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def test_a_split_table_with_a_dropped_row_still_agrees() -> None:
    rows = SPLIT.replace("| entity.helper.name | string |  Owner name |\n", "")
    api, diags = model(("pages/merge.md", merge_page(rows)), ("pages/assoc.md", associate_page()))
    entity = query_params(merge_op(api))[1]
    assert entity.type.ref == "Thing"
    assert len(entity.members) == 7
    assert not [d for d in diags if d.code in ("SOG210", "SOG408")]


def test_value_types_must_agree_else_a_schema_is_made_from_the_dotted_names() -> None:
    wrong = THING_ROWS.replace("| Id | int32 |", "| Id | bool |")
    page = merge_page(response=carrier_response("Thing", wrong))
    api, diags = model(("pages/merge.md", page), ("pages/assoc.md", associate_page()))
    entity = query_params(merge_op(api))[1]
    made = api.schemas[str(entity.type.ref)]
    assert made.name == "MergeThingsEntity" and not made.documented_name
    assert [p.name for p in made.properties] == ["id", "name", "state", "owner", "helper", "tags"]
    by_name = {p.name: p for p in made.properties}
    # a nested table still takes the carrier that agrees with it
    assert by_name["owner"].type == TypeRef("ref", ref="Associate")
    assert by_name["tags"].type == TypeRef("array", items=TypeRef("string"))
    assert by_name["id"].source.line == page_line(page, "| entity.id ")
    [report] = [d for d in diags if d.code == "SOG408"]
    assert "MergeThingsEntity" in report.message and report.source == entity.source


def test_identical_nested_tables_share_one_made_schema() -> None:
    # no carrier at all: the object and its nested tables are made from the dotted names
    api, diags = model(("pages/merge.md", merge_page(response=RESPONSE_OK_STRING)))
    entity = query_params(merge_op(api))[1]
    made = api.schemas[str(entity.type.ref)]
    by_name = {p.name: p for p in made.properties}
    assert by_name["owner"].type == by_name["helper"].type
    owner = api.schemas[str(by_name["owner"].type.ref)]
    assert owner.name == "MergeThingsEntityOwner"
    assert [(p.name, p.type.kind) for p in owner.properties] == [
        ("associateId", "integer"),
        ("name", "string"),
    ]
    assert "MergeThingsEntityHelper" not in api.schemas
    assert [d.code for d in diags].count("SOG408") == 1


def test_a_dotted_name_that_is_also_a_plain_parameter_is_not_grouped() -> None:
    rows = DOTTED + "| entity | string |  The entity as text |\n"
    page = merge_page(rows)
    api, diags = model(("pages/merge.md", page))
    names = [p.name for p in query_params(merge_op(api))]
    assert "entity" in names and "entity.owner.name" in names and len(names) == 10
    [report] = [d for d in diags if d.code == "SOG210"]
    assert report.severity == "warning"
    assert report.source.line == page_line(page, "| entity | string")
    assert report.related[0].line == page_line(page, "| entity.id ")
    assert "'entity' is also a plain query parameter" in report.message


def test_a_name_that_is_a_value_and_an_object_is_not_grouped() -> None:
    rows = "| f.a | int32 |  x |\n| f.a.b | string |  y |\n| g..h | string |  z |\n"
    api, diags = model(("pages/merge.md", merge_page(rows, RESPONSE_OK_STRING)))
    assert [p.name for p in query_params(merge_op(api))] == ["f.a", "f.a.b", "g..h"]
    messages = " | ".join(d.message for d in diags if d.code == "SOG210")
    assert "parameters f.* cannot be one object: 'f.a' is a value and 'f.a.b' makes it" in messages
    assert "parameter g.* cannot be one object: 'g..h' has an empty name segment" in messages


def test_the_spec_has_one_deep_object_parameter_that_says_how_the_client_sends_it() -> None:
    api, _ = model(("pages/merge.md", merge_page()), ("pages/assoc.md", associate_page()))
    for version in ("3.0", "3.1"):
        doc = emit_openapi(api, version)
        validate(doc)  # type: ignore[arg-type]
        params = doc["paths"]["/api/v1/Thing/Merge"]["post"]["parameters"]  # type: ignore[index,call-overload]
        [entity] = [p for p in params if p.get("name") == "entity"]
        assert entity["in"] == "query"
        assert entity["style"] == "deepObject" and entity["explode"] is True
        assert entity["schema"] == {"$ref": "#/components/schemas/Thing"}
        assert "required" not in entity
        text = entity["description"]
        assert "sends `entity.<Property>=value`" in text
        assert "`entity.Id=...`" in text and "`entity.Owner.AssociateId=...`" in text
        assert "8 dotted query parameters (`entity.id`, `entity.name`, `entity.state`, ...)" in text
        assert not any(p.get("name", "").startswith("entity.") for p in params)


def test_the_client_takes_one_model_and_its_test_checks_the_pairs_sent() -> None:
    api, _ = model(("pages/merge.md", merge_page()), ("pages/assoc.md", associate_page()))
    ctx = build_context(api, Diagnostics())
    [view] = [op for g in ctx.groups for op in g.operations if op.op_id.endswith("MergeThings")]
    [entity] = [p for p in view.query_params if p.wire == "entity"]
    assert (entity.name, entity.annotation, entity.dotted) == ("entity", "Thing", True)
    assert "`entity.<Property>=value`" in entity.description
    [arg] = [a for a in view.test.args if a.name == "entity"]
    # the first documented property of each kind, a nested model among them (Thing.Tags is
    # a list of any JSON: no sample tells its items, so no value is made up for it)
    assert arg.expr == (
        'Thing(id_=1, name="sample-name", owner=Associate(associate_id=1, name="sample-name"))'
    )
    assert view.test.query == [
        ("ids", "sample-ids"),
        ("entity.Id", "1"),
        ("entity.Name", "sample-name"),
        ("entity.Owner.AssociateId", "1"),
        ("entity.Owner.Name", "sample-name"),
    ]
    assert "Associate" in view.test.models


def test_a_made_schema_sends_the_documented_names_and_lists_as_repeated_keys() -> None:
    api, _ = model(("pages/merge.md", merge_page(response=RESPONSE_OK_STRING)))
    ctx = build_context(api, Diagnostics())
    [view] = [op for g in ctx.groups for op in g.operations if op.op_id.endswith("MergeThings")]
    [arg] = [a for a in view.test.args if a.name == "entity"]
    assert arg.expr.startswith("MergeThingsEntity(id_=1, ")
    assert view.test.query == [
        ("ids", "sample-ids"),
        ("entity.id", "1"),
        ("entity.name", "sample-name"),
        ("entity.state", "Open"),
        ("entity.owner.associateId", "1"),
        ("entity.owner.name", "sample-name"),
        ("entity.tags", "sample-tags"),
        ("entity.tags", "sample-tags2"),
    ]


def test_generated_client_sends_the_pairs(tmp_path: Path) -> None:
    """The whole way: build, then run the generated test of the operation (mock transport)."""
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "merge.md").write_text(merge_page(), encoding="utf-8")
    (pages / "assoc.md").write_text(associate_page(), encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("build", pages, "-o", out, "--no-cache", "-q")
    assert result.code == 0, result.err
    agent = (out / "python" / "superoffice_webapi" / "agents" / "thing_entity.py").read_text()
    assert "        entity: Thing | None = None,\n" in agent
    assert '**query_object("entity", entity),' in agent
    import subprocess
    import sys

    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=out / "python",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-2000:]


def test_merge_tickets_of_the_corpus_is_one_ticket_entity() -> None:
    corpus = need_corpus()
    page = corpus / "pages" / "rest" / "Ticket" / "v1TicketEntity_MergeTickets.md"
    api, diags = model((str(page), page.read_text(encoding="utf-8")))
    op = next(op for op in api.operations() if op.id == "v1TicketEntity_MergeTickets")
    names = [p.name for p in op.parameters if p.location == "query"]
    assert names == ["secondaryTicketIds", "mergedTicketEntity"]
    entity = op.parameters[1]
    assert entity.type == TypeRef("ref", ref="TicketEntity")  # the page's response carrier
    assert len(entity.members) > 250
    assert all(m.source.path == str(page) and m.source.line > 25 for m in entity.members)
    assert not [d for d in diags if d.code in ("SOG210", "SOG408")]


def test_rows_that_spell_one_prefix_two_ways_are_not_grouped() -> None:
    """`merged.ticketId` beside `Merged.Id` (found by the naming property test): one object
    would send one spelling for both, so each stays a parameter and keeps its own name."""
    rows = "| merged.ticketId | int32 |  x |\n| Merged.Id | int32 |  y |\n"
    page = merge_page(rows, RESPONSE_OK_STRING)
    api, diags = model(("pages/merge.md", page))
    assert [p.name for p in query_params(merge_op(api))] == ["merged.ticketId", "Merged.Id"]
    [report] = [d for d in diags if d.code == "SOG210"]
    assert "'Merged.Id' spells 'merged' otherwise" in report.message
    assert report.source.line == page_line(page, "| Merged.Id")
