"""Credentials for the SuperOffice WebAPI.

Secrets are kept in private attributes and never appear in ``repr()``,
``str()`` or exception messages, so logging a client or an auth object is
safe.
"""

from __future__ import annotations

import base64
from abc import ABC, abstractmethod

__all__ = ["Auth", "BasicAuth", "BearerAuth", "SoTicketAuth", "check_header_value"]

# CR/LF would let a value start a new header line; NUL is rejected by most
# servers and truncates strings in some.
_FORBIDDEN = ("\r", "\n", "\0")


def check_header_value(name: str, value: str) -> str:
    """Return ``value`` unchanged, or raise ValueError if it could inject headers.

    The message names the header but never echoes the value, which may be a
    secret.
    """
    if any(char in value for char in _FORBIDDEN):
        raise ValueError(f"{name} must not contain CR, LF or NUL characters")
    return value


def _check_secret(name: str, value: str) -> str:
    if not value:
        raise ValueError(f"{name} must not be empty")
    return check_header_value(name, value)


class Auth(ABC):
    """Produces the authentication headers sent with every request.

    ``headers()`` is called for every request (not once per client), so a
    subclass can refresh short-lived tokens there.
    """

    @abstractmethod
    def headers(self) -> dict[str, str]:
        """Headers to add to the request, e.g. ``{"Authorization": "..."}``."""


class BasicAuth(Auth):
    """HTTP Basic authentication (user name and password)."""

    __slots__ = ("_header", "user")

    def __init__(self, user: str, password: str) -> None:
        _check_secret("user", user)
        _check_secret("password", password)
        if ":" in user:
            # The first colon separates user from password in Basic auth.
            raise ValueError("user must not contain ':'")
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        self.user = user
        self._header = f"Basic {token}"

    def headers(self) -> dict[str, str]:
        return {"Authorization": self._header}

    def __repr__(self) -> str:
        return f"BasicAuth(user={self.user!r}, password=***)"


class BearerAuth(Auth):
    """OAuth 2 / OpenID Connect access token."""

    __slots__ = ("_token",)

    def __init__(self, token: str) -> None:
        self._token = _check_secret("token", token)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    def __repr__(self) -> str:
        return "BearerAuth(token=***)"


class SoTicketAuth(Auth):
    """SuperOffice credential ticket (``Authorization: SOTICKET <ticket>``).

    SuperOffice Online also requires an application token; pass it to the
    client as ``app_token``.
    """

    __slots__ = ("_ticket",)

    def __init__(self, ticket: str) -> None:
        self._ticket = _check_secret("ticket", ticket)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"SOTICKET {self._ticket}"}

    def __repr__(self) -> str:
        return "SoTicketAuth(ticket=***)"
