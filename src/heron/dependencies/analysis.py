"""Signature → :class:`Dependant`, once per route at registration.

Called by ``routing.APIRoute``. For each argument it decides where the value comes from:
a marker (``Query()``, ``Header()``, ``Body()``, ``Form()``, ``File()``, ``Depends()``…)
in ``Annotated[...]`` or as the default; else a path parameter by name; else the body for
models, dataclasses, dicts and lists of those; else the query string. ``Request``,
``WebSocket``, ``Response``, ``BackgroundTasks`` and ``SecurityScopes`` are injected by
annotation. The scalar parameters of a dependant get one validator (a TypedDict per
source, so ``loc`` comes out as FastAPI's ``["query", "name"]``).
"""

from __future__ import annotations

import collections.abc
import dataclasses
import inspect
import types
import typing
from collections import deque
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Annotated, Any, get_args, get_origin

from pydantic import AliasChoices, BaseModel, Field, Json, TypeAdapter
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from typing_extensions import NotRequired, TypedDict  # noqa: UP035 - pydantic needs it on 3.11

from heron import params
from heron.background import BackgroundTasks
from heron.datastructures import UploadFile
from heron.dependencies.flat_models import (
    form_models,
    is_sequence,
    model_source,
    union_form_type,
)
from heron.dependencies.models import (
    BodyField,
    DefaultFactory,
    Dependant,
    ParamField,
    SubDependency,
)
from heron.exceptions import HeronError
from heron.requests import HTTPConnection
from heron.responses import Response
from heron.security.oauth2 import SecurityScopes
from heron.websockets import WebSocket

__all__ = ["add_route_dependencies", "analyze_endpoint", "finish_endpoint", "get_dependant"]

_SEQUENCES = (list, set, tuple, frozenset, Collection, typing.Sequence)
_UNIONS = (typing.Union, types.UnionType)


def _is_async(call: Callable[..., Any]) -> bool:
    if inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call):
        return True
    dunder_call = getattr(call, "__call__", None)  # noqa: B004
    return inspect.iscoroutinefunction(dunder_call) or inspect.isasyncgenfunction(dunder_call)


def _generator_kind(call: Callable[..., Any]) -> str | None:
    target = call if inspect.isroutine(call) else getattr(call, "__call__", None)  # noqa: B004
    if inspect.isclass(call):
        return None
    if inspect.isasyncgenfunction(target):
        return "async"
    if inspect.isgeneratorfunction(target):
        return "sync"
    return None


def _is_subclass(annotation: Any, cls: type | tuple[type, ...]) -> bool:
    return inspect.isclass(annotation) and issubclass(annotation, cls)


def _non_none(annotation: Any) -> list[Any]:
    if get_origin(annotation) in _UNIONS:
        return [a for a in get_args(annotation) if a is not type(None)]
    return [annotation]


# COMPAT(fastapi): the collection types that make an unmarked parameter a body one.
_BODY_COLLECTIONS = (collections.abc.Sequence, collections.abc.Set, collections.abc.Mapping, deque)


def _is_body_type(annotation: Any) -> bool:
    """Whether an unmarked parameter of this type is read from the body.

    COMPAT(fastapi): any type that is not a scalar is: a model, a dataclass, a mapping or a
    sequence (``ids: list[int]`` is a JSON array body, ``Query()`` makes it a query
    parameter); ``str`` and ``bytes`` are scalars.
    """
    for member in _non_none(annotation):
        origin = get_origin(member)
        if origin is Annotated:
            if _is_body_type(get_args(member)[0]):
                return True
            continue
        target = origin if isinstance(origin, type) else member
        if _is_subclass(target, _BODY_COLLECTIONS) and not _is_subclass(
            target, (str, bytes, bytearray)
        ):
            return True
        if _is_subclass(member, BaseModel) or dataclasses.is_dataclass(member):
            return True
    return False


def _is_upload(annotation: Any) -> bool:
    for member in _non_none(annotation):
        if _is_subclass(member, UploadFile):
            return True
        if get_origin(member) in _SEQUENCES and any(_is_upload(a) for a in get_args(member)):
            return True
    return False


