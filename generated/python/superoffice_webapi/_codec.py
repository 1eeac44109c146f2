"""Conversion between JSON wire values and typed Python values.

Generated models describe their wire format with ``Field`` entries whose
codecs decode JSON (as parsed by ``json.loads``) into Python values and encode
them back.  Decoding followed by encoding reproduces the original JSON exactly,
so data the client does not understand survives a read-modify-write cycle.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import (
    Any,
    ClassVar,
    Final,
    Generic,
    Literal,
    Self,
    SupportsIndex,
    TypeAlias,
    TypeVar,
)

from ._errors import ResponseValidationError

__all__ = [
    "BOOL",
    "DATETIME",
    "FLOAT",
    "INT",
    "JSON",
    "STRING",
    "UNSET",
    "Codec",
    "Field",
    "JSONValue",
    "Model",
    "Unset",
    "WireDateTime",
    "decode_json",
    "encode_body",
    "encode_query_value",
    "list_of",
    "map_of",
    "model",
    "nullable",
    "query_object",
]

JSONValue: TypeAlias = (
    bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"] | None
)

T = TypeVar("T")
M = TypeVar("M", bound="Model")


class Unset(enum.Enum):
    """Type of ``UNSET``: the property is absent on the wire.

    ``None`` means JSON ``null``; ``UNSET`` means the key is not sent at all.
    An enum gives a true singleton (also across copy and pickle) and lets type
    checkers narrow ``x is UNSET``.
    """

    UNSET = "UNSET"

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET


def _json_type(value: object) -> str:
    """Name a value's JSON type for error messages (never echo the value)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _mismatch(path: str, expected: str, value: object) -> ResponseValidationError:
    return ResponseValidationError(
        f"{path}: expected {expected}, got {_json_type(value)}", path=path
    )


def _child(path: str, key: str | int) -> str:
    # JSON pointer escaping keeps paths unambiguous for keys containing "/".
    text = str(key).replace("~", "~0").replace("/", "~1")
    return f"{path}/{text}"


class Codec(ABC, Generic[T]):
    """Decodes a JSON value into ``T`` and encodes ``T`` back into JSON."""

    @abstractmethod
    def decode(self, value: JSONValue, path: str) -> T:
        """Convert ``value``; raise ResponseValidationError naming ``path``."""

    @abstractmethod
    def encode(self, value: T) -> JSONValue:
        """Convert ``value`` into something ``json.dumps`` accepts."""


class _StringCodec(Codec[str]):
    def decode(self, value: JSONValue, path: str) -> str:
        if isinstance(value, str):
            return value
        raise _mismatch(path, "string", value)

    def encode(self, value: str) -> JSONValue:
        return value


class _IntCodec(Codec[int]):
    def decode(self, value: JSONValue, path: str) -> int:
        # bool is a subclass of int in Python but not a number in JSON.
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _mismatch(path, "integer", value)

    def encode(self, value: int) -> JSONValue:
        return value


class _FloatCodec(Codec[float]):
    def decode(self, value: JSONValue, path: str) -> float:
        # Integers stay ints (valid floats for typing) so they re-encode as
        # "1" rather than "1.0".
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        raise _mismatch(path, "number", value)

    def encode(self, value: float) -> JSONValue:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("NaN and infinity cannot be represented in JSON")
        return value


class _BoolCodec(Codec[bool]):
    def decode(self, value: JSONValue, path: str) -> bool:
        if isinstance(value, bool):
            return value
        raise _mismatch(path, "boolean", value)

    def encode(self, value: bool) -> JSONValue:
        return value


class WireDateTime(datetime):
    """A datetime that remembers the exact text it was decoded from.

    SuperOffice sends seven fractional digits, which ``datetime`` cannot hold;
    keeping the text makes encoding a decoded value byte-exact.  Values built
    by arithmetic or ``replace()`` lose the text and encode via isoformat().
    """

    __slots__ = ("_wire",)

    _wire: str

    @classmethod
    def from_wire(cls, text: str) -> WireDateTime:
        """Parse ISO 8601 text (raises ValueError) and remember it."""
        parsed = cls.fromisoformat(text)
        parsed._wire = text
        return parsed

    @property
    def wire(self) -> str:
        """The original text, or isoformat() when there is none."""
        return getattr(self, "_wire", None) or self.isoformat()

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        # datetime's own reduce would drop the remembered text.
        return (WireDateTime.from_wire, (self.wire,))


def _format_datetime(value: datetime) -> str:
    if isinstance(value, WireDateTime):
        return value.wire
    return value.isoformat()


