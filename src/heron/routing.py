"""FastAPI's routing layer: API routes and ``APIRouter``.

API routes take their arguments from the endpoint's signature. This module is also the
public home of every routing name (``heron.routing.Route``…).

Called by apps and routers at registration (``@app.get``…, ``include_router``); calls
``dependencies.analysis`` (the endpoint's plan, once), ``handlers.APIHandler`` and
``websockets.websocket_api_handler`` (the per-request steps), and builds on
``heron.routes`` (Starlette's route classes and the ``Router`` that matches and
dispatches), whose names it re-exports: FastAPI and Starlette code import them from here.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any

from heron._include import RouterInclude
from heron._route_options import inherit_options, set_route_doc_options
from heron.decorators import RouteDecorators, TemplateDecorators
from heron.dependencies.analysis import add_route_dependencies, analyze_endpoint, finish_endpoint
from heron.exceptions import HeronError
from heron.handlers import APIHandler, route_handler_app
from heron.hooks import _UNSET as _DEFAULT_GROUP, RouterScope
from heron.matching import Match
from heron.responses import JSONResponse, Response
from heron.routes import (
    BaseRoute,
    Host,
    Mount,
    PathRoute,
    Route,
    Router,
    WebSocketRoute,
    endpoint_name,
    get_route_path,
    methods_with_head,
)
from heron.serialization import serializer_for
from heron.types import ASGIApp
from heron.utils import generate_unique_id
from heron.websockets import websocket_api_handler

if TYPE_CHECKING:
    from heron.middleware import Middleware
    from heron.requests import Request

__all__ = [
    "APIRoute",
    "APIRouter",
    "APIWebSocketRoute",
    "BaseRoute",
    "Host",
    "Match",
    "Mount",
    "Route",
    "Router",
    "WebSocketRoute",
    "get_route_path",
]


class APIRoute(Route):
    """An HTTP route whose arguments come from the endpoint's signature (FastAPI style).

    Args:
        path: The path, with ``{name}`` or ``{name:convertor}`` parameters (Flask's
            ``<int:name>`` too).
        endpoint: Any function; its arguments are read from the path, the query string,
            the body or injected by annotation.
        methods: Allowed methods (``["GET"]`` by default).
        name: The route name (the endpoint's name by default).
        response_class: Wraps return values that are not a ``Response``.
        status_code: Status of a successful response.
        flask_style: Use Flask's return conventions (``str`` is HTML, tuples…).
        include_in_schema: Whether OpenAPI lists it.
        **options: FastAPI's documentation options (``tags``, ``summary``, ``response_model``
            …), kept for the OpenAPI layer.
    """

    is_api_route = True
    # FastAPI's documentation attributes, set from the options (see heron._route_options).
    summary: str | None
    description: str
    response_description: str
    responses: dict[int | str, dict[str, Any]]
    deprecated: bool | None
    operation_id: str | None
    openapi_extra: dict[str, Any] | None
    callbacks: list[BaseRoute] | None
    generate_unique_id_function: Callable[[Any], str] | None
    openapi_methods: list[str]

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Collection[str] | None = None,
        name: str | None = None,
        response_class: type[Response] | None = None,
        status_code: int | None = None,
        flask_style: bool = False,
        include_in_schema: bool = True,
        middleware: Sequence[Middleware] | None = None,
        **options: Any,
    ) -> None:
        # COMPAT(fastapi): any path, for OpenAPI callbacks ("{$callback_url}/invoices") and
        # webhooks ("new-subscription"), which are documented and never served.
        name = endpoint_name(endpoint) if name is None else name
        PathRoute.__init__(self, path, name, any_path=True)
        self.endpoint = endpoint
        self.include_in_schema = include_in_schema
        set_route_doc_options(self, methods, options)
        self.response_class = response_class or JSONResponse
        self.status_code = status_code
        self.flask_style = flask_style
        self.options = options
        self.tags: list[str] = list(options.get("tags") or [])
        # NOTE: GET routes answer HEAD, FastAPI's too (FastAPI answers 405 there): HTTP says
        # GET resources support HEAD, and monitors use it. Listed in docs/compatibility.md.
        self.methods = methods_with_head(methods or ["GET"])
        self.dependant = analyze_endpoint(endpoint, self.param_convertors)
        self.dependencies = list(options.get("dependencies") or [])
        add_route_dependencies(self.dependant, self.dependencies, self.param_convertors)
        finish_endpoint(
            self.dependant, strict_content_type=options.get("strict_content_type", True)
        )
        self.handler = APIHandler(
            self.dependant,
            response_class=self.response_class,
            status_code=status_code,
            flask_style=flask_style,
            serializer=serializer_for(self.dependant, options, flask_style),
            form_template=options.get("form_template"),
        )
        self.app: ASGIApp = self.handler.app  # the entry the handler chose for this route
        if type(self).get_route_handler is not APIRoute.get_route_handler:
            # COMPAT(fastapi): a route class wrapping get_route_handler() (custom Request
            # classes, response post-processing) is served through its wrapper; the others
            # keep the direct path.
            self.app = route_handler_app(self.get_route_handler())
        self.middleware = list(middleware or ())
        for spec in reversed(self.middleware):
            self.app = spec.build(self.app)

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        """FastAPI's route handler: ``async (request) -> response``, not yet sent.

        Override it in an ``APIRoute`` subclass (``APIRouter(route_class=...)``) to wrap it.
        """
        return self.handler.respond

    @property
    def unique_id(self) -> str:
        """``operation_id``, else the ``generate_unique_id_function``'s id for this route."""
        return self.operation_id or (self.generate_unique_id_function or generate_unique_id)(self)

    def with_prefix(self, prefix: str, **overrides: Any) -> APIRoute:
        """A copy of this route under ``prefix`` (used by ``include_router``).

        ``middleware=`` in ``overrides`` goes around the route's own (a router's layers).
        """
        options = {**self.options, **overrides}
        middleware = [*options.pop("middleware", ()), *self.middleware]
        include_in_schema = options.pop("include_in_schema", True) and self.include_in_schema
        options["tags"] = [*overrides.get("tags", []), *self.tags]
        options["dependencies"] = [*overrides.get("dependencies", []), *self.dependencies]
        methods = self.methods - {"HEAD"} if self.methods else None
        if self.methods and "HEAD" in self.methods and "GET" not in self.methods:
            methods = self.methods
        return type(self)(
            prefix + self.path,
            self.endpoint,
            methods=methods,
            name=self.name,
            response_class=options.pop("response_class", self.response_class),
            status_code=self.status_code,
            flask_style=self.flask_style,
            include_in_schema=include_in_schema,
            middleware=middleware,
            **{k: v for k, v in options.items() if k != "response_class"},
        )


