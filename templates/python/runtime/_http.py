"""HTTP transport shared by the generated sync and async clients.

``SyncTransportClient`` wraps ``httpx.Client`` and ``AsyncTransportClient``
wraps ``httpx.AsyncClient``.  Both add SuperOffice headers, fill path
templates safely, encode query parameters, retry transient failures and turn
error statuses into exceptions from ``_errors``.  Generated API classes call
``request()`` and decode the result with ``parse_response()``.

A server cannot hold a call hostage: one attempt ends ``timeout`` seconds after
it starts however slowly the body arrives, the whole call (retries and waits
included) ends at its ``deadline``, a body larger than ``max_response_bytes`` is
refused while it streams in, and a request that may have reached the server is
repeated only when it is idempotent.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import math
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Final, Self, TypeAlias, TypeVar
from urllib.parse import quote

import httpx

from ._auth import Auth, check_header_value
from ._codec import UNSET, Codec, JSONValue, Unset, encode_query_value
from ._errors import (
    APIConnectionError,
    APITimeoutError,
    ResponseTooLargeError,
    ResponseValidationError,
    error_for_response,
)

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "USER_AGENT",
    "AsyncTransportClient",
    "PathParam",
    "SyncTransportClient",
    "__version__",
    "parse_response",
]

__version__: Final = "0.1.0"
USER_AGENT: Final = f"superoffice-webapi-python/{__version__}"

T = TypeVar("T")
PathParam: TypeAlias = str | int | float | bool

_logger = logging.getLogger(__name__.rpartition(".")[0] or __name__)

# Any name the reference pages use between braces (`{id}`, `{a-b}`, `{$x}`), as the generator
# reads it; the names are keys of path_params, never code.
_PLACEHOLDER = re.compile(r"\{([^{}/]+)\}")
# 429: the server asked us to slow down; 503: temporarily unavailable.  A 429,
# and a 503 that says when to come back, mean the request was not processed; a
# bare 503 may come from a gateway after the server did process it.
_RETRY_STATUSES: Final = frozenset({429, 503})
# Methods HTTP defines as idempotent: sending one twice has the effect of once.
_IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# Raised before any byte of the request left: repeating is safe for any method.
_NOT_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_BACKOFF_BASE: Final = 0.5
_BACKOFF_CAP: Final = 8.0
# The longest single wait; a server asking for more is not waited for at all.
_RETRY_AFTER_CAP: Final = 60.0
# Without a deadline= the call may take this many times its timeout (120 s for 30 s).
_DEADLINE_PER_TIMEOUT: Final = 4.0
_DEADLINE_WITHOUT_TIMEOUT: Final = 120.0
DEFAULT_MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024
# a "." or ".." path segment, also percent-encoded or after a backslash
_DOT_SEGMENT: Final = re.compile(r"(?:^|[/\\])(?:\.|%2[eE]){1,2}(?:$|[/\\?#])")


def _format_path_value(name: str, value: PathParam) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float | str):
        text = str(value)
    else:
        raise TypeError(f"path parameter {name!r} must be str, int, float or bool")
    if not text:
        # An empty segment would silently address a different resource.
        raise ValueError(f"path parameter {name!r} must not be empty")
    # No safe characters: "/", "?" and "#" in a value must not alter the URL.
    encoded = quote(text, safe="")
    if encoded.strip(".") == "":
        # "." and ".." are dot segments that URL normalisation would resolve.
        encoded = encoded.replace(".", "%2E")
    return encoded


def _expand_path(template: str, params: Mapping[str, PathParam] | None) -> str:
    params = params or {}
    names = _PLACEHOLDER.findall(template)
    missing = [name for name in names if name not in params]
    if missing:
        raise ValueError(f"missing path parameter(s): {', '.join(missing)}")
    unused = sorted(set(params) - set(names))
    if unused:
        raise ValueError(f"unknown path parameter(s): {', '.join(unused)}")
    return _PLACEHOLDER.sub(lambda m: _format_path_value(m[1], params[m[1]]), template)


def _encode_query(query: Mapping[str, object] | None) -> str:
    # Built by hand so names such as "$select" keep their "$" and spaces
    # become %20 (httpx would send %24select and "+").
    if not query:
        return ""
    parts: list[str] = []
    for name, raw in query.items():
        encoded = encode_query_value(raw)
        if encoded is None:
            continue
        key = quote(name, safe="$")
        values = [encoded] if isinstance(encoded, str) else encoded
        parts.extend(f"{key}={quote(value, safe='')}" for value in values)
    return "&".join(parts)


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds requested by a Retry-After header, if it is present and valid.

    Not capped: the caller decides whether it is willing to wait that long.
    """
    value: str | None = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(seconds, 0.0)