class _DateTimeCodec(Codec[datetime]):
    def decode(self, value: JSONValue, path: str) -> datetime:
        if isinstance(value, str):
            try:
                return WireDateTime.from_wire(value)
            except ValueError:
                pass
        raise _mismatch(path, "ISO 8601 date-time string", value)

    def encode(self, value: datetime) -> JSONValue:
        return _format_datetime(value)


class _JSONCodec(Codec[JSONValue]):
    def decode(self, value: JSONValue, path: str) -> JSONValue:
        return value

    def encode(self, value: JSONValue) -> JSONValue:
        return value


class _NullableCodec(Codec[T | None]):
    def __init__(self, inner: Codec[T]) -> None:
        self.inner = inner

    def decode(self, value: JSONValue, path: str) -> T | None:
        return None if value is None else self.inner.decode(value, path)

    def encode(self, value: T | None) -> JSONValue:
        return None if value is None else self.inner.encode(value)


class _ListCodec(Codec[list[T]]):
    def __init__(self, item: Codec[T]) -> None:
        self.item = item

    def decode(self, value: JSONValue, path: str) -> list[T]:
        if not isinstance(value, list):
            raise _mismatch(path, "array", value)
        return [self.item.decode(v, _child(path, i)) for i, v in enumerate(value)]

    def encode(self, value: list[T]) -> JSONValue:
        return [self.item.encode(v) for v in value]


class _MapCodec(Codec[dict[str, T]]):
    def __init__(self, item: Codec[T]) -> None:
        self.item = item

    def decode(self, value: JSONValue, path: str) -> dict[str, T]:
        if not isinstance(value, dict):
            raise _mismatch(path, "object", value)
        return {k: self.item.decode(v, _child(path, k)) for k, v in value.items()}

    def encode(self, value: dict[str, T]) -> JSONValue:
        return {k: self.item.encode(v) for k, v in value.items()}


class _ModelCodec(Codec[M]):
    def __init__(self, factory: Callable[[], type[M]]) -> None:
        self._factory = factory

    def decode(self, value: JSONValue, path: str) -> M:
        # Resolved on use so generated models may reference each other (and
        # themselves) before all classes are defined.
        return self._factory().from_dict(value, path)

    def encode(self, value: M) -> JSONValue:
        return value.to_dict()


STRING: Final[Codec[str]] = _StringCodec()
INT: Final[Codec[int]] = _IntCodec()
FLOAT: Final[Codec[float]] = _FloatCodec()
BOOL: Final[Codec[bool]] = _BoolCodec()
DATETIME: Final[Codec[datetime]] = _DateTimeCodec()
JSON: Final[Codec[JSONValue]] = _JSONCodec()


def nullable(codec: Codec[T]) -> Codec[T | None]:
    """Accept JSON null (as None) in addition to what ``codec`` accepts."""
    return _NullableCodec(codec)


def list_of(codec: Codec[T]) -> Codec[list[T]]:
    """A JSON array whose items all use ``codec``."""
    return _ListCodec(codec)


def map_of(codec: Codec[T]) -> Codec[dict[str, T]]:
    """A JSON object used as a string-keyed dictionary of ``codec`` values."""
    return _MapCodec(codec)


def model(factory: Callable[[], type[M]]) -> Codec[M]:
    """A JSON object decoded into the Model subclass ``factory()`` returns."""
    return _ModelCodec(factory)


@dataclass(frozen=True)
class Field:
    """Maps one dataclass attribute to its wire key and codec."""

    attr: str
    wire: str
    codec: Codec[Any]


@dataclass(kw_only=True)
class Model:
    """Base class of generated models.

    Subclasses are ``@dataclass(kw_only=True)`` classes listing their wire
    format in ``__wire__``.  Attributes default to ``UNSET`` (absent on the
    wire); keys the model does not declare are kept in
    ``additional_properties`` so they round-trip unchanged.
    """

    additional_properties: dict[str, JSONValue] = dataclasses.field(
        default_factory=dict
    )

    __wire__: ClassVar[tuple[Field, ...]] = ()

    def to_dict(self) -> dict[str, JSONValue]:
        """Encode to a JSON object: UNSET attributes are omitted, None is null."""
        out: dict[str, JSONValue] = {}
        for spec in self.__wire__:
            value = getattr(self, spec.attr)
            if value is not UNSET:
                out[spec.wire] = spec.codec.encode(value)
        declared = _wire_names(type(self))
        for key, value in self.additional_properties.items():
            # A declared key always comes from its attribute, never from here.
            if key not in declared:
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, data: JSONValue, path: str = "$") -> Self:
        """Decode a JSON object; raises ResponseValidationError on bad shapes."""
        if not isinstance(data, dict):
            raise _mismatch(path, f"object ({cls.__name__})", data)
        values: dict[str, Any] = {}
        for spec in cls.__wire__:
            if spec.wire in data:
                values[spec.attr] = spec.codec.decode(
                    data[spec.wire], _child(path, spec.wire)
                )
        for attr, wire in _required_attrs(cls):
            if attr not in values:
                raise ResponseValidationError(
                    f"{path}: missing required property {wire!r}", path=path
                )
        declared = _wire_names(cls)
        extra = {k: v for k, v in data.items() if k not in declared}
        return cls(**values, additional_properties=extra)


