"""Tests for generator.model.naming; names are the kind found in the reference pages."""

from __future__ import annotations

import keyword

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.model.naming import (
    NameCollision,
    UniqueNamer,
    pascal_case,
    python_identifier,
    snake_case,
)

# --- snake_case ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("AddChatMessage", "add_chat_message"),
        ("ChatSessionId", "chat_session_id"),
        ("UdListDefinitionId", "ud_list_definition_id"),
        ("chatSessionId", "chat_session_id"),
        ("already_snake", "already_snake"),
    ],
)
def test_snake_case_camel_and_pascal(name: str, expected: str) -> None:
    assert snake_case(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("CRMScriptId", "crm_script_id"),
        ("GetXMLData2", "get_xml_data2"),
        ("getHTTPResponseCode", "get_http_response_code"),
        ("ID", "id"),
        ("SaleID", "sale_id"),
        # Acronym rule, no dictionary: "EMail" is E + Mail, "Email" one word.
        ("EMailConnectionInfo", "e_mail_connection_info"),
        ("EmailAddress", "email_address"),
    ],
)
def test_snake_case_acronyms(name: str, expected: str) -> None:
    assert snake_case(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("IDs", "ids"), ("AssociateIDs", "associate_ids"), ("URLsFor", "urls_for")],
)
def test_snake_case_plural_acronyms(name: str, expected: str) -> None:
    assert snake_case(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Html5", "html5"),
        ("Int32", "int32"),
        ("v1ChatAgent", "v1_chat_agent"),
        ("Base64Data", "base64_data"),
    ],
)
def test_snake_case_digits_stick_to_previous_word(name: str, expected: str) -> None:
    assert snake_case(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("$select", "select"),
        ("$filter", "filter"),
        ("SO-Language", "so_language"),
        ("X-XSRF-TOKEN", "x_xsrf_token"),
        ("_Links", "links"),
        ("List_Item", "list_item"),
        ("Contact.Name with  spaces", "contact_name_with_spaces"),
    ],
)
def test_snake_case_punctuation_separates_words(name: str, expected: str) -> None:
    assert snake_case(name) == expected


def test_snake_case_transliterates() -> None:
    assert snake_case("Størrelse") == "storrelse"
    assert snake_case("GrößeÆ") == "grosse_ae"
    assert snake_case("Café") == "cafe"


def test_snake_case_keeps_untransliterable_letters_distinct() -> None:
    assert snake_case("名前") == "u21517_u21069"
    assert snake_case("名") != snake_case("前")


# --- pascal_case ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("chat", "Chat"),
        ("List_Item", "ListItem"),
        ("v1ChatAgent", "V1ChatAgent"),
        ("CRMScriptEntity", "CRMScriptEntity"),
        ("chat_session_id", "ChatSessionId"),
        ("EMailConnectionInfo", "EMailConnectionInfo"),
        ("SO-Language", "SoLanguage"),
        ("X-XSRF-TOKEN", "XXsrfToken"),
        ("ID", "Id"),
    ],
)
def test_pascal_case(name: str, expected: str) -> None:
    assert pascal_case(name) == expected


# --- python_identifier ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["id", "type", "list", "dict", "str", "int", "float", "bool", "object", "format", "filter",
     "input", "property", "self", "cls", "from", "class", "import", "global", "match", "case",
     "lambda", "async"],
)  # fmt: skip
def test_python_identifier_reserved_words_get_underscore(name: str) -> None:
    assert python_identifier(name) == name + "_"


def test_python_identifier_reserved_after_conversion() -> None:
    assert python_identifier("ID") == "id_"
    assert python_identifier("Type") == "type_"
    assert python_identifier("$filter") == "filter_"


@pytest.mark.parametrize("name", ["None", "True", "False", "Exception", "Ellipsis"])
def test_python_identifier_pascal_constants_and_builtins(name: str) -> None:
    assert python_identifier(name, style="pascal") == name + "_"


def test_python_identifier_leading_digit() -> None:
    assert python_identifier("2FA") == "n_2_fa"
    assert python_identifier("2FA", style="pascal") == "N2Fa"
    assert python_identifier("404") == "n_404"


def test_python_identifier_empty_results() -> None:
    assert python_identifier("") == "field"
    assert python_identifier("$-.", style="pascal") == "Field"


def test_python_identifier_never_leading_underscore() -> None:
    assert python_identifier("__class__") == "class_"
    assert python_identifier("__init__") == "init"
    assert python_identifier("_Links", style="pascal") == "Links"


def test_python_identifier_reserved_argument() -> None:
    reserved = frozenset({"client", "client_", "request"})
    assert python_identifier("Client", reserved=reserved) == "client__"
    assert python_identifier("Request", reserved=reserved) == "request_"
    assert python_identifier("Response", reserved=reserved) == "response"


