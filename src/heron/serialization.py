"""Turn an endpoint's return value into the response body, FastAPI's way, built once per route.

Called by ``routing`` and ``handlers`` when an API route is built (one
``ResponseSerializer`` per route, from :func:`serializer_for`, and one per streamed item
type), by ``openapi`` (which documents the same model) and by ``sse``; calls pydantic-core,
and ``encoders.jsonable_encoder`` for routes without a response model.

With a response model the value is validated (``from_attributes``, as FastAPI) and dumped by
the adapter's pydantic-core serializer with the route's ``response_model_*`` options: one
validation and one Rust serialization per response. Without one it goes through
``jsonable_encoder`` (FastAPI's output) and is then encoded by pydantic-core.
"""

from __future__ import annotations

import collections.abc
import inspect
import typing
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pydantic_core
from pydantic import PydanticSchemaGenerationError, TypeAdapter, ValidationError
from pydantic_core import SchemaValidator

from heron.encoders import IncEx, jsonable_encoder
from heron.exceptions import HeronError, ResponseValidationError
from heron.responses import Response

if TYPE_CHECKING:
    from heron.dependencies.models import Dependant

__all__ = [
    "ResponseSerializer",
    "declared_response_model",
    "response_model_of",
    "serializer_for",
    "stream_item_type",
]

_INVALID_MODEL = (
    "Invalid args for response field! Hint: check that {type_} is a valid Pydantic field type."
    " If you are using a return type annotation that is not a valid Pydantic field (e.g."
    " Union[Response, dict, None]) you can disable generating the response model from the"
    " type annotation with the path operation decorator parameter response_model=None."
)


def _as_set(fields: IncEx) -> IncEx:
    # FastAPI documents sets and dicts; a list or tuple is read as the set of its items.
    if isinstance(fields, set | dict):
        return fields
    converted: set[Any] = set(fields)
    return converted


class ResponseSerializer:
    """Validate and serialize the return values of one route against its response model.

    Build it once, when the route is created; its methods are then called per response.

    Args:
        annotation: The response model (``response_model=`` or the return annotation), or
            ``None`` for a route without one (the value then goes through
            ``jsonable_encoder`` unvalidated and the options below are ignored, as in FastAPI).
        include: ``response_model_include``: the fields to keep.
        exclude: ``response_model_exclude``: the fields to drop.
        by_alias: ``response_model_by_alias``: dump with the fields' (serialization) aliases.
        exclude_unset: ``response_model_exclude_unset``: drop fields not set on the validated
            value. A returned instance of the model (or of a subclass) keeps its own set
            fields; a dict sets the keys it has; another object sets every attribute found.
        exclude_defaults: ``response_model_exclude_defaults``.
        exclude_none: ``response_model_exclude_none``.

    Raises:
        HeronError: ``annotation`` is not a type pydantic can validate.
    """

    __slots__ = (
        "_only_alias",
        "_options",
        "_to_json",
        "_to_python",
        "_validate",
        "adapter",
        "annotation",
    )
    _validate: Callable[..., Any]
    _to_json: Callable[..., bytes]
    _to_python: Callable[..., Any]

    def __init__(
        self,
        annotation: Any,
        include: IncEx | None = None,
        exclude: IncEx | None = None,
        by_alias: bool = True,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
    ) -> None:
        self.annotation = annotation
        self.adapter: TypeAdapter[Any] | None = None
        # PERF: options at pydantic-core's defaults are not passed at all (``by_alias``
        # always is: its default means "as the model's config says").
        options: dict[str, Any] = {"by_alias": by_alias}
        if include is not None:
            options["include"] = _as_set(include)
        if exclude is not None:
            options["exclude"] = _as_set(exclude)
        if exclude_unset:
            options["exclude_unset"] = True
        if exclude_defaults:
            options["exclude_defaults"] = True
        if exclude_none:
            options["exclude_none"] = True
        if annotation is None:
            return
        try:
            self.adapter = TypeAdapter(annotation)
        except PydanticSchemaGenerationError:
            raise HeronError(_INVALID_MODEL.format(type_=annotation)) from None
        self._options = options
        self._only_alias = options == {"by_alias": True}
        if isinstance(self.adapter.validator, SchemaValidator):
            self._bind()
        else:
            # NOTE: forward references not resolvable yet (``model_rebuild()`` comes after
            # the routes): the adapter's own methods build it on first use.
            self._validate = self._validate_late
            self._to_json = self.adapter.dump_json
            self._to_python = self.adapter.dump_python

    def _bind(self) -> None:
        # PERF: the compiled validator's and serializer's bound methods, looked up once;
        # keyword arguments spelled out in the common case (``**options`` and ``partial``
        # both measured slower: +0.1 and +0.35 us per call).
        assert self.adapter is not None
        self._validate = self.adapter.validator.validate_python
        self._to_json = self.adapter.serializer.to_json
        self._to_python = self.adapter.serializer.to_python

    def _validate_late(self, value: Any, *, from_attributes: bool) -> Any:
        assert self.adapter is not None
        validated = self.adapter.validate_python(value, from_attributes=from_attributes)
        self._bind()  # built now: the fast path from the next response on
        return validated

    @property
    def has_model(self) -> bool:
        """Whether return values are validated against a response model."""
        return self.adapter is not None

    def validate(self, value: Any) -> Any:
        """Validate ``value`` against the response model (unchanged without one).

        Raises:
            ResponseValidationError: The value does not fit the model; each error's ``loc``
                starts with ``"response"``.
        """
        if self.adapter is None:
            return value
        try:
            return self._validate(value, from_attributes=True)
        except ValidationError as exc:
            raise ResponseValidationError(_response_errors(exc), body=value) from None

    def to_jsonable(self, value: Any) -> Any:
        """Validate ``value`` and return it as JSON-compatible Python data.

        FastAPI's ``serialize_response`` result: what a non-default ``response_class``
        (``ORJSONResponse``, ``HTMLResponse``...) is given.

        Raises:
            ResponseValidationError: The value does not fit the response model.
        """
        if self.adapter is None:
            return jsonable_encoder(value)
        return self._to_python(self.validate(value), mode="json", **self._options)

    def to_json(self, value: Any) -> bytes:
        """Validate ``value`` and return the JSON body bytes of the response.

        With a model: one validation and one pydantic-core ``to_json``, FastAPI's fast path
        for the default response class, byte for byte. Without: ``jsonable_encoder`` and
        pydantic-core's encoder (``NaN`` and infinities as ``null``, as ``JSONResponse``).

        Raises:
            ResponseValidationError: The value does not fit the response model.
        """
        if self.adapter is None:
            if not _is_plain(value, 0):
                value = jsonable_encoder(value)
            return pydantic_core.to_json(value, inf_nan_mode="null")
        try:
            validated = self._validate(value, from_attributes=True)
        except ValidationError as exc:
            raise ResponseValidationError(_response_errors(exc), body=value) from None
        if self._only_alias:
            return self._to_json(validated, by_alias=True)
        return self._to_json(validated, **self._options)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _is_plain(value: Any, depth: int) -> bool:
    """Whether ``jsonable_encoder`` would return ``value`` as it is.

    True for builtin JSON shapes only: exact ``dict`` (``str`` keys, none starting with
    ``_sa``, which the encoder drops), ``list`` and scalars, a few levels deep.

    PERF: checking is cheaper than encoding, and a JSON-shaped dict is what most routes
    without a response model return (json in-process: -0.4 µs; items-get: -0.6 µs).
    """
    cls = type(value)
    if cls is dict:
        if depth > 8:
            return False
        for key, item in value.items():
            if type(key) is not str or key.startswith("_sa"):
                return False
            if type(item) not in _SCALARS and not _is_plain(item, depth + 1):
                return False
        return True
    if cls is list:
        if depth > 8:
            return False
        for item in value:
            if type(item) not in _SCALARS and not _is_plain(item, depth + 1):
                return False
        return True
    return cls in _SCALARS


