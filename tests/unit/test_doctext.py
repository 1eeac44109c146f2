"""Tests for generator.model.doctext; inputs are modelled on the reference pages."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from generator.model.doctext import (
    clean_doc_text,
    first_sentence,
    split_online_restricted,
)

CARRIER_TAIL = (
    "Carrier object for ChatMessage. Services for the ChatMessage Carrier is available from "
    'the <see cref="T:SuperOffice.CRM.Services.IChatAgent">Chat Agent</see>.'
)
ONLINE_EMAIL = (
    "## Online Restricted: ## The EMail agent is not available in Online by default. Access "
    "must be requested specifically when app is registered."
)
EMAIL_NOTE = (
    "The EMail agent is not available in Online by default. Access must be requested "
    "specifically when app is registered."
)


# --- paragraphs and breaks -----------------------------------------------------------------


@pytest.mark.parametrize("para", ["<para />", "<para/>", "&lt;para /&gt;", "&lt;para/&gt;"])
def test_para_variants_become_paragraph_breaks(para: str) -> None:
    raw = f"Each column data item contains a display value. {para}The display value is encoded."
    assert clean_doc_text(raw) == (
        "Each column data item contains a display value.\n\nThe display value is encoded."
    )


def test_para_element_pairs_become_paragraphs() -> None:
    assert clean_doc_text("<para>Gets a Dash.</para><para>Calls the agent.</para>") == (
        "Gets a Dash.\n\nCalls the agent."
    )


def test_description_that_is_only_para_is_empty() -> None:
    assert clean_doc_text("<para />\n\n\n") == ""


def test_escaped_p_is_a_paragraph_break() -> None:
    raw = "Table name, transformed by the service layer.&lt;p/&gt;Use an empty string."
    assert clean_doc_text(raw) == (
        "Table name, transformed by the service layer.\n\nUse an empty string."
    )


@pytest.mark.parametrize("br", ["<br/>", "<br />", "&lt;br/&gt;", "<br>"])
def test_br_is_a_line_break(br: str) -> None:
    assert clean_doc_text(f"First line{br}second line") == "First line\nsecond line"


# --- see / c / a / lists -------------------------------------------------------------------


def test_see_with_text_keeps_the_text() -> None:
    raw = f"A message in a chat session <para /> {CARRIER_TAIL}"
    assert clean_doc_text(raw) == (
        "A message in a chat session\n\nCarrier object for ChatMessage. Services for the "
        "ChatMessage Carrier is available from the Chat Agent."
    )


def test_self_closing_see_shows_member_name_as_code() -> None:
    raw = 'Same as <see cref="P:SuperOffice.CRM.Services.ChatMessage.SpecialParam"/>.'
    assert clean_doc_text(raw) == "Same as `SpecialParam`."


def test_self_closing_see_of_type_method_field_and_langword() -> None:
    raw = (
        '<see cref="T:SuperOffice.CRM.Services.IChatAgent" /> '
        '<see cref="M:SuperOffice.CRM.Services.IChatAgent.AddChatMessage(System.Int32)"/> '
        '<see cref="F:SuperOffice.Data.RecurrenceEndType.EndDate"/> '
        '<see langword="null"/>'
    )
    assert clean_doc_text(raw) == (
        "`IChatAgent` `AddChatMessage` `RecurrenceEndType.EndDate` `null`"
    )


@pytest.mark.parametrize("raw", ["<c>ContactId</c>", "&lt;c&gt;ContactId&lt;/c&gt;"])
def test_c_becomes_code_span(raw: str) -> None:
    assert clean_doc_text(f"Set {raw} first") == "Set `ContactId` first"


def test_literal_backslash_n_in_c_is_kept_verbatim_in_code() -> None:
    # The docs mean the C# escape; it must not turn into a real line break.
    raw = "Sections are separated by &lt;c&gt;\\n&lt;/c&gt; characters."
    assert clean_doc_text(raw) == "Sections are separated by `\\n` characters."


def test_c_with_backtick_uses_longer_delimiter() -> None:
    assert clean_doc_text("<c>a`b</c>") == "``a`b``"


def test_c_holding_a_tag_is_escaped_text_not_code() -> None:
    out = clean_doc_text("Returns <c>List<int></c>.")
    assert out == "Returns List&lt;int>."


def test_anchor_becomes_markdown_link() -> None:
    raw = 'A JSON Patch document, see <a href="https://tools.ietf.org/html/rfc6902">RFC6902</a>.'
    assert clean_doc_text(raw) == (
        "A JSON Patch document, see [RFC6902](https://tools.ietf.org/html/rfc6902)."
    )


def test_anchor_with_unsafe_scheme_keeps_only_text() -> None:
    assert clean_doc_text('<a href="javascript:alert(1)">click</a>') == "click"


def test_anchor_url_with_spaces_and_parens_is_encoded() -> None:
    out = clean_doc_text('<a href="https://x.example/a b(c)">doc</a>')
    assert out == "[doc](https://x.example/a%20b%28c%29)"


def test_ul_becomes_bullets() -> None:
    raw = "The operations:<ul><li>add</li><li>remove</li><li>replace</li></ul>Done."
    assert clean_doc_text(raw) == "The operations:\n\n- add\n- remove\n- replace\n\nDone."


def test_xml_doc_numbered_list_with_terms() -> None:
    raw = (
        '<list type="number"><item><term>Start</term><description>first</description></item>'
        "<item><description>second</description></item></list>"
    )
    assert clean_doc_text(raw) == "1. Start: first\n2. second"


def test_markdown_bullets_in_source_survive() -> None:
    raw = "Examples:\n\n* GroupBy(col)\n* Contact?$select=name"
    assert clean_doc_text(raw) == raw


# --- entities and safety -------------------------------------------------------------------


def test_double_escaped_apos_is_decoded() -> None:
    raw = (
        "The last time the customer&amp;apos;s client refetched the data. Used to detect "
        "&amp;apos;dead&amp;apos; session."
    )
    assert clean_doc_text(raw) == (
        "The last time the customer's client refetched the data. Used to detect 'dead' session."
    )


def test_double_escaped_amp_is_decoded() -> None:
    assert clean_doc_text("Name &amp;amp; number") == "Name & number"
    assert clean_doc_text("Use ?$select=name&amp;$filter=x") == "Use ?$select=name&$filter=x"


def test_escaped_less_than_in_prose_is_decoded() -> None:
    raw = "Returns true if associateId &lt; 0 or FromDate is DateTime.MinValue"
    assert clean_doc_text(raw) == "Returns true if associateId < 0 or FromDate is DateTime.MinValue"


def test_quot_and_numeric_entities() -> None:
    assert (
        clean_doc_text("&quot;Name,department&quot; &#39;x&#39; &#x41;")
        == "\"Name,department\" 'x' A"
    )


def test_legacy_entity_without_semicolon_is_not_decoded() -> None:
    assert clean_doc_text("?a=1&reg=2") == "?a=1&reg=2"


@pytest.mark.parametrize(
    "raw",
    [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&amp;lt;script&amp;gt;alert(1)",
        "<script>alert(1)</script>",
        "<SCRIPT src=x>",
        "<img src=x onerror=alert(1)>",
        "<!-- hidden -->",
    ],
)
def test_unknown_tags_never_come_out_live(raw: str) -> None:
    out = clean_doc_text(raw)
    assert not re.search(r"<[A-Za-z/!?]", out)
    assert "&lt;" in out


def test_generic_type_text_is_escaped_but_comparison_is_not() -> None:
    assert clean_doc_text("Dictionary<string, int> when a < b") == (
        "Dictionary&lt;string, int> when a < b"
    )


def test_entity_like_text_left_after_decoding_is_escaped() -> None:
    # "&amp;amp;lt;" decodes all the way; "&bogus;" is not an entity and must stay visible.
    assert clean_doc_text("x &bogus; y") == "x &amp;bogus; y"


# --- curly references ----------------------------------------------------------------------


def test_curly_type_reference() -> None:
    raw = "Services are available from {SuperOffice.CRM.Services.IProjectAgent}."
    assert clean_doc_text(raw) == "Services are available from `IProjectAgent`."


def test_curly_enum_reference() -> None:
    raw = "Only used when EndType is {SuperOffice.Data.RecurrenceEndType.EndDate}"
    assert clean_doc_text(raw) == "Only used when EndType is `RecurrenceEndType.EndDate`"


def test_other_braces_stay() -> None:
    raw = "Example: {contact_id=123} or Contact/{id}"
    assert clean_doc_text(raw) == raw


# --- whitespace, fences, pseudo-headings ---------------------------------------------------


def test_whitespace_is_normalised() -> None:
    raw = (
        "\n\nRetrieve all folders.\n\n\n\nString is separated by the paragraph character.  "
        "First section contains the delimiter.   \n\n\n"
    )
    assert clean_doc_text(raw) == (
        "Retrieve all folders.\n\nString is separated by the paragraph character. "
        "First section contains the delimiter."
    )


def test_single_newlines_are_kept() -> None:
    raw = 'so 10 is "[I:10]".\nDefault string encodings should be handled ok.'
    assert clean_doc_text(raw) == raw


def test_fenced_code_is_kept_verbatim_and_trimmed() -> None:
    raw = (
        "Values should be encoded.\n\n\n\n```\n\n"
        'var restriction1 = new ArchiveRestrictionInfo("category",  "equals", "[I:10]");'
        "\n\n```\n\n\n"
    )
    assert clean_doc_text(raw) == (
        "Values should be encoded.\n\n```\n"
        'var restriction1 = new ArchiveRestrictionInfo("category",  "equals", "[I:10]");'
        "\n```"
    )


def test_unclosed_fence_is_closed() -> None:
    assert clean_doc_text("Example:\n```\nx  =  1") == "Example:\n\n```\nx  =  1\n```"


def test_xml_doc_code_block_becomes_fence() -> None:
    raw = "Example:<code>\nvar a = 1;\nvar b = 2;\n</code>"
    assert clean_doc_text(raw) == "Example:\n\n```\nvar a = 1;\nvar b = 2;\n```"


def test_pseudo_heading_becomes_bold_label() -> None:
    raw = "Filter the list.\n\n## Filter Operators: ##\n\n* equals\n* contains"
    assert clean_doc_text(raw) == (
        "Filter the list.\n\n**Filter Operators:**\n\n* equals\n* contains"
    )


def test_real_heading_inside_description_is_left_alone() -> None:
    raw = "Get aggregated data.\n\n## Aggregation operators\n\n* GroupBy(col)"
    assert clean_doc_text(raw) == raw


def test_nsapislow_line_is_kept_as_text() -> None:
    raw = "Executes a custom command for User\n\n\nNsApiSlow threshold: 2000 ms.\n\n"
    assert (
        clean_doc_text(raw) == "Executes a custom command for User\n\nNsApiSlow threshold: 2000 ms."
    )


# --- split_online_restricted ---------------------------------------------------------------


def test_split_online_restricted_basic() -> None:
    raw = f"Create a new folder on the server\n\n\n{ONLINE_EMAIL}\n\n\n\n"
    assert split_online_restricted(raw) == (
        "Create a new folder on the server",
        EMAIL_NOTE,
    )


def test_split_online_restricted_three_sentence_note() -> None:
    note = (
        "The DocumentMigration agent is not available in Online by default. Access must be "
        "requested specifically when app is registered. Intended for SuperOffice-internal apps."
    )
    raw = f"Checks if there are documents to migrate.\n\n## Online Restricted: ## {note}"
    assert split_online_restricted(raw) == (
        "Checks if there are documents to migrate.",
        note,
    )


def test_split_online_restricted_with_description_on_same_line() -> None:
    note = (
        "The User agent is not available in Online by default. User management is not "
        "allowed for partner apps."
    )
    raw = f"## Online Restricted: ## {note} Set user presence status\n\nMore text."
    assert split_online_restricted(raw) == (
        "Set user presence status\n\nMore text.",
        note,
    )


def test_split_online_restricted_when_it_is_the_only_content() -> None:
    assert split_online_restricted(f"<para />\n\n{ONLINE_EMAIL}") == (
        "<para />",
        EMAIL_NOTE,
    )


def test_split_online_restricted_on_cleaned_text() -> None:
    cleaned = clean_doc_text(f"Mark e-mails as read\n\n{ONLINE_EMAIL}")
    assert split_online_restricted(cleaned) == ("Mark e-mails as read", EMAIL_NOTE)


def test_split_online_restricted_absent() -> None:
    text = "Deletes the DashboardTile\n\n"
    assert split_online_restricted(text) == (text, "")


# --- first_sentence ------------------------------------------------------------------------


def test_first_sentence_stops_at_first_sentence() -> None:
    text = "Set default values into a new Dash.\n\nNetServer calculates default values."
    assert first_sentence(text) == "Set default values into a new Dash."


def test_first_sentence_without_full_stop_is_first_line() -> None:
    assert first_sentence("Deletes the ChatTopicEntity\nNsApiSlow threshold: 5000 ms.") == (
        "Deletes the ChatTopicEntity"
    )


def test_first_sentence_skips_abbreviations_and_dotted_names() -> None:
    text = "Returns true if FromDate is DateTime.MinValue, e.g. for new users. More."
    assert first_sentence(text) == (
        "Returns true if FromDate is DateTime.MinValue, e.g. for new users."
    )


def test_first_sentence_reduces_links_to_text() -> None:
    text = "A JSON Patch document, see [RFC6902](https://tools.ietf.org/html/rfc6902). Rest."
    assert first_sentence(text) == "A JSON Patch document, see RFC6902."


def test_first_sentence_does_not_end_inside_code() -> None:
    assert first_sentence("Call `Foo. Bar` first. Then more.") == "Call `Foo. Bar` first."


def test_first_sentence_truncates_long_text_at_a_word() -> None:
    text = (
        "Get a page of results for an archive list, explicitly specifying the restrictions, "
        "orderby and chosen columns and several other things that go on and on"
    )
    out = first_sentence(text)
    assert len(out) <= 120
    assert out.endswith("...")
    assert text.startswith(out[:-3])
    assert not out[:-3].endswith(" ")


def test_first_sentence_never_cuts_a_code_span() -> None:
    text = "Word " * 20 + "`" + "x" * 60 + "` tail"
    out = first_sentence(text)
    assert out.count("`") % 2 == 0
    assert len(out) <= 120


def test_first_sentence_skips_heading_markers_and_empty_input() -> None:
    assert first_sentence("\n\n**Online Restricted:**\n\nThe agent.") == "Online Restricted:"
    assert first_sentence("") == ""


# --- properties ----------------------------------------------------------------------------

FRAGMENTS = [
    "<para />", "<para/>", "<para>", "</para>", "&lt;para /&gt;", "&lt;para/&gt;", "<br/>",
    "&lt;br/&gt;", "&lt;p/&gt;", '<see cref="T:SuperOffice.CRM.Services.IChatAgent">',
    "</see>", '<see cref="P:SuperOffice.X.Y.Prop"/>', "<see", "<c>", "</c>", "&lt;c&gt;",
    "&lt;/c&gt;", '<a href="https://example.com/">', "</a>", "<ul>", "<li>", "</li>",
    "</ul>", "&amp;amp;", "&amp;apos;", "&lt;", "&gt;", "&amp;", "&quot;", "<script>",
    "&lt;script&gt;", "&amp;lt;script&amp;gt;", "<", ">", "&", "`", "```", "\n", "  ",
    "{SuperOffice.Data.RecurrenceEndType.EndDate}", "{contact_id=123}", "## ", ": ##",
    "\\n", "\ue000", "\ue0010\ue001", "script", "para", "see",
]  # fmt: skip

doc_texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=25).map(
    "".join
)
_md = MarkdownIt("commonmark")


@settings(max_examples=400, deadline=None)
@given(doc_texts)
def test_clean_doc_text_never_emits_live_html(raw: str) -> None:
    out = clean_doc_text(raw)
    lowered = out.lower()
    assert "<script" not in lowered
    assert "<see" not in lowered
    assert "<para" not in lowered
    assert not re.search(r"<[A-Za-z/!?]", out)
    html_tokens = [
        t
        for block in _md.parse(out)
        for t in [block, *(block.children or [])]
        if t.type in ("html_block", "html_inline")
    ]
    assert html_tokens == []


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_clean_doc_text_total_on_any_text(raw: str) -> None:
    out = clean_doc_text(raw)
    assert out == out.strip()
    assert "\n\n\n" not in out
    assert all(line == line.rstrip() for line in out.split("\n"))


@settings(max_examples=200, deadline=None)
@given(doc_texts)
def test_first_sentence_is_one_short_line(raw: str) -> None:
    out = first_sentence(clean_doc_text(raw))
    assert "\n" not in out
    assert len(out) <= 120


@settings(max_examples=200, deadline=None)
@given(doc_texts)
def test_split_online_restricted_is_identity_without_marker(raw: str) -> None:
    if "Online Restricted" not in raw:
        assert split_online_restricted(raw) == (raw, "")
