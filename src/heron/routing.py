"""Routes and routers: registration, matching, dispatch — nothing else.

Called by ``applications.Heron`` (the innermost app of its middleware stack, and its hook
layer, which resolves the route first); calls the route handlers built by ``handlers``
(HTTP) and ``websockets`` (WebSocket). Matching is compiled once per router version
(``matching.Matcher``): static paths are a dict lookup, dynamic paths one combined regex
whose matching alternative names the route, so a request never scans routes one by one.
Mounts and hosts keep their registration order around those compiled blocks.
:meth:`Router.resolve` is the one place a request's route is found; the router's 404,
405 and slash redirects are answered through ``heron.exception_handlers``.
"""

from __future__ import annotations

import functools
import inspect
import re
import weakref
from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any

from heron._include import RouterInclude
from heron._route_options import inherit_options, set_route_doc_options
from heron.convertors import compile_path, flask_to_heron_path
from heron.datastructures import URL, Headers, URLPath
from heron.decorators import RouteDecorators, TemplateDecorators
from heron.dependencies.analysis import add_route_dependencies, analyze_endpoint, finish_endpoint
from heron.exception_handlers import respond_to_exception
from heron.exceptions import HeronError, HTTPError, NoMatchFound, WebSocketException
from heron.handlers import APIHandler, request_response, route_handler_app
from heron.hooks import _UNSET as _DEFAULT_GROUP, RouterScope
from heron.matching import Match, Matcher, iter_matches
from heron.requests import RequestContext
from heron.responses import JSONResponse, RedirectResponse, Response
from heron.serialization import serializer_for
from heron.types import ASGIApp, Receive, Scope, Send
from heron.utils import generate_unique_id
from heron.websockets import websocket_api_handler, websocket_session

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


def get_route_path(scope: Scope) -> str:
    """The path below the application's mount point (``path`` minus ``root_path``)."""
    path: str = scope["path"]
    root_path = scope.get("root_path", "")
    if not root_path:
        return path
    if path.startswith(root_path) and (len(path) == len(root_path) or path[len(root_path)] == "/"):
        return path[len(root_path) :]
    return path


def _endpoint_name(endpoint: Any) -> str:
    if inspect.isroutine(endpoint) or inspect.isclass(endpoint):
        return str(endpoint.__name__)
    return type(endpoint).__name__


class BaseRoute:
    """Something a router can match a scope against."""

    path: str = ""
    name: str | None = None
    include_in_schema: bool = False
    is_path_route = False  # a Route or WebSocketRoute, compiled into the matcher's blocks
    # What include_router gives its copies (see heron._include): FastAPI's route options.
    is_api_route = False
    is_api_websocket_route = False

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Whether this route handles ``scope``, and the scope keys it sets."""
        raise NotImplementedError

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """The path of route ``name`` with these parameters."""
        raise NotImplementedError

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a scope this route matched."""
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match, child_scope = self.matches(scope)
        if match is Match.NONE:
            await _not_found(scope, receive, send)
            return
        scope.update(child_scope)
        await self.handle(scope, receive, send)


class _PathRoute(BaseRoute):
    """A route at one compiled path (HTTP or WebSocket)."""

    scope_type = "http"
    methods: frozenset[str] | None = None
    is_path_route = True

    def __init__(self, path: str, name: str | None, *, any_path: bool = False) -> None:
        if not path.startswith("/") and not any_path:
            raise HeronError(f"Routed paths must start with '/': {path!r}")
        self.path = flask_to_heron_path(path)  # one spelling for url building and OpenAPI
        self.name = name
        regex, self.path_format, self.param_convertors = compile_path(self.path)
        self.path_regex_source = regex
        self.path_regex = re.compile(f"^{regex}\\Z")
        self.is_static = not self.param_convertors

    def convert_params(self, raw: Mapping[str, str]) -> dict[str, Any]:
        """Apply the converters to the captured strings."""
        return {name: conv.convert(raw[name]) for name, conv in self.param_convertors.items()}

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != self.scope_type:
            return Match.NONE, {}
        match = self.path_regex.match(get_route_path(scope))
        if match is None:
            return Match.NONE, {}
        params = dict(scope.get("path_params", {}))
        params.update(self.convert_params(match.groupdict()))
        child = {"endpoint": getattr(self, "endpoint", None), "path_params": params}
        if self.methods is not None and scope["method"] not in self.methods:
            return Match.PARTIAL, child
        return Match.FULL, child

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if name != self.name or set(path_params) != set(self.param_convertors):
            raise NoMatchFound(name, path_params)
        path = self.path_format.format(
            **{k: self.param_convertors[k].to_string(v) for k, v in path_params.items()}
        )
        return URLPath(path, protocol="http" if self.scope_type == "http" else "websocket")


