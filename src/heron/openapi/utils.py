"""The OpenAPI 3.1 document of an app: :func:`get_openapi` (FastAPI's ``fastapi.openapi.utils``).

Called by ``Heron.openapi()`` once (the document is cached), and by users who build or
extend the document themselves. For each API route it reads the ``Dependant`` the analysis
built (parameters, bodies, dependencies, security schemes) and the route's documentation
options; every schema comes from one pydantic pass (``heron.openapi.schemas``).

COMPAT(fastapi): the document is FastAPI's for the same app, key for key: the parameter
order (path, query, header, cookie; the endpoint's own, then its dependencies'), the titles,
the ``Body_<unique id>`` models of embedded and form bodies, the 422 response and its
``HTTPValidationError``/``ValidationError`` components, response descriptions, security
requirements, ``openapi_extra`` merged last. Heron's automatic ``HEAD`` on ``GET`` routes
is not documented (FastAPI has none).
"""

from __future__ import annotations

import copy
import dataclasses
import http.client
import inspect
import warnings
from collections.abc import Sequence
from typing import Annotated, Any, get_args, get_origin

from pydantic import Field, create_model
from pydantic_core import PydanticUndefined

from heron import params
from heron.dependencies.models import BodyField, Dependant, ParamField
from heron.encoders import jsonable_encoder
from heron.exceptions import HeronError
from heron.openapi.constants import METHODS_WITH_BODY, REF_PREFIX
from heron.openapi.form_bodies import form_body_model
from heron.openapi.models import OpenAPI
from heron.openapi.schemas import (
    FieldMapping,
    SchemaField,
    field_from_info,
    field_info_of,
    generate_schemas,
    schema_attributes,
    schema_of,
)
from heron.responses import JSONResponse
from heron.routing import APIRoute, BaseRoute
from heron.security.base import SecurityBase
from heron.serialization import declared_response_model, stream_item_type
from heron.sse import _SSE_EVENT_SCHEMA, EventSourceResponse, ServerSentEvent

__all__ = ["get_openapi"]

VALIDATION_ERROR_DEFINITION: dict[str, Any] = {
    "title": "ValidationError",
    "type": "object",
    "properties": {
        "loc": {
            "title": "Location",
            "type": "array",
            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        },
        "msg": {"title": "Message", "type": "string"},
        "type": {"title": "Error Type", "type": "string"},
        "input": {"title": "Input"},
        "ctx": {"title": "Context", "type": "object"},
    },
    "required": ["loc", "msg", "type"],
}
HTTP_VALIDATION_ERROR_DEFINITION: dict[str, Any] = {
    "title": "HTTPValidationError",
    "type": "object",
    "properties": {
        "detail": {
            "title": "Detail",
            "type": "array",
            "items": {"$ref": REF_PREFIX + "ValidationError"},
        }
    },
}
_STATUS_RANGES = {
    "1XX": "Information",
    "2XX": "Success",
    "3XX": "Redirection",
    "4XX": "Client Error",
    "5XX": "Server Error",
    "DEFAULT": "Default Response",
}


# ---------------------------------------------------------------- what a route documents


@dataclasses.dataclass
class _ParamDoc:
    """One entry of an operation's ``parameters`` (its schema comes later)."""

    name: str
    source: str
    required: bool
    field: SchemaField
    description: str | None
    examples: Any
    example: Any
    deprecated: bool


@dataclasses.dataclass
class _BodyDoc:
    """An operation's ``requestBody`` (its schema comes later)."""

    field: SchemaField
    required: bool
    media_type: str
    examples: Any
    example: Any
    # A form_template= route reads the same model from a JSON body too.
    also_json: bool = False


@dataclasses.dataclass
class _RouteDoc:
    """Everything one route contributes to the document, before schemas are generated."""

    route: APIRoute
    unique_id: str
    params: list[_ParamDoc]
    has_params: bool
    body: _BodyDoc | None
    response: SchemaField | None
    extra_responses: dict[Any, SchemaField]
    stream: str | None  # "jsonl", "sse" or None
    stream_item: SchemaField | None
    security: list[tuple[SecurityBase, list[str]]]
    callbacks: list[_RouteDoc]

    def fields(self) -> list[SchemaField]:
        """Every schema this route needs, its callbacks' included."""
        found = [doc.field for doc in self.params]
        if self.body is not None:
            found.append(self.body.field)
        for extra in (self.response, self.stream_item, *self.extra_responses.values()):
            if extra is not None:
                found.append(extra)
        for callback in self.callbacks:
            found.extend(callback.fields())
        return found