def _is_bytes(annotation: Any) -> bool:
    for member in _non_none(annotation):
        if member is bytes:
            return True
        if get_origin(member) in _SEQUENCES and bytes in get_args(member):
            return True
    return False


def _split_annotated(annotation: Any) -> tuple[Any, list[Any]]:
    if get_origin(annotation) is Annotated:
        base, *meta = get_args(annotation)
        return base, meta
    return annotation, []


def _is_json(annotation: Any) -> bool:
    """Whether ``annotation`` is ``Json[...]`` itself (not a union holding one)."""
    return get_origin(annotation) is Annotated and any(
        type(item) is Json for item in get_args(annotation)[1:]
    )


def _value_types(annotation: Any, base: Any, meta: list[Any], marker: Any) -> tuple[Any, Any]:
    """The type a value is validated as, and the annotation its documentation reads.

    ``Annotated[Json[list[int]], Query()]`` flattens to ``Annotated[list[int], Json(),
    Query()]``: ``Json`` is kept, so the text is parsed as JSON, then validated, and the
    parameter is one value (the last query value, the first header), not a repeated one.
    COMPAT(fastapi): with the marker as the default (``x: Json[T] = Query()``), the
    ``Annotated`` metadata is dropped, for validation and for the document alike; and
    ``Json[T] | None`` keeps ``Json`` inside the union only, so that parameter stays a
    repeated one.
    """
    if marker is not None and not any(item is marker for item in meta):
        return base, base
    for item in meta:
        if type(item) is Json:
            return Annotated[base, item], annotation
    return base, annotation


def _marker_of(meta: list[Any], default: Any) -> tuple[Any, Any]:
    """The parameter's marker (FieldInfo or Depends) and its real default."""
    marker = None
    for item in meta:
        if isinstance(item, FieldInfo | params.Depends):
            marker = item
    if isinstance(default, FieldInfo | params.Depends):
        # COMPAT(fastapi): a plain ``Field()`` in ``Annotated`` gives way to the default's
        # marker (and is not applied, as the rest of the metadata).
        if isinstance(marker, params.Param | params.Body | params.Depends):
            raise HeronError("A parameter cannot have a marker both in Annotated and as default")
        marker = default
        default = marker.default if isinstance(marker, FieldInfo) else PydanticUndefined
    return marker, default


def _request_names(marker: FieldInfo | None, alias: str) -> tuple[str, ...]:
    """The names a value is read under, in order of preference.

    COMPAT(fastapi): a string ``validation_alias`` replaces the name (literally: no
    ``_`` → ``-`` for headers); ``AliasChoices`` of strings are tried in order (the first
    present wins and errors name it; a missing value is reported under the first); an
    ``AliasPath``, alone or among the choices, is ignored: the value keeps its name.
    """
    chosen = getattr(marker, "validation_alias", None)
    if isinstance(chosen, str) and chosen:
        return (chosen,)
    if isinstance(chosen, AliasChoices) and all(isinstance(c, str) for c in chosen.choices):
        return tuple(typing.cast(list[str], chosen.choices))
    return (alias,)


def _validation_type(base: Any, marker: FieldInfo | None, names: tuple[str, ...] | None) -> Any:
    """``base`` with the marker's constraints and the request name(s), for pydantic."""
    metadata = list(marker.metadata) if marker is not None else []
    extra: dict[str, Any] = {}
    if names is not None and len(names) > 1:
        extra["validation_alias"] = AliasChoices(*names)
    elif names is not None:
        extra["alias"] = names[0]
    if marker is not None and marker.discriminator is not None:
        extra["discriminator"] = marker.discriminator
    if extra:
        metadata.append(Field(**extra))
    if not metadata:
        return base
    return Annotated.__class_getitem__((base, *metadata))  # type: ignore[attr-defined]


