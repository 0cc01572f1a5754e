"""The plan an endpoint's signature compiles to; read by ``handlers`` on every request.

Everything the request path needs to know about parameters is decided here, once: where
each value comes from, and the single validator that checks them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, TypeAdapter

__all__ = ["BodyField", "EndpointPlan", "ParamField"]


@dataclass(frozen=True, slots=True)
class ParamField:
    """A scalar parameter read from the path or the query string.

    Attributes:
        name: The endpoint's argument name.
        alias: The name in the request (query key or path parameter).
        source: ``"path"`` or ``"query"``.
        is_list: Collect every value of a repeated query key.
    """

    name: str
    alias: str
    source: str
    is_list: bool = False


@dataclass(frozen=True, slots=True)
class BodyField:
    """The request body, validated straight from the JSON bytes.

    Attributes:
        name: The endpoint's argument name.
        adapter: The pydantic validator for the annotation.
        required: Whether an empty body is an error.
        default: The value when the body is empty and not required.
    """

    name: str
    adapter: TypeAdapter[Any]
    required: bool
    default: Any = None


@dataclass(slots=True)
class EndpointPlan:
    """What to do for an endpoint, decided from its signature once.

    Attributes:
        call: The endpoint.
        is_async: Whether to await it (else it runs in the thread pool).
        path_params: Path parameters to validate.
        query_params: Query parameters to validate.
        params_model: One pydantic model over every path and query parameter
            (``None`` when there are none): one validation call per request.
        body: The body parameter, if any.
        request_names: Arguments that receive the ``Request``.
        websocket_names: Arguments that receive the ``WebSocket``.
        response_names: Arguments that receive the sub-``Response`` (headers, cookies, status).
        background_names: Arguments that receive the ``BackgroundTasks``.
        return_annotation: The declared return type, if a model to validate against.
        query_by_alias: The query parameters by their name in the request.
        params_validator: ``params_model``'s pydantic-core validator, called directly.
    """

    call: Callable[..., Any]
    is_async: bool
    path_params: list[ParamField] = field(default_factory=list)
    query_params: list[ParamField] = field(default_factory=list)
    params_model: type[BaseModel] | None = None
    body: BodyField | None = None
    request_names: list[str] = field(default_factory=list)
    websocket_names: list[str] = field(default_factory=list)
    response_names: list[str] = field(default_factory=list)
    background_names: list[str] = field(default_factory=list)
    return_annotation: Any = None
    query_by_alias: dict[str, ParamField] = field(default_factory=dict)
    params_validator: Any = None

    @property
    def has_params(self) -> bool:
        """Whether any argument must be solved per request."""
        return bool(
            self.params_model
            or self.body
            or self.request_names
            or self.websocket_names
            or self.response_names
            or self.background_names
        )
