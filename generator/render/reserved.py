"""The names the generated code uses itself, by the scope a name from the pages lands in.

A page may call a property `Nullable`, a parameter `parseResponse`, an agent `CachedProperty` or
a carrier `Harness`: the Python name made from it must not be one the templates or the runtime
(templates/python/runtime/*.py) already use in that scope, or the generated package shadows its
own helpers (`@cached_property` becomes an attribute, `UNSET` a field) or redefines an import.

Written out rather than read from the templates at build time, so that naming depends on nothing
but the pages; tests/unit/test_reserved_names.py checks these lists against the runtime modules'
`__all__` and against every name a build of the default templates binds or uses in each scope.
"""

from __future__ import annotations

import ast
from pathlib import Path

# What the runtime modules export (their `__all__`), which generated modules import from them:
# read from the runtime files themselves, so a name the runtime adds is reserved at once.
_RUNTIME = Path(__file__).resolve().parents[2] / "templates" / "python" / "runtime"


def _runtime_exports() -> frozenset[str]:
    names: set[str] = set()
    for path in sorted(_RUNTIME.glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
            ):
                names.update(ast.literal_eval(node.value))
    return frozenset(names)


# the package's __init__ re-exports them, and _client adds the two clients
RUNTIME_EXPORTS = _runtime_exports() | {"SuperOfficeClient", "AsyncSuperOfficeClient"}

# Module-level names a model module (models/<m>.py) binds besides its class and its imports of
# other models and runtime exports.
MODEL_MODULE = frozenset(
    {"annotations", "__all__", "dataclass", "datetime", "TYPE_CHECKING", "ClassVar"}
)
# ... an agent or entity module (agents/<g>.py)
GROUP_MODULE = frozenset({"annotations", "__all__", "datetime"})
# ... the client module (_client.py)
CLIENT_MODULE = frozenset(
    {
        "annotations",
        "__all__",
        "Mapping",
        "cached_property",
        "TracebackType",
        "TYPE_CHECKING",
        "httpx",
    }
)
# ... models/__init__.py
MODELS_PACKAGE = frozenset(
    {"annotations", "__all__", "importlib", "TYPE_CHECKING", "_MODULES", "__getattr__"}
)
# ... a generated test module (tests/test_<g>.py), the harness (conftest.py), the client tests
# (test__client.py): the models a test builds are imported into these
TEST_MODULES = frozenset(
    {
        "annotations",
        "datetime",
        "json",
        "pytest",
        "Harness",
        # conftest.py
        "os",
        "httpx",
        "Iterator",
        "parse_qsl",
        "urlsplit",
        "MOCK_BASE_URL",
        "LIVE_BASE_URL",
        "BASE_PATH",
        "harness",
        # test__client.py
        "asyncio",
        "base64",
        "subprocess",
        "sys",
        "Script",
        "OK_ANSWER",
        "ERROR_BODY",
    }
)

# Every module-level name of every generated module that holds a name from the pages: what a
# schema class (imported into models, agents and tests) or an agent class may not be called.
MODULE_LEVEL = (
    RUNTIME_EXPORTS | MODEL_MODULE | GROUP_MODULE | CLIENT_MODULE | MODELS_PACKAGE | TEST_MODULES
)

# Attributes of the runtime's Model base class (and what `dataclass` adds that is not dunder).
MODEL_BASE = frozenset({"additional_properties", "to_dict", "from_dict", "__wire__"})
# A model's class body evaluates its defaults (`UNSET`) and `__wire__` (`Field`, `nullable`,
# codecs) in the class scope, and mypy reads its annotations there: a field may take no name the
# model module binds.
MODEL_FIELD = MODEL_BASE | MODEL_MODULE | RUNTIME_EXPORTS | frozenset({"self", "cls"})

# The client classes' own attributes and what their class body uses (`@cached_property`,
# `@property`, the annotations of __init__): what a client attribute (one per agent or REST
# entity, also the module's file name agents/<attr>.py) may not be.
CLIENT_CLASS = frozenset(
    {
        "self",
        "base_url",
        "close",
        "aclose",
        "transport",
        "with_options",
        "property",
    }
)
CLIENT_ATTRIBUTE = CLIENT_CLASS | CLIENT_MODULE | RUNTIME_EXPORTS

# An agent class body: its __init__ and what mypy resolves in the methods' signatures there.
GROUP_METHOD = frozenset({"self"}) | GROUP_MODULE | RUNTIME_EXPORTS

# A generated method's own names: its locals, the call options every method takes, and every
# module-level name its signature or body may use.
METHOD_LOCALS = frozenset({"self", "body", "response", "query", "headers"})
CALL_OPTIONS = (
    "select", "language", "culture", "time_zone", "max_retries", "timeout", "idempotent",
    "deadline", "max_response_bytes",
)  # fmt: skip
METHOD_PARAMETER = METHOD_LOCALS | frozenset(CALL_OPTIONS) | GROUP_MODULE | RUNTIME_EXPORTS
