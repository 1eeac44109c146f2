"""Exceptions raised by the SuperOffice WebAPI client.

Hierarchy::

    APIError
    +-- APIConnectionError
    |   +-- APITimeoutError
    +-- ResponseValidationError
    +-- ResponseTooLargeError
    +-- APIStatusError
        +-- BadRequestError            400
        +-- AuthenticationError        401
        +-- PermissionDeniedError      403
        +-- NotFoundError              404
        +-- ConflictError              409
        +-- PreconditionFailedError    412
        +-- UnprocessableEntityError   422
        +-- RateLimitError             429
        +-- InternalServerError        >= 500

Messages only ever contain the status, the HTTP method, the URL path and the
server's error message: never headers, query strings or request bodies, which
may carry credentials.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
import unicodedata
from dataclasses import dataclass

import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ErrorBody",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "UnprocessableEntityError",
    "error_for_response",
]

# Server-provided text is echoed into messages; keep it bounded so a huge
# error page cannot flood logs.
_MAX_MESSAGE_CHARS = 500

# Headers a proxy or the server may use to identify a request in its logs.
_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-correlation-id")


class APIError(Exception):
    """Base class of every error raised by the client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class APIConnectionError(APIError):
    """The request never produced an HTTP response (DNS, TLS, reset, ...)."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read, write or pool timeout)."""


class ResponseValidationError(APIError):
    """The server answered with JSON that does not match the declared shape.

    Also raised for a body that is not JSON at all or is nested too deeply to decode.
    ``path`` is a JSON-pointer-like location such as ``$/Author/Name``.
    """

    def __init__(self, message: str, *, path: str = "$") -> None:
        super().__init__(message)
        self.path = path


class ResponseTooLargeError(APIError):
    """The response body is larger than ``max_response_bytes``; it is never retried.

    ``size`` is the announced Content-Length, or the bytes read when the limit was
    passed; the rest of the body is not read.
    """

    def __init__(
        self, message: str, *, response: httpx.Response, limit: int, size: int
    ) -> None:
        super().__init__(message)
        self.response = response
        self.limit = limit
        self.size = size


@dataclass(frozen=True)
class ErrorBody:
    """The JSON error document SuperOffice returns with 4xx/5xx responses.

    Every field is optional because proxies, load balancers and older
    endpoints do not always send the full document.
    """

    error: bool | None = None
    error_type: str | None = None
    error_message: str | None = None
    error_source: str | None = None

    @classmethod
    def from_response(cls, response: httpx.Response) -> ErrorBody | None:
        """Parse leniently; returns None when the body is not a JSON object."""
        try:
            data = json.loads(response.content)
        except (
            ValueError,
            RecursionError,
        ):  # not JSON, not UTF-8, or nested too deeply
            return None
        if not isinstance(data, dict):
            return None
        # Key casing differs between SuperOffice versions, so match loosely.
        folded = {str(key).lower(): value for key, value in data.items()}
        message = _text(folded.get("errormessage"))
        if message is None:
            # Plain ASP.NET errors use {"Message": "..."} instead.
            message = _text(folded.get("message"))
        return cls(
            error=_flag(folded.get("error")),
            error_type=_text(folded.get("errortype")),
            error_message=message,
            error_source=_text(folded.get("errorsource")),
        )


def _flag(value: object) -> bool | None:
    """SuperOffice sends ``"Error": true``; older servers a string."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


class APIStatusError(APIError):
    """The server answered with a 4xx or 5xx status.

    ``retry_after`` is the wait in seconds the server asked for (Retry-After), if any.
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: ErrorBody | None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.response = response
        self.status_code = response.status_code
        self.body = body
        self.request_id = _request_id(response)
        self.retry_after = retry_after


class BadRequestError(APIStatusError):
    """400 Bad Request."""


class AuthenticationError(APIStatusError):
    """401 Unauthorized: missing, expired or invalid credentials."""


class PermissionDeniedError(APIStatusError):
    """403 Forbidden."""