def _backoff(attempt: int) -> float:
    """Exponential backoff with jitter so many clients do not retry in step."""
    # The exponent is clamped so a huge max_retries cannot overflow a float.
    base = min(_BACKOFF_BASE * 2.0 ** min(attempt, 16), _BACKOFF_CAP)
    return base + random.uniform(0, base / 4)


def _transport_error(
    exc: httpx.TransportError, request: httpx.Request, attempts: int, note: str = ""
) -> APIConnectionError:
    # The httpx exception is chained as __cause__. Of its text only the operating
    # system's reason is kept ("[Errno 111] Connection refused"): the rest may hold
    # a proxy or URL detail that is sensitive.
    host = request.url.host + (f":{request.url.port}" if request.url.port else "")
    where = f"{request.method} {request.url.path} on {host}"
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    reason = _OS_REASON.search(str(exc))
    cause = type(exc).__name__ + (f": {reason[1].strip()}" if reason else "")
    suffix = f" ({note})" if note else ""
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"request timed out: {where}, after {tries} ({cause}){suffix}",
            request=request,
        )
    return APIConnectionError(
        f"connection error for {where} after {tries}: {cause}{suffix}", request=request
    )


_OS_REASON = re.compile(r"\[Errno -?\d+\] ([A-Za-z][A-Za-z ,'-]{0,79})")


def _seconds(value: float | None) -> str:
    """A duration for a message: 0.25, 60, 999999 (never 1e+06)."""
    if value is None:
        return "no limit"
    return f"{value:.0f}" if value >= 1000 else f"{round(value, 3):g}"


def _timeout_budget(timeout: httpx.Timeout) -> float | None:
    """Seconds one attempt may take in all: the largest of the timeout's values."""
    values = [
        v for v in (timeout.connect, timeout.read, timeout.write, timeout.pool) if v
    ]
    return max(values) if values else None


