"""generator/model/types.py: every Type cell value of FORMAT-NOTES appendix B, and bad ones."""

from __future__ import annotations

import pytest

from generator.model.ir import ANY, TypeRef
from generator.model.types import is_primitive_label, map_type

STRING = TypeRef("string")
INT32 = TypeRef("integer", format="int32")
BOOL = TypeRef("boolean")
DATETIME = TypeRef("datetime")
DOUBLE = TypeRef("number", format="double")
MAP = TypeRef("map", items=ANY)
OPEN_ARRAY = TypeRef("array")

# request tables (Capitalised JSON-ish names, older lowercase ones, carriers, empty cells)
REQUEST_CELLS = {
    "String": STRING,
    "Integer": INT32,
    "Array": OPEN_ARRAY,
    "Boolean": BOOL,
    "int32": INT32,
    "Object": MAP,
    "": ANY,
    "array": OPEN_ARRAY,
    "string": STRING,
    "date-time": DATETIME,
}
REQUEST_CARRIERS = [
    "EMailConnectionInfo",
    "Associate",
    "AppointmentEntity",
    "PersonEntity",
    "ChatMessage",
    "DashTheme",
    "DocumentEntity",
    "EMailConnectionInfoExtended",
    "TimeZoneData",
    "WorkflowEvent",
]
RESPONSE_CELLS = {
    "string": STRING,
    "int32": INT32,
    "object": MAP,
    "bool": BOOL,
    "date-time": DATETIME,
    "array": OPEN_ARRAY,
    "": ANY,
    "double": DOUBLE,
}
RESPONSE_CARRIERS = [
    "TableRight",
    "Associate",
    "Person",
    "Project",
    "Sale",
    "DashTheme",
    "CRMScriptErrorInfo",
    "Contact",
    "Ticket",
    "RecurrenceDayPattern",
    "RecurrenceWeekPattern",
    "RecurrenceMonthPattern",
    "RecurrenceYearPattern",
    "Address",
    "ArchiveListResult",
    "DocumentTemplate",
    "ChangedData",
    "TicketCategoryEntity",
    "TicketPriorityEntity",
    "TicketStatusEntity",
    "TicketFormSubmission",
    "TicketType",
]
QUERY_CELLS = {
    "string": STRING,
    "int32": INT32,
    "date-time": DATETIME,
    "bool": BOOL,
    "object": MAP,
    "array": OPEN_ARRAY,
    "double": DOUBLE,
}
ENUM_CELLS = [
    "Enum: None, Select, Update, Insert, Delete, Filtering, RestrictedUpdate, Unused1, "
    "Uninitialized, FULL, WRITE, URU, UDR, UR, URI, R, RI, RF, F, FI",
    "Enum: None, Stop, Continue, Restart",
    "Enum: Unknown, Active, Closed, Postponed, Deleted, Merged, PostponedSpecific, Postponed1Hour, "
    "Postponed2Hours, Postponed3Hours, Postponed4Hours, PostponedDay, PostponedWeek, "
    "PostponedMonth",
    "Enum: None, Internally, Externally, Queue",
    "Enum: Slim, Wide, Full",
    "Enum: Logical, Display",
    "Enum: Unknown, InternalAssociate, ResourceAssociate, ExternalAssociate, AnonymousAssociate, "
    "SystemAssociate",
    "Enum: UserDefined, Active, Closed, Postponed",
    "Enum: False, Estimate, True, AllPages",
    "Enum: Default, ClearPixel, SrNoPhoto, SrNoPhotoWithBorder, Null, GenericFileIcon",
    "Enum: Unknown, Even, Weighted, Unfair, Not",
    "Enum: Implicit, Yes, Ok, No, Cancel",
    "Enum: Unknown, Active, Stopped, TooManyErrors",
    # path part enums
    "Enum: MyOwn, PrimaryGroup, OtherAssociates, OtherGroups, ExternalUser, Anonymous, MyCompany, "
    "SameProject",
    "Enum: Undefined, HardDefault, SystemWide, Database, Group, Individual, PC",
]
PATH_CELLS = {"int32": INT32, "string": STRING}
# `## Response:<type>` / `### Response body: <type>` labels (appendix A)
RESPONSE_LABELS = {
    "string": STRING,
    "int32": INT32,
    "bool": BOOL,
    "array": OPEN_ARRAY,
    "byte": TypeRef("bytes"),
    "binary": TypeRef("binary"),
    "date-time": DATETIME,
    "object": MAP,
}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        *REQUEST_CELLS.items(),
        *RESPONSE_CELLS.items(),
        *QUERY_CELLS.items(),
        *PATH_CELLS.items(),
        *RESPONSE_LABELS.items(),
    ],
)
def test_primitive_cells(cell: str, expected: TypeRef) -> None:
    assert map_type(cell) == expected


@pytest.mark.parametrize("cell", sorted(set(REQUEST_CARRIERS + RESPONSE_CARRIERS)))
def test_carrier_cells_are_references(cell: str) -> None:
    assert map_type(cell) == TypeRef("ref", ref=cell)
    assert not is_primitive_label(cell)


@pytest.mark.parametrize("cell", ENUM_CELLS)
def test_enum_cells_keep_members_in_order(cell: str) -> None:
    members = tuple(m.strip() for m in cell.split(":", 1)[1].split(","))
    assert map_type(cell) == TypeRef("enum", enum=members)


def test_enum_members_are_strings_even_when_they_look_like_other_values() -> None:
    t = map_type("Enum: False, Estimate, True, AllPages")
    assert t is not None and t.enum == ("False", "Estimate", "True", "AllPages")
    assert all(isinstance(m, str) for m in t.enum)


@pytest.mark.parametrize("cell", ["  int32  ", "`int32`", "INT32", "Int32"])
def test_cells_are_trimmed_and_case_insensitive(cell: str) -> None:
    assert map_type(cell) == INT32


def test_array_suffix() -> None:
    assert map_type("int32[]") == TypeRef("array", items=INT32)
    assert map_type("Associate[]") == TypeRef("array", items=TypeRef("ref", ref="Associate"))


@pytest.mark.parametrize(
    "cell", ["List<int>", "int32 | x", "Dictionary<string, object>", "a b", "int32[", "{id}"]
)
def test_invalid_type_expressions_are_none(cell: str) -> None:
    assert map_type(cell) is None


def test_enum_without_members_is_a_plain_string() -> None:
    assert map_type("Enum: ") == STRING


@pytest.mark.parametrize("label", list(RESPONSE_LABELS))
def test_response_labels_are_primitive(label: str) -> None:
    assert is_primitive_label(label)
