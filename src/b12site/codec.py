"""Frozen models to JSON and back, guided by their type hints (for the build cache).

JSON, not pickle: a cache file is data, and reading a foreign or tampered one can at worst
fail to decode (and be ignored), never run code.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from markupsafe import Markup

__all__ = ["DecodeError", "decode", "dumps", "encode", "loads"]

T = TypeVar("T")
Decoder = Callable[[Any], Any]


class DecodeError(ValueError):
    """The JSON does not have the shape of the model it should hold."""


def encode(value: object) -> object:
    """A JSON-ready form of a model: dataclasses become lists of their fields in order."""
    kind = type(value)
    encoder = _ENCODERS.get(kind)
    if encoder is None:
        encoder = _ENCODERS[kind] = _encoder(kind)
    return encoder(value)


def _encoder(kind: type) -> Callable[[Any], object]:
    """How to encode every value of one type (found once per type, then looked up)."""
    if dataclasses.is_dataclass(kind):
        names = tuple(f.name for f in dataclasses.fields(kind))
        return lambda value: [encode(getattr(value, name)) for name in names]
    if issubclass(kind, str):
        return str if kind is not str else _raw
    if issubclass(kind, bool | int | float) or kind is type(None):
        return _raw
    if issubclass(kind, date):
        return lambda value: value.isoformat()
    if issubclass(kind, Path):
        return lambda value: value.as_posix()
    if issubclass(kind, tuple | list):
        return lambda value: [encode(item) for item in value]
    if issubclass(kind, Mapping):
        return lambda value: {str(key): encode(item) for key, item in value.items()}
    return repr  # raw YAML oddities (sets, bytes) in Source.meta; read only when validating


def dumps(value: object) -> str:
    """A model as compact JSON text."""
    return json.dumps(encode(value), ensure_ascii=False, separators=(",", ":"))


def decode(cls: type[T], data: object) -> T:
    """Rebuild a model of type ``cls`` from its encoded form; raise DecodeError if it cannot."""
    try:
        return typing.cast(T, _decoder(typing.cast(Any, cls))(data))
    except (TypeError, ValueError, KeyError, IndexError, RecursionError) as exc:
        raise DecodeError(f"not a {getattr(cls, '__name__', cls)}: {exc}") from exc


def loads(cls: type[T], text: str) -> T:
    """Rebuild a model from JSON text."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise DecodeError(f"not JSON: {exc}") from exc
    return decode(cls, data)


@cache
def _decoder(hint: Any) -> Decoder:
    """A function turning encoded data back into a value of the hinted type."""
    if dataclasses.is_dataclass(hint):
        return _dataclass_decoder(typing.cast(type, hint))
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return _optional_decoder(args)
    if origin is tuple:
        return _tuple_decoder(args)
    if origin in (Mapping, dict, typing.Mapping):
        value = _decoder(args[1]) if args else _raw
        return lambda data: {str(k): value(v) for k, v in _typed(data, dict).items()}
    return _SCALARS.get(hint, _raw)


def _dataclass_decoder(cls: type) -> Decoder:
    hints = typing.get_type_hints(cls)
    decoders = [_decoder(hints[f.name]) for f in dataclasses.fields(cls)]

    def build(data: Any) -> Any:
        items = _typed(data, list)
        if len(items) != len(decoders):
            raise DecodeError(f"{cls.__name__} has {len(decoders)} fields, got {len(items)}")
        return cls(*(decode_one(item) for decode_one, item in zip(decoders, items, strict=True)))

    return build


def _optional_decoder(args: tuple[Any, ...]) -> Decoder:
    kinds = [a for a in args if a is not type(None)]
    if len(kinds) != 1:
        raise TypeError(f"unsupported union {args}")
    inner = _decoder(kinds[0])
    return lambda data: None if data is None else inner(data)


def _tuple_decoder(args: tuple[Any, ...]) -> Decoder:
    if len(args) == 2 and args[1] is Ellipsis:
        item = _decoder(args[0])
        return lambda data: tuple(item(v) for v in _typed(data, list))
    parts = [_decoder(a) for a in args]
    return lambda data: tuple(p(v) for p, v in zip(parts, _typed(data, list), strict=True))


def _typed(data: Any, kind: type[T]) -> T:
    if not isinstance(data, kind):
        raise DecodeError(f"expected {kind.__name__}, got {type(data).__name__}")
    return data


def _scalar(kind: type) -> Decoder:
    return lambda data: _typed(data, kind)


def _raw(data: Any) -> Any:
    return data


def _int(data: Any) -> int:
    if isinstance(data, bool) or not isinstance(data, int):
        raise DecodeError(f"expected int, got {type(data).__name__}")
    return data


_ENCODERS: dict[type, Callable[[Any], object]] = {}
_SCALARS: dict[Any, Decoder] = {
    str: _scalar(str),
    int: _int,
    bool: _scalar(bool),
    float: _scalar(float),
    date: lambda data: date.fromisoformat(_typed(data, str)),
    Path: lambda data: Path(_typed(data, str)),
    Markup: lambda data: Markup(_typed(data, str)),
    object: _raw,
}
