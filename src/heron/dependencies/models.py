"""The dependency tree an endpoint's signature compiles to (``Dependant``).

Built once per route by ``analysis``; read on every request by ``solving``. Everything
the request path needs is decided here: where each value comes from and the single
validator that checks each group of values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter
from pydantic_core import PydanticUndefined

if TYPE_CHECKING:
    from heron.dependencies.flat_models import ModelSource

__all__ = [
    "BodyField",
    "DefaultFactory",
    "Dependant",
    "EndpointPlan",
    "ParamField",
    "SubDependency",
]


@dataclass(frozen=True, slots=True)
class DefaultFactory:
    """A parameter default made per request (``Query(default_factory=list)``)."""

    factory: Callable[[], Any]


@dataclass(slots=True)
class ParamField:
    """A scalar parameter (path, query, header or cookie), or a parameter model.

    Attributes:
        name: The argument name.
        alias: The name in the request.
        source: ``"path"``, ``"query"``, ``"header"`` or ``"cookie"``.
        is_list: Collect every value of a repeated key.
        model_fields: For a parameter model (``Annotated[Model, Query()]``, ``Model |
            None``): how it is filled from the whole source.
        declared: The annotation as written (``Annotated`` metadata included); read by
            the OpenAPI layer only.
        marker: The ``Query()``/``Path()``… marker, if any (OpenAPI: description,
            examples, ``include_in_schema``…).
        default: The declared default (``PydanticUndefined``: required).
        names: Every name the value may come under, in order of preference (``alias``
            first; more than one with ``validation_alias=AliasChoices(...)``).
    """

    name: str
    alias: str
    source: str
    is_list: bool = False
    model_fields: ModelSource | None = None
    declared: Any = None
    marker: Any = None
    default: Any = PydanticUndefined
    names: tuple[str, ...] = ()


@dataclass(slots=True)
class BodyField:
    """A value read from the body (JSON, or a form field/file).

    Attributes:
        name: The argument name.
        alias: The key in the body object or form.
        annotation: The declared type, with its FieldInfo.
        required: Whether it must be present.
        is_list: (forms) collect every value of a repeated field.
        is_file: (forms) a file part.
        is_bytes: (forms) a file read into ``bytes``.
        model_fields: For a form model (a model, ``Model | None``, a union of models):
            how it is filled from the form.
        declared: The annotation as written (read by the OpenAPI layer only).
        marker: The ``Body()``/``Form()``/``File()`` marker, if any.
        default: The declared default (``PydanticUndefined``: required).
        names: Every key the value may come under, in order of preference (``alias``
            first; more than one with ``validation_alias=AliasChoices(...)``).
    """

    name: str
    alias: str
    annotation: Any
    required: bool
    is_list: bool = False
    is_file: bool = False
    is_bytes: bool = False
    model_fields: ModelSource | None = None
    declared: Any = None
    marker: Any = None
    default: Any = PydanticUndefined
    names: tuple[str, ...] = ()


@dataclass(slots=True)
class SubDependency:
    """A dependency of a dependant, and the argument its value goes to (None: discarded)."""

    name: str | None
    dependant: Dependant


@dataclass(slots=True)
class Dependant:
    """An endpoint or a dependency, analysed.

    Attributes:
        call: The function, class or callable.
        is_async: Whether calling it returns an awaitable.
        generator: ``None``, ``"sync"`` or ``"async"`` for ``yield`` dependencies.
        params: Scalar parameters and parameter models.
        params_validator: One pydantic-core validator over ``params`` (None if empty).
        body: Body parameters.
        body_mode: ``"single"`` (the whole JSON body is the one parameter), ``"embed"``
            (a JSON object of parameters), ``"form"``, or ``None``.
        body_validator: The validator for the body (type or embedding model).
        dependencies: Sub-dependencies, in signature order (route-level ones first).
        request_names: Arguments receiving the ``Request`` (or ``HTTPConnection``).
        websocket_names: Arguments receiving the ``WebSocket``.
        response_names: Arguments receiving the sub-``Response``.
        background_names: Arguments receiving the ``BackgroundTasks``.
        scopes_names: Arguments receiving the ``SecurityScopes``.
        security_scopes: Scopes this use declares (``Security(scopes=...)``).
        use_cache: Reuse the value within a request.
        scope: ``"function"`` or ``"request"`` for yield dependencies.
        return_annotation: The declared return type, for ``response_model``.
        query_by_alias: Scalar query parameters by request name (every name of each);
            empty when a query parameter model is declared.
        needs_exit_stack: Whether this tree holds a ``yield`` dependency.
        accepts_json: (forms) also read a JSON object with the same fields when the request
            is JSON (routes with ``form_template=``: one model for the form and the API).
    """

    call: Callable[..., Any]
    is_async: bool
    generator: str | None = None
    params: list[ParamField] = field(default_factory=list)
    params_validator: Any = None
    body: list[BodyField] = field(default_factory=list)
    body_mode: str | None = None
    body_validator: TypeAdapter[Any] | Any = None
    dependencies: list[SubDependency] = field(default_factory=list)
    request_names: list[str] = field(default_factory=list)
    websocket_names: list[str] = field(default_factory=list)
    response_names: list[str] = field(default_factory=list)
    background_names: list[str] = field(default_factory=list)
    scopes_names: list[str] = field(default_factory=list)
    security_scopes: list[str] = field(default_factory=list)
    use_cache: bool = True
    scope: str | None = None
    return_annotation: Any = None
    query_by_alias: dict[str, ParamField] = field(default_factory=dict)
    needs_exit_stack: bool = False
    has_params: bool = False
    param_defaults: dict[tuple[str, str], Any] = field(default_factory=dict)
    params_by_source: list[tuple[str, list[ParamField]]] = field(default_factory=list)
    strict_content_type: bool = True
    accepts_json: bool = False
    # What identifies this dependency's value within a request; set by the analysis once
    # its scopes are final (read for every dependency of every request).
    cache_key: tuple[Any, ...] = ()
    # The body validator's compiled ``validate_json``, bound by ``solving`` on first use
    # (a ``TypeAdapter`` may be built before its forward references resolve).
    body_validate_json: Callable[[bytes], Any] | None = None


# The name handlers and earlier code use for the endpoint's own dependant.
EndpointPlan = Dependant