class Route(_PathRoute):
    """An HTTP route whose endpoint takes a ``Request`` (or is an ASGI app).

    Args:
        path: The path, with ``{name:convertor}`` parameters.
        endpoint: ``async def endpoint(request) -> Response`` (sync allowed), or an ASGI app.
        methods: Allowed methods; ``["GET"]`` by default. ``GET`` implies ``HEAD``.
        name: The route name for ``url_path_for``; the endpoint's name by default.
        include_in_schema: Whether OpenAPI lists it.
        middleware: Middleware wrapping only this route.
    """

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
        middleware: Sequence[Middleware] | None = None,
    ) -> None:
        super().__init__(path, _endpoint_name(endpoint) if name is None else name)
        self.endpoint = endpoint
        self.include_in_schema = include_in_schema
        target = endpoint
        while isinstance(target, functools.partial):
            target = target.func
        if inspect.isfunction(target) or inspect.ismethod(target):
            self.app: ASGIApp = request_response(endpoint)
            if methods is None:
                methods = ["GET"]
        else:
            self.app = endpoint
        self.middleware = list(middleware or ())  # kept for the copies include_router makes
        for spec in reversed(self.middleware):
            self.app = spec.build(self.app)
        self.methods = _with_head(methods)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.methods is not None and scope["method"] not in self.methods:
            await _method_not_allowed(scope, receive, send, methods=self.methods)
            return
        await self.app(scope, receive, send)

    def with_prefix(self, prefix: str, *, middleware: Sequence[Middleware] = ()) -> Route:
        """A copy under ``prefix``, inside ``middleware`` (used by ``include_router``)."""
        return Route(
            prefix + self.path,
            self.endpoint,
            methods=self.methods,
            name=self.name,
            include_in_schema=self.include_in_schema,
            middleware=[*middleware, *self.middleware],
        )

    def __repr__(self) -> str:
        methods = sorted(self.methods or [])
        return f"{type(self).__name__}(path={self.path!r}, name={self.name!r}, methods={methods!r})"


def _with_head(methods: Collection[str] | None) -> frozenset[str] | None:
    if methods is None:
        return None
    upper = {m.upper() for m in methods}
    if "GET" in upper:
        upper.add("HEAD")
    return frozenset(upper)


