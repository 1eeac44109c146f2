"""query_object: a model sent as dotted query pairs (the form of the pages' dotted query
parameters, issue 13), and what the transport then puts in the URL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

# the fixture `rt` is tests/runtime/conftest.Runtime; typed loosely as in test_runtime.py
Runtime = Any


def test_a_model_becomes_dotted_pairs_in_its_wire_order(rt: Runtime) -> None:
    s = rt.sample
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    message = s.ChatMessage(
        payload="free",  # declared last: the pairs follow __wire__, not the arguments
        chat_message_id=7,
        when_posted=when,
        author=s.Associate(name="ab", active=False, manager=s.Associate(associate_id=3)),
        tags=["a", "b c"],
        scores={"x": 1.5},
        readers=[s.Associate(associate_id=1), s.Associate(name="z")],
    )
    assert rt.codec.query_object("msg", message) == {
        "msg.ChatMessageId": "7",
        "msg.WhenPosted": "2024-01-02T03:04:05+02:00",
        "msg.Author.Name": "ab",
        "msg.Author.Active": "false",
        "msg.Author.Manager.AssociateId": "3",
        "msg.Tags": ["a", "b c"],  # a list of values: one pair per item, one name
        "msg.Scores[x]": "1.5",  # a dictionary: by key
        "msg.Readers[0].AssociateId": "1",  # a list of models: by index
        "msg.Readers[1].Name": "z",
        "msg.Payload": "free",
    }


def test_unset_and_none_are_left_out_and_unknown_fields_are_sent(rt: Runtime) -> None:
    s = rt.sample
    assert rt.codec.query_object("a", None) == {}
    assert rt.codec.query_object("a", rt.codec.UNSET) == {}
    assert rt.codec.query_object("a", s.Associate()) == {}
    person = s.Associate(name=None, associate_id=rt.codec.UNSET, additional_properties={"Rank": 2})
    assert rt.codec.query_object("a", person) == {"a.Rank": "2"}
    # a wire datetime keeps its text (seven fractional digits)
    message = s.ChatMessage(
        when_posted=rt.codec.WireDateTime.from_wire("2024-01-02T03:04:05.1234567+01:00"),
        tags=[],
    )
    assert rt.codec.query_object("m", message) == {
        "m.WhenPosted": "2024-01-02T03:04:05.1234567+01:00"
    }


def test_a_cycle_is_an_error_not_a_hang(rt: Runtime) -> None:
    person = rt.sample.Associate(name="me")
    person.manager = person
    with pytest.raises(ValueError, match="nested too deeply"):
        rt.codec.query_object("p", person)


def test_the_transport_sends_the_pairs_encoded(rt: Runtime) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    s = rt.sample
    entity = s.ChatMessage(
        chat_message_id=5,
        author=s.Associate(name="a&b"),
        tags=["x", "y"],
        scores={"k": 2.0},
    )
    query: dict[str, Any] = {
        "ids": [1, 2],
        **rt.codec.query_object("entity", entity),
        "$select": None,
    }
    with rt.http.SyncTransportClient(
        "https://example.test/Cust1", transport=httpx.MockTransport(handler)
    ) as client:
        client.request("POST", "/api/v1/Thing/Merge", query=query)
    raw = seen[0].url.raw_path.decode().partition("?")[2]
    assert raw == (
        "ids=1&ids=2&entity.ChatMessageId=5&entity.Author.Name=a%26b&entity.Tags=x&entity.Tags=y"
        "&entity.Scores%5Bk%5D=2.0"
    )
    assert parse_qsl(raw) == [
        ("ids", "1"),
        ("ids", "2"),
        ("entity.ChatMessageId", "5"),
        ("entity.Author.Name", "a&b"),
        ("entity.Tags", "x"),
        ("entity.Tags", "y"),
        ("entity.Scores[k]", "2.0"),
    ]