class NotFoundError(APIStatusError):
    """404 Not Found."""


class ConflictError(APIStatusError):
    """409 Conflict."""


class PreconditionFailedError(APIStatusError):
    """412 Precondition Failed, e.g. a stale If-Match value."""


class UnprocessableEntityError(APIStatusError):
    """422 Unprocessable Entity."""


class RateLimitError(APIStatusError):
    """429 Too Many Requests."""


class InternalServerError(APIStatusError):
    """Any 5xx status."""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _request_id(response: httpx.Response) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        value: str | None = response.headers.get(name)
        if value:
            return value
    return None


def error_for_response(
    response: httpx.Response, *, note: str = "", retry_after: float | None = None
) -> APIStatusError:
    """Build (not raise) the exception matching ``response.status_code``.

    ``note`` (the client's own words, e.g. why it did not retry) ends the message.
    """
    status = response.status_code
    error_class = _STATUS_ERRORS.get(status)
    if error_class is None:
        error_class = InternalServerError if status >= 500 else APIStatusError
    body = ErrorBody.from_response(response)
    # Only method and path: the query string may hold tokens or personal data.
    message = f"{status} {response.reason_phrase}".rstrip()
    secrets: list[str] = []
    try:
        request = response.request
    except RuntimeError:  # a hand-built Response that was never sent
        pass
    else:
        message = f"{message} for {request.method} {request.url.path}"
        secrets = _sent_secrets(request)
    detail = body.error_message if body is not None else _snippet(response)
    if detail:
        if len(detail) > _MAX_MESSAGE_CHARS:
            detail = detail[:_MAX_MESSAGE_CHARS] + "..."
        message = f"{message}: {detail}"
    if note:
        message = f"{message} ({note})"
    return error_class(
        _printable(_redacted(message, secrets)),
        response=response,
        body=body,
        retry_after=retry_after,
    )


_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.DOTALL | re.IGNORECASE)
_SNIPPET_BYTES = 2000  # of a body that is no error document, what is looked at
_SNIPPET_CHARS = 200


def _snippet(response: httpx.Response) -> str | None:
    """A short text of a body that is no JSON error document (a proxy's HTML page, a
    plain-text error): tags and scripts dropped, spaces collapsed. Redacted and escaped
    with the rest of the message."""
    try:
        raw = response.content[:_SNIPPET_BYTES].decode("utf-8", errors="replace")
    except httpx.ResponseNotRead:
        return None
    text = " ".join(html.unescape(_TAG.sub(" ", raw)).split())
    if len(text) > _SNIPPET_CHARS:
        text = text[:_SNIPPET_CHARS] + "..."
    return text or None


# request headers whose values are credentials: an error body that echoes them must not carry
# them into str(exc), repr(exc) or a log line
_SECRET_HEADERS = ("authorization", "so-apptoken", "x-xsrf-token", "cookie")
_MIN_SECRET = 4  # shorter values would redact ordinary words


def _sent_secrets(request: httpx.Request) -> list[str]:
    found: list[str] = []
    for name in _SECRET_HEADERS:
        value = request.headers.get(name)
        if not value:
            continue
        found.append(value)
        scheme, _, credential = value.partition(" ")
        if credential:
            found.append(credential.strip())
            if scheme.lower() == "basic":
                try:
                    user_pass = base64.b64decode(credential, validate=True).decode(
                        "utf-8"
                    )
                except (binascii.Error, ValueError):
                    continue
                found += [user_pass, user_pass.partition(":")[2]]
    # longest first, so that a token inside a longer value goes with it
    return sorted({s for s in found if len(s) >= _MIN_SECRET}, key=len, reverse=True)


def _redacted(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    return text


def _printable(text: str) -> str:
    """Control characters escaped: CR/LF from a server never start a new log line."""
    if all(unicodedata.category(c)[0] != "C" for c in text):
        return text
    return "".join(
        (
            c
            if unicodedata.category(c)[0] != "C"
            else c.encode("unicode_escape").decode("ascii")
        )
        for c in text
    )