def _check_limit(name: str, value: float, *, integer: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number")
    if integer and not isinstance(value, int):
        raise TypeError(f"{name} must be an integer")
    if not value > 0:  # also refuses NaN
        raise ValueError(f"{name} must be > 0")


class _Call:
    """One call's state: its attempts, its deadline, and what may be repeated.

    Every decision both clients share lives here; they only send, read and sleep.
    """

    def __init__(
        self,
        request: httpx.Request,
        *,
        retries: int,
        idempotent: bool,
        deadline: float,
        budget: float | None,
        max_bytes: int,
    ) -> None:
        self.request = request
        self.retries = retries
        self.idempotent = idempotent
        self.deadline = deadline
        self.budget = budget
        self.max_bytes = max_bytes
        self.attempt = 0
        self.ends_at = time.monotonic() + deadline
        self.attempt_ends_at = self.ends_at
        self._timeouts: dict[str, float | None] = dict(
            request.extensions.get("timeout", {})
        )

    @property
    def where(self) -> str:
        return f"{self.request.method} {self.request.url.path}"

    def left(self) -> float:
        return self.ends_at - time.monotonic()

    def begin_attempt(self) -> float | None:
        """Start an attempt; returns the seconds it may take (None: no limit)."""
        left = self.left()
        if left <= 0:
            raise APITimeoutError(
                f"request timed out: {self.where} "
                f"(deadline of {_seconds(self.deadline)} s)",
                request=self.request,
            )
        budget = left if self.budget is None else min(self.budget, left)
        self.attempt_ends_at = time.monotonic() + budget
        if budget == math.inf:  # deadline=math.inf and no timeout: httpx's own limits
            return None
        # httpx's own per-read (connect, write, pool) limits fit in the attempt too
        self.request.extensions["timeout"] = {
            phase: budget if limit is None else min(limit, budget)
            for phase, limit in self._timeouts.items()
        }
        return budget

    def timed_out(self) -> APITimeoutError:
        """The attempt's time ran out while the answer was still coming."""
        if self.attempt_ends_at >= self.ends_at:
            limit = f"deadline of {_seconds(self.deadline)} s"
        else:
            limit = f"timeout of {_seconds(self.budget)} s"
        return APITimeoutError(
            f"request timed out: {self.where} (the response took longer than the "
            f"{limit}; not retried)",
            request=self.request,
        )

    def _wait_that_fits(self, wait: float, what: str) -> tuple[float | None, str]:
        if wait > _RETRY_AFTER_CAP:
            return None, (
                f"{what} {_seconds(wait)} s is longer than the "
                f"{_seconds(_RETRY_AFTER_CAP)} s a call waits; not retried"
            )
        left = self.left()
        if wait >= left:
            return None, (
                f"{what} {_seconds(wait)} s does not fit in the "
                f"{_seconds(max(left, 0.0))} s left of the call's deadline of "
                f"{_seconds(self.deadline)} s; not retried"
            )
        return wait, ""

    def after_transport_error(self, exc: httpx.TransportError) -> float:
        """Seconds to wait before trying again, or raise the client's error."""
        attempts = self.attempt + 1
        if self.attempt >= self.retries:
            raise _transport_error(exc, self.request, attempts) from exc
        if not (self.idempotent or isinstance(exc, _NOT_SENT)):
            raise _transport_error(
                exc,
                self.request,
                attempts,
                f"not retried: the request may have reached the server and "
                f"{self.request.method} {self.request.url.path} is not idempotent; "
                "pass idempotent=True if repeating it is safe",
            ) from exc
        wait, note = self._wait_that_fits(_backoff(self.attempt), "a backoff of")
        if wait is None:
            raise _transport_error(exc, self.request, attempts, note) from exc
        return wait

    def after_status(self, response: httpx.Response) -> tuple[float | None, str]:
        """(seconds to wait before trying again, or None and why not, if worth it)."""
        if response.status_code not in _RETRY_STATUSES or self.attempt >= self.retries:
            return None, ""
        requested = _retry_after(response)
        if requested is not None:
            return self._wait_that_fits(requested, "Retry-After")
        if response.status_code == 503 and not self.idempotent:
            return None, ""
        return self._wait_that_fits(_backoff(self.attempt), "a backoff of")

    def check_declared_size(self, response: httpx.Response) -> None:
        declared = response.headers.get("content-length", "").strip()
        if declared.isascii() and declared.isdigit():
            # a length too long to be a number we accept is over any limit
            size = int(declared) if len(declared) < 20 else 10**20
            if size > self.max_bytes:
                raise self.too_large(response, size, "Content-Length")

    def too_large(
        self, response: httpx.Response, size: int, what: str
    ) -> ResponseTooLargeError:
        return ResponseTooLargeError(
            f"response to {self.where} is larger than max_response_bytes "
            f"({self.max_bytes}): {what} {size}; not retried",
            response=response,
            limit=self.max_bytes,
            size=size,
        )


class _BodyReader:
    """Collects a streamed body, stopping at the size limit and the attempt's end."""

    def __init__(self, call: _Call, response: httpx.Response) -> None:
        call.check_declared_size(response)
        self._call = call
        self._response = response
        self._chunks: list[bytes] = []
        self._size = 0

    def add(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._call.max_bytes:
            raise self._call.too_large(self._response, self._size, "read")
        if time.monotonic() > self._call.attempt_ends_at:
            raise self._call.timed_out()
        self._chunks.append(chunk)

    def finish(self) -> None:
        # what httpx's own read() stores: response.content works as usual
        self._response._content = b"".join(self._chunks)


def parse_response(response: httpx.Response, codec: Codec[T]) -> T:
    """Decode a successful response body with ``codec``.

    An empty body (or 204) decodes as JSON null, so ``nullable(...)`` codecs
    return None for it.
    """
    if response.status_code == 204 or not response.content.strip():
        return codec.decode(None, "$")
    try:
        data: JSONValue = jsonlib.loads(response.content)
    except ValueError as exc:  # also not UTF-8
        raise ResponseValidationError("$: response body is not valid JSON") from exc
    except RecursionError:
        # raised outside the except clause: the huge RecursionError is not chained
        pass
    else:
        try:
            return codec.decode(data, "$")
        except RecursionError:
            pass
    raise ResponseValidationError("$: response body is nested too deeply to decode")


class _TransportBase:
    """Configuration and request building shared by both clients."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: Auth | None,
        app_token: str | None,
        xsrf_token: str | None,
        language: str | None,
        culture: str | None,
        time_zone: str | None,
        timeout: float | httpx.Timeout,
        max_retries: int,
        headers: Mapping[str, str] | None,
        deadline: float | None,
        max_response_bytes: int,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("base_url must be an absolute http(s) URL")
        if url.userinfo:
            raise ValueError("base_url must not contain credentials; use auth= instead")
        if url.query or url.fragment:
            raise ValueError("base_url must not contain a query string or fragment")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if deadline is not None:
            _check_limit("deadline", deadline)
        _check_limit("max_response_bytes", max_response_bytes, integer=True)
        # Paths are appended as text, which keeps them below the base path and
        # means a template can never switch host.
        self._base_url = str(url).rstrip("/") + "/"
        self._auth = auth
        self.max_retries = max_retries
        self.timeout = (
            timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        )
        self.deadline = deadline
        self.max_response_bytes = max_response_bytes
        fixed: dict[str, str | None] = {
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "SO-AppToken": app_token,
            "X-XSRF-TOKEN": xsrf_token,
            "SO-Language": language,
            "SO-Culture": culture,
            "SO-TimeZone": time_zone,
        }
        self._headers = {
            k: check_header_value(k, v) for k, v in fixed.items() if v is not None
        }
        for name, value in (headers or {}).items():
            self._headers[check_header_value("header name", name)] = check_header_value(
                name, value
            )

    @property
    def base_url(self) -> str:
        return self._base_url

    def __repr__(self) -> str:
        # Only non-secret configuration: no headers, tokens or auth details.
        return f"{type(self).__name__}(base_url={self._base_url!r})"

    def _build_request(
        self,
        client: httpx.Client | httpx.AsyncClient,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, PathParam] | None,
        query: Mapping[str, object] | None,
        json: JSONValue | Unset,
        content: bytes | None,
        content_type: str | None,
        language: str | None,
        culture: str | None,
        time_zone: str | None,
        timeout: float | None,
        extra_headers: Mapping[str, str | None] | None = None,
    ) -> httpx.Request:
        if _DOT_SEGMENT.search(path):
            # never a request outside base_url, whatever the path says
            raise ValueError(f"path {path!r} has a '.' or '..' segment")
        url = self._base_url + _expand_path(path, path_params).lstrip("/")
        query_string = _encode_query(query)
        if query_string:
            url = f"{url}?{query_string}"
        headers = dict(self._headers)
        overrides = {
            "SO-Language": language,
            "SO-Culture": culture,
            "SO-TimeZone": time_zone,
        }
        for name, value in {**overrides, **(extra_headers or {})}.items():
            if value is not None:
                headers[check_header_value("header name", name)] = check_header_value(
                    name, value
                )
        if self._auth is not None:
            for name, value in self._auth.headers().items():
                headers[check_header_value("header name", name)] = check_header_value(
                    name, value
                )
        if json is not UNSET:
            if content is not None:
                raise ValueError("pass either json or content, not both")
            # Compact UTF-8; NaN/Infinity are not JSON and must fail here.
            content = jsonlib.dumps(
                json, ensure_ascii=False, separators=(",", ":"), allow_nan=False
            ).encode("utf-8")
            content_type = content_type or "application/json; charset=utf-8"
        if content_type is not None:
            headers["Content-Type"] = check_header_value("Content-Type", content_type)
        return client.build_request(
            method.upper(),
            url,
            content=content,
            headers=headers,
            timeout=self.timeout if timeout is None else httpx.Timeout(timeout),
        )

    def _call(
        self,
        request: httpx.Request,
        *,
        max_retries: int | None,
        timeout: float | None,
        idempotent: bool | None,
        deadline: float | None,
        max_response_bytes: int | None,
    ) -> _Call:
        retries = self.max_retries if max_retries is None else max_retries
        if retries < 0:
            raise ValueError("max_retries must be >= 0")
        if timeout is not None:
            _check_limit("timeout", timeout)
        budget = _timeout_budget(self.timeout) if timeout is None else timeout
        if deadline is None:
            deadline = self.deadline
        if deadline is None:
            deadline = (
                _DEADLINE_WITHOUT_TIMEOUT
                if budget is None
                else _DEADLINE_PER_TIMEOUT * budget
            )
        _check_limit("deadline", deadline)
        if max_response_bytes is None:
            max_response_bytes = self.max_response_bytes
        _check_limit("max_response_bytes", max_response_bytes, integer=True)
        if idempotent is None:
            idempotent = request.method in _IDEMPOTENT_METHODS
        return _Call(
            request,
            retries=retries,
            idempotent=idempotent,
            deadline=deadline,
            budget=budget,
            max_bytes=max_response_bytes,
        )

    @staticmethod
    def _log(request: httpx.Request, status: int | str, attempt: int) -> None:
        # Method, path and status only: headers, query and bodies may be secret.
        _logger.debug(
            "%s %s -> %s (attempt %d)",
            request.method,
            request.url.path,
            status,
            attempt + 1,
        )


class SyncTransportClient(_TransportBase):
    """Blocking transport used by the generated synchronous client.

    ``max_retries`` extra attempts are made after 429 responses, 503 responses
    with Retry-After and errors before the request was sent (connect errors and
    timeouts, pool timeouts); for idempotent requests also after other
    connection errors and timeouts and a bare 503.  ``timeout`` bounds each
    attempt, body included; ``deadline`` the whole call, waits included (by
    default four times the timeout); a Retry-After longer than 60 s or than what
    is left is not waited for.  Bodies over ``max_response_bytes`` raise
    ``ResponseTooLargeError``.  Use it as a context manager or call ``close()``.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: Auth | None = None,
        app_token: str | None = None,
        xsrf_token: str | None = None,
        language: str | None = None,
        culture: str | None = None,
        time_zone: str | None = None,
        timeout: float | httpx.Timeout = 30.0,
        max_retries: int = 2,
        transport: httpx.BaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
        verify: bool = True,
        deadline: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        super().__init__(
            base_url,
            auth=auth,
            app_token=app_token,
            xsrf_token=xsrf_token,
            language=language,
            culture=culture,
            time_zone=time_zone,
            timeout=timeout,
            max_retries=max_retries,
            headers=headers,
            deadline=deadline,
            max_response_bytes=max_response_bytes,
        )
        # Redirects are not followed: they could carry credentials elsewhere.
        self._client = httpx.Client(
            transport=transport,
            verify=verify,
            timeout=self.timeout,
            follow_redirects=False,
        )
        # Replaceable so tests (and callers with their own policy) need not sleep.
        self._sleep: Callable[[float], None] = time.sleep

    def request(
        self,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, PathParam] | None = None,
        query: Mapping[str, object] | None = None,
        json: JSONValue | Unset = UNSET,
        content: bytes | None = None,
        content_type: str | None = None,
        language: str | None = None,
        culture: str | None = None,
        time_zone: str | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
        headers: Mapping[str, str | None] | None = None,
        idempotent: bool | None = None,
        deadline: float | None = None,
        max_response_bytes: int | None = None,
    ) -> httpx.Response:
        """Send a request and return the response, raising APIError subclasses.

        ``path`` is relative to ``base_url`` and may contain ``{name}``
        placeholders filled from ``path_params``.  ``json=UNSET`` sends no body;
        ``json=None`` sends ``null``.  Responses with status >= 400 raise.
        ``idempotent`` says whether repeating the request is safe (by default:
        GET, HEAD, PUT, DELETE and OPTIONS are); ``deadline`` and
        ``max_response_bytes`` override the client's for this call.
        """
        request = self._build_request(
            self._client,
            method,
            path,
            path_params=path_params,
            query=query,
            json=json,
            content=content,
            content_type=content_type,
            language=language,
            culture=culture,
            time_zone=time_zone,
            timeout=timeout,
            extra_headers=headers,
        )
        call = self._call(
            request,
            max_retries=max_retries,
            timeout=timeout,
            idempotent=idempotent,
            deadline=deadline,
            max_response_bytes=max_response_bytes,
        )
        while True:
            call.begin_attempt()
            outcome = self._attempt(call)
            if isinstance(outcome, httpx.Response):
                return outcome
            self._sleep(outcome)
            call.attempt += 1

    def _attempt(self, call: _Call) -> httpx.Response | float:
        """One exchange: the response, or the seconds to wait before the next."""
        request = call.request
        try:
            response = self._client.send(request, stream=True)
        except httpx.TransportError as exc:
            self._log(request, type(exc).__name__, call.attempt)
            return call.after_transport_error(exc)
        try:
            self._log(request, response.status_code, call.attempt)
            wait, note = call.after_status(response)
            if wait is not None:
                return wait
            reader = _BodyReader(call, response)
            for chunk in response.iter_bytes():
                reader.add(chunk)
            reader.finish()
        except httpx.TransportError as exc:
            self._log(request, type(exc).__name__, call.attempt)
            return call.after_transport_error(exc)
        finally:
            response.close()
        if response.status_code >= 400:
            raise error_for_response(
                response, note=note, retry_after=_retry_after(response)
            )
        return response

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncTransportClient(_TransportBase):
    """Asyncio transport used by the generated asynchronous client.

    Behaves exactly like ``SyncTransportClient``; use ``async with`` or call
    ``await aclose()``.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: Auth | None = None,
        app_token: str | None = None,
        xsrf_token: str | None = None,
        language: str | None = None,
        culture: str | None = None,
        time_zone: str | None = None,
        timeout: float | httpx.Timeout = 30.0,
        max_retries: int = 2,
        transport: httpx.AsyncBaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
        verify: bool = True,
        deadline: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        super().__init__(
            base_url,
            auth=auth,
            app_token=app_token,
            xsrf_token=xsrf_token,
            language=language,
            culture=culture,
            time_zone=time_zone,
            timeout=timeout,
            max_retries=max_retries,
            headers=headers,
            deadline=deadline,
            max_response_bytes=max_response_bytes,
        )
        self._client = httpx.AsyncClient(
            transport=transport,
            verify=verify,
            timeout=self.timeout,
            follow_redirects=False,
        )
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def request(
        self,
        method: str,
        path: str,
        *,
        path_params: Mapping[str, PathParam] | None = None,
        query: Mapping[str, object] | None = None,
        json: JSONValue | Unset = UNSET,
        content: bytes | None = None,
        content_type: str | None = None,
        language: str | None = None,
        culture: str | None = None,
        time_zone: str | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
        headers: Mapping[str, str | None] | None = None,
        idempotent: bool | None = None,
        deadline: float | None = None,
        max_response_bytes: int | None = None,
    ) -> httpx.Response:
        """Async counterpart of ``SyncTransportClient.request``."""
        request = self._build_request(
            self._client,
            method,
            path,
            path_params=path_params,
            query=query,
            json=json,
            content=content,
            content_type=content_type,
            language=language,
            culture=culture,
            time_zone=time_zone,
            timeout=timeout,
            extra_headers=headers,
        )
        call = self._call(
            request,
            max_retries=max_retries,
            timeout=timeout,
            idempotent=idempotent,
            deadline=deadline,
            max_response_bytes=max_response_bytes,
        )
        while True:
            # bounds the whole exchange, a server dribbling its headers included
            scope = asyncio.timeout(call.begin_attempt())
            try:
                async with scope:
                    outcome = await self._attempt(call)
            except TimeoutError as exc:
                if not scope.expired():
                    raise
                raise call.timed_out() from exc
            if isinstance(outcome, httpx.Response):
                return outcome
            await self._sleep(outcome)
            call.attempt += 1

    async def _attempt(self, call: _Call) -> httpx.Response | float:
        """One exchange: the response, or the seconds to wait before the next."""
        request = call.request
        try:
            response = await self._client.send(request, stream=True)
        except httpx.TransportError as exc:
            self._log(request, type(exc).__name__, call.attempt)
            return call.after_transport_error(exc)
        try:
            self._log(request, response.status_code, call.attempt)
            wait, note = call.after_status(response)
            if wait is not None:
                return wait
            reader = _BodyReader(call, response)
            async for chunk in response.aiter_bytes():
                reader.add(chunk)
            reader.finish()
        except httpx.TransportError as exc:
            self._log(request, type(exc).__name__, call.attempt)
            return call.after_transport_error(exc)
        finally:
            await response.aclose()
        if response.status_code >= 400:
            raise error_for_response(
                response, note=note, retry_after=_retry_after(response)
            )
        return response

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
