"""Routes and the router: Starlette's routing layer (matching and dispatch, no API layer).

Called by ``heron.routing`` (whose API routes and ``APIRouter`` build on these classes) and
by ``applications.Heron`` through ``Router.resolve``; calls the route handlers built by
``handlers`` (HTTP) and ``websockets`` (WebSocket). Matching is compiled once per router
version (``matching.Matcher``): static paths are a dict lookup, dynamic paths one combined
regex whose matching alternative names the route, so a request never scans routes one by
one. Mounts and hosts keep their registration order around those compiled blocks.
:meth:`Router.resolve` is the one place a request's route is found; the router's 404,
405 and slash redirects are answered through ``heron.exception_handlers``.
"""

from __future__ import annotations

import functools
import inspect
import re
import weakref
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from heron.convertors import compile_path, flask_to_heron_path
from heron.datastructures import URL, Headers, URLPath
from heron.exception_handlers import respond_to_exception
from heron.exceptions import HeronError, HTTPError, NoMatchFound, WebSocketException
from heron.handlers import request_response
from heron.matching import Match, Matcher, iter_matches
from heron.requests import RequestContext
from heron.responses import RedirectResponse
from heron.types import ASGIApp, Receive, Scope, Send
from heron.websockets import websocket_session

if TYPE_CHECKING:
    from heron._include import RouterInclude
    from heron.middleware import Middleware
    from heron.routing import APIRouter

__all__ = [
    "BaseRoute",
    "Host",
    "Match",
    "Mount",
    "PathRoute",
    "Route",
    "Router",
    "WebSocketRoute",
    "endpoint_name",
    "get_route_path",
    "methods_with_head",
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


def endpoint_name(endpoint: Any) -> str:
    """A route's default name: the endpoint's ``__name__``, or its class name."""
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
        """Serve ``scope`` as an app of its own: handle it if this route matches, else 404."""
        match, child_scope = self.matches(scope)
        if match is Match.NONE:
            await _not_found(scope, receive, send)
            return
        scope.update(child_scope)
        await self.handle(scope, receive, send)


class PathRoute(BaseRoute):
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
        """Match the scope type and path; a method the route does not allow is ``PARTIAL``."""
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
        """The path of this route, when ``name`` is its name, built from ``path_params``.

        Raises:
            NoMatchFound: Another name, or not exactly this route's parameters.
        """
        if name != self.name or set(path_params) != set(self.param_convertors):
            raise NoMatchFound(name, path_params)
        path = self.path_format.format(
            **{k: self.param_convertors[k].to_string(v) for k, v in path_params.items()}
        )
        return URLPath(path, protocol="http" if self.scope_type == "http" else "websocket")


class Route(PathRoute):
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
        super().__init__(path, endpoint_name(endpoint) if name is None else name)
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
        self.methods = methods_with_head(methods)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Call the endpoint's app, or answer 405 to a method the route does not allow."""
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


def methods_with_head(methods: Collection[str] | None) -> frozenset[str] | None:
    """The methods, upper-case, with ``HEAD`` wherever ``GET`` is (None stays None)."""
    if methods is None:
        return None
    upper = {m.upper() for m in methods}
    if "GET" in upper:
        upper.add("HEAD")
    return frozenset(upper)


class WebSocketRoute(PathRoute):
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
        super().__init__(path, endpoint_name(endpoint) if name is None else name)
        self.endpoint = endpoint
        if inspect.isfunction(endpoint) or inspect.ismethod(endpoint):
            self.app: ASGIApp = websocket_session(endpoint)
        else:
            self.app = endpoint
        self.middleware = list(middleware or ())
        for spec in reversed(self.middleware):
            self.app = spec.build(self.app)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hand the WebSocket to the endpoint's app (inside the route's middleware)."""
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


def _child_url(
    own_name: str | None, routes: Sequence[BaseRoute], name: str, params: dict[str, Any]
) -> URLPath | None:
    """The path of ``name`` among a mount's or host's ``routes``; None when none has it.

    ``name`` is ``"own_name:child"``, or any child's name when the mount has no name.
    """
    if own_name is None:
        child_name = name
    elif name.startswith(own_name + ":"):
        child_name = name[len(own_name) + 1 :]
    else:
        return None
    for route in routes:
        try:
            return route.url_path_for(child_name, **params)
        except NoMatchFound:
            continue
    return None


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
        """Match the path prefix; the child scope moves the prefix into ``root_path``."""
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
        """The path of route ``name`` below the mount.

        ``"mount_name:child"`` names a route of the mounted app (plain ``child`` when the
        mount has no name); the mount's own name with a ``path`` parameter gives that path
        below the mount (``url_path_for("static", path="app.css")``).

        Raises:
            NoMatchFound: No route below the mount has that name and those parameters.
        """
        own = {k: v for k, v in path_params.items() if k in self.param_convertors and k != "path"}
        prefix = self.path_format.replace("/{path}", "").format(
            **{k: self.param_convertors[k].to_string(v) for k, v in own.items()}
        )
        if self.name is not None and name == self.name and "path" in path_params:
            rest = str(path_params["path"]).lstrip("/")
            if set(path_params) - {"path"} == set(own):
                return URLPath(f"{prefix}/{rest}", protocol="http")
        rest_params = {k: v for k, v in path_params.items() if k not in own}
        url = _child_url(self.name, self.routes, name, rest_params)
        if url is None:
            raise NoMatchFound(name, path_params)
        return URLPath(prefix + str(url), protocol=url.protocol)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hand the scope to the mounted app (inside the mount's middleware)."""
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
        """Match the ``Host`` header (port ignored) against the host pattern."""
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
        """The URL of route ``name`` in the host's app, with the host filled in.

        ``"host_name:child"`` names a route of the host's app (plain ``child`` when the host
        route has no name); the parameters of the host pattern fill it.

        Raises:
            NoMatchFound: No route of the host's app has that name and those parameters.
        """
        own = {k: v for k, v in path_params.items() if k in self.param_convertors}
        rest = {k: v for k, v in path_params.items() if k not in own}
        host = self.host_format.format(
            **{k: self.param_convertors[k].to_string(v) for k, v in own.items()}
        )
        url = _child_url(self.name, self.routes, name, rest)
        if url is None:
            raise NoMatchFound(name, path_params)
        return URLPath(str(url), protocol=url.protocol, host=host)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hand the scope to the host's app."""
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
            if by_method is not None:
                route, params = by_method.get(scope["method"]), {}
            else:
                route, params = head.find_dynamic(path, scope["method"]) or (None, {})
            if route is not None:
                outer = scope.get("path_params")
                scope["path_params"] = {**outer, **params} if outer else params
                scope["endpoint"] = route.endpoint  # type: ignore[attr-defined]
                # COMPAT(starlette): the matched route, for metrics (``scope["route"].path``).
                scope["route"] = route
                return route.app  # type: ignore[attr-defined,no-any-return]
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
        """Serve ``scope`` with the app :meth:`resolve` finds; lifespan goes to ``lifespan_app``.

        Raises:
            HeronError: A lifespan scope reached a router without a lifespan app.
        """
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