def _default_of(marker: FieldInfo | None, default: Any) -> Any:
    if default is not PydanticUndefined and default is not inspect.Parameter.empty:
        return default
    if marker is not None:
        if marker.default_factory is not None:
            # Called per request by the solver (a one-argument factory is pydantic-only).
            return DefaultFactory(marker.default_factory)  # type: ignore[arg-type]
        return marker.default
    return PydanticUndefined


class _Builder:
    """Collects one dependant's fields, then builds its validators."""

    def __init__(self, dependant: Dependant, path_names: Collection[str]) -> None:
        self.dependant = dependant
        self.path_names = path_names
        self.scalars: dict[str, dict[str, Any]] = {}
        self.param_models: dict[str, Any] = {}
        self.defaults: dict[tuple[str, str], Any] = {}
        self.body_types: dict[str, Any] = {}
        self.embed = False
        self.form = False

    def add_param(
        self,
        name: str,
        base: Any,
        marker: FieldInfo | None,
        source: str,
        default: Any,
        declared: Any = None,
    ) -> None:
        models, nullable = form_models(base)
        if len(models) == 1 and source != "path":  # ``Model`` or ``Model | None``
            convert = source == "header" and getattr(marker, "convert_underscores", True)
            spec = model_source(
                models, header=source == "header", convert=convert, nullable=nullable
            )
            # Validated under its own key; errors are mapped back to ``[source, field]``.
            resolved = _default_of(marker, default)
            self.param_models[f"{source}!{name}"] = (
                base if resolved is PydanticUndefined else NotRequired[base]
            )
            if resolved is not PydanticUndefined:
                self.defaults[(source, name)] = resolved
            self.dependant.params.append(
                ParamField(name, name, source, False, spec, declared, marker, default)
            )
            return
        alias = marker.alias if marker is not None and marker.alias else name
        if source == "header" and not (marker is not None and marker.alias):
            if getattr(marker, "convert_underscores", True):
                alias = name.replace("_", "-")
        names = _request_names(marker, alias)
        if source == "path" and len(names) > 1:
            # COMPAT(fastapi): the choice the route's path declares, else the name.
            names = next(((n,) for n in names if n in self.path_names), (alias,))
        is_list = is_sequence(base) and not _is_json(base)
        field = ParamField(name, names[0], source, is_list, None, declared, marker, default, names)
        self.dependant.params.append(field)
        value_type = _validation_type(base, marker, names)
        resolved = _default_of(marker, default)
        key = name
        if resolved is PydanticUndefined:
            self.scalars.setdefault(source, {})[key] = value_type
        else:
            self.scalars.setdefault(source, {})[key] = NotRequired[value_type]
            self.defaults[(source, name)] = resolved

    def add_body(
        self, name: str, base: Any, marker: FieldInfo | None, default: Any, declared: Any = None
    ) -> None:
        is_form = isinstance(marker, params.Form)
        if is_form:
            self.form = True
        if isinstance(marker, params.Body) and marker.embed:
            self.embed = True
        names = _request_names(
            marker, marker.alias if marker is not None and marker.alias else name
        )
        resolved = _default_of(marker, default)
        model_fields = None
        models, nullable = form_models(base) if is_form else ([], False)
        if models and not getattr(marker, "embed", None):
            model_fields = model_source(models, nullable=nullable)
            if len(models) > 1:
                base = union_form_type(base)
        field = BodyField(
            name,
            names[0],
            _validation_type(base, marker, None),
            resolved is PydanticUndefined,
            is_list=is_sequence(base) and not _is_json(base),
            is_file=_is_upload(base) or isinstance(marker, params.File),
            is_bytes=_is_bytes(base) and isinstance(marker, params.File),
            model_fields=model_fields,
            declared=declared,
            marker=marker,
            default=default,
            names=names,
        )
        self.dependant.body.append(field)
        self.body_types[name] = (_validation_type(base, marker, names), resolved)

    def finish(self) -> None:
        dependant = self.dependant
        sources: dict[str, Any] = {}
        for source, fields in self.scalars.items():
            sources[source] = TypedDict(f"{source}_params", fields)  # type: ignore[operator]
        shape_fields = {k: NotRequired[v] for k, v in sources.items()}
        shape_fields.update(self.param_models)  # required unless they have a default
        if shape_fields:
            shape = TypedDict("params", shape_fields)  # type: ignore[misc]
            dependant.params_validator = TypeAdapter(shape).validator
        dependant.param_defaults = self.defaults
        grouped: dict[str, list[ParamField]] = {}
        for param in dependant.params:
            grouped.setdefault(param.source, []).append(param)
        dependant.params_by_source = list(grouped.items())
        self._finish_body()
        query = [p for p in dependant.params if p.source == "query"]
        if all(p.model_fields is None for p in query):
            # The fast path of ``solving._raw_params`` (no parameter model to fill).
            dependant.query_by_alias = {n: p for p in query for n in p.names}
        dependant.has_params = bool(
            dependant.params
            or dependant.body
            or dependant.dependencies
            or dependant.request_names
            or dependant.websocket_names
            or dependant.response_names
            or dependant.background_names
            or dependant.scopes_names
        )

    def _finish_body(self) -> None:
        dependant = self.dependant
        if not dependant.body:
            return
        for body_field in dependant.body:
            _, default = self.body_types[body_field.name]
            if default is not PydanticUndefined:
                self.defaults[("body", body_field.name)] = default
        if self.form:
            dependant.body_mode = "form"
        elif len(dependant.body) == 1 and not self.embed:
            dependant.body_mode = "single"
            dependant.body_validator = TypeAdapter(dependant.body[0].annotation)
            return
        else:
            dependant.body_mode = "embed"
        fields = {}
        for body_field in dependant.body:
            value_type, default = self.body_types[body_field.name]
            if body_field.model_fields is not None and dependant.body_mode == "form":
                value_type = body_field.annotation
            fields[body_field.name] = (
                value_type if default is PydanticUndefined else NotRequired[value_type]
            )
            if default is not PydanticUndefined:
                self.defaults[("body", body_field.name)] = default
        body_shape = TypedDict("body", fields)  # type: ignore[misc]
        dependant.body_validator = TypeAdapter(body_shape).validator