# Per-class caches: the answers depend only on the class definition.
_WIRE_NAMES: dict[type[Model], frozenset[str]] = {}
_REQUIRED: dict[type[Model], tuple[tuple[str, str], ...]] = {}


def _wire_names(cls: type[Model]) -> frozenset[str]:
    names = _WIRE_NAMES.get(cls)
    if names is None:
        names = _WIRE_NAMES[cls] = frozenset(spec.wire for spec in cls.__wire__)
    return names


def _required_attrs(cls: type[Model]) -> tuple[tuple[str, str], ...]:
    """(attr, wire key) pairs of declared attributes without a default."""
    required = _REQUIRED.get(cls)
    if required is None:
        no_default = {
            f.name
            for f in dataclasses.fields(cls)
            if f.init
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        }
        required = tuple((s.attr, s.wire) for s in cls.__wire__ if s.attr in no_default)
        _REQUIRED[cls] = required
    return required


def decode_json(codec: Codec[T], value: JSONValue, path: str = "$") -> T:
    """Decode an already parsed JSON value (e.g. ``response.json()``)."""
    return codec.decode(value, path)


def _query_scalar(value: object) -> str | None:
    if value is None or value is UNSET:
        return None
    if isinstance(value, enum.Enum):
        return _query_scalar(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return _format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot use a {type(value).__name__} as a query parameter value")


def encode_query_value(value: object) -> str | list[str] | None:
    """Render a query parameter value; None means "omit the parameter".

    Lists and tuples become repeated parameters; None/UNSET items are dropped.
    """
    if isinstance(value, list | tuple):
        items = (_query_scalar(item) for item in value)
        return [item for item in items if item is not None]
    return _query_scalar(value)


def query_object(name: str, value: object) -> dict[str, str | list[str]]:
    """An object sent in the query string as dotted pairs, the form ASP.NET binds.

    A model gives ``name.Wire=value`` for each attribute that is set (UNSET and
    None are left out, unknown fields from ``additional_properties`` too), a
    nested model ``name.Wire.Inner=value``, a list of values one pair per item
    under one name, a list of models or lists ``name.Wire[0].Inner=value``, a
    dictionary ``name.Wire[key]=value``.  Values are written as any query value
    (true/false, numbers, ISO 8601 date-times).  Returns the pairs by name, in
    the model's order, ready to merge into a ``query`` mapping.
    """
    out: dict[str, str | list[str]] = {}
    _flatten_query(name, value, out, 0)
    return out


_MAX_QUERY_DEPTH: Final = 32


def _flatten_query(
    key: str, value: object, out: dict[str, str | list[str]], depth: int
) -> None:
    if value is None or value is UNSET:
        return
    if depth > _MAX_QUERY_DEPTH:
        raise ValueError(f"query object {key!r} is nested too deeply (a cycle?)")
    if isinstance(value, Model):
        for spec in value.__wire__:
            _flatten_query(
                f"{key}.{spec.wire}", getattr(value, spec.attr), out, depth + 1
            )
        declared = _wire_names(type(value))
        for extra, item in value.additional_properties.items():
            if extra not in declared:
                _flatten_query(f"{key}.{extra}", item, out, depth + 1)
        return
    if isinstance(value, dict):
        for name, item in value.items():
            _flatten_query(f"{key}[{name}]", item, out, depth + 1)
        return
    if isinstance(value, list | tuple):
        if all(not isinstance(item, Model | dict | list | tuple) for item in value):
            texts = [
                text
                for text in (_query_scalar(item) for item in value)
                if text is not None
            ]
            if texts:
                out[key] = texts
            return
        for n, item in enumerate(value):
            _flatten_query(f"{key}[{n}]", item, out, depth + 1)
        return
    text = _query_scalar(value)
    if text is not None:
        out[key] = text


def encode_body(codec: Codec[T], value: T | Unset | None) -> JSONValue | Unset:
    """A request body: UNSET sends no body, None sends null, anything else is encoded."""
    if isinstance(value, Unset):
        return UNSET
    if value is None:
        return None
    return codec.encode(value)
