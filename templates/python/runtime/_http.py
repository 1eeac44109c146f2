"""HTTP transport shared by the generated sync and async clients.

``SyncTransportClient`` wraps ``httpx.Client`` and ``AsyncTransportClient``
wraps ``httpx.AsyncClient``.  Both add SuperOffice headers, fill path
templates safely, encode query parameters, retry transient failures and turn
error statuses into exceptions from ``_errors``.  Generated API classes call
``request()`` and decode the result with ``parse_response()``.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
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
    ResponseValidationError,
    error_for_response,
)

__all__ = [
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
# 429: the server asked us to slow down; 503: temporarily unavailable.  Both
# mean the request was not processed, so repeating it is safe.
_RETRY_STATUSES: Final = frozenset({429, 503})
_BACKOFF_BASE: Final = 0.5
_BACKOFF_CAP: Final = 8.0
_RETRY_AFTER_CAP: Final = 60.0
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
    """Seconds requested by a Retry-After header, if it is present and valid."""
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
    return min(max(seconds, 0.0), _RETRY_AFTER_CAP)


def _backoff(attempt: int) -> float:
    """Exponential backoff with jitter so many clients do not retry in step."""
    # The exponent is clamped so a huge max_retries cannot overflow a float.
    base = min(_BACKOFF_BASE * 2.0 ** min(attempt, 16), _BACKOFF_CAP)
    return base + random.uniform(0, base / 4)


def _retry_delay(attempt: int, response: httpx.Response | None) -> float:
    if response is not None:
        requested = _retry_after(response)
        if requested is not None:
            return requested
    return _backoff(attempt)


def _transport_error(
    exc: httpx.TransportError, request: httpx.Request
) -> APIConnectionError:
    # The httpx exception is chained as __cause__; its text is left out of
    # the message in case a proxy or URL detail in it is sensitive.
    where = f"{request.method} {request.url.path}"
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"request timed out: {where}", request=request)
    return APIConnectionError(
        f"connection error for {where}: {type(exc).__name__}", request=request
    )


def parse_response(response: httpx.Response, codec: Codec[T]) -> T:
    """Decode a successful response body with ``codec``.

    An empty body (or 204) decodes as JSON null, so ``nullable(...)`` codecs
    return None for it.
    """
    if response.status_code == 204 or not response.content.strip():
        return codec.decode(None, "$")
    try:
        data: JSONValue = jsonlib.loads(response.content)
    except ValueError as exc:
        raise ResponseValidationError("$: response body is not valid JSON") from exc
    return codec.decode(data, "$")


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
        # Paths are appended as text, which keeps them below the base path and
        # means a template can never switch host.
        self._base_url = str(url).rstrip("/") + "/"
        self._auth = auth
        self.max_retries = max_retries
        self.timeout = (
            timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        )
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

    def _retries(self, override: int | None) -> int:
        retries = self.max_retries if override is None else override
        if retries < 0:
            raise ValueError("max_retries must be >= 0")
        return retries

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

    ``max_retries`` extra attempts are made after connection errors, timeouts,
    429 and 503 responses.  Use it as a context manager or call ``close()``.
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
    ) -> httpx.Response:
        """Send a request and return the response, raising APIError subclasses.

        ``path`` is relative to ``base_url`` and may contain ``{name}``
        placeholders filled from ``path_params``.  ``json=UNSET`` sends no body;
        ``json=None`` sends ``null``.  Responses with status >= 400 raise.
        """
        retries = self._retries(max_retries)
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
        attempt = 0
        while True:
            try:
                response = self._client.send(request)
            except httpx.TransportError as exc:
                self._log(request, type(exc).__name__, attempt)
                if attempt >= retries:
                    raise _transport_error(exc, request) from exc
                self._sleep(_retry_delay(attempt, None))
                attempt += 1
                continue
            self._log(request, response.status_code, attempt)
            if response.status_code in _RETRY_STATUSES and attempt < retries:
                response.close()
                self._sleep(_retry_delay(attempt, response))
                attempt += 1
                continue
            if response.status_code >= 400:
                raise error_for_response(response)
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
    ) -> httpx.Response:
        """Async counterpart of ``SyncTransportClient.request``."""
        retries = self._retries(max_retries)
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
        attempt = 0
        while True:
            try:
                response = await self._client.send(request)
            except httpx.TransportError as exc:
                self._log(request, type(exc).__name__, attempt)
                if attempt >= retries:
                    raise _transport_error(exc, request) from exc
                await self._sleep(_retry_delay(attempt, None))
                attempt += 1
                continue
            self._log(request, response.status_code, attempt)
            if response.status_code in _RETRY_STATUSES and attempt < retries:
                await response.aclose()
                await self._sleep(_retry_delay(attempt, response))
                attempt += 1
                continue
            if response.status_code >= 400:
                raise error_for_response(response)
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