class APIWebSocketRoute(WebSocketRoute):
    """A WebSocket route whose arguments come from the endpoint's signature.

    Path, query, header and cookie parameters and ``Depends`` work as on HTTP routes;
    invalid ones close the socket with 1008 (``WebSocketRequestValidationError``).

    Args:
        path: The path.
        endpoint: ``async def endpoint(websocket: WebSocket, ...)``.
        name: The route name.
        dependencies: ``Depends(...)`` run first, results discarded.
        middleware: Middleware wrapping only this route.
    """

    is_api_websocket_route = True

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        name: str | None = None,
        dependencies: Sequence[Any] | None = None,
        middleware: Sequence[Middleware] | None = None,
    ) -> None:
        PathRoute.__init__(self, path, endpoint_name(endpoint) if name is None else name)
        self.endpoint = endpoint
        self.dependencies = list(dependencies or [])
        self.dependant = analyze_endpoint(endpoint, self.param_convertors)
        add_route_dependencies(self.dependant, self.dependencies, self.param_convertors)
        self.app = websocket_api_handler(self.dependant)
        self.middleware = list(middleware or ())
        for spec in reversed(self.middleware):
            self.app = spec.build(self.app)

    def with_prefix(self, prefix: str, **overrides: Any) -> APIWebSocketRoute:
        """A copy of this route under ``prefix`` (``middleware=`` around its own)."""
        dependencies = [*overrides.get("dependencies", []), *self.dependencies]
        middleware = [*overrides.get("middleware", ()), *self.middleware]
        return type(self)(
            prefix + self.path,
            self.endpoint,
            name=self.name,
            dependencies=dependencies,
            middleware=middleware,
        )


_Decorated = Callable[[Callable[..., Any]], Callable[..., Any]]


