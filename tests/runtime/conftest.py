"""Builds a throw-away ``superoffice_webapi`` package from the runtime templates.

The runtime modules are copied verbatim (as the generator does) next to a
small hand-written module shaped like generated code, so the tests exercise
exactly what ships and what generated code will look like.
"""

from __future__ import annotations

import importlib
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

RUNTIME_DIR = Path(__file__).resolve().parents[2] / "templates" / "python" / "runtime"
RUNTIME_FILES = ("_codec.py", "_errors.py", "_auth.py", "_http.py")
PACKAGE = "superoffice_webapi"

# Shaped like generator output; also type-checked by the mypy test.
SAMPLE_MODULE = '''\
"""Hand-written stand-in for generated models and API methods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from ._codec import (
    BOOL,
    DATETIME,
    FLOAT,
    INT,
    JSON,
    STRING,
    UNSET,
    Field,
    JSONValue,
    Model,
    Unset,
    list_of,
    map_of,
    model,
    nullable,
)
from ._http import AsyncTransportClient, SyncTransportClient, parse_response


@dataclass(kw_only=True)
class Associate(Model):
    associate_id: int | Unset | None = UNSET
    name: str | Unset | None = UNSET
    active: bool | Unset | None = UNSET
    manager: Associate | Unset | None = UNSET
    __wire__: ClassVar[tuple[Field, ...]] = (
        Field("associate_id", "AssociateId", nullable(INT)),
        Field("name", "Name", nullable(STRING)),
        Field("active", "Active", nullable(BOOL)),
        Field("manager", "Manager", nullable(model(lambda: Associate))),
    )


@dataclass(kw_only=True)
class ChatMessage(Model):
    chat_message_id: int | Unset | None = UNSET
    when_posted: datetime | Unset | None = UNSET
    author: Associate | Unset | None = UNSET
    tags: list[str] | Unset | None = UNSET
    scores: dict[str, float] | Unset | None = UNSET
    readers: list[Associate] | Unset | None = UNSET
    payload: JSONValue | Unset = UNSET
    __wire__: ClassVar[tuple[Field, ...]] = (
        Field("chat_message_id", "ChatMessageId", nullable(INT)),
        Field("when_posted", "WhenPosted", nullable(DATETIME)),
        Field("author", "Author", nullable(model(lambda: Associate))),
        Field("tags", "Tags", nullable(list_of(STRING))),
        Field("scores", "Scores", nullable(map_of(FLOAT))),
        Field("readers", "Readers", nullable(list_of(model(lambda: Associate)))),
        Field("payload", "Payload", JSON),
    )


@dataclass(kw_only=True)
class Strict(Model):
    """A model with a required (non-defaulted) property."""

    key: str
    note: str | Unset | None = UNSET
    __wire__: ClassVar[tuple[Field, ...]] = (
        Field("key", "Key", STRING),
        Field("note", "Note", nullable(STRING)),
    )


class ChatAgent:
    def __init__(self, transport: SyncTransportClient) -> None:
        self._transport = transport

    def create_message(
        self, session_id: int, message: ChatMessage, *, select: list[str] | None = None
    ) -> ChatMessage:
        response = self._transport.request(
            "POST",
            "/v1/Chat/{sessionId}/Messages",
            path_params={"sessionId": session_id},
            query={"$select": select},
            json=message.to_dict(),
        )
        return parse_response(response, model(lambda: ChatMessage))

    def message_ids(self) -> list[int] | None:
        response = self._transport.request("GET", "/v1/Chat/MessageIds")
        return parse_response(response, nullable(list_of(INT)))


class AsyncChatAgent:
    def __init__(self, transport: AsyncTransportClient) -> None:
        self._transport = transport

    async def create_message(self, session_id: int, message: ChatMessage) -> ChatMessage:
        response = await self._transport.request(
            "POST",
            "/v1/Chat/{sessionId}/Messages",
            path_params={"sessionId": session_id},
            json=message.to_dict(),
        )
        return parse_response(response, model(lambda: ChatMessage))


def _narrowing_examples(message: ChatMessage) -> int | None:
    # Checks (under mypy) that UNSET narrows with both "is" and isinstance.
    author = message.author
    if author is not UNSET and author is not None:
        name: str | Unset | None = author.name
        del name
    ident = message.chat_message_id
    if isinstance(ident, Unset):
        return None
    return ident
'''


@dataclass
class Runtime:
    """The imported modules of the temporary package."""

    root: Path
    package: ModuleType
    codec: ModuleType
    errors: ModuleType
    auth: ModuleType
    http: ModuleType
    sample: ModuleType


def _drop_package_modules() -> dict[str, ModuleType]:
    dropped = {
        name: module
        for name, module in sys.modules.items()
        if name == PACKAGE or name.startswith(PACKAGE + ".")
    }
    for name in dropped:
        del sys.modules[name]
    return dropped


@pytest.fixture(scope="session")
def rt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    root = tmp_path_factory.mktemp("runtime_pkg")
    package_dir = root / PACKAGE
    package_dir.mkdir()
    for name in RUNTIME_FILES:
        shutil.copyfile(RUNTIME_DIR / name, package_dir / name)
    (package_dir / "__init__.py").write_text("")
    (package_dir / "_sample.py").write_text(SAMPLE_MODULE)

    # Another test may have imported a real generated package of the same name.
    previous = _drop_package_modules()
    sys.path.insert(0, str(root))
    try:
        yield Runtime(
            root=root,
            package=importlib.import_module(PACKAGE),
            codec=importlib.import_module(f"{PACKAGE}._codec"),
            errors=importlib.import_module(f"{PACKAGE}._errors"),
            auth=importlib.import_module(f"{PACKAGE}._auth"),
            http=importlib.import_module(f"{PACKAGE}._http"),
            sample=importlib.import_module(f"{PACKAGE}._sample"),
        )
    finally:
        sys.path.remove(str(root))
        _drop_package_modules()
        sys.modules.update(previous)