def _response_errors(exc: ValidationError) -> list[dict[str, Any]]:
    # COMPAT(fastapi): ``{**error, "loc": ...}`` keeps each key where pydantic put it.
    return [
        {**error, "loc": ("response", *error["loc"])} for error in exc.errors(include_url=False)
    ]


# ---------------------------------------------------------------- a route's response model

_STREAM_ORIGINS = {
    collections.abc.AsyncIterable,
    collections.abc.AsyncIterator,
    collections.abc.AsyncGenerator,
    collections.abc.Iterable,
    collections.abc.Iterator,
    collections.abc.Generator,
}

_UNSET: Any = object()


def response_model_of(plan: Dependant) -> Any:
    """The return annotation as the response model, when it can be one (FastAPI's rule)."""
    annotation = plan.return_annotation
    if annotation is None or annotation is type(None):
        return None
    if inspect.isasyncgenfunction(plan.call) or inspect.isgeneratorfunction(plan.call):
        return None  # the annotation describes the stream's items, not one response
    if inspect.isclass(annotation) and issubclass(annotation, Response):
        return None
    return annotation


def stream_item_type(annotation: Any) -> Any:
    """``Item`` for ``-> AsyncIterable[Item]`` and the like; None when undeclared."""
    if typing.get_origin(annotation) in _STREAM_ORIGINS:
        args = typing.get_args(annotation)
        return args[0] if args else None
    return None


def declared_response_model(plan: Dependant, options: Mapping[str, Any], flask_style: bool) -> Any:
    """The route's response model: ``response_model=``, else the return annotation."""
    model = options.get("response_model", _UNSET)
    if model is _UNSET:
        model = None if flask_style else response_model_of(plan)
    return model


def serializer_for(
    plan: Dependant, options: Mapping[str, Any], flask_style: bool
) -> ResponseSerializer:
    """The route's serializer, from its model and its ``response_model_*`` options."""
    return ResponseSerializer(
        declared_response_model(plan, options, flask_style),
        include=options.get("response_model_include"),
        exclude=options.get("response_model_exclude"),
        by_alias=options.get("response_model_by_alias", True),
        exclude_unset=options.get("response_model_exclude_unset", False),
        exclude_defaults=options.get("response_model_exclude_defaults", False),
        exclude_none=options.get("response_model_exclude_none", False),
    )