class WebSocketRoute(_PathRoute):
    """A WebSocket route whose endpoint takes a ``WebSocket`` (or is an ASGI app).

    Args:
        path: The path, with ``{name:convertor}`` parameters.
        endpoint: ``async def endpoint(websocket)``, or an ASGI app.
        name: The route name.
        middleware: Middleware wrapping only this route.
    """

    scope_type = "websocket"

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        name: str | None = None,
        middleware: Sequence[Middleware] | None = None,
    ) -> None:
        super().__init__(path, _endpoint_name(endpoint) if name is None else name)
        self.endpoint = endpoint
        if inspect.isfunction(endpoint) or inspect.ismethod(endpoint):
            self.app: ASGIApp = websocket_session(endpoint)
        else:
            self.app = endpoint
        self.middleware = list(middleware or ())
        for spec in reversed(self.middleware):
            self.app = spec.build(self.app)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    def with_prefix(
        self, prefix: str, *, middleware: Sequence[Middleware] = ()
    ) -> WebSocketRoute:
        """A copy under ``prefix``, inside ``middleware`` (used by ``include_router``)."""
        return WebSocketRoute(
            prefix + self.path,
            self.endpoint,
            name=self.name,
            middleware=[*middleware, *self.middleware],
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(path={self.path!r}, name={self.name!r})"


class Mount(BaseRoute):
    """Serve everything under ``path`` with another app or a list of routes.

    Args:
        path: The mount point (``""`` or ``/prefix``), may hold parameters.
        app: Any ASGI app (another Heron app, a Starlette app, a WSGI app wrapped by a2wsgi…).
        routes: Routes to serve under the prefix, instead of ``app``.
        name: The mount name; ``url_path_for("name:child")`` reaches its routes.
        middleware: Middleware wrapping only this mount.
    """

    def __init__(
        self,
        path: str,
        app: ASGIApp | None = None,
        routes: Sequence[BaseRoute] | None = None,
        name: str | None = None,
        *,
        middleware: Sequence[Middleware] | None = None,
    ) -> None:
        if path not in ("",) and not path.startswith("/"):
            raise HeronError(f"Routed paths must start with '/': {path!r}")
        if (app is None) == (routes is None):
            raise HeronError("Mount takes either an 'app' or 'routes'")
        self.path = path.rstrip("/")
        self.name = name
        self._base_app: ASGIApp = app if app is not None else Router(routes=routes)
        self.app = self._base_app
        for spec in reversed(middleware or ()):
            self.app = spec.build(self.app)
        regex, self.path_format, self.param_convertors = compile_path(self.path + "/{path:path}")
        self.path_regex = re.compile(f"^{regex}\\Z")

    @property
    def routes(self) -> list[BaseRoute]:
        """The routes of the mounted app, when it has any."""
        return list(getattr(self._base_app, "routes", []))

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] not in ("http", "websocket"):
            return Match.NONE, {}
        route_path = get_route_path(scope)
        match = self.path_regex.match(route_path)
        if match is None:
            return Match.NONE, {}
        captured = match.groupdict()
        remaining = "/" + captured.pop("path")
        matched_prefix = route_path[: len(route_path) - len(remaining)]
        params = dict(scope.get("path_params", {}))
        params.update({k: self.param_convertors[k].convert(v) for k, v in captured.items()})
        root_path = scope.get("root_path", "")
        child: Scope = {
            "path_params": params,
            "app_root_path": scope.get("app_root_path", root_path),
            "root_path": root_path + matched_prefix,
            "endpoint": self.app,
        }
        return Match.FULL, child

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        own = {k: v for k, v in path_params.items() if k in self.param_convertors and k != "path"}
        prefix = self.path_format.replace("/{path}", "").format(
            **{k: self.param_convertors[k].to_string(v) for k, v in own.items()}
        )
        if self.name is not None and name == self.name and "path" in path_params:
            rest = str(path_params["path"]).lstrip("/")
            if set(path_params) - {"path"} == set(own):
                return URLPath(f"{prefix}/{rest}", protocol="http")
        child_name: str | None = None
        if self.name is None:
            child_name = name
        elif name.startswith(self.name + ":"):
            child_name = name[len(self.name) + 1 :]
        if child_name is not None:
            rest_params = {k: v for k, v in path_params.items() if k not in own}
            for route in self.routes:
                try:
                    url = route.url_path_for(child_name, **rest_params)
                except NoMatchFound:
                    continue
                return URLPath(prefix + str(url), protocol=url.protocol)
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    def with_prefix(self, prefix: str, *, middleware: Sequence[Middleware] = ()) -> Mount:
        """A copy under ``prefix``, inside ``middleware`` (used by ``include_router``)."""
        return Mount(prefix + self.path, app=self.app, name=self.name, middleware=middleware)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(path={self.path!r}, name={self.name!r}, app={self.app!r})"


