"""Tests for the static runtime copied into the generated ``superoffice_webapi`` package.

The ``rt`` fixture (conftest.py) builds a temporary package from the template
files; nothing here talks to a network: requests go to httpx.MockTransport.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import logging
import pickle
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# Modules of the temporary package from the ``rt`` fixture, attribute-accessed.
Runtime = Any
RUNTIME_FILES = ("_codec.py", "_errors.py", "_auth.py", "_http.py")
BASE_URL = "https://sod.example.test/Cust12345/api"
SECRET = "s3cr3t-T0ken"
Handler = Callable[[httpx.Request], httpx.Response]


# --------------------------------------------------------------------------- helpers


class Recorder:
    """MockTransport handler replaying canned outcomes and recording requests."""

    def __init__(self, *outcomes: httpx.Response | Exception) -> None:
        self.outcomes = list(outcomes)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def ok(body: Any = None, status: int = 200, **kwargs: Any) -> httpx.Response:
    if body is None:
        return httpx.Response(status, **kwargs)
    return httpx.Response(status, json=body, **kwargs)


def sync_client(rt: Runtime, handler: Handler, **kwargs: Any) -> tuple[Any, list[float]]:
    client = rt.http.SyncTransportClient(BASE_URL, transport=httpx.MockTransport(handler), **kwargs)
    sleeps: list[float] = []
    client._sleep = sleeps.append
    return client, sleeps


def async_client(rt: Runtime, handler: Handler, **kwargs: Any) -> tuple[Any, list[float]]:
    client = rt.http.AsyncTransportClient(
        BASE_URL, transport=httpx.MockTransport(handler), **kwargs
    )
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    client._sleep = fake_sleep
    return client, sleeps


def full_chat_message() -> dict[str, Any]:
    """A wire document using every feature: nesting, lists, maps, nulls, extras."""
    return {
        "ChatMessageId": 42,
        "WhenPosted": "2001-12-07T13:38:13.2490288+01:00",
        "Author": {
            "AssociateId": 7,
            "Name": "Ada",
            "Active": True,
            "Manager": {"AssociateId": 1, "Name": None, "Manager": None, "Rank": 3},
            "Unknown": {"deep": [1, 2, {"x": None}]},
        },
        "Tags": ["a", "b"],
        "Scores": {"x": 1, "y": 2.5, "a/b": -0.0},
        "Readers": [{"AssociateId": 2}, {"Name": "Bob", "Extra": False}],
        "Payload": {"anything": [True, None, "s", 1.25]},
        "NewServerField": "kept",
        "AnotherOne": None,
    }


# --------------------------------------------------------------------------- UNSET


def test_unset_is_a_falsy_singleton_distinct_from_none(rt: Runtime) -> None:
    unset = rt.codec.UNSET
    assert not unset
    assert repr(unset) == "UNSET"
    assert unset is not None
    assert isinstance(unset, rt.codec.Unset)
    assert copy.copy(unset) is unset
    assert copy.deepcopy(unset) is unset
    assert pickle.loads(pickle.dumps(unset)) is unset
    assert list(rt.codec.Unset) == [unset]


# --------------------------------------------------------------------------- scalar codecs


@pytest.mark.parametrize(
    ("name", "good", "bad", "expected"),
    [
        ("STRING", ["", "x", "ø"], [1, None, True, [], {}], "string"),
        ("INT", [0, -5, 2**70], [True, False, 1.5, "1", None], "integer"),
        ("FLOAT", [1.5, -2.0, 3, 0], [True, "1.5", None, []], "number"),
        ("BOOL", [True, False], [1, 0, "true", None], "boolean"),
    ],
)
def test_scalar_codecs_accept_and_reject(
    rt: Runtime, name: str, good: list[Any], bad: list[Any], expected: str
) -> None:
    codec = getattr(rt.codec, name)
    for value in good:
        decoded = codec.decode(value, "$/X")
        assert decoded == value and type(decoded) is type(value)
        assert codec.encode(decoded) == value
    for value in bad:
        with pytest.raises(rt.errors.ResponseValidationError) as info:
            codec.decode(value, "$/Items/3/X")
        assert info.value.path == "$/Items/3/X"
        assert str(info.value).startswith(f"$/Items/3/X: expected {expected}, got ")


def test_validation_error_names_json_type_not_value(rt: Runtime) -> None:
    with pytest.raises(rt.errors.ResponseValidationError) as info:
        rt.codec.INT.decode("password123", "$/Id")
    assert str(info.value) == "$/Id: expected integer, got string"
    assert "password123" not in str(info.value)


def test_float_refuses_to_encode_non_finite(rt: Runtime) -> None:
    for value in (float("nan"), float("inf"), float("-inf")):
        with pytest.raises(ValueError):
            rt.codec.FLOAT.encode(value)


def test_json_codec_is_identity(rt: Runtime) -> None:
    value = {"a": [1, None, {"b": True}], "c": "d"}
    assert rt.codec.JSON.decode(value, "$") is value
    assert rt.codec.JSON.encode(value) is value


# --------------------------------------------------------------------------- datetimes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "2001-12-07T13:38:13.2490288+01:00",
            datetime(2001, 12, 7, 13, 38, 13, 249028, tzinfo=timezone(timedelta(hours=1))),
        ),
        (
            "2023-06-01T00:00:00.1234567-05:30",
            datetime(
                2023,
                6,
                1,
                0,
                0,
                0,
                123456,
                tzinfo=timezone(-timedelta(hours=5, minutes=30)),
            ),
        ),
        ("2001-12-07T13:38:13Z", datetime(2001, 12, 7, 13, 38, 13, tzinfo=UTC)),
        ("2001-12-07T13:38:13", datetime(2001, 12, 7, 13, 38, 13)),
        ("2001-12-07T13:38:13.5", datetime(2001, 12, 7, 13, 38, 13, 500000)),
        ("0001-01-01T00:00:00", datetime(1, 1, 1)),
    ],
)
def test_datetime_round_trip_is_byte_exact(rt: Runtime, text: str, expected: datetime) -> None:
    decoded = rt.codec.DATETIME.decode(text, "$/When")
    assert isinstance(decoded, datetime)
    assert decoded == expected
    assert decoded.utcoffset() == expected.utcoffset()
    assert rt.codec.DATETIME.encode(decoded) == text
    assert rt.codec.encode_query_value(decoded) == text


def test_datetime_wire_text_survives_copy_and_pickle(rt: Runtime) -> None:
    text = "2001-12-07T13:38:13.2490288+01:00"
    decoded = rt.codec.DATETIME.decode(text, "$")
    for clone in (
        copy.copy(decoded),
        copy.deepcopy(decoded),
        pickle.loads(pickle.dumps(decoded)),
    ):
        assert clone == decoded
        assert rt.codec.DATETIME.encode(clone) == text


def test_changed_or_user_datetimes_encode_with_isoformat(rt: Runtime) -> None:
    decoded = rt.codec.DATETIME.decode("2001-12-07T13:38:13.2490288+01:00", "$")
    later = decoded + timedelta(days=1)
    assert rt.codec.DATETIME.encode(later) == "2001-12-08T13:38:13.249028+01:00"
    changed = decoded.replace(hour=1)
    assert rt.codec.DATETIME.encode(changed) == "2001-12-07T01:38:13.249028+01:00"
    mine = datetime(2024, 2, 29, 8, 30, tzinfo=UTC)
    assert rt.codec.DATETIME.encode(mine) == "2024-02-29T08:30:00+00:00"
    assert rt.codec.DATETIME.encode(datetime(2024, 1, 2)) == "2024-01-02T00:00:00"


@pytest.mark.parametrize("value", ["yesterday", "", "2001-13-01T00:00:00", 20011207, None])
def test_datetime_rejects_garbage(rt: Runtime, value: Any) -> None:
    with pytest.raises(rt.errors.ResponseValidationError) as info:
        rt.codec.DATETIME.decode(value, "$/When")
    assert "$/When: expected ISO 8601 date-time string" in str(info.value)


# --------------------------------------------------------------------------- containers


def test_nullable_list_and_map_codecs(rt: Runtime) -> None:
    c = rt.codec
    assert c.nullable(c.INT).decode(None, "$") is None
    assert c.nullable(c.INT).encode(None) is None
    assert c.list_of(c.INT).decode([1, 2], "$") == [1, 2]
    assert c.map_of(c.STRING).decode({"a": "b"}, "$") == {"a": "b"}
    assert c.list_of(c.nullable(c.INT)).encode([1, None]) == [1, None]
    with pytest.raises(rt.errors.ResponseValidationError, match="expected integer"):
        c.INT.decode(None, "$")


def test_container_errors_carry_json_pointer_paths(rt: Runtime) -> None:
    c = rt.codec
    with pytest.raises(rt.errors.ResponseValidationError) as info:
        c.list_of(c.INT).decode([1, "2"], "$/Ids")
    assert info.value.path == "$/Ids/1"
    with pytest.raises(rt.errors.ResponseValidationError) as info:
        c.map_of(c.INT).decode({"a/b~c": True}, "$/M")
    assert info.value.path == "$/M/a~1b~0c"
    with pytest.raises(rt.errors.ResponseValidationError, match=r"\$/Ids: expected array"):
        c.list_of(c.INT).decode({"0": 1}, "$/Ids")
    with pytest.raises(rt.errors.ResponseValidationError, match=r"\$/M: expected object"):
        c.map_of(c.INT).decode([1], "$/M")


# --------------------------------------------------------------------------- models


def test_model_round_trip_is_exact(rt: Runtime) -> None:
    wire = full_chat_message()
    message = rt.sample.ChatMessage.from_dict(wire)
    assert message.to_dict() == wire
    # Same key order too, so the serialised text is identical.
    assert json.dumps(message.to_dict()) == json.dumps(wire)


def test_model_decoding_gives_typed_values(rt: Runtime) -> None:
    s = rt.sample
    message = s.ChatMessage.from_dict(full_chat_message())
    assert message.chat_message_id == 42
    assert message.when_posted == datetime(
        2001, 12, 7, 13, 38, 13, 249028, tzinfo=timezone(timedelta(hours=1))
    )
    assert isinstance(message.author, s.Associate)
    assert message.author.active is True
    assert isinstance(message.author.manager, s.Associate)
    assert message.author.manager.name is None
    assert message.author.manager.active is rt.codec.UNSET
    assert message.author.manager.additional_properties == {"Rank": 3}
    assert message.author.additional_properties == {"Unknown": {"deep": [1, 2, {"x": None}]}}
    assert message.scores == {"x": 1, "y": 2.5, "a/b": -0.0}
    assert [type(r) for r in message.readers] == [s.Associate, s.Associate]
    assert message.readers[1].additional_properties == {"Extra": False}
    assert message.additional_properties == {
        "NewServerField": "kept",
        "AnotherOne": None,
    }


def test_null_and_absent_are_different(rt: Runtime) -> None:
    s = rt.sample
    absent = s.Associate.from_dict({})
    null = s.Associate.from_dict({"Name": None})
    assert absent.name is rt.codec.UNSET
    assert null.name is None
    assert absent.to_dict() == {}
    assert null.to_dict() == {"Name": None}
    assert absent != null


def test_constructed_model_to_dict(rt: Runtime) -> None:
    s = rt.sample
    message = s.ChatMessage(
        chat_message_id=None,
        when_posted=datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC),
        author=s.Associate(associate_id=3, manager=s.Associate(name="Boss")),
        tags=[],
        payload=None,
        additional_properties={"Custom": [1], "ChatMessageId": 99},
    )
    assert message.to_dict() == {
        "ChatMessageId": None,
        "WhenPosted": "2024-05-06T07:08:09+00:00",
        "Author": {"AssociateId": 3, "Manager": {"Name": "Boss"}},
        "Tags": [],
        "Payload": None,
        # A declared key always comes from its attribute, never from extras.
        "Custom": [1],
    }
    assert list(message.to_dict()) == [
        "ChatMessageId",
        "WhenPosted",
        "Author",
        "Tags",
        "Payload",
        "Custom",
    ]


def test_additional_properties_default_is_not_shared(rt: Runtime) -> None:
    a = rt.sample.Associate()
    b = rt.sample.Associate()
    a.additional_properties["X"] = 1
    assert b.additional_properties == {}


@pytest.mark.parametrize(
    ("wire", "path", "expected"),
    [
        ([], "$", "object (ChatMessage)"),
        ({"ChatMessageId": "1"}, "$/ChatMessageId", "integer"),
        ({"Author": {"AssociateId": True}}, "$/Author/AssociateId", "integer"),
        ({"Author": {"Manager": {"Manager": 5}}}, "$/Author/Manager/Manager", "object"),
        ({"Readers": [{}, {"Name": 1}]}, "$/Readers/1/Name", "string"),
        ({"Scores": {"k": "1"}}, "$/Scores/k", "number"),
        ({"Tags": "a,b"}, "$/Tags", "array"),
        ({"WhenPosted": "not a date"}, "$/WhenPosted", "ISO 8601 date-time string"),
    ],
)
def test_model_type_errors(rt: Runtime, wire: Any, path: str, expected: str) -> None:
    with pytest.raises(rt.errors.ResponseValidationError) as info:
        rt.sample.ChatMessage.from_dict(wire)
    assert info.value.path == path
    assert f"{path}: expected {expected}" in str(info.value)


def test_required_property_missing(rt: Runtime) -> None:
    s = rt.sample
    assert s.Strict.from_dict({"Key": "k"}).to_dict() == {"Key": "k"}
    with pytest.raises(rt.errors.ResponseValidationError, match="missing required property 'Key'"):
        s.Strict.from_dict({"Note": "n"})
    with pytest.raises(rt.errors.ResponseValidationError, match="expected string"):
        s.Strict.from_dict({"Key": None})


def test_decode_json_helper(rt: Runtime) -> None:
    c = rt.codec
    assert c.decode_json(c.list_of(c.INT), [1, 2]) == [1, 2]
    with pytest.raises(rt.errors.ResponseValidationError) as info:
        c.decode_json(c.list_of(c.INT), [1, None])
    assert info.value.path == "$/1"


_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=5)
_json = st.recursive(
    _scalars | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)
_offsets = st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
_datetimes = st.datetimes(timezones=st.none() | st.just(UTC) | st.builds(timezone, _offsets)).map(
    lambda d: d.isoformat()
)


def _opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


_associate = st.fixed_dictionaries(
    {},
    optional={
        "AssociateId": _opt(st.integers()),
        "Name": _opt(st.text()),
        "Active": _opt(st.booleans()),
        "Zzz": _json,
    },
)
_message = st.fixed_dictionaries(
    {},
    optional={
        "ChatMessageId": _opt(st.integers()),
        "WhenPosted": _opt(_datetimes),
        "Author": _opt(_associate),
        "Tags": _opt(st.lists(st.text(max_size=4), max_size=3)),
        "Scores": _opt(st.dictionaries(st.text(max_size=3), st.integers() | st.floats(-1e9, 1e9))),
        "Readers": _opt(st.lists(_associate, max_size=3)),
        "Payload": _json,
        "Unknown1": _json,
        "unknown_2": _json,
    },
)


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(wire=_message)
def test_model_round_trip_property(rt: Runtime, wire: dict[str, Any]) -> None:
    message = rt.sample.ChatMessage.from_dict(wire)
    assert message.to_dict() == wire
    assert rt.sample.ChatMessage.from_dict(message.to_dict()) == message


# --------------------------------------------------------------------------- query values


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("UNSET", None),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-12, "-12"),
        (1.5, "1.5"),
        ("Contact", "Contact"),
        ("", ""),
        (datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05"),
        ([1, None, True, "x"], ["1", "true", "x"]),
        (("a", "b"), ["a", "b"]),
        ([], []),
    ],
)
def test_encode_query_value(rt: Runtime, value: Any, expected: Any) -> None:
    if value == "UNSET":
        value = rt.codec.UNSET
    assert rt.codec.encode_query_value(value) == expected


def test_encode_query_value_rejects_objects(rt: Runtime) -> None:
    with pytest.raises(TypeError, match="dict"):
        rt.codec.encode_query_value({"a": 1})


# --------------------------------------------------------------------------- errors


def test_error_hierarchy(rt: Runtime) -> None:
    e = rt.errors
    assert issubclass(e.APIConnectionError, e.APIError)
    assert issubclass(e.APITimeoutError, e.APIConnectionError)
    assert issubclass(e.ResponseValidationError, e.APIError)
    assert issubclass(e.APIStatusError, e.APIError)
    assert issubclass(e.APIError, Exception)
    for name in (
        "BadRequestError",
        "AuthenticationError",
        "PermissionDeniedError",
        "NotFoundError",
        "ConflictError",
        "PreconditionFailedError",
        "UnprocessableEntityError",
        "RateLimitError",
        "InternalServerError",
    ):
        assert issubclass(getattr(e, name), e.APIStatusError)


ERROR_CASES = [
    (400, "BadRequestError"),
    (401, "AuthenticationError"),
    (403, "PermissionDeniedError"),
    (404, "NotFoundError"),
    (409, "ConflictError"),
    (412, "PreconditionFailedError"),
    (422, "UnprocessableEntityError"),
    (429, "RateLimitError"),
    (500, "InternalServerError"),
    (502, "InternalServerError"),
    (503, "InternalServerError"),
    (418, "APIStatusError"),
    (405, "APIStatusError"),
]

SO_ERROR = {
    "Error": "true",
    "ErrorType": "SoException",
    "ErrorMessage": "Contact 5 does not exist",
    "ErrorSource": "Contact.Get",
}


@pytest.mark.parametrize(("status", "class_name"), ERROR_CASES)
def test_status_errors_are_mapped(rt: Runtime, status: int, class_name: str) -> None:
    handler = Recorder(ok(SO_ERROR, status, headers={"X-Request-Id": "req-1"}))
    client, _ = sync_client(rt, handler, auth=rt.auth.BearerAuth(SECRET), max_retries=0)
    with pytest.raises(rt.errors.APIStatusError) as info:
        client.request(
            "GET",
            "/v1/Contact/{id}",
            path_params={"id": 5},
            query={"apikey": "query-secret"},
        )
    error = info.value
    assert type(error) is getattr(rt.errors, class_name)
    assert error.status_code == status
    assert error.response.status_code == status
    assert error.request_id == "req-1"
    assert error.body == rt.errors.ErrorBody(
        error=True,
        error_type="SoException",
        error_message="Contact 5 does not exist",
        error_source="Contact.Get",
    )
    message = str(error)
    assert message.startswith(f"{status} ")
    assert "GET /Cust12345/api/v1/Contact/5" in message
    assert message.endswith(": Contact 5 does not exist")
    assert SECRET not in message and "query-secret" not in message and "Bearer" not in message
    assert len(handler.requests) == 1


def test_error_for_response_without_json_body(rt: Runtime) -> None:
    request = httpx.Request("DELETE", "https://h.test/api/v1/Sale/1?ticket=abc")
    response = httpx.Response(502, text="<html>Bad gateway</html>", request=request)
    error = rt.errors.error_for_response(response)
    assert isinstance(error, rt.errors.InternalServerError)
    assert error.body is None
    assert error.request_id is None
    assert str(error) == "502 Bad Gateway for DELETE /api/v1/Sale/1: Bad gateway"  # the page's text


def test_error_message_is_bounded(rt: Runtime) -> None:
    request = httpx.Request("GET", "https://h.test/x")
    response = httpx.Response(400, json={"ErrorMessage": "x" * 5000}, request=request)
    assert len(str(rt.errors.error_for_response(response))) < 600


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"not json", None),
        (b"", None),
        (b"[1, 2]", None),
        (b'"just a string"', None),
        (b"\xff\xfe", None),
        (b"{}", (None, None, None, None)),
        (b'{"ErrorMessage": "m"}', (None, None, "m", None)),
        (b'{"errortype": "T", "errorMessage": "m"}', (None, "T", "m", None)),
        (
            b'{"Message": "An error has occurred."}',
            (None, None, "An error has occurred.", None),
        ),
        (b'{"Error": true, "ErrorSource": {"a": 1}}', (True, None, None, '{"a": 1}')),
        (b'{"Error": "False", "ErrorMessage": "m"}', (False, None, "m", None)),
        (b'{"Error": 1, "ErrorMessage": "m"}', (None, None, "m", None)),
    ],
)
def test_error_body_is_parsed_leniently(rt: Runtime, content: bytes, expected: Any) -> None:
    body = rt.errors.ErrorBody.from_response(httpx.Response(500, content=content))
    if expected is None:
        assert body is None
    else:
        assert body is not None
        assert (
            body.error,
            body.error_type,
            body.error_message,
            body.error_source,
        ) == expected


# --------------------------------------------------------------------------- auth


def test_auth_header_values(rt: Runtime) -> None:
    a = rt.auth
    basic = a.BasicAuth("jane", "pässwörd:with:colons")
    expected = base64.b64encode("jane:pässwörd:with:colons".encode()).decode()
    assert basic.headers() == {"Authorization": f"Basic {expected}"}
    assert a.BearerAuth("eyJ.abc.def").headers() == {"Authorization": "Bearer eyJ.abc.def"}
    assert a.SoTicketAuth("7T:abc==").headers() == {"Authorization": "SOTICKET 7T:abc=="}
    assert isinstance(basic, a.Auth)


def test_auth_repr_never_shows_secrets(rt: Runtime) -> None:
    a = rt.auth
    cases = [
        (a.BasicAuth("jane", SECRET), "BasicAuth(user='jane', password=***)"),
        (a.BearerAuth(SECRET), "BearerAuth(token=***)"),
        (a.SoTicketAuth(SECRET), "SoTicketAuth(ticket=***)"),
    ]
    for auth, text in cases:
        assert repr(auth) == text
        assert str(auth) == text
        assert SECRET not in f"{auth!r} {auth!s} {auth}"


@pytest.mark.parametrize("bad", ["a\rb", "a\nb", "a\r\nX-Evil: 1", "a\0b"])
def test_auth_rejects_header_injection_without_echoing(rt: Runtime, bad: str) -> None:
    secret = SECRET + bad
    a = rt.auth
    for make in (
        lambda: a.BasicAuth("jane", secret),
        lambda: a.BasicAuth(secret, "pw"),
        lambda: a.BearerAuth(secret),
        lambda: a.SoTicketAuth(secret),
    ):
        with pytest.raises(ValueError) as info:
            make()
        assert SECRET not in str(info.value)
        assert "CR, LF or NUL" in str(info.value)


def test_auth_rejects_empty_and_colon_user(rt: Runtime) -> None:
    a = rt.auth
    for make in (
        lambda: a.BearerAuth(""),
        lambda: a.SoTicketAuth(""),
        lambda: a.BasicAuth("", "pw"),
        lambda: a.BasicAuth("u", ""),
        lambda: a.BasicAuth("a:b", "pw"),
    ):
        with pytest.raises(ValueError):
            make()


# --------------------------------------------------------------------------- request building


def test_default_and_per_call_headers(rt: Runtime) -> None:
    handler = Recorder(ok({}))
    client, _ = sync_client(
        rt,
        handler,
        auth=rt.auth.SoTicketAuth("TICKET"),
        app_token="APP",
        xsrf_token="XSRF",
        language="en",
        culture="en-GB",
        time_zone="UTC",
        headers={"X-Custom": "1"},
    )
    client.request("GET", "/v1/User/currentPrincipal")
    client.request("GET", "/v1/User/currentPrincipal", language="no", culture="nb-NO")
    first, second = handler.requests
    assert first.headers["Authorization"] == "SOTICKET TICKET"
    assert first.headers["SO-AppToken"] == "APP"
    assert first.headers["X-XSRF-TOKEN"] == "XSRF"
    assert first.headers["SO-Language"] == "en"
    assert first.headers["SO-Culture"] == "en-GB"
    assert first.headers["SO-TimeZone"] == "UTC"
    assert first.headers["Accept"] == "application/json"
    assert first.headers["User-Agent"] == f"superoffice-webapi-python/{rt.http.__version__}"
    assert first.headers["X-Custom"] == "1"
    assert str(first.url) == f"{BASE_URL}/v1/User/currentPrincipal"
    assert (second.headers["SO-Language"], second.headers["SO-Culture"]) == (
        "no",
        "nb-NO",
    )
    assert second.headers["SO-TimeZone"] == "UTC"


def test_optional_headers_are_omitted(rt: Runtime) -> None:
    handler = Recorder(ok({}))
    client, _ = sync_client(rt, handler)
    client.request("GET", "v1/Ping")
    headers = handler.requests[0].headers
    for name in (
        "Authorization",
        "SO-AppToken",
        "X-XSRF-TOKEN",
        "SO-Language",
        "Content-Type",
    ):
        assert name not in headers
    assert str(handler.requests[0].url) == f"{BASE_URL}/v1/Ping"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"app_token": "a\r\nb"},
        {"xsrf_token": "a\nb"},
        {"language": "en\r"},
        {"culture": "x\0"},
        {"time_zone": "\nUTC"},
        {"headers": {"X-A": "1\r\n2"}},
        {"headers": {"X-A\r\nX-B": "1"}},
    ],
)
def test_client_rejects_header_injection(rt: Runtime, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        rt.http.SyncTransportClient(BASE_URL, **kwargs)
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        rt.http.AsyncTransportClient(BASE_URL, **kwargs)


def test_per_call_header_injection_and_custom_auth(rt: Runtime) -> None:
    class BadAuth(rt.auth.Auth):
        def headers(self) -> dict[str, str]:
            return {"Authorization": "x\r\nX-Evil: 1"}

    handler = Recorder(ok({}))
    client, _ = sync_client(rt, handler)
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        client.request("GET", "/v1/x", time_zone="UTC\r\nX: 1")
    bad, _ = sync_client(rt, handler, auth=BadAuth())
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        bad.request("GET", "/v1/x")
    assert handler.requests == []


@pytest.mark.parametrize(
    ("value", "segment"),
    [
        (5, "5"),
        ("../x", "..%2Fx"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("a b?c#d&e", "a%20b%3Fc%23d%26e"),
        ("%2F", "%252F"),
        ("Æøå", "%C3%86%C3%B8%C3%A5"),
        (True, "true"),
        (2.5, "2.5"),
    ],
)
def test_path_params_are_fully_encoded(rt: Runtime, value: Any, segment: str) -> None:
    handler = Recorder(ok({}))
    client, _ = sync_client(rt, handler)
    client.request("GET", "/v1/Contact/{id}/Persons", path_params={"id": value})
    url = handler.requests[0].url
    assert url.raw_path.decode() == f"/Cust12345/api/v1/Contact/{segment}/Persons"
    assert url.host == "sod.example.test"


@pytest.mark.parametrize(
    ("template", "params", "message"),
    [
        ("/v1/Contact/{id}", {}, "missing path parameter"),
        ("/v1/Contact/{id}", {"id": 1, "other": 2}, "unknown path parameter"),
        ("/v1/Contact/{id}", {"id": ""}, "must not be empty"),
        # a template that would leave base_url once the dots are resolved (issue 14)
        ("/v1/Agents/../../../Cust99999/v1/Contact", {}, "'.' or '..' segment"),
        ("/v1/Agents/%2e%2E/Contact", {}, "'.' or '..' segment"),
        ("/v1/Agents/./Contact", {}, "'.' or '..' segment"),
    ],
)
def test_path_param_mistakes(rt: Runtime, template: str, params: Any, message: str) -> None:
    client, _ = sync_client(rt, Recorder(ok({})))
    with pytest.raises(ValueError, match=message):
        client.request("GET", template, path_params=params)


def test_query_encoding(rt: Runtime) -> None:
    handler = Recorder(ok({}))
    client, _ = sync_client(rt, handler)
    when = rt.codec.DATETIME.decode("2001-12-07T13:38:13.2490288+01:00", "$")
    client.request(
        "GET",
        "/v1/Contact",
        query={
            "$select": "name,department",
            "$filter": "name begins 'A&B'",
            "$top": 10,
            "$skip": None,
            "flag": False,
            "since": when,
            "ids": [1, 2],
            "unset": rt.codec.UNSET,
        },
    )
    assert handler.requests[0].url.query.decode() == (
        "$select=name%2Cdepartment&$filter=name%20begins%20%27A%26B%27&$top=10"
        "&flag=false&since=2001-12-07T13%3A38%3A13.2490288%2B01%3A00&ids=1&ids=2"
    )
    assert handler.requests[0].url.params.get_list("ids") == ["1", "2"]
    assert handler.requests[0].url.params["$filter"] == "name begins 'A&B'"


def test_json_body_variants(rt: Runtime) -> None:
    handler = Recorder(ok({}))
    client, _ = sync_client(rt, handler)
    client.request("POST", "/v1/a")
    client.request("POST", "/v1/a", json=None)
    client.request("POST", "/v1/a", json={"Name": "Øle", "Ids": [1, 2]})
    client.request("PUT", "/v1/a", content=b"raw", content_type="text/plain")
    no_body, null_body, dict_body, raw_body = handler.requests
    assert no_body.content == b"" and "Content-Type" not in no_body.headers
    assert null_body.content == b"null"
    assert null_body.headers["Content-Type"] == "application/json; charset=utf-8"
    assert dict_body.content == '{"Name":"Øle","Ids":[1,2]}'.encode()
    assert json.loads(dict_body.content) == {"Name": "Øle", "Ids": [1, 2]}
    assert raw_body.content == b"raw" and raw_body.headers["Content-Type"] == "text/plain"
    with pytest.raises(ValueError):
        client.request("POST", "/v1/a", json={}, content=b"x")
    with pytest.raises(ValueError):
        client.request("POST", "/v1/a", json={"x": float("nan")})


def test_base_url_validation_and_repr(rt: Runtime) -> None:
    for bad in ("/relative", "ftp://h/x", "https://u:p@h/api", "https://h/api?x=1"):
        with pytest.raises(ValueError):
            rt.http.SyncTransportClient(bad)
    client = rt.http.SyncTransportClient(
        BASE_URL + "/", auth=rt.auth.BearerAuth(SECRET), app_token=SECRET
    )
    assert client.base_url == BASE_URL + "/"
    assert SECRET not in repr(client)
    client.close()


def test_redirects_are_not_followed(rt: Runtime) -> None:
    handler = Recorder(ok(None, 302, headers={"Location": "https://elsewhere.test/"}))
    client, _ = sync_client(rt, handler, auth=rt.auth.BearerAuth(SECRET))
    assert client.request("GET", "/v1/x").status_code == 302
    assert len(handler.requests) == 1


# --------------------------------------------------------------------------- retries (sync)


def test_503_then_200_is_retried(rt: Runtime) -> None:
    handler = Recorder(ok(None, 503), ok({"ok": True}))
    client, sleeps = sync_client(rt, handler)
    response = client.request("POST", "/v1/a", json={"x": 1}, idempotent=True)
    assert response.json() == {"ok": True}
    assert len(handler.requests) == 2
    assert handler.requests[1].content == b'{"x":1}'
    assert len(sleeps) == 1 and 0.5 <= sleeps[0] <= 0.625


@pytest.mark.parametrize(("header", "expected"), [("3", 3.0), ("0.25", 0.25), ("60", 60.0)])
def test_429_honours_retry_after_seconds(rt: Runtime, header: str, expected: float) -> None:
    handler = Recorder(ok(None, 429, headers={"Retry-After": header}), ok({}))
    client, sleeps = sync_client(rt, handler)
    assert client.request("GET", "/v1/a").status_code == 200
    assert sleeps == [expected]


def test_a_retry_after_beyond_the_cap_is_not_waited_for(rt: Runtime) -> None:
    handler = Recorder(ok(None, 429, headers={"Retry-After": "600"}), ok({}))
    client, sleeps = sync_client(rt, handler)
    with pytest.raises(rt.errors.RateLimitError, match="Retry-After 600 s") as info:
        client.request("GET", "/v1/a")
    assert info.value.retry_after == 600.0
    assert sleeps == [] and len(handler.requests) == 1


def test_a_bare_503_to_a_post_is_not_retried(rt: Runtime) -> None:
    handler = Recorder(ok(None, 503), ok({}))
    client, sleeps = sync_client(rt, handler)
    with pytest.raises(rt.errors.InternalServerError):
        client.request("POST", "/v1/a", json={})
    assert sleeps == [] and len(handler.requests) == 1


def test_retry_after_http_date(rt: Runtime) -> None:
    when = datetime.now(UTC) + timedelta(seconds=20)
    header = format_datetime(when, usegmt=True)
    handler = Recorder(ok(None, 429, headers={"Retry-After": header}), ok({}))
    client, sleeps = sync_client(rt, handler)
    client.request("GET", "/v1/a")
    assert len(sleeps) == 1 and 15 <= sleeps[0] <= 20


def test_invalid_retry_after_falls_back_to_backoff(rt: Runtime) -> None:
    handler = Recorder(ok(None, 429, headers={"Retry-After": "soon"}), ok({}))
    client, sleeps = sync_client(rt, handler)
    client.request("GET", "/v1/a")
    assert len(sleeps) == 1 and 0.5 <= sleeps[0] <= 0.625


def test_retries_exhausted_raise_last_status(rt: Runtime) -> None:
    handler = Recorder(ok(SO_ERROR, 503))
    client, sleeps = sync_client(rt, handler)
    with pytest.raises(rt.errors.InternalServerError) as info:
        client.request("GET", "/v1/a")
    assert info.value.status_code == 503
    assert len(handler.requests) == 3
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 0.625 and 1.0 <= sleeps[1] <= 1.25


def test_connection_error_is_retried(rt: Runtime) -> None:
    handler = Recorder(httpx.ConnectError("refused"), ok({"ok": 1}))
    client, sleeps = sync_client(rt, handler)
    assert client.request("GET", "/v1/a").json() == {"ok": 1}
    assert len(handler.requests) == 2 and len(sleeps) == 1


def test_connection_error_names_the_host_the_cause_and_the_attempts(rt: Runtime) -> None:
    refused = httpx.ConnectError("[Errno 111] Connection refused (proxy.corp:3128 user=alice)")
    handler = Recorder(refused, refused, refused)
    client, _ = sync_client(rt, handler)
    with pytest.raises(rt.errors.APIConnectionError) as info:
        client.request("GET", "/v1/a")
    message = str(info.value)
    assert "GET /Cust12345/api/v1/a on " in message and "after 3 attempts" in message
    assert message.endswith("ConnectError: Connection refused")
    assert "proxy.corp" not in message and "alice" not in message  # only the OS's reason


def test_an_error_page_that_is_no_json_shows_a_short_clean_snippet(rt: Runtime) -> None:
    page = (
        b"<html><head><style>body{}</style><script>var t='x';</script></head><body>"
        b"<h1>502 Bad Gateway</h1>\r\n<p>nginx &amp; friends</p>"
        + b"<p>pad</p>" * 500
        + b"</body></html>"
    )
    handler = Recorder(ok(None, 502, content=page, headers={"Content-Type": "text/html"}))
    client, _ = sync_client(rt, handler, max_retries=0)
    with pytest.raises(rt.errors.InternalServerError) as info:
        client.request("GET", "/v1/a")
    message = str(info.value)
    assert ": 502 Bad Gateway nginx & friends pad pad" in message
    assert "<" not in message and "var t" not in message and "\r" not in message
    assert len(message) < 400 and message.endswith("...")
    assert info.value.body is None


def test_connection_error_after_retries(rt: Runtime) -> None:
    handler = Recorder(httpx.ConnectError("refused"))
    client, sleeps = sync_client(rt, handler, auth=rt.auth.BearerAuth(SECRET))
    with pytest.raises(rt.errors.APIConnectionError) as info:
        client.request("GET", "/v1/a", query={"q": "query-secret"})
    assert not isinstance(info.value, rt.errors.APITimeoutError)
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert "GET /Cust12345/api/v1/a" in str(info.value)
    assert "query-secret" not in str(info.value) and SECRET not in str(info.value)
    assert len(handler.requests) == 3 and len(sleeps) == 2


def test_max_retries_zero_disables_retries(rt: Runtime) -> None:
    handler = Recorder(ok(None, 503), ok({}))
    client, sleeps = sync_client(rt, handler, max_retries=0)
    with pytest.raises(rt.errors.InternalServerError):
        client.request("GET", "/v1/a")
    assert len(handler.requests) == 1 and sleeps == []


def test_per_call_max_retries_override(rt: Runtime) -> None:
    handler = Recorder(ok(None, 429))
    client, sleeps = sync_client(rt, handler)
    with pytest.raises(rt.errors.RateLimitError):
        client.request("GET", "/v1/a", max_retries=0)
    assert len(handler.requests) == 1
    with pytest.raises(rt.errors.RateLimitError):
        client.request("GET", "/v1/a", max_retries=4)
    assert len(handler.requests) == 1 + 5
    assert len(sleeps) == 4
    assert sleeps[3] >= 4.0  # 0.5 * 2**3 plus jitter
    with pytest.raises(ValueError):
        client.request("GET", "/v1/a", max_retries=-1)


@pytest.mark.parametrize("status", [400, 404, 500, 502])
def test_other_statuses_are_not_retried(rt: Runtime, status: int) -> None:
    handler = Recorder(ok(None, status), ok({}))
    client, sleeps = sync_client(rt, handler)
    with pytest.raises(rt.errors.APIStatusError):
        client.request("GET", "/v1/a")
    assert len(handler.requests) == 1 and sleeps == []


def test_backoff_is_capped(rt: Runtime) -> None:
    for attempt in range(4):
        delay = rt.http._backoff(attempt)
        assert 0.5 * 2**attempt <= delay <= 0.5 * 2**attempt * 1.25
    for attempt in (4, 5, 10, 10_000):
        assert 8.0 <= rt.http._backoff(attempt) <= 10.0


# --------------------------------------------------------------------------- timeouts


def test_timeout_becomes_api_timeout_error(rt: Runtime) -> None:
    handler = Recorder(httpx.ReadTimeout("slow"))
    client, sleeps = sync_client(rt, handler)
    with pytest.raises(rt.errors.APITimeoutError) as info:
        client.request("GET", "/v1/a")
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)
    assert isinstance(info.value, rt.errors.APIConnectionError)
    assert info.value.request is handler.requests[0]
    assert len(handler.requests) == 3 and len(sleeps) == 2


def test_timeout_then_success(rt: Runtime) -> None:
    handler = Recorder(httpx.ConnectTimeout("slow"), ok({"ok": 1}))
    client, _ = sync_client(rt, handler)
    assert client.request("GET", "/v1/a").json() == {"ok": 1}


def test_timeout_configuration(rt: Runtime) -> None:
    handler = Recorder(ok({}))
    client, _ = sync_client(rt, handler)
    client.request("GET", "/v1/a")
    client.request("GET", "/v1/a", timeout=5)
    default, override = (r.extensions["timeout"] for r in handler.requests)
    assert default == {"connect": 30.0, "read": 30.0, "write": 30.0, "pool": 30.0}
    assert override == {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}
    custom, _ = sync_client(rt, handler, timeout=httpx.Timeout(10, connect=2))
    custom.request("GET", "/v1/a")
    assert handler.requests[-1].extensions["timeout"]["connect"] == 2


# --------------------------------------------------------------------------- logging, lifecycle


def test_logging_is_debug_and_secret_free(rt: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    handler = Recorder(ok(None, 503), ok({"Password": "body-secret"}))
    client, _ = sync_client(rt, handler, auth=rt.auth.BearerAuth(SECRET), app_token=SECRET)
    with caplog.at_level(logging.DEBUG, logger="superoffice_webapi"):
        client.request(
            "POST",
            "/v1/a",
            query={"q": "query-secret"},
            json={"pw": "body-secret"},
            idempotent=True,
        )
    records = [r for r in caplog.records if r.name == "superoffice_webapi"]
    assert [r.getMessage() for r in records] == [
        "POST /Cust12345/api/v1/a -> 503 (attempt 1)",
        "POST /Cust12345/api/v1/a -> 200 (attempt 2)",
    ]
    assert all(r.levelno == logging.DEBUG for r in records)
    for secret in (SECRET, "query-secret", "body-secret"):
        assert secret not in caplog.text


def test_sync_context_manager_closes(rt: Runtime) -> None:
    handler = Recorder(ok({}))
    with rt.http.SyncTransportClient(BASE_URL, transport=httpx.MockTransport(handler)) as client:
        client.request("GET", "/v1/a")
        inner = client._client
    assert inner.is_closed


# --------------------------------------------------------------------------- parse_response


def test_parse_response(rt: Runtime) -> None:
    c, parse = rt.codec, rt.http.parse_response
    assert parse(httpx.Response(204), c.nullable(c.INT)) is None
    assert parse(httpx.Response(200, content=b""), c.nullable(c.INT)) is None
    assert parse(httpx.Response(200, json=[1, 2]), c.list_of(c.INT)) == [1, 2]
    assert parse(httpx.Response(200, json="x"), c.STRING) == "x"
    with pytest.raises(rt.errors.ResponseValidationError, match="expected integer"):
        parse(httpx.Response(204), c.INT)
    with pytest.raises(rt.errors.ResponseValidationError, match="not valid JSON") as info:
        parse(httpx.Response(200, content=b"<html>"), c.JSON)
    assert isinstance(info.value.__cause__, ValueError)
    with pytest.raises(rt.errors.ResponseValidationError, match=r"\$/1: expected integer"):
        parse(httpx.Response(200, json=[1, "2"]), c.list_of(c.INT))


def test_generated_style_sync_method(rt: Runtime) -> None:
    s = rt.sample
    reply = full_chat_message()
    handler = Recorder(ok(reply, 201))
    client, _ = sync_client(rt, handler, auth=rt.auth.BearerAuth("tok"))
    agent = s.ChatAgent(client)
    sent = s.ChatMessage(tags=["t"], when_posted=None)
    result = agent.create_message(9, sent, select=["Tags", "WhenPosted"])
    request = handler.requests[0]
    assert request.method == "POST"
    assert request.url.raw_path.decode() == (
        "/Cust12345/api/v1/Chat/9/Messages?$select=Tags&$select=WhenPosted"
    )
    assert json.loads(request.content) == {"WhenPosted": None, "Tags": ["t"]}
    assert isinstance(result, s.ChatMessage)
    assert result.to_dict() == reply


# --------------------------------------------------------------------------- async client


def test_async_end_to_end(rt: Runtime) -> None:
    s = rt.sample
    reply = full_chat_message()
    handler = Recorder(ok(reply))

    async def scenario() -> Any:
        client, _ = async_client(
            rt, handler, auth=rt.auth.SoTicketAuth("T"), app_token="APP", language="sv"
        )
        async with client:
            result = await s.AsyncChatAgent(client).create_message(
                3, s.ChatMessage(chat_message_id=1)
            )
        assert client._client.is_closed
        return result

    result = asyncio.run(scenario())
    assert result.to_dict() == reply
    request = handler.requests[0]
    assert request.headers["Authorization"] == "SOTICKET T"
    assert request.headers["SO-AppToken"] == "APP"
    assert request.headers["SO-Language"] == "sv"
    assert request.content == b'{"ChatMessageId":1}'
    assert request.url.path == "/Cust12345/api/v1/Chat/3/Messages"


def run_async(rt: Runtime, handler: Recorder, call: dict[str, Any], **kwargs: Any) -> Any:
    """Run one async request; returns (response or exception, sleeps)."""

    async def scenario() -> tuple[Any, list[float]]:
        client, sleeps = async_client(rt, handler, **kwargs)
        try:
            return await client.request("GET", "/v1/a", **call), sleeps
        except Exception as exc:
            return exc, sleeps
        finally:
            await client.aclose()

    return asyncio.run(scenario())


def test_async_503_then_200(rt: Runtime) -> None:
    handler = Recorder(ok(None, 503), ok({"ok": True}))
    result, sleeps = run_async(rt, handler, {})
    assert result.json() == {"ok": True}
    assert len(handler.requests) == 2 and len(sleeps) == 1 and 0.5 <= sleeps[0] <= 0.625


def test_async_429_retry_after(rt: Runtime) -> None:
    handler = Recorder(ok(None, 429, headers={"Retry-After": "7"}), ok({}))
    result, sleeps = run_async(rt, handler, {})
    assert result.status_code == 200 and sleeps == [7.0]


def test_async_connection_error_retried(rt: Runtime) -> None:
    handler = Recorder(httpx.ConnectError("refused"), ok({}))
    result, sleeps = run_async(rt, handler, {})
    assert result.status_code == 200 and len(handler.requests) == 2 and len(sleeps) == 1


def test_async_max_retries_zero_and_override(rt: Runtime) -> None:
    handler = Recorder(ok(None, 503), ok({}))
    result, sleeps = run_async(rt, handler, {}, max_retries=0)
    assert isinstance(result, rt.errors.InternalServerError)
    assert len(handler.requests) == 1 and sleeps == []

    handler = Recorder(ok(None, 503))
    result, sleeps = run_async(rt, handler, {"max_retries": 1})
    assert isinstance(result, rt.errors.InternalServerError)
    assert len(handler.requests) == 2 and len(sleeps) == 1

    handler = Recorder(ok(None, 503), ok({}))
    result, sleeps = run_async(rt, handler, {"max_retries": 0})
    assert isinstance(result, rt.errors.InternalServerError) and len(handler.requests) == 1


def test_async_timeout(rt: Runtime) -> None:
    handler = Recorder(httpx.ReadTimeout("slow"))
    result, sleeps = run_async(rt, handler, {"timeout": 1.5})
    assert isinstance(result, rt.errors.APITimeoutError)
    assert isinstance(result.__cause__, httpx.ReadTimeout)
    assert len(handler.requests) == 3 and len(sleeps) == 2
    assert handler.requests[0].extensions["timeout"]["read"] == 1.5


@pytest.mark.parametrize(("status", "class_name"), ERROR_CASES)
def test_async_status_errors(rt: Runtime, status: int, class_name: str) -> None:
    handler = Recorder(ok(SO_ERROR, status))
    result, _ = run_async(rt, handler, {"path_params": None}, max_retries=0)
    assert type(result) is getattr(rt.errors, class_name)
    assert result.body.error_message == "Contact 5 does not exist"
    assert "GET /Cust12345/api/v1/a" in str(result)


def test_async_path_query_and_body(rt: Runtime) -> None:
    handler = Recorder(ok({}))

    async def scenario() -> None:
        async with rt.http.AsyncTransportClient(
            BASE_URL, transport=httpx.MockTransport(handler)
        ) as client:
            await client.request(
                "PATCH",
                "/v1/Person/{id}",
                path_params={"id": "../../admin"},
                query={"$select": ["a", "b"], "skip": None},
                json=None,
            )

    asyncio.run(scenario())
    request = handler.requests[0]
    assert request.method == "PATCH"
    assert request.url.raw_path.decode() == (
        "/Cust12345/api/v1/Person/..%2F..%2Fadmin?$select=a&$select=b"
    )
    assert request.content == b"null"


# --------------------------------------------------------------------------- static checks


def _run(*args: str, cwd: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_mypy_strict_is_clean(rt: Runtime) -> None:
    result = _run(
        "mypy",
        "--strict",
        "--no-incremental",
        "--cache-dir",
        str(rt.root / ".mypy_cache"),
        "superoffice_webapi",
        cwd=rt.root,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found")


def test_ruff_is_clean(rt: Runtime) -> None:
    result = _run(
        "ruff",
        "check",
        "--no-cache",
        "--isolated",
        "--select",
        "E,F,W,I,B,UP,SIM,RUF",
        "--line-length",
        "100",
        "--target-version",
        "py311",
        "superoffice_webapi",
        cwd=rt.root,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed!" in result.stdout


def test_black_is_clean(rt: Runtime) -> None:
    files = [f"superoffice_webapi/{name}" for name in RUNTIME_FILES]
    result = _run("black", "--check", "--quiet", *files, cwd=rt.root)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("kind", ["basic", "bearer", "ticket"])
def test_secrets_an_error_body_echoes_never_reach_the_exception_text(
    rt: Runtime, kind: str
) -> None:
    """Issue 14: an ErrorMessage holding the credentials sent (the header value, its token, a
    Basic password) is redacted in str(exc) and repr(exc); CR/LF from the server are escaped."""
    auth = {
        "basic": rt.auth.BasicAuth("jane", "s3cret-pässword"),
        "bearer": rt.auth.BearerAuth("8A:Cust12345.AbCdEfGh"),
        "ticket": rt.auth.SoTicketAuth("7T:dGlja2V0LXZhbHVl"),
    }[kind]

    def echo(request: httpx.Request) -> httpx.Response:
        sent = request.headers["Authorization"]
        token = sent.partition(" ")[2]
        password = "s3cret-pässword" if kind == "basic" else "no password"
        text = f"denied {sent} / {token} / {password} / {request.headers['SO-AppToken']}\r\nX: y"
        return httpx.Response(401, json={"ErrorMessage": text})

    client = rt.http.SyncTransportClient(
        BASE_URL, transport=httpx.MockTransport(echo), auth=auth, app_token="app-token-123",
        max_retries=0,
    )  # fmt: skip
    with pytest.raises(rt.errors.AuthenticationError) as info:
        client.request("GET", "/v1/Contact")
    for text in (str(info.value), repr(info.value)):
        assert "[redacted]" in text
        for secret in ("s3cret-pässword", "AbCdEfGh", "dGlja2V0LXZhbHVl", "app-token-123"):
            assert secret not in text, text
        assert "\r" not in text and "\n" not in text
    assert "\\r\\nX: y" in str(info.value)  # escaped, still readable
    assert info.value.body.error_message.startswith("denied")  # the body itself is kept