class APIRouter(RouterScope, RouteDecorators, TemplateDecorators, Router):
    """A group of routes with shared settings; include it in an app or another router.

    Works as FastAPI's ``APIRouter`` and as a Flask blueprint: routes added after the
    router was included are served too, and its hooks (``before_request``…), middleware
    and exception handlers apply to its routes only (see ``heron.hooks``).

    Args:
        prefix: Path prefix of every route.
        tags: OpenAPI tags added to every route.
        default_response_class: Response class for routes that do not choose one.
        routes: Initial routes.
        redirect_slashes: Redirect ``/path/`` ↔ ``/path`` when only the other exists.
        default: The app serving unmatched requests.
        route_class: The class of routes created by the decorators.
        include_in_schema: Whether OpenAPI lists these routes.
        name: The router's name (its ``cli`` group's name by default).
        middleware: Middleware wrapping each of its routes, outermost first.
        exception_handlers: Handlers by exception class or status code for its routes,
            consulted before the app's.
        cli_group: The name of the ``heron`` subcommand group of :attr:`cli` (``name`` by
            default); None puts its commands at the top level.
        **options: Other FastAPI options (``dependencies``, ``responses``…), kept for the API layer.
    """

    def __init__(
        self,
        *,
        prefix: str = "",
        tags: Sequence[str | Enum] | None = None,
        default_response_class: type[Response] | None = None,
        routes: Sequence[BaseRoute] | None = None,
        redirect_slashes: bool = True,
        default: ASGIApp | None = None,
        route_class: type[APIRoute] = APIRoute,
        include_in_schema: bool = True,
        name: str | None = None,
        middleware: Sequence[Middleware] | None = None,
        exception_handlers: Mapping[Any, Callable[..., Any]] | None = None,
        cli_group: str | None = _DEFAULT_GROUP,
        **options: Any,
    ) -> None:
        super().__init__(routes=routes, redirect_slashes=redirect_slashes, default=default)
        self._init_scope(
            name=name,
            middleware=middleware,
            exception_handlers=exception_handlers,
            cli_group=cli_group,
        )
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise HeronError("A path prefix must start with '/' and must not end with '/'")
        self.prefix = prefix
        self.tags: list[str | Enum] = list(tags or [])
        self.default_response_class = default_response_class or JSONResponse
        # COMPAT(fastapi): an explicit default beats the one of a router including this one.
        self._explicit_default = default_response_class is not None
        self.route_class = route_class
        self.include_in_schema = include_in_schema
        self.extra_options = options

    def add_api_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Collection[str] | None = None,
        name: str | None = None,
        response_class: type[Response] | None = None,
        status_code: int | None = None,
        include_in_schema: bool = True,
        tags: Sequence[str | Enum] | None = None,
        flask_style: bool = False,
        route_class_override: type[APIRoute] | None = None,
        **options: Any,
    ) -> None:
        """Register ``endpoint`` at ``prefix + path``."""
        route_class = route_class_override or self.route_class
        route = route_class(
            self.prefix + path,
            endpoint,
            methods=methods,
            name=name,
            response_class=response_class or self.default_response_class,
            status_code=status_code,
            response_class_declared=response_class is not None or self._explicit_default,
            include_in_schema=include_in_schema and self.include_in_schema,
            flask_style=flask_style,
            tags=[*self.tags, *(tags or [])],
            **{
                "strict_content_type": self.extra_options.get("strict_content_type", True),
                **options,
                **inherit_options(self.extra_options, options),
                "dependencies": [
                    *self.extra_options.get("dependencies", []),
                    *options.get("dependencies", []),
                ],
            },
        )
        self.add_route(route)

    def api_route(
        self, path: str, *, methods: Collection[str] | None = None, **options: Any
    ) -> _Decorated:
        """Decorator form of :meth:`add_api_route`."""

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            self.add_api_route(path, func, methods=methods, **options)
            return func

        return decorator

    def add_api_websocket_route(
        self, path: str, endpoint: Callable[..., Any], name: str | None = None, **options: Any
    ) -> None:
        """Register a WebSocket endpoint at ``prefix + path``."""
        dependencies = [
            *self.extra_options.get("dependencies", []),
            *options.get("dependencies", []),
        ]
        route = APIWebSocketRoute(
            self.prefix + path, endpoint, name=name, dependencies=dependencies
        )
        self.add_route(route)

    def add_websocket_route(
        self, path: str, endpoint: Callable[..., Any], name: str | None = None
    ) -> None:
        """Register a Starlette-style WebSocket endpoint (takes the WebSocket)."""
        self.add_route(WebSocketRoute(self.prefix + path, endpoint, name=name))

    def include_router(
        self,
        router: APIRouter,
        *,
        prefix: str = "",
        tags: Sequence[str | Enum] | None = None,
        default_response_class: type[Response] | None = None,
        **options: Any,
    ) -> None:
        """Serve ``router``'s routes under ``prefix``; later additions to it are served too."""
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise HeronError("A path prefix must start with '/' and must not end with '/'")
        if router is self:
            raise HeronError("A router cannot include itself")
        dependencies = [
            *self.extra_options.get("dependencies", []),
            *options.pop("dependencies", []),
        ]
        link = RouterInclude(
            router,
            self.prefix + prefix,
            {
                "tags": [*self.tags, *(tags or [])],
                "default_response_class": default_response_class
                or (self.default_response_class if self._explicit_default else None),
                "dependencies": dependencies,
                **options,
                **inherit_options(self.extra_options, options),
                "include_in_schema": self.include_in_schema
                and options.get("include_in_schema", True),
            },
        )
        router._parents.append(weakref.ref(self))
        self._includes.append((len(self._routes), link))
        self.invalidate()