# --- UniqueNamer ---------------------------------------------------------------------------


def test_unique_namer_suffixes_later_collision_and_records_it() -> None:
    namer = UniqueNamer()
    assert namer.add("GetFoo", "page A") == "get_foo"
    assert namer.add("Get_Foo", "page B") == "get_foo_2"
    assert namer.collisions == [
        NameCollision("get_foo", "GetFoo", "page A", "Get_Foo", "page B", "get_foo_2")
    ]
    identifier, first, first_src, later, later_src, renamed, _, _ = namer.collisions[0]
    assert (identifier, first, later, renamed) == ("get_foo", "GetFoo", "Get_Foo", "get_foo_2")
    assert (first_src, later_src) == ("page A", "page B")


def test_unique_namer_same_wire_name_in_two_places_is_two_names() -> None:
    # PUT /BatchTask/{Id} with a body property Id: one signature, two arguments
    namer = UniqueNamer(reserved=frozenset({"body"}))
    assert namer.add("Id", "path row", "path") == "id_"
    assert namer.add("Id", "body row", "body") == "body_id"
    assert namer.add("Id", "body row", "body") == "body_id"  # the same one again
    assert namer.lookup("Id", "path") == "id_"
    assert namer.lookup("Id", "body") == "body_id"
    (clash,) = namer.collisions
    assert (clash.first_kind, clash.later_kind, clash.renamed) == ("path", "body", "body_id")


def test_unique_namer_qualified_name_taken_falls_back_to_a_number() -> None:
    namer = UniqueNamer()
    assert namer.add("BodyId", 1) == "body_id"
    assert namer.add("Id", 2, "path") == "id_"
    assert namer.add("Id", 3, "body") == "id_2"


def test_unique_namer_same_original_twice_is_not_a_collision() -> None:
    namer = UniqueNamer()
    assert namer.add("ChatSessionId", 1) == "chat_session_id"
    assert namer.add("ChatSessionId", 2) == "chat_session_id"
    assert namer.collisions == []
    assert namer.lookup("ChatSessionId") == "chat_session_id"
    assert "chat_session_id" in namer
    assert len(namer) == 1


def test_unique_namer_suffix_skips_taken_names() -> None:
    namer = UniqueNamer()
    assert namer.add("foo_2", 1) == "foo_2"
    assert namer.add("Foo", 2) == "foo"
    assert namer.add("FOO", 3) == "foo_3"


def test_unique_namer_suffix_after_keyword_underscore() -> None:
    namer = UniqueNamer()
    assert namer.add("id", 1) == "id_"
    assert namer.add("ID", 2) == "id_2"


def test_unique_namer_pascal_and_reserved() -> None:
    namer = UniqueNamer(style="pascal", reserved=frozenset({"Client"}))
    assert namer.add("client", 1) == "Client_"
    assert namer.add("List_Item", 2) == "ListItem"
    assert namer.add("ListItem", 3) == "ListItem_2"


def test_unique_namer_is_deterministic() -> None:
    names = ["GetFoo", "Get_Foo", "get-foo", "ID", "id", "$select", "select"]

    def run() -> list[str]:
        namer = UniqueNamer()
        return [namer.add(n, i) for i, n in enumerate(names)]

    assert run() == run()


# --- properties ----------------------------------------------------------------------------


def _assert_safe(ident: str) -> None:
    assert ident.isidentifier()
    assert ident.isascii()
    assert not keyword.iskeyword(ident)
    assert not keyword.issoftkeyword(ident)
    assert not ident.startswith("__")


@settings(max_examples=500, deadline=None)
@given(st.text(), st.sampled_from(["snake", "pascal"]))
def test_python_identifier_always_safe(name: str, style: str) -> None:
    ident = python_identifier(name, style="snake" if style == "snake" else "pascal")
    _assert_safe(ident)
    assert ident not in {"self", "cls", "id", "type", "list", "None"}


@settings(max_examples=200, deadline=None)
@given(st.text(), st.frozensets(st.text(alphabet="abcdefgh_", min_size=1, max_size=6)))
def test_python_identifier_avoids_reserved(name: str, reserved: frozenset[str]) -> None:
    ident = python_identifier(name, reserved=reserved)
    _assert_safe(ident)
    assert ident not in reserved


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=10),
            st.sampled_from(["GetFoo", "Get_Foo", "get_foo_2", "ID", "id", "id_2", "$select"]),
        ),
        max_size=30,
    )
)
def test_unique_namer_never_reuses_an_identifier(originals: list[str]) -> None:
    namer = UniqueNamer()
    given_names: dict[str, str] = {}
    for i, original in enumerate(originals):
        ident = namer.add(original, i)
        _assert_safe(ident)
        assert given_names.setdefault(original, ident) == ident
    idents = list(given_names.values())
    assert len(idents) == len(set(idents))
