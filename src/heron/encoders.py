"""``jsonable_encoder``: turn any value into JSON-compatible Python data, as FastAPI does.

Called by user code (``fastapi.encoders.jsonable_encoder`` renamed), by ``serialization``
for routes without a response model and by ``sse`` for event payloads; calls pydantic's
``model_dump`` for models and nothing else from Heron.

The output is FastAPI's, value for value: datetimes through ``isoformat()`` (``+00:00``, not
pydantic's ``Z``), ``Decimal`` as ``int``/``float``, ``timedelta`` as float seconds, enums as
their raw ``value``, non-``str`` dict keys kept. pydantic-core's ``to_jsonable_python`` gives
a different answer for each of those, so it is not used on arbitrary data; models go through
their own ``model_dump(mode="json")`` (pydantic-core), exactly where FastAPI uses it.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import sys
from collections import deque
from collections.abc import Callable, Mapping
from decimal import Decimal
from enum import Enum
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)
from pathlib import Path, PurePath
from re import Pattern
from types import GeneratorType
from typing import Any, NamedTuple, TypeAlias
from uuid import UUID

from pydantic import AnyUrl, BaseModel, NameEmail, SecretBytes, SecretStr
from pydantic.color import Color
from pydantic_core import PydanticUndefinedType, Url

from heron.exceptions import HeronError

__all__ = ["ENCODERS_BY_TYPE", "decimal_encoder", "isoformat", "jsonable_encoder"]

#: Pydantic's ``include`` / ``exclude`` argument: a set of names, or a nested mapping.
IncEx: TypeAlias = set[int] | set[str] | Mapping[int, Any] | Mapping[str, Any]


def isoformat(o: datetime.date | datetime.time) -> str:
    """Encode a date, datetime or time with its own ``isoformat()``."""
    return o.isoformat()


def decimal_encoder(dec_value: Decimal) -> int | float:
    """Encode a ``Decimal`` as ``int`` when it has no fractional exponent, else ``float``.

    ``Decimal("1")`` → ``1``, ``Decimal("1.0")`` → ``1.0``, ``Decimal("NaN")`` → ``nan``.
    """
    exponent = dec_value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return int(dec_value)
    return float(dec_value)


def _decode_bytes(o: bytes) -> str:
    return o.decode()


def _total_seconds(o: datetime.timedelta) -> float:
    return o.total_seconds()


def _pattern(o: Pattern[Any]) -> Any:
    return o.pattern


def _enum_value(o: Enum) -> Any:
    return o.value


#: Encoders for leaf types, looked up by exact type first (FastAPI's public table).
ENCODERS_BY_TYPE: dict[type[Any], Callable[[Any], Any]] = {
    bytes: _decode_bytes,
    Color: str,
    datetime.date: isoformat,
    datetime.datetime: isoformat,
    datetime.time: isoformat,
    datetime.timedelta: _total_seconds,
    Decimal: decimal_encoder,
    Enum: _enum_value,
    frozenset: list,
    deque: list,
    GeneratorType: list,
    IPv4Address: str,
    IPv4Interface: str,
    IPv4Network: str,
    IPv6Address: str,
    IPv6Interface: str,
    IPv6Network: str,
    NameEmail: str,
    Path: str,
    Pattern: _pattern,
    SecretBytes: str,
    SecretStr: str,
    set: list,
    UUID: str,
    Url: str,
    AnyUrl: str,
}

try:  # pragma: no cover - the optional package that replaced pydantic.color
    ENCODERS_BY_TYPE[importlib.import_module("pydantic_extra_types.color").Color] = str
except ImportError:  # pragma: no cover
    pass


def _by_encoder(table: dict[type[Any], Callable[[Any], Any]]) -> list[tuple[Any, ...]]:
    # COMPAT(fastapi): subclasses are matched encoder by encoder, in the order each encoder
    # first appears in the table (FastAPI's ``encoders_by_class_tuples``).
    grouped: dict[Callable[[Any], Any], tuple[type[Any], ...]] = {}
    for type_, encoder in table.items():
        grouped[encoder] = (*grouped.get(encoder, ()), type_)
    return [(classes, encoder) for encoder, classes in grouped.items()]


_BY_CLASS = _by_encoder(ENCODERS_BY_TYPE)
# Exact types returned unchanged (``bool`` is an ``int``); subclasses take the long way.
_PLAIN = frozenset({str, int, float, bool, type(None)})
_SEQUENCES = (list, set, frozenset, GeneratorType, tuple, deque)
_Custom: TypeAlias = dict[Any, Callable[[Any], Any]]


class _Options(NamedTuple):
    """The options that reach nested values unchanged."""

    by_alias: bool
    exclude_unset: bool
    exclude_defaults: bool
    exclude_none: bool
    custom: _Custom | None
    sqlalchemy_safe: bool


_DEFAULTS = _Options(True, False, False, False, None, True)


def jsonable_encoder(
    obj: Any,
    include: IncEx | None = None,
    exclude: IncEx | None = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
    custom_encoder: _Custom | None = None,
    sqlalchemy_safe: bool = True,
) -> Any:
    """Convert ``obj`` into data that ``json.dumps`` accepts, exactly as FastAPI does.

    Args:
        obj: Any value: models, dataclasses, enums, paths, containers, datetimes, ...
        include: Fields (models) or keys (dicts, dataclasses) to keep.
        exclude: Fields (models) or keys (dicts, dataclasses) to drop.
        by_alias: Dump models with their field aliases.
        exclude_unset: Drop model fields that were not set explicitly.
        exclude_defaults: Drop model fields equal to their default.
        exclude_none: Drop ``None`` values of models and dicts.
        custom_encoder: ``{type: function}`` tried before everything else (by exact type,
            then by ``isinstance``); not applied inside pydantic models.
        sqlalchemy_safe: Drop dict keys starting with ``_sa`` (SQLAlchemy's state).

    Returns:
        ``dict`` / ``list`` / ``str`` / ``int`` / ``float`` / ``bool`` / ``None`` data
        (an enum's ``value`` is returned as it is, without further encoding).

    Raises:
        ValueError: ``obj`` is of no known type and neither ``dict(obj)`` nor ``vars(obj)``
            works; its argument is the list of both errors.
        HeronError: ``obj`` is a ``pydantic.v1`` model.
    """
    if (
        by_alias
        and sqlalchemy_safe
        and not (exclude_unset or exclude_defaults or exclude_none or custom_encoder)
    ):
        options = _DEFAULTS  # PERF: no tuple built for the common call
    else:
        options = _Options(
            by_alias,
            exclude_unset,
            exclude_defaults,
            exclude_none,
            custom_encoder or None,
            sqlalchemy_safe,
        )
    return _encode(obj, include, exclude, options)


def _encode(obj: Any, include: Any, exclude: Any, options: _Options) -> Any:
    if options.custom is not None:
        custom = _custom_encoder(obj, options.custom)
        if custom is not None:
            return custom(obj)
    # PERF: exact plain types, dicts and lists first. None of them can match an earlier
    # branch of FastAPI's order (model, dataclass, enum, path), so the result is the same.
    cls = type(obj)
    if cls in _PLAIN:
        return obj
    if cls is dict:
        return _encode_dict(obj, include, exclude, options)
    if cls is list:
        return [_encode(item, include, exclude, options) for item in obj]
    return _encode_in_order(obj, include, exclude, options)


def _encode_in_order(obj: Any, include: Any, exclude: Any, options: _Options) -> Any:
    """FastAPI's dispatch, branch for branch, for everything but the fast cases."""
    if include is not None and not isinstance(include, set | dict):
        include = set(include)
    if exclude is not None and not isinstance(exclude, set | dict):
        exclude = set(exclude)
    if isinstance(obj, BaseModel):
        return _encode_model(obj, include, exclude, options)
    if dataclasses.is_dataclass(obj):
        assert not isinstance(obj, type)
        return _encode(dataclasses.asdict(obj), include, exclude, options)
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, PurePath):
        return str(obj)
    if isinstance(obj, str | int | float | None):
        return obj
    if isinstance(obj, PydanticUndefinedType):
        return None
    if isinstance(obj, dict):
        return _encode_dict(obj, include, exclude, options)
    if isinstance(obj, _SEQUENCES):
        # COMPAT(fastapi): unlike dict values, items get the caller's include/exclude.
        return [_encode(item, include, exclude, options) for item in obj]
    return _encode_other(obj, include, exclude, options)


def _custom_encoder(obj: Any, custom: _Custom) -> Callable[[Any], Any] | None:
    encoder = custom.get(type(obj))
    if encoder is not None:
        return encoder
    for encoder_type, encoder in custom.items():
        if isinstance(obj, encoder_type):
            return encoder
    return None


def _encode_model(obj: BaseModel, include: Any, exclude: Any, options: _Options) -> Any:
    dumped = obj.model_dump(
        mode="json",
        include=include,
        exclude=exclude,
        by_alias=options.by_alias,
        exclude_unset=options.exclude_unset,
        exclude_none=options.exclude_none,
        exclude_defaults=options.exclude_defaults,
    )
    # COMPAT(fastapi): the dump is encoded once more with the other options back at their
    # defaults, so ``exclude_none`` reaches into dict fields and ``_sa*`` keys are dropped.
    again = _Options(
        True, False, options.exclude_defaults, options.exclude_none, None, options.sqlalchemy_safe
    )
    return _encode(dumped, None, None, again)


def _encode_dict(obj: dict[Any, Any], include: Any, exclude: Any, options: _Options) -> Any:
    allowed: set[Any] | None = None
    if include is not None or exclude is not None:
        allowed = set(obj.keys())
        if include is not None:
            allowed &= set(include)
        if exclude is not None:
            allowed -= set(exclude)
    sqlalchemy_safe = options.sqlalchemy_safe
    exclude_none = options.exclude_none
    plain = options.custom is None
    encoded = {}
    for key, value in obj.items():
        if (
            (sqlalchemy_safe and isinstance(key, str) and key.startswith("_sa"))
            or (value is None and exclude_none)
            or (allowed is not None and key not in allowed)
        ):
            continue
        # PERF: plain keys and values inline (the common JSON-shaped dict).
        if not plain or type(key) not in _PLAIN:
            key = _encode(key, None, None, options)
        if not plain or type(value) not in _PLAIN:
            value = _encode(value, None, None, options)
        encoded[key] = value
    return encoded


def _encode_other(obj: Any, include: Any, exclude: Any, options: _Options) -> Any:
    encoder = ENCODERS_BY_TYPE.get(type(obj))
    if encoder is not None:
        return encoder(obj)
    for classes, encoder in _BY_CLASS:
        if isinstance(obj, classes):
            return encoder(obj)
    _refuse_pydantic_v1(obj)
    try:
        data = dict(obj)
    except Exception as exc:
        errors: list[Exception] = [exc]
        try:
            data = vars(obj)
        except Exception as exc:
            errors.append(exc)
            raise ValueError(errors) from exc
    return _encode(data, include, exclude, options)


def _refuse_pydantic_v1(obj: Any) -> None:
    # A v1 model exists only if ``pydantic.v1`` was imported, so nothing is imported here.
    v1 = sys.modules.get("pydantic.v1")
    if v1 is not None and isinstance(obj, v1.BaseModel):
        raise HeronError(
            f"pydantic.v1 models are no longer supported by Heron. Please update the model {obj!r}."
        )