def _owner(route: APIRoute) -> str:
    return f"{' '.join(route.openapi_methods)} {route.path}"


def _walk(dependant: Dependant) -> tuple[list[ParamField], list[tuple[SecurityBase, list[str]]]]:
    """The parameters and security schemes of a dependency tree, each dependency once.

    Depth first, a dependant before its dependencies, in declaration order (FastAPI's).
    """
    found: list[ParamField] = []
    security: list[tuple[SecurityBase, list[str]]] = []
    visited: list[Any] = []
    stack: list[tuple[Dependant, bool]] = [(dependant, True)]
    while stack:
        current, is_root = stack.pop()
        if current.cache_key in visited:
            continue
        visited.append(current.cache_key)
        found.extend(current.params)
        call: Any = current.call
        if not is_root and isinstance(call, SecurityBase):
            security.append((call, list(dict.fromkeys(current.security_scopes))))
        stack.extend((sub.dependant, False) for sub in reversed(current.dependencies))
    return found, security


def _bodies(dependant: Dependant) -> list[BodyField]:
    """Every body value of a dependency tree (a dependant's own first, then its dependencies')."""
    found = list(dependant.body)
    for sub in dependant.dependencies:
        found.extend(_bodies(sub.dependant))
    return found


def _base(declared: Any) -> Any:
    while get_origin(declared) is Annotated:
        declared = get_args(declared)[0]
    return declared


def _examples(marker: Any) -> tuple[Any, Any]:
    """``openapi_examples`` and ``example`` of a marker (None: not given)."""
    openapi_examples = getattr(marker, "openapi_examples", None)
    example = getattr(marker, "example", PydanticUndefined)
    return openapi_examples, None if example is PydanticUndefined else example


def _scalar_param(param: ParamField, owner: str) -> _ParamDoc:
    # COMPAT(fastapi): a parameter of the path without a marker is required, default or not.
    by_name = param.source == "path" and param.marker is None
    default = PydanticUndefined if by_name else param.default
    info = field_info_of(param.declared, param.marker, default)
    openapi_examples, example = _examples(param.marker)
    return _ParamDoc(
        name=param.alias,
        source=param.source,
        required=info.is_required(),
        field=field_from_info(param.alias, info, owner=owner),
        description=info.description,
        examples=openapi_examples,
        example=example,
        deprecated=bool(info.deprecated),
    )


def _model_params(param: ParamField, owner: str) -> list[_ParamDoc]:
    """The parameters of a parameter model (``Annotated[Model, Query()]``), one per field."""
    declared = _base(param.declared)
    members = [a for a in get_args(declared) if a is not type(None)] or [declared]
    model = members[0]
    spec = param.model_fields
    assert spec is not None
    # COMPAT(fastapi): a ``Model | None`` with a default makes every field optional.
    optional = spec.nullable and param.default is not PydanticUndefined
    docs = []
    for info, (pairs, _) in zip(model.model_fields.values(), spec.fields, strict=True):
        alias, name = pairs[0]  # the first name a field is read under
        docs.append(
            _ParamDoc(
                name=name,
                source=param.source,
                required=info.is_required() and not optional,
                field=field_from_info(alias, info, owner=owner),
                description=info.description,
                examples=None,
                example=None,
                deprecated=bool(info.deprecated),
            )
        )
    return docs


def _param_docs(found: list[ParamField], owner: str) -> list[_ParamDoc]:
    docs: list[_ParamDoc] = []
    for source in ("path", "query", "header", "cookie"):
        for param in found:
            if param.source != source or not getattr(param.marker, "include_in_schema", True):
                continue
            if param.model_fields is not None:
                docs.extend(_model_params(param, owner))
            else:
                docs.append(_scalar_param(param, owner))
    return docs


def _embeds(bodies: list[BodyField]) -> bool:
    """Whether the body is an object holding each body value (FastAPI's rule)."""
    if len({body.name for body in bodies}) > 1:
        return True
    first = bodies[0]
    if getattr(first.marker, "embed", None):
        return True
    return isinstance(first.marker, params.Form) and first.model_fields is None