class Host(BaseRoute):
    """Serve requests whose ``Host`` matches ``host`` with ``app``.

    Args:
        host: The host pattern, may hold parameters (``{subdomain}.example.com``); the port
            is ignored.
        app: The ASGI app to serve it.
        name: The host route name.
    """

    def __init__(self, host: str, app: ASGIApp, name: str | None = None) -> None:
        if host.startswith("/"):
            raise HeronError("Host must not start with '/'")
        self.host = host
        self.app = app
        self.name = name
        regex, self.host_format, self.param_convertors = compile_path(host)
        self.host_regex = re.compile(f"^{regex}\\Z")

    @property
    def routes(self) -> list[BaseRoute]:
        """The routes of the host's app, when it has any."""
        return list(getattr(self.app, "routes", []))

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] not in ("http", "websocket"):
            return Match.NONE, {}
        host = Headers(raw=scope["headers"]).get("host", "").split(":")[0]
        match = self.host_regex.match(host)
        if match is None:
            return Match.NONE, {}
        params = dict(scope.get("path_params", {}))
        params.update(
            {k: self.param_convertors[k].convert(v) for k, v in match.groupdict().items()}
        )
        return Match.FULL, {"path_params": params, "endpoint": self.app}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        own = {k: v for k, v in path_params.items() if k in self.param_convertors}
        rest = {k: v for k, v in path_params.items() if k not in own}
        host = self.host_format.format(
            **{k: self.param_convertors[k].to_string(v) for k, v in own.items()}
        )
        child_name: str | None = None
        if self.name is None:
            child_name = name
        elif name.startswith(self.name + ":"):
            child_name = name[len(self.name) + 1 :]
        if child_name is not None:
            for route in self.routes:
                try:
                    url = route.url_path_for(child_name, **rest)
                except NoMatchFound:
                    continue
                return URLPath(str(url), protocol=url.protocol, host=host)
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


# ---------------------------------------------------------------- router


class Router:
    """An ordered list of routes, and the ASGI app that dispatches to them.

    Args:
        routes: Initial routes.
        redirect_slashes: Redirect ``/path/`` to ``/path`` (or back) when only the other exists.
        default: The ASGI app for unmatched requests (404 by default).
    """

    def __init__(
        self,
        routes: Sequence[BaseRoute] | None = None,
        redirect_slashes: bool = True,
        default: ASGIApp | None = None,
    ) -> None:
        self._routes: list[BaseRoute] = list(routes or [])
        self.redirect_slashes = redirect_slashes
        self.default: ASGIApp = default if default is not None else _not_found
        self._matcher: Matcher | None = None
        self._parents: list[weakref.ref[Router]] = []
        # Included routers stay live links: (position among own routes, link).
        self._includes: list[tuple[int, RouterInclude]] = []
        self._flat: list[BaseRoute] | None = None
        self.lifespan_app: ASGIApp | None = None

    # -- the route list

    @property
    def routes(self) -> list[BaseRoute]:
        """The routes, in matching order, included routers' routes flattened in place."""
        if not self._includes:
            return self._routes
        if self._flat is None:
            flat: list[BaseRoute] = []
            includes = iter(self._includes)
            pending = next(includes, None)
            for index in range(len(self._routes) + 1):
                while pending is not None and pending[0] == index:
                    flat.extend(pending[1].flatten())
                    pending = next(includes, None)
                if index < len(self._routes):
                    flat.append(self._routes[index])
            self._flat = flat
        return self._flat

    @routes.setter
    def routes(self, routes: list[BaseRoute]) -> None:
        self._routes = routes
        self._includes = []
        self.invalidate()

    def invalidate(self) -> None:
        """Forget the compiled matcher (of this router and of routers including it)."""
        self._matcher = None
        self._flat = None
        for ref in self._parents:
            parent = ref()
            if parent is not None:
                parent.invalidate()

    def add_route(self, route: BaseRoute) -> None:
        """Append a route."""
        self._routes.append(route)
        self.invalidate()

    def mount(self, path: str, app: ASGIApp, name: str | None = None) -> None:
        """Serve ``app`` under ``path``."""
        self.add_route(Mount(path, app=app, name=name))

    def host(self, host: str, app: ASGIApp, name: str | None = None) -> None:
        """Serve ``app`` for requests to ``host``."""
        self.add_route(Host(host, app=app, name=name))

    def included_routers(self) -> Iterator[APIRouter]:
        """The routers included in this one, depth first."""
        for _, link in self._includes:
            yield link.router
            yield from link.router.included_routers()

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """The path of route ``name`` with these path parameters.

        Raises:
            NoMatchFound: No route has that name and exactly those parameters.
        """
        for route in self.routes:
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                pass
        raise NoMatchFound(name, path_params)

    # -- dispatch

    def _compiled(self) -> Matcher:
        matcher = self._matcher
        if matcher is None:
            matcher = self._matcher = Matcher(self.routes)
        return matcher

    def resolve(self, scope: Scope) -> ASGIApp:
        """The app that answers ``scope``: the matched route's, else a 405, a redirect or 404.

        Sets the scope's ``route``, ``endpoint`` and ``path_params`` when a route matches.
        The common case (an HTTP request fully matched by the first block of path routes)
        is one dict lookup or one regex; the rest goes through every candidate in order.
        """
        matcher = self._matcher
        if matcher is None:
            matcher = self._compiled()
        head = matcher.head
        if head is not None and scope["type"] == "http":
            path = get_route_path(scope) if scope.get("root_path") else scope["path"]
            # PERF: a static path is one dict lookup, here (a call less per request).
            by_method = head.fast_static.get(path)
            found = head.find(path, scope["method"]) if by_method is None else None
            route = by_method.get(scope["method"]) if by_method is not None else None
            if route is not None or found is not None:
                params: dict[str, Any] = {}
                if found is not None:
                    route, params = found
                outer = scope.get("path_params")
                scope["path_params"] = {**outer, **params} if outer else params
                scope["endpoint"] = route.endpoint  # type: ignore[union-attr]
                # COMPAT(starlette): the matched route, for metrics (``scope["route"].path``).
                scope["route"] = route
                return route.app  # type: ignore[union-attr,no-any-return]
        return self._resolve_in_order(scope)

    def _resolve_in_order(self, scope: Scope) -> ASGIApp:
        """The general path: every candidate in order, partial matches, slashes, 404."""
        if "router" not in scope:
            scope["router"] = self
        path = get_route_path(scope)
        partial: tuple[BaseRoute, Scope] | None = None
        allowed: set[str] = set()  # the methods of every route at the path, for a 405
        for route, match, child in iter_matches(self._compiled(), scope, path):
            if match is Match.FULL:
                scope.update(child)
                scope["route"] = route
                return route.handle
            allowed.update(getattr(route, "methods", None) or ())
            if partial is None:
                partial = route, child
        if partial is not None:
            route, child = partial
            scope.update(child)
            scope["route"] = route
            # NOTE: RFC 9110's Allow lists every method the path supports; FastAPI's lists
            # the first route's only (docs/compatibility.md).
            return functools.partial(_method_not_allowed, methods=allowed)
        if self.redirect_slashes and path != "/" and scope["type"] == "http":
            other = path.rstrip("/") if path.endswith("/") else path + "/"
            if any(True for _ in iter_matches(self._compiled(), {**scope, "path": other}, other)):
                return functools.partial(_redirect_to, new_path=other, path=path)
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            if self.lifespan_app is None:
                raise HeronError("Router does not handle lifespan; use Heron(lifespan=...)")
            await self.lifespan_app(scope, receive, send)
            return
        await self.resolve(scope)(scope, receive, send)