def get_dependant(
    call: Callable[..., Any],
    path_param_names: Collection[str],
    *,
    security_scopes: list[str] | None = None,
    use_cache: bool = True,
    scope: str | None = None,
) -> Dependant:
    """Analyse ``call`` (an endpoint or a dependency) into a :class:`Dependant`.

    Raises:
        HeronError: For a signature Heron cannot serve, naming the function.
    """
    try:
        signature = inspect.signature(call)
    except (TypeError, ValueError) as exc:
        raise HeronError(f"Cannot read the signature of {call!r}") from exc
    hint_target: Any = call
    if inspect.isclass(call):
        hint_target = call.__init__
    elif not inspect.isroutine(call):
        hint_target = call.__call__  # type: ignore[operator]
    try:
        hints = typing.get_type_hints(hint_target, include_extras=True)
    except (NameError, TypeError) as exc:
        raise HeronError(f"Cannot resolve the annotations of {call!r}: {exc}") from exc
    dependant = Dependant(
        call=call,
        is_async=_is_async(call),
        generator=_generator_kind(call),
        security_scopes=list(security_scopes or []),
        use_cache=use_cache,
        scope=scope,
    )
    dependant.cache_key = (call, tuple(sorted(dependant.security_scopes)))
    builder = _Builder(dependant, path_param_names)
    for name, param in signature.parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotation = hints.get(name, Any)
        _analyze_param(builder, name, annotation, param.default, path_param_names)
    builder.finish()
    dependant.needs_exit_stack = dependant.generator is not None or any(
        sub.dependant.needs_exit_stack for sub in dependant.dependencies
    )
    dependant.return_annotation = hints.get("return")
    return dependant