def _embedded_media_type(bodies: list[BodyField]) -> str:
    markers = [body.marker for body in bodies]
    if any(isinstance(marker, params.File) for marker in markers):
        return "multipart/form-data"
    kind: type[params.Body] = (
        params.Form if any(isinstance(m, params.Form) for m in markers) else params.Body
    )
    media_types = [m.media_type if m is not None else "application/json" for m in markers]
    media_types = [
        media
        for marker, media in zip(markers, media_types, strict=True)
        if isinstance(marker if marker is not None else params.Body(), kind)
    ]
    if kind is params.Form and "multipart/form-data" in media_types:
        return "multipart/form-data"
    if len(set(media_types)) == 1:
        return media_types[0]
    return "application/x-www-form-urlencoded" if kind is params.Form else "application/json"


def _body_doc(bodies: list[BodyField], unique_id: str, owner: str) -> _BodyDoc | None:
    if not bodies:
        return None
    embeds = _embeds(bodies)
    with_models = any(body.model_fields is not None for body in bodies)
    nullable_model = any(b.model_fields is not None and b.model_fields.nullable for b in bodies)
    if not embeds:
        body = bodies[0]
        info = field_info_of(body.declared, body.marker, body.default)
        openapi_examples, example = _examples(body.marker)
        media_type = getattr(body.marker, "media_type", "application/json")
        field = field_from_info(body.alias, info, owner=owner)
        if nullable_model:
            # COMPAT(fastapi): a lone nullable form model is described as a Body_ model.
            model = form_body_model(f"Body_{unique_id}", bodies, [info], [_base(body.declared)])
            field = SchemaField("body", model, model, owner=owner)
        return _BodyDoc(field, info.is_required(), media_type, openapi_examples, example)
    if with_models:
        infos = [field_info_of(b.declared, b.marker, b.default) for b in bodies]
        declared = [_base(b.declared) for b in bodies]
        model = form_body_model(f"Body_{unique_id}", bodies, infos, declared)
        field = SchemaField("body", model, model, owner=owner)
        required = any(info.is_required() for info in infos)
        return _BodyDoc(field, required, _embedded_media_type(bodies), None, None)
    members: dict[str, Any] = {}
    required = False
    for body in bodies:
        info = field_info_of(body.declared, body.marker, body.default)
        required = required or info.is_required()
        value_type = info.annotation
        if info.metadata:
            value_type = Annotated.__class_getitem__((value_type, *info.metadata))  # type: ignore[attr-defined]
        field_options: dict[str, Any] = {"alias": body.alias, **schema_attributes(info)}
        if info.deprecated is not None:
            field_options["deprecated"] = info.deprecated
        members[body.name] = (value_type, Field(**field_options))
    with warnings.catch_warnings():
        # A body named like a BaseModel attribute (``json``, ``schema``…) makes pydantic
        # warn about shadowing; the generated model is only ever used for its schema.
        warnings.simplefilter("ignore")
        model = create_model(f"Body_{unique_id}", **members)
    field = SchemaField("body", model, model, owner=owner)
    return _BodyDoc(field, required, _embedded_media_type(bodies), None, None)


def _response_model(route: APIRoute) -> Any:
    return declared_response_model(route.dependant, route.options, route.flask_style) or None


def _stream(route: APIRoute, unique_id: str, owner: str) -> tuple[str | None, SchemaField | None]:
    """How a generator endpoint streams (``"jsonl"``/``"sse"``) and its item's schema."""
    call = route.dependant.call
    if not (inspect.isasyncgenfunction(call) or inspect.isgeneratorfunction(call)):
        return None, None
    if route.response_class is JSONResponse:
        kind = "jsonl"
    elif issubclass(route.response_class, EventSourceResponse):
        kind = "sse"
    else:
        return None, None
    item = stream_item_type(route.dependant.return_annotation)
    if item is None or (isinstance(item, type) and issubclass(item, ServerSentEvent)):
        return kind, None
    return kind, SchemaField(f"StreamItem_{unique_id}", item, item, "serialization", owner=owner)


