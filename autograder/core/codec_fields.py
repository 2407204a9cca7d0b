"""The machinery of :mod:`autograder.core.codec`: a codec's shape, and the fail-closed reading of one JSON object.

:class:`Codec` pairs ``encode`` (a value to a JSON-ready dict) with ``read`` (a :class:`Fields` back to the
value). :class:`Fields` checks the type of every field it hands out and names the field when it is wrong
(``checks[2].outcome``), so nothing half-read is ever returned.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from autograder.errors import TfgradeError

Json = dict[str, Any]
T = TypeVar("T")
Choice = TypeVar("Choice", bound=str)


class DecodeError(TfgradeError, ValueError):
    """JSON that is not a valid document of the expected type; the message names the field."""


class SchemaMismatch(DecodeError):
    """A document of another schema version: an older or newer tfgrade wrote it."""


@dataclass(frozen=True)
class Codec(Generic[T]):
    """The JSON layout of one type: ``encode`` to a JSON-ready dict, ``decode`` back (or DecodeError)."""

    what: str
    """The document's name in error messages when it is decoded on its own, e.g. ``report``."""
    encode: Callable[[T], Json]
    read: Callable[[Fields], T]

    def decode(self, data: object, where: str = "") -> T:
        return self.read(Fields(data, where or self.what))

    def dumps(self, value: T, *, indent: int | None = None) -> str:
        return json.dumps(self.encode(value), indent=indent)

    def loads(self, text: str | bytes) -> T:
        try:
            data = json.loads(text.decode("utf-8") if isinstance(text, bytes) else text)
        except RecursionError as exc:
            raise DecodeError(f"{self.what}: the JSON is nested too deep to read") from exc
        except ValueError as exc:  # JSONDecodeError, bad UTF-8, a number of too many digits
            raise DecodeError(f"{self.what}: not valid JSON ({exc})") from exc
        return self.decode(data)


class Fields:
    """One JSON object being decoded; every accessor checks the type and names the field if it is wrong."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise DecodeError(f"{where}: expected an object, got {_kind(data)}")
        self.data: dict[str, Any] = data
        self.where = where

    def expect_keys(self, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> Fields:
        missing = [k for k in required if k not in self.data]
        if missing:
            raise DecodeError(f"{self.where}: missing field {missing[0]!r}")
        unknown = sorted(k for k in self.data if k not in required and k not in optional)
        if unknown:
            raise DecodeError(f"{self.where}: unknown field {unknown[0]!r}")
        return self

    def _at(self, key: str) -> str:
        return f"{self.where}.{key}"

    def text(self, key: str) -> str:
        return _text(self.data[key], self._at(key))

    def number(self, key: str) -> float:
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DecodeError(f"{self._at(key)}: expected a number, got {_kind(value)}")
        return float(value)

    def integer(self, key: str) -> int:
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise DecodeError(f"{self._at(key)}: expected a whole number, got {_kind(value)}")
        return value

    def choice(self, key: str, options: tuple[Choice, ...]) -> Choice:
        value = self.text(key)
        for option in options:
            if value == option:
                return option
        allowed = ", ".join(repr(o) for o in options)
        raise DecodeError(f"{self._at(key)}: expected one of {allowed}, got {value[:80]!r}")

    def texts(self, key: str) -> tuple[str, ...]:
        return tuple(_text(item, f"{self._at(key)}[{i}]") for i, item in enumerate(self._list(key)))

    def items(self, key: str, codec: Codec[T]) -> tuple[T, ...]:
        return tuple(codec.decode(item, f"{self._at(key)}[{i}]") for i, item in enumerate(self._list(key)))

    def nested(self, key: str, codec: Codec[T]) -> T:
        return codec.decode(self.data[key], self._at(key))

    def text_map(self, key: str) -> dict[str, str]:
        inner = Fields(self.data[key], self._at(key))
        return {k: inner.text(k) for k in inner.data}

    def subset(self, keys: tuple[str, ...]) -> dict[str, Any]:
        return {k: self.data[k] for k in keys}

    def _list(self, key: str) -> list[Any]:
        value = self.data[key]
        if not isinstance(value, list):
            raise DecodeError(f"{self._at(key)}: expected a list, got {_kind(value)}")
        return value

    def expect_version(self, version: int) -> None:
        found = self.data.get("schema_version")
        if isinstance(found, bool) or found != version:
            raise SchemaMismatch(f"{self.where}: schema_version {found!r}, this tfgrade reads {version}")


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise DecodeError(f"{where}: expected a string, got {_kind(value)}")
    return value


def _kind(value: object) -> str:
    kinds: dict[type, str] = {dict: "an object", list: "a list", str: "a string", bool: "true or false",
                              int: "a number", float: "a number", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)