def _analyze_param(
    builder: _Builder, name: str, annotation: Any, default: Any, path_param_names: Collection[str]
) -> None:
    dependant = builder.dependant
    base, meta = _split_annotated(annotation)
    default = PydanticUndefined if default is inspect.Parameter.empty else default
    marker, default = _marker_of(meta, default)
    if isinstance(marker, params.Depends):
        target = marker.dependency if marker.dependency is not None else base
        scopes = list(dependant.security_scopes)
        if isinstance(marker, params.Security):
            scopes += marker.scopes
        sub = get_dependant(
            target,
            path_param_names,
            security_scopes=scopes,
            use_cache=marker.use_cache,
            scope=marker.scope,
        )
        if isinstance(marker, params.Security):
            sub.security_scopes = scopes
            sub.cache_key = (sub.call, tuple(sorted(scopes)))
        dependant.dependencies.append(SubDependency(name, sub))
        return
    base, annotation = _value_types(annotation, base, meta, marker)
    if _is_subclass(base, WebSocket):
        dependant.websocket_names.append(name)
    elif _is_subclass(base, HTTPConnection):
        dependant.request_names.append(name)
    elif _is_subclass(base, Response):
        dependant.response_names.append(name)
    elif _is_subclass(base, BackgroundTasks):
        dependant.background_names.append(name)
    elif _is_subclass(base, SecurityScopes):
        dependant.scopes_names.append(name)
    elif isinstance(marker, params.Param):
        builder.add_param(name, base, marker, marker.in_.value, default, annotation)
    elif isinstance(marker, params.Body):
        builder.add_body(name, base, marker, default, annotation)
    elif name in path_param_names:
        builder.add_param(name, base, marker, "path", default, annotation)
    elif _is_upload(base):
        builder.add_body(name, base, params.File(), default, annotation)
    elif _is_body_type(base) or (marker is not None and _is_body_type(base)):
        builder.add_body(name, base, marker, default, annotation)
    else:
        builder.add_param(name, base, marker, "query", default, annotation)


def analyze_endpoint(call: Callable[..., Any], path_param_names: Collection[str]) -> Dependant:
    """The endpoint's dependant (see :func:`get_dependant`)."""
    return get_dependant(call, path_param_names)


def finish_endpoint(endpoint: Dependant, *, strict_content_type: bool) -> None:
    """Settle what depends on the whole tree, once its route dependencies are in.

    * ``strict_content_type`` reaches every dependant that reads the body;
    * COMPAT(fastapi): body parameters declared anywhere in the tree make up one body: with
      more than one in all, each is a key of the JSON object (as ``Body(embed=True)``),
      also when its own dependant declares only that one.
    """
    dependants = list(_walk(endpoint))
    json_fields = 0
    for dependant in dependants:
        dependant.strict_content_type = strict_content_type
        if dependant.body_mode in ("single", "embed"):
            json_fields += len(dependant.body)
    if json_fields < 2:
        return
    for dependant in dependants:
        if dependant.body_mode == "single":
            body = dependant.body[0]
            value_type: Any = _validation_type(body.annotation, None, body.names)
            fields = {body.name: value_type if body.required else NotRequired[value_type]}
            shape = TypedDict("body", fields)  # type: ignore[misc]
            dependant.body_mode = "embed"
            dependant.body_validator = TypeAdapter(shape).validator
            dependant.body_validate_json = None


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub.dependant)


def add_route_dependencies(
    dependant: Dependant, dependencies: Sequence[Any], path_param_names: Collection[str]
) -> None:
    """Put ``dependencies=[Depends(...)]`` of the route, its routers and the app first.

    Their values are discarded; they run before the endpoint's own dependencies.
    """
    if not dependencies:
        return
    subs = []
    for marker in dependencies:
        scopes = list(marker.scopes) if isinstance(marker, params.Security) else []
        sub = get_dependant(
            marker.dependency,
            path_param_names,
            security_scopes=scopes,
            use_cache=marker.use_cache,
            scope=marker.scope,
        )
        subs.append(SubDependency(None, sub))
    dependant.dependencies[:0] = subs
    dependant.needs_exit_stack = dependant.needs_exit_stack or any(
        sub.dependant.needs_exit_stack for sub in subs
    )
    dependant.has_params = True