def _route_doc(route: APIRoute) -> _RouteDoc:
    owner = _owner(route)
    try:
        unique_id = route.unique_id
        found, security = _walk(route.dependant)
        stream, stream_item = _stream(route, unique_id, owner)
        model = _response_model(route)
        response = None
        if model is not None:
            name = f"Response_{unique_id}"
            response = SchemaField(name, model, model, "serialization", owner=owner)
        extra_responses = {
            code: SchemaField(
                f"Response_{code}_{unique_id}",
                spec["model"],
                spec["model"],
                "serialization",
                owner=owner,
            )
            for code, spec in route.responses.items()
            if isinstance(spec, dict) and spec.get("model")
        }
        callbacks = [
            _route_doc(callback)
            for callback in route.callbacks or []
            if isinstance(callback, APIRoute)
        ]
        body = _body_doc(_bodies(route.dependant), unique_id, owner)
        if body is not None and route.options.get("form_template"):
            body.also_json = True
        return _RouteDoc(
            route=route,
            unique_id=unique_id,
            params=_param_docs(found, owner),
            has_params=bool(found),
            body=body,
            response=response,
            extra_responses=extra_responses,
            stream=stream,
            stream_item=stream_item,
            security=security,
            callbacks=callbacks,
        )
    except HeronError:
        raise
    except Exception as exc:
        raise HeronError(f"Cannot generate the OpenAPI document for {owner}: {exc}") from exc


# ---------------------------------------------------------------- the operations


@dataclasses.dataclass
class _Context:
    """What every operation of one document shares."""

    mapping: FieldMapping
    separate_input_output_schemas: bool
    operation_ids: set[str]

    def schema(self, field: SchemaField) -> dict[str, Any]:
        return schema_of(field, self.mapping, self.separate_input_output_schemas)


