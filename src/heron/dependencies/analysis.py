"""Signature → :class:`EndpointPlan`, once per route at registration.

Called by ``handlers.api_handler``. Decides for each argument where its value comes from:
a path parameter (by name), the request body (a pydantic model or dataclass), the query
string (any other type), or an injected object (``Request``, ``WebSocket``, ``Response``,
``BackgroundTasks``, by annotation).
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Collection
from typing import Any, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, create_model

from heron.background import BackgroundTasks
from heron.dependencies.models import BodyField, EndpointPlan, ParamField
from heron.exceptions import HeronError
from heron.requests import HTTPConnection
from heron.responses import Response

__all__ = ["analyze_endpoint"]

_SEQUENCE_ORIGINS = (list, set, tuple, frozenset, Collection, typing.Sequence)


def _is_async(call: Callable[..., Any]) -> bool:
    if inspect.iscoroutinefunction(call):
        return True
    dunder_call = getattr(call, "__call__", None)  # noqa: B004
    return inspect.iscoroutinefunction(dunder_call)


def _is_subclass(annotation: Any, cls: type) -> bool:
    return inspect.isclass(annotation) and issubclass(annotation, cls)


def _is_body_type(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is typing.Union or (
        origin is not None and str(origin) == "<class 'types.UnionType'>"
    ):
        return any(_is_body_type(a) for a in get_args(annotation) if a is not type(None))
    if origin is dict or annotation is dict:
        return True
    if origin in _SEQUENCE_ORIGINS:
        return any(_is_body_type(a) for a in get_args(annotation))
    return _is_subclass(annotation, BaseModel) or dataclasses.is_dataclass(annotation)


def _is_sequence(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is typing.Union or (
        origin is not None and str(origin) == "<class 'types.UnionType'>"
    ):
        return any(_is_sequence(a) for a in get_args(annotation) if a is not type(None))
    return origin in _SEQUENCE_ORIGINS or annotation in (list, set, tuple)


def analyze_endpoint(call: Callable[..., Any], path_param_names: Collection[str]) -> EndpointPlan:
    """Read ``call``'s signature and decide where each argument comes from.

    Args:
        call: The endpoint function (or callable object).
        path_param_names: The parameters the route's path captures.

    Returns:
        The endpoint's plan.

    Raises:
        HeronError: For a signature Heron cannot serve (e.g. two body parameters).
    """
    from heron.websockets import WebSocket

    signature = inspect.signature(call)
    try:
        hints = typing.get_type_hints(call, include_extras=False)
    except (NameError, TypeError) as exc:
        raise HeronError(f"Cannot resolve the annotations of {call!r}: {exc}") from exc
    plan = EndpointPlan(call=call, is_async=_is_async(call))
    fields: dict[str, Any] = {}
    for name, param in signature.parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotation = hints.get(name, Any)
        default = ... if param.default is param.empty else param.default
        if _is_subclass(annotation, WebSocket):
            plan.websocket_names.append(name)
        elif _is_subclass(annotation, HTTPConnection):
            plan.request_names.append(name)
        elif _is_subclass(annotation, Response):
            plan.response_names.append(name)
        elif _is_subclass(annotation, BackgroundTasks):
            plan.background_names.append(name)
        elif name in path_param_names:
            plan.path_params.append(ParamField(name, name, "path"))
            fields[name] = (annotation, ...)
        elif _is_body_type(annotation):
            if plan.body is not None:
                raise HeronError(f"{call.__name__}: more than one body parameter ({name})")
            plan.body = BodyField(
                name, TypeAdapter(annotation), default is ..., None if default is ... else default
            )
        else:
            is_list = _is_sequence(annotation)
            plan.query_params.append(ParamField(name, name, "query", is_list))
            fields[name] = (annotation, default)
    plan.query_by_alias = {f.alias: f for f in plan.query_params}
    if fields:
        # PERF: one model over every scalar parameter = one pydantic-core call per request
        # (FastAPI makes one call per parameter).
        plan.params_model = create_model(
            f"{getattr(call, '__name__', 'endpoint')}_params", **fields
        )
        plan.params_validator = plan.params_model.__pydantic_validator__
    return_annotation = hints.get("return")
    if return_annotation is not None and _is_body_type(return_annotation):
        plan.return_annotation = return_annotation
    return plan