async def _redirect_to(
    scope: Scope, receive: Receive, send: Send, *, new_path: str, path: str
) -> None:
    url = URL(scope=scope)
    full = url.path[: len(url.path) - len(path)] + new_path if url.path.endswith(path) else new_path
    # Never "//host/...": a Location starting with two slashes sends the browser to another
    # site (the trailing-slash open redirect of several peers).
    full = "/" + full.lstrip("/")
    response = RedirectResponse(url=str(url.replace(path=full)))
    await response(scope, receive, send)


# ---------------------------------------------------------------- fallbacks


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    ctx = RequestContext.of(scope, receive, send)
    if scope["type"] == "websocket":
        await respond_to_exception(ctx, WebSocketException(code=1000))
        return
    await respond_to_exception(ctx, HTTPError(404))


async def _method_not_allowed(
    scope: Scope, receive: Receive, send: Send, *, methods: Collection[str]
) -> None:
    headers = {"Allow": ", ".join(sorted(methods))}
    ctx = RequestContext.of(scope, receive, send)
    await respond_to_exception(ctx, HTTPError(405, headers=headers))


# ---------------------------------------------------------------- the API layer


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
        name = _endpoint_name(endpoint) if name is None else name
        _PathRoute.__init__(self, path, name, any_path=True)
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
        self.methods = _with_head(methods or ["GET"])
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
        _PathRoute.__init__(self, path, _endpoint_name(endpoint) if name is None else name)
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