def deep_dict_update(main: dict[Any, Any], update: dict[Any, Any]) -> None:
    """Merge ``update`` into ``main``: dicts recursively, lists concatenated, else replaced."""
    for key, value in update.items():
        current = main.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            deep_dict_update(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            main[key] = current + value
        else:
            main[key] = value


def _operation_id(doc: _RouteDoc, context: _Context) -> str:
    route = doc.route
    operation_id = route.operation_id or doc.unique_id
    if operation_id in context.operation_ids:
        # COMPAT(fastapi): the same warning, so generated clients' name clashes show early.
        name = getattr(route.endpoint, "__name__", "<unnamed_endpoint>")
        message = f"Duplicate Operation ID {operation_id} for function {name}"
        file_name = getattr(route.endpoint, "__globals__", {}).get("__file__")
        if file_name:
            message += f" at {file_name}"
        warnings.warn(message, stacklevel=1)
    context.operation_ids.add(operation_id)
    return operation_id


def _parameters(doc: _RouteDoc, context: _Context) -> list[dict[str, Any]]:
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    required: dict[tuple[str, str], dict[str, Any]] = {}
    for param in doc.params:
        entry: dict[str, Any] = {
            "name": param.name,
            "in": param.source,
            "required": param.required,
            "schema": context.schema(param.field),
        }
        if param.description:
            entry["description"] = param.description
        if param.examples:
            entry["examples"] = jsonable_encoder(param.examples)
        elif param.example is not None:
            entry["example"] = jsonable_encoder(param.example)
        if param.deprecated:
            entry["deprecated"] = True
        by_key[(param.source, param.name)] = entry
        if param.required:
            required[(param.source, param.name)] = entry
    # A parameter declared twice (endpoint and dependency) is required if either says so.
    by_key.update(required)
    return list(by_key.values())


def _request_body(body: _BodyDoc, context: _Context) -> dict[str, Any]:
    content: dict[str, Any] = {"schema": context.schema(body.field)}
    if body.examples:
        content["examples"] = jsonable_encoder(body.examples)
    elif body.example is not None:
        content["example"] = jsonable_encoder(body.example)
    request_body: dict[str, Any] = {"required": True} if body.required else {}
    request_body["content"] = {body.media_type: content}
    if body.also_json:
        request_body["content"]["application/json"] = content
    return request_body


def _body_allowed(status_code: int | str | None) -> bool:
    if status_code is None or str(status_code).upper() in _STATUS_RANGES:
        return True
    code = int(status_code)
    return not (code < 200 or code in (204, 205, 304))


def _default_status(route: APIRoute) -> str:
    if route.status_code is not None:
        return str(int(route.status_code))
    parameter = inspect.signature(route.response_class.__init__).parameters.get("status_code")
    if parameter is not None and isinstance(parameter.default, int):
        return str(parameter.default)
    return "200"


def _success_content(doc: _RouteDoc, context: _Context) -> dict[str, Any] | None:
    route = doc.route
    if doc.stream == "jsonl":
        item = context.schema(doc.stream_item) if doc.stream_item is not None else {}
        return {"application/jsonl": {"itemSchema": item}}
    if doc.stream == "sse":
        item_schema = copy.deepcopy(_SSE_EVENT_SCHEMA)
        if doc.stream_item is not None:
            item_schema["required"] = ["data"]
            item_schema["properties"]["data"] = {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": context.schema(doc.stream_item),
            }
        return {"text/event-stream": {"itemSchema": item_schema}}
    media_type = route.response_class.media_type
    if not media_type:
        return None
    schema: dict[str, Any] = {"type": "string"}
    if issubclass(route.response_class, JSONResponse):
        schema = context.schema(doc.response) if doc.response is not None else {}
    return {media_type: {"schema": schema}}


def _responses(doc: _RouteDoc, context: _Context) -> dict[str, Any]:
    route = doc.route
    status = _default_status(route)
    responses: dict[str, Any] = {status: {"description": route.response_description}}
    if _body_allowed(route.status_code):
        content = _success_content(doc, context)
        if content is not None:
            responses[status].setdefault("content", {}).update(content)
    media_type = route.response_class.media_type or "application/json"
    for code, spec in route.responses.items():
        extra = copy.deepcopy(spec)
        extra.pop("model", None)
        key = str(code).upper()
        key = "default" if key == "DEFAULT" else key
        response = responses.setdefault(key, {})
        field = doc.extra_responses.get(code)
        if field is not None:
            target = extra.setdefault("content", {}).setdefault(media_type, {})
            deep_dict_update(target.setdefault("schema", {}), context.schema(field))
        status_text = _STATUS_RANGES.get(str(code).upper())
        if status_text is None and str(code).isdigit():
            status_text = http.client.responses.get(int(code))
        description = (
            extra.get("description")
            or response.get("description")
            or status_text
            or "Additional Response"
        )
        deep_dict_update(response, extra)
        response["description"] = description
    return responses


def _operation(doc: _RouteDoc, method: str, context: _Context) -> tuple[dict[str, Any], bool]:
    """One operation, and whether it refers to the validation error components."""
    route = doc.route
    operation: dict[str, Any] = {}
    if route.tags:
        operation["tags"] = list(route.tags)
    operation["summary"] = route.summary or (route.name or "").replace("_", " ").title()
    if route.description:
        operation["description"] = route.description
    operation["operationId"] = _operation_id(doc, context)
    if route.deprecated:
        operation["deprecated"] = route.deprecated
    security = _security_requirements(doc)
    if security:
        operation["security"] = security
    parameters = _parameters(doc, context)
    if parameters:
        operation["parameters"] = parameters
    if method in METHODS_WITH_BODY and doc.body is not None:
        operation["requestBody"] = _request_body(doc.body, context)
    if route.callbacks:
        operation["callbacks"] = {
            callback.route.name: {callback.route.path: _path_item(callback, context)[0]}
            for callback in doc.callbacks
        }
    operation["responses"] = _responses(doc, context)
    needs_errors = (doc.has_params or doc.body is not None) and not any(
        status in operation["responses"] for status in ("422", "4XX", "default")
    )
    if needs_errors:
        operation["responses"]["422"] = {
            "description": "Validation Error",
            "content": {
                "application/json": {"schema": {"$ref": REF_PREFIX + "HTTPValidationError"}}
            },
        }
        if route.options.get("form_template"):
            # Browsers get the form's page again (see heron.forms).
            operation["responses"]["422"]["content"]["text/html"] = {"schema": {"type": "string"}}
    if route.openapi_extra:
        deep_dict_update(operation, route.openapi_extra)
    return operation, needs_errors


def _security_requirements(doc: _RouteDoc) -> list[dict[str, list[str]]]:
    scopes_by_name: dict[str, list[str]] = {}
    for scheme, scopes in doc.security:
        merged = scopes_by_name.setdefault(scheme.scheme_name, [])
        merged.extend(scope for scope in scopes if scope not in merged)
    return [{name: scopes} for name, scopes in scopes_by_name.items()]


def _security_schemes(doc: _RouteDoc) -> dict[str, Any]:
    return {
        scheme.scheme_name: jsonable_encoder(scheme.model, by_alias=True, exclude_none=True)
        for scheme, _ in doc.security
    }


def _path_item(doc: _RouteDoc, context: _Context) -> tuple[dict[str, Any], bool]:
    """The operations of one route (one per declared method), and whether 422 is used."""
    item: dict[str, Any] = {}
    needs_errors = False
    if not doc.route.include_in_schema:
        return item, needs_errors
    for method in doc.route.openapi_methods:
        operation, uses_errors = _operation(doc, method, context)
        item[method.lower()] = operation
        needs_errors = needs_errors or uses_errors
    return item, needs_errors


# ---------------------------------------------------------------- the document


def _api_routes(routes: Sequence[BaseRoute] | None) -> list[APIRoute]:
    return [r for r in routes or [] if isinstance(r, APIRoute) and r.include_in_schema]


def _present(**values: Any) -> dict[str, Any]:
    """The entries that are set: empty settings are left out of the document."""
    return {key: value for key, value in values.items() if value}


def get_openapi(
    *,
    title: str,
    version: str,
    openapi_version: str = "3.1.0",
    summary: str | None = None,
    description: str | None = None,
    routes: Sequence[BaseRoute],
    webhooks: Sequence[BaseRoute] | None = None,
    tags: list[dict[str, Any]] | None = None,
    servers: list[dict[str, Any]] | None = None,
    terms_of_service: str | None = None,
    contact: dict[str, Any] | None = None,
    license_info: dict[str, Any] | None = None,
    separate_input_output_schemas: bool = True,
    external_docs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Generate the OpenAPI document of ``routes`` (FastAPI's signature and output).

    Only API routes (``APIRoute``) with ``include_in_schema`` are documented; mounted apps
    and Starlette-style routes are not.

    Args:
        title: ``info.title``.
        version: ``info.version`` (the API's version, not OpenAPI's).
        openapi_version: The ``openapi`` field.
        summary: ``info.summary``.
        description: ``info.description`` (Markdown).
        routes: The routes to document, usually ``app.routes``.
        webhooks: Routes documented under ``webhooks`` (``app.webhooks.routes``).
        tags: The top-level ``tags`` (order and descriptions of the operations' tags).
        servers: The ``servers`` list.
        terms_of_service: ``info.termsOfService`` (a URL).
        contact: ``info.contact`` (``name``, ``url``, ``email``).
        license_info: ``info.license`` (``name``, and ``identifier`` or ``url``).
        separate_input_output_schemas: Name a model ``-Input``/``-Output`` when its
            validation and serialization schemas differ (False: one schema, the
            validation one).
        external_docs: The top-level ``externalDocs``.

    Returns:
        The document as JSON-ready data (``None`` values left out).

    Raises:
        HeronError: A route uses a type that has no JSON Schema (the message names the
            route and the type); no partial document is returned.
    """
    route_docs = [_route_doc(route) for route in _api_routes(routes)]
    webhook_docs = [_route_doc(route) for route in _api_routes(webhooks)]
    fields = [field for doc in route_docs + webhook_docs for field in doc.fields()]
    mapping, definitions = generate_schemas(fields, separate_input_output_schemas)
    context = _Context(mapping, separate_input_output_schemas, set())
    components: dict[str, Any] = {}
    paths = _paths(route_docs, context, components, definitions)
    webhook_paths = _paths(webhook_docs, context, components, definitions)
    info = _present(
        summary=summary,
        description=description,
        termsOfService=terms_of_service,
        contact=contact,
        license=license_info,
    )
    if definitions:
        components["schemas"] = {key: definitions[key] for key in sorted(definitions)}
    output: dict[str, Any] = {
        "openapi": openapi_version,
        "info": {"title": title, "version": version, **info},
        **_present(servers=servers, components=components),
        "paths": paths,
        **_present(webhooks=webhook_paths, tags=tags, externalDocs=external_docs),
    }
    return _finish(output)


def _paths(
    docs: list[_RouteDoc],
    context: _Context,
    components: dict[str, Any],
    definitions: dict[str, Any],
) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for doc in docs:
        item, needs_errors = _path_item(doc, context)
        if item:
            paths.setdefault(doc.route.path_format, {}).update(item)
        schemes = _security_schemes(doc)
        if schemes:
            components.setdefault("securitySchemes", {}).update(schemes)
        if needs_errors and "ValidationError" not in definitions:
            definitions["ValidationError"] = copy.deepcopy(VALIDATION_ERROR_DEFINITION)
            definitions["HTTPValidationError"] = copy.deepcopy(HTTP_VALIDATION_ERROR_DEFINITION)
    return paths


def _finish(output: dict[str, Any]) -> dict[str, Any]:
    """Check the document against the OpenAPI models and dump it without ``None`` values.

    COMPAT(fastapi): FastAPI also passes its document through these models, which is what
    drops every ``null`` (``"default": null`` included) and orders the keys.
    """
    document: dict[str, Any] = jsonable_encoder(
        OpenAPI.model_validate(output), by_alias=True, exclude_none=True
    )
    return document
