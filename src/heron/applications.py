"""``Heron``, the application: settings, registration shortcuts, the middleware stack.

The composition root: the one module that wires the batteries (sessions, CSRF, forms,
templates, the CLI) into the core, which never imports them. The request path starts here
(``__call__``, see ``docs/architecture.md``)::

    __call__: the request's context (RequestContext), the context globals, the app's session
      → [ServerErrorMiddleware → user middleware] → AppHooks (when the app has hooks or
        request checks) → Router.resolve → route handler

Exceptions raised before a response starts are answered by
``heron.exception_handlers.respond_to_exception`` (called from the step that caught them).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from heron.blueprints import Blueprint, registration_options
from heron.config import Config, load_dotenv as load_env_file
from heron.csrf import install as install_csrf
from heron.datastructures import State, URLPath
from heron.decorators import RouteDecorators, TemplateDecorators
from heron.dependencies.analysis import get_dependant
from heron.dependencies.models import Dependant
from heron.exception_handlers import (
    app_500_handler,
    handler_key,
    http_exception_handler,
    request_validation_exception_handler,
    server_error_response,
    websocket_request_validation_exception_handler,
)
from heron.exceptions import (
    HeronError,
    HTTPError,
    RequestValidationError,
    WebSocketRequestValidationError,
)
from heron.forms import FormPage
from heron.globals import app_context, context_var, usage
from heron.handlers import plug_form_pages
from heron.hooks import HookDecorators
from heron.lifespan import LifespanRunner
from heron.middleware import Middleware
from heron.middleware.errors import ServerErrorMiddleware
from heron.middleware.hooks import AppHooks
from heron.middleware.sessions import SessionMiddleware
from heron.openapi.docs_routes import docs_routes
from heron.openapi.utils import get_openapi
from heron.requests import CONTEXT_KEY, Request, RequestContext
from heron.responses import JSONResponse, Response
from heron.routing import APIRouter, BaseRoute, Mount, Route
from heron.sessions import Session, SessionInterface
from heron.staticfiles import app_directory, install_static_folder, static_folder_route
from heron.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from collections.abc import Awaitable

    import jinja2
    from pydantic_settings import BaseSettings

    from heron.commands import AppGroup
    from heron.websockets import WebSocketOptions

# The forms battery renders the pages of ``form_template=`` routes (handlers never import it).
plug_form_pages(FormPage)

__all__ = ["Heron"]

_F = TypeVar("_F", bound=Callable[..., Any])
_Decorated = Callable[[Callable[..., Any]], Callable[..., Any]]

DEFAULT_MAX_BODY_SIZE = 16 * 1024 * 1024


class Heron(HookDecorators, RouteDecorators, TemplateDecorators):
    """The application: an ASGI 3 app with FastAPI's and Flask's registration styles.

    Args:
        import_name: The module creating the app (``Heron(__name__)``, as Flask): its
            directory holds ``templates/`` and ``static/``. Without it, the directory of
            the module whose code creates the app (the current directory in a REPL).
        debug: Show tracebacks in 500 responses (and reload changed templates).
        routes: Initial routes.
        title: API title (OpenAPI).
        version: API version (OpenAPI).
        summary: ``info.summary`` of the OpenAPI document.
        description: ``info.description`` (Markdown).
        openapi_url: Where the document is served (None: neither it nor the docs pages).
        openapi_tags: The document's top-level ``tags`` (descriptions, order).
        servers: The document's ``servers``.
        terms_of_service: ``info.termsOfService``.
        contact: ``info.contact``.
        license_info: ``info.license``.
        root_path_in_servers: Put the ASGI ``root_path`` first in the served ``servers``.
        separate_input_output_schemas: ``-Input``/``-Output`` schemas for models that
            validate and serialize differently (False: the validation schema only).
        openapi_external_docs: The document's ``externalDocs``.
        generate_unique_id_function: Makes each route's unique id (its ``operationId``).
        webhooks: An ``APIRouter`` whose routes are documented under ``webhooks``.
        docs_url: Swagger UI's page (None: no page); needs ``openapi_url``.
        redoc_url: ReDoc's page (None: no page); needs ``openapi_url``.
        swagger_ui_oauth2_redirect_url: Swagger UI's OAuth2 redirect page (with ``docs_url``).
        swagger_ui_init_oauth: Defaults for Swagger UI's "Authorize" dialog (``initOAuth``).
        swagger_ui_parameters: Swagger UI settings, over FastAPI's defaults.
        docs_cdn: Load the docs pages' JavaScript and CSS from FastAPI's CDN URLs instead
            of the copies the app serves itself (under ``docs_url`` and ``redoc_url``).
        middleware: Middleware specs, outermost first.
        exception_handlers: Handlers by exception class or status code.
        on_startup: Callables run at startup.
        on_shutdown: Callables run at shutdown.
        lifespan: ``lifespan(app)`` async context manager; a yielded mapping becomes
            ``request.state``.
        redirect_slashes: Redirect ``/path/`` ↔ ``/path`` when only the other exists.
        default_response_class: Response class of routes that do not choose one.
        root_path: The path prefix the app is served under behind a proxy.
        max_body_size: Largest request body read, in bytes (413 above it); None: no limit.
        body_read_timeout: Seconds a request body may take to arrive, from the first
            read (408 after it); None (the default): no limit of Heron's.
        websocket_options: Message size limit, invalid-message policy and allowed
            ``Origin`` values of WebSocket endpoints (``heron.websockets.WebSocketOptions``;
            16 MiB, "close" and the app's own origin when it has CSRF protection by default).
        dependencies: ``Depends(...)`` run for every route, results discarded.
        strict_content_type: Read a body without ``Content-Type`` as JSON only when False
            (FastAPI's check, on by default).
        secret_key: Turns on signed-cookie sessions (``request.session``, ``heron.session``,
            ``flash``) with the default options; also settable as ``app.secret_key`` before
            the first request. Add ``SessionMiddleware`` yourself for other options.
        csrf: Check CSRF tokens on unsafe requests from forms (``heron.csrf``); None (the
            default): on when ``secret_key`` is set.
        template_folder: Where ``render_template`` looks, relative to ``app_dir`` (or
            absolute); None: no folder.
        static_folder: A folder served at ``static_url_path`` by a route named
            ``static``, when it exists; relative to ``app_dir`` (or absolute).
        static_url_path: The URL prefix of the static folder (``/static`` by default).
        settings: A ``pydantic_settings.BaseSettings`` class (or instance) loaded into
            ``app.config`` after the other arguments (``app.config.from_settings``); its
            fields named like built-in keys (``debug``, ``secret_key``…) set them.
        **extra: Other FastAPI settings (``openapi_url``, ``docs_url``…), kept as attributes.
    """

    def __init__(
        self,
        import_name: str | None = None,
        /,
        *,
        debug: bool = False,
        routes: Sequence[BaseRoute] | None = None,
        title: str = "Heron",
        version: str = "0.1.0",
        summary: str | None = None,
        description: str = "",
        openapi_url: str | None = "/openapi.json",
        openapi_tags: list[dict[str, Any]] | None = None,
        servers: list[dict[str, Any]] | None = None,
        terms_of_service: str | None = None,
        contact: dict[str, Any] | None = None,
        license_info: dict[str, Any] | None = None,
        root_path_in_servers: bool = True,
        separate_input_output_schemas: bool = True,
        openapi_external_docs: dict[str, Any] | None = None,
        generate_unique_id_function: Callable[[Any], str] | None = None,
        webhooks: APIRouter | None = None,
        docs_url: str | None = "/docs",
        redoc_url: str | None = "/redoc",
        swagger_ui_oauth2_redirect_url: str | None = "/docs/oauth2-redirect",
        swagger_ui_init_oauth: dict[str, Any] | None = None,
        swagger_ui_parameters: dict[str, Any] | None = None,
        docs_cdn: bool = False,
        middleware: Sequence[Middleware] | None = None,
        exception_handlers: Mapping[Any, Callable[..., Any]] | None = None,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        lifespan: Callable[[Any], AbstractAsyncContextManager[Any]] | None = None,
        redirect_slashes: bool = True,
        default_response_class: type[Response] = JSONResponse,
        root_path: str = "",
        max_body_size: int | None = DEFAULT_MAX_BODY_SIZE,
        body_read_timeout: float | None = None,
        websocket_options: WebSocketOptions | None = None,
        dependencies: Sequence[Any] | None = None,
        strict_content_type: bool = True,
        secret_key: str | bytes | None = None,
        csrf: bool | None = None,
        template_folder: str | None = "templates",
        static_folder: str | None = "static",
        static_url_path: str | None = None,
        settings: type[BaseSettings] | BaseSettings | None = None,
        **extra: Any,
    ) -> None:
        self.debug = debug
        self.title = title
        self.version = version
        self.summary = summary
        self.description = description
        self.openapi_url = openapi_url
        self.openapi_tags = openapi_tags
        self.servers = servers or []
        self.terms_of_service = terms_of_service
        self.contact = contact
        self.license_info = license_info
        self.root_path_in_servers = root_path_in_servers
        self.separate_input_output_schemas = separate_input_output_schemas
        self.openapi_external_docs = openapi_external_docs
        self.openapi_version = "3.1.0"
        self.openapi_schema: dict[str, Any] | None = None
        self._openapi_routes: list[BaseRoute] = []
        self.webhooks = webhooks or APIRouter()
        self.docs_url = docs_url
        self.redoc_url = redoc_url
        self.swagger_ui_oauth2_redirect_url = swagger_ui_oauth2_redirect_url
        self.swagger_ui_init_oauth = swagger_ui_init_oauth
        self.swagger_ui_parameters = swagger_ui_parameters
        self.docs_cdn = docs_cdn
        self.root_path = root_path
        self.max_body_size = max_body_size
        self.body_read_timeout = body_read_timeout
        self.websocket_options = websocket_options
        self.extra = extra
        self.secret_key = secret_key
        self.csrf = csrf
        # DEBUG, SECRET_KEY, MAX_BODY_SIZE, ROOT_PATH are views of the attributes above.
        self.config = Config(self)
        self.state = State()
        self.import_name = import_name
        self.app_dir = app_directory(import_name)
        self.template_folder = template_folder
        self.static_folder = static_folder and os.path.join(self.app_dir, static_folder)
        self.static_url_path = static_url_path
        if static_url_path is None and static_folder is not None:
            self.static_url_path = "/" + os.path.basename(static_folder.rstrip("/\\"))
        # Added to the routes at the first request, after the app's own (see staticfiles).
        self._static_route = static_folder_route(self.static_folder, self.static_url_path)
        self.router = APIRouter(
            routes=routes,
            redirect_slashes=redirect_slashes,
            default_response_class=default_response_class,
            dependencies=list(dependencies or []),
            strict_content_type=strict_content_type,
            **_router_doc_options(extra, generate_unique_id_function),
        )
        self.dependency_overrides: dict[Callable[..., Any], Callable[..., Any]] = {}
        self.user_middleware: list[Middleware] = list(middleware or [])
        self.exception_handlers: dict[Any, Callable[..., Any]] = {
            HTTPError: http_exception_handler,
            RequestValidationError: request_validation_exception_handler,
            WebSocketRequestValidationError: websocket_request_validation_exception_handler,
        }
        for key, handler in (exception_handlers or {}).items():
            self.exception_handlers[handler_key(key)] = handler
        #: Run for every HTTP request before the before_request hooks, in order, with the
        #: Request (the route resolved); they raise HTTP errors (a CSRF check…), answered by
        #: the exception handlers. A check with a ``methods`` attribute runs only for those
        #: methods. Append before the first request.
        self.request_checks: list[Callable[[Request], Awaitable[None]]] = []
        #: How the app's own sessions travel (``secret_key``; set when the app starts).
        self.session_interface: SessionInterface | None = None
        #: The origins WebSocket endpoints accept besides the app's own, when their
        #: ``WebSocketOptions.allowed_origins`` is None: None (any), or those listed
        #: (``heron.csrf`` sets ``()`` where the session cookie authenticates).
        self.websocket_origins: Sequence[str] | None = None
        #: Form keys that are Heron's, not the endpoints' (``heron.csrf`` adds its token's).
        self.reserved_form_fields: frozenset[str] = frozenset()
        #: Whether unhandled errors get their 500 page from the step that caught them (no
        #: ServerErrorMiddleware in the stack); decided when the stack is built.
        self.answers_500 = False
        self._lifespan = LifespanRunner(lifespan, on_startup or [], on_shutdown or [])
        self.middleware_stack: ASGIApp | None = None
        self._with_context = False
        self._install_openapi_route()
        self._install_docs_routes()
        if settings is not None:
            self.config.from_settings(settings)

    # ------------------------------------------------------------ OpenAPI

    def openapi(self) -> dict[str, Any]:
        """The app's OpenAPI document, generated on first use and kept in ``openapi_schema``.

        It is generated again when routes were added since. Override this method, or set
        ``app.openapi_schema``, to serve another document (FastAPI's "Extending OpenAPI").

        Raises:
            HeronError: A route uses a type that has no JSON Schema (names the route).
        """
        routes = [*self.routes, *self.webhooks.routes]
        unchanged = len(routes) == len(self._openapi_routes) and all(
            a is b for a, b in zip(routes, self._openapi_routes, strict=True)
        )
        if not self.openapi_schema or not unchanged:
            self.openapi_schema = get_openapi(
                title=self.title,
                version=self.version,
                openapi_version=self.openapi_version,
                summary=self.summary,
                description=self.description,
                terms_of_service=self.terms_of_service,
                contact=self.contact,
                license_info=self.license_info,
                routes=self.routes,
                webhooks=self.webhooks.routes,
                tags=self.openapi_tags,
                servers=self.servers,
                separate_input_output_schemas=self.separate_input_output_schemas,
                external_docs=self.openapi_external_docs,
            )
            self._openapi_routes = routes
        return self.openapi_schema

    def _install_openapi_route(self) -> None:
        """Serve the document at ``openapi_url`` (not itself documented)."""
        if not self.openapi_url:
            return

        async def openapi(request: Request) -> Response:
            # COMPAT(fastapi): behind a proxy (ASGI ``root_path``) the served document
            # lists that prefix first in ``servers``, so "Try it out" calls the right URL.
            root_path = request.scope.get("root_path", "").rstrip("/")
            document = self.openapi()
            if root_path and self.root_path_in_servers:
                urls = {server.get("url") for server in document.get("servers", [])}
                if root_path not in urls:
                    servers = [{"url": root_path}, *document.get("servers", [])]
                    document = {**document, "servers": servers}
            return JSONResponse(document)

        self.add_route(self.openapi_url, openapi, include_in_schema=False)

    def _install_docs_routes(self) -> None:
        """Serve Swagger UI, ReDoc and their files (see ``heron.openapi.docs_routes``)."""
        for route in docs_routes(self):
            self.router.add_route(route)

    # ------------------------------------------------------------ ASGI entry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection (HTTP, WebSocket or lifespan) through the app.

        The middleware stack is built on the first call; the app's ``root_path`` applies
        when the server sends none.
        """
        scope["app"] = self
        # An empty root_path is none (test clients and servers send ""): the app's applies.
        if self.root_path and not scope.get("root_path"):
            scope["root_path"] = self.root_path
        stack = self.middleware_stack
        if stack is None:
            stack = self.middleware_stack = self.build_middleware_stack()
        if scope["type"] == "lifespan":
            await stack(scope, receive, send)
        elif self._with_context or usage.enabled:
            await self._serve_in_context(scope, receive, send, stack)
        elif stack is self.router:
            # PERF: an API app without middleware: no context here (a route handler makes
            # one if it needs it) and the route's handler awaited directly (one coroutine
            # less per request; plaintext in-process: -0.3 µs).
            await self.router.resolve(scope)(scope, receive, send)
        else:
            await stack(scope, receive, send)

    async def _serve_in_context(
        self, scope: Scope, receive: Receive, send: Send, stack: ASGIApp
    ) -> None:
        """Serve a connection with its context made here.

        The context globals read it, and the app's own session is saved as the response
        starts.

        PERF: the context globals' ContextVar set and reset cost ~2,900 CPU instructions
        per request (+12 % on plaintext in-process); apps without sessions, hooks, request
        checks or globals never come here.
        """
        outer = scope.get(CONTEXT_KEY)  # a mounting app's: restored for its own steps
        ctx = RequestContext(self, scope, receive, send)
        if self.session_interface is not None and scope["type"] == "http":
            send = ctx.send = self._saving_session(ctx, send)
        token = context_var.set(ctx)
        try:
            if stack is self.router:
                await self.router.resolve(scope)(scope, receive, send)
            else:
                await stack(scope, receive, send)
        finally:
            context_var.reset(token)
            if outer is not None:
                scope[CONTEXT_KEY] = outer

    def _saving_session(self, ctx: RequestContext, send: Send) -> Send:
        """``send`` with the app's session saved into the response start.

        Flask's ``save_session``: a cookie only when a step loaded and changed the session.
        """
        interface = self.session_interface
        assert interface is not None
        failed = False

        async def send_with_session(message: Message) -> None:
            nonlocal failed
            if failed:
                return  # the response was replaced by a 500 page
            if message["type"] == "http.response.start" and isinstance(
                session := ctx.session_loaded, Session
            ):
                try:
                    message = await interface.save_session(session, message)
                except Exception as exc:
                    # As ServerErrorMiddleware would: the 500 page on the client's socket
                    # (SessionTooLarge names the size), then the error for the server's log.
                    failed = True
                    response = await server_error_response(
                        ctx.request, exc, app_500_handler(self), debug=self.debug
                    )
                    await response(ctx.scope, ctx.receive, send)
                    raise
            await send(message)

        return send_with_session

    def build_middleware_stack(self) -> ASGIApp:
        """Wire the batteries in and compose the stack, once (at the first request).

        The stack is ServerErrorMiddleware, the user middleware, the hook layer (when the
        app has hooks or request checks) and the router. With no user middleware and
        ``debug=False`` the stack is the hook layer or the router alone: the step that
        catches an unhandled error answers the 500 itself (it knows no response started),
        which spares ServerErrorMiddleware's send wrapper.
        """
        install_static_folder(self)
        install_csrf(self)  # its check joins request_checks when protection is on
        self.session_interface = self._own_sessions()
        hooked = bool(self.request_checks or self.request_hooks)
        app: ASGIApp = AppHooks(self, self._dispatch) if hooked else self._dispatch
        self._with_context = hooked or self.session_interface is not None
        if not self.user_middleware and not self.debug:
            # PERF: the router itself is the stack: -4 Python calls per request (this
            # layer, ServerErrorMiddleware and its tracking send). Lifespan scopes reach
            # the router, which hands them back to _dispatch.
            self.answers_500 = True
            self.router.lifespan_app = self._dispatch
            return app if hooked else self.router
        self.answers_500 = False
        for spec in reversed(self.user_middleware):
            app = spec.build(app)
        return ServerErrorMiddleware(app, handler=app_500_handler(self), debug=self.debug)

    def _own_sessions(self) -> SessionInterface | None:
        """Flask's habit: a secret key is all cookie sessions need.

        None without a key, or when the app added a ``SessionMiddleware`` itself: its
        options win.
        """
        if not self.secret_key:
            return None
        for spec in self.user_middleware:
            if isinstance(spec.cls, type) and issubclass(spec.cls, SessionMiddleware):
                return None
        return SessionInterface(self.secret_key)

    def _hooks_changed(self) -> None:
        self.middleware_stack = None

    def _check_middleware_open(self) -> None:
        if self.middleware_stack is not None:
            raise HeronError("Cannot add middleware after an application has started")

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(self, scope, receive, send)
            return
        await self.router.resolve(scope)(scope, receive, send)

    def override_plan(self, dependant: Dependant, path_param_names: Collection[str]) -> Dependant:
        """The plan of this app's override of ``dependant`` (``dependency_overrides``).

        Analysed once per override and security scopes, then reused.
        """
        replacement = self.dependency_overrides[dependant.call]
        plans: dict[Any, Dependant] = self.__dict__.setdefault("_override_plans", {})
        key = (replacement, tuple(dependant.security_scopes))
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = get_dependant(
                replacement,
                path_param_names,
                security_scopes=dependant.security_scopes,
                use_cache=dependant.use_cache,
                scope=dependant.scope,
            )
        return plan

    # ------------------------------------------------------------ lifespan

    def on_event(self, event_type: str) -> Callable[[_F], _F]:
        """Decorator adding a ``"startup"`` or ``"shutdown"`` handler."""

        def decorator(func: _F) -> _F:
            self.add_event_handler(event_type, func)
            return func

        return decorator

    def add_event_handler(self, event_type: str, func: Callable[[], Any]) -> None:
        """Add a ``"startup"`` or ``"shutdown"`` handler."""
        if event_type == "startup":
            self._lifespan.on_startup.append(func)
        elif event_type == "shutdown":
            self._lifespan.on_shutdown.append(func)
        else:
            raise HeronError(f"Unknown event type {event_type!r}")

    # ------------------------------------------------------------ routes

    @property
    def routes(self) -> list[BaseRoute]:
        """Every route, in matching order."""
        return self.router.routes

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        """The path of route ``name`` (strict: only its path parameters)."""
        install_static_folder(self)  # before the first request too
        return self.router.url_path_for(name, **path_params)

    def url_for(self, name: str, /, **params: Any) -> str:
        """Flask's ``url_for``: path parameters fill the path, the rest become the query.

        ``_anchor`` adds a fragment. ``url_for("static", filename=...)`` works when a
        ``static`` mount exists.
        """
        install_static_folder(self)  # before the first request too
        anchor = params.pop("_anchor", None)
        if (name == "static" or name.endswith(".static")) and "filename" in params:
            params["path"] = params.pop("filename")  # the app's or a blueprint's folder
        route_params, query = _split_params(self.routes, name, params)
        path = self.url_path_for(name, **route_params)
        url = self.root_path + str(path)
        if query:
            url += "?" + urlencode(query, doseq=True)
        if anchor:
            url += f"#{anchor}"
        return url

    def add_route(
        self,
        path: str,
        route: Callable[..., Any],
        methods: Collection[str] | None = None,
        name: str | None = None,
        include_in_schema: bool = True,
    ) -> None:
        """Register a Starlette-style endpoint ``(request) -> Response``."""
        self.router.add_route(
            Route(path, route, methods=methods, name=name, include_in_schema=include_in_schema)
        )

    def add_websocket_route(
        self, path: str, route: Callable[..., Any], name: str | None = None
    ) -> None:
        """Register a Starlette-style WebSocket endpoint ``(websocket)``."""
        self.router.add_websocket_route(path, route, name=name)

    def mount(self, path: str, app: ASGIApp, name: str | None = None) -> None:
        """Serve any ASGI app under ``path`` (use ``heron.wsgi.WSGIMiddleware`` for WSGI)."""
        self.router.add_route(Mount(path, app=app, name=name))

    def host(self, host: str, app: ASGIApp, name: str | None = None) -> None:
        """Serve ``app`` for requests whose ``Host`` matches ``host``."""
        self.router.host(host, app, name=name)

    def include_router(self, router: APIRouter, **options: Any) -> None:
        """Serve ``router``'s routes (see :meth:`APIRouter.include_router`)."""
        self.router.include_router(router, **options)

    def register_blueprint(self, blueprint: Any, **options: Any) -> None:
        """Flask's name for :meth:`include_router`: serve a ``Blueprint``'s (or router's) routes.

        Args:
            blueprint: A :class:`heron.Blueprint` (or any ``APIRouter``).
            **options: ``url_prefix`` (for a blueprint created without one), and
                ``include_router``'s options (``tags``, ``dependencies``…).

        Raises:
            HeronError: It is registered already, a ``url_prefix`` would replace the
                blueprint's own, or an option only Flask's blueprints have (``name``,
                ``subdomain``, ``url_defaults``): ``heron.flask`` has those.
        """
        # NOTE: `blueprint` is typed Any because heron.flask's Flask (a Heron) takes its own
        # Blueprint class here; a narrower type would make that override incompatible.
        router: APIRouter = blueprint
        if any(included is router for included in self.router.included_routers()):
            raise HeronError(
                f"{router.name or 'This router'!r} is registered already; registering a "
                "blueprint again under another name= is Flask's (heron.flask)"
            )
        self.include_router(router, **registration_options(router, options))
        if isinstance(router, Blueprint):
            router.registered(self)  # its before_app_request… hooks

    def add_api_route(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        """Register an endpoint whose arguments come from its signature."""
        self.router.add_api_route(path, endpoint, **options)

    def api_route(
        self, path: str, *, methods: Collection[str] | None = None, **options: Any
    ) -> _Decorated:
        """Decorator form of :meth:`add_api_route`."""
        return self.router.api_route(path, methods=methods, **options)

    def add_api_websocket_route(
        self, path: str, endpoint: Callable[..., Any], name: str | None = None, **options: Any
    ) -> None:
        """Register a WebSocket endpoint whose arguments come from its signature."""
        self.router.add_api_websocket_route(path, endpoint, name=name, **options)

    def websocket_route(self, path: str, name: str | None = None) -> _Decorated:
        """Decorator for a Starlette-style WebSocket endpoint."""

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            self.add_websocket_route(path, func, name=name)
            return func

        return decorator

    # ------------------------------------------------------------ templates

    @property
    def jinja_env(self) -> jinja2.Environment:
        """The Jinja environment of ``render_template`` (created on first use)."""
        # PERF: Jinja2 takes ~50 ms to import; apps that render no template never load it.
        from heron.templating import app_environment

        return app_environment(self)

    def render_error_template(self, names: list[str], context: dict[str, Any]) -> str | None:
        """The first of ``names`` the template folder has, rendered; None when none exists.

        How ``heron.error_pages`` renders ``errors/<status>.html`` (it never imports the
        template battery).
        """
        if self.template_folder is None:
            return None
        # PERF: Jinja2 takes ~50 ms to import; apps that render no template never load it.
        from heron.templating import render_first

        return render_first(names, context)

    def app_context(self) -> AbstractContextManager[Heron]:
        """``current_app``, ``g`` and ``url_for`` outside a request (Flask's ``app_context``).

        For scripts, CLI commands and tests: ``with app.app_context(): ...``.
        """
        return app_context(self)

    @cached_property
    def cli(self) -> AppGroup:
        """The app's ``click`` group: ``@app.cli.command()`` adds a ``heron`` subcommand.

        Commands run with the app's lifespan and app context (see ``heron.commands``).
        """
        # PERF: click takes ~33 ms to import; only programs with commands pay for it.
        from heron.commands import AppGroup

        return AppGroup(app=self, help=f"Commands of {self.title}.")

    # ------------------------------------------------------------ serving

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        *,
        reload: bool = False,
        workers: int | None = None,
        log_level: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Serve the app with uvicorn for development (Flask's ``app.run``).

        Under the ``heron`` command (``heron run``, ``heron routes``…, which import the
        module) a call at module level only says the command serves the app, as Flask's.

        Args:
            host: Interface to bind (``127.0.0.1``).
            port: Port to bind (8000).
            debug: Set ``app.debug`` (tracebacks on 500 pages, templates reloaded) and
                uvicorn's debug log; no reloader (``heron run --reload`` has one).
            load_dotenv: First load the nearest ``.env`` (:func:`heron.config.load_dotenv`).
            reload: Restart on code changes (needs an import string; see ``heron run``).
            workers: Worker processes (needs an import string; see ``heron run``).
            log_level: uvicorn's log level (``debug`` with ``debug``, else ``info``).
            **kwargs: Passed to ``uvicorn.run``; Flask's ``use_reloader``,
                ``use_debugger`` and ``threaded`` are understood.

        Raises:
            HeronError: ``use_reloader=True``: uvicorn reloads from an import string.
        """
        if os.environ.get("HERON_RUN_FROM_CLI") == "true":
            message = " * Ignoring a call to 'app.run()': the 'heron' command serves the app."
            print(message, file=sys.stderr)
            return
        if load_dotenv:
            load_env_file()
        if debug is not None:
            self.debug = bool(debug)
        _werkzeug_options(kwargs)
        # PERF: uvicorn (and uvloop, httptools) load only for the app that serves itself.
        import uvicorn

        uvicorn.run(
            self,
            host=host or "127.0.0.1",
            port=port or 8000,
            workers=workers,
            reload=reload,
            log_level=log_level or ("debug" if self.debug else "info"),
            **kwargs,
        )


def _werkzeug_options(kwargs: dict[str, Any]) -> None:
    """Take Flask's (Werkzeug's) ``app.run`` options out of ``kwargs``.

    COMPAT(flask): ``use_debugger`` (``debug`` shows tracebacks) and ``threaded`` (an ASGI
    server is concurrent) need nothing; ``use_reloader`` needs ``heron run --reload``.
    """
    kwargs.pop("use_debugger", None)
    kwargs.pop("threaded", None)
    if kwargs.pop("use_reloader", None):
        raise HeronError(
            "app.run(use_reloader=True): uvicorn reloads an app it imports by name; run "
            "`heron run module:app --reload` (Flask's Werkzeug reloader is not used)"
        )


def _split_params(
    routes: Sequence[BaseRoute], name: str, params: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split ``params`` into the path parameters route ``name`` takes and the rest."""
    wanted = _path_param_names(routes, name)
    if wanted is None:
        return params, {}
    route_params = {k: v for k, v in params.items() if k in wanted}
    query = {k: v for k, v in params.items() if k not in wanted and v is not None}
    return route_params, query


def _path_param_names(routes: Sequence[BaseRoute], name: str) -> set[str] | None:
    for route in routes:
        if route.name == name and hasattr(route, "param_convertors"):
            names = set(route.param_convertors)
            if isinstance(route, Mount):
                names.add("path")
            return names
        child_routes = getattr(route, "routes", None)
        if child_routes and isinstance(route, Mount):
            prefix = f"{route.name}:" if route.name else ""
            if name.startswith(prefix):
                found = _path_param_names(child_routes, name[len(prefix) :])
                if found is not None:
                    return found | set(route.param_convertors) - {"path"}
    return None


def _router_doc_options(
    extra: dict[str, Any], generate_unique_id_function: Callable[[Any], str] | None
) -> dict[str, Any]:
    """FastAPI's app-level route options (``responses``, ``callbacks``…) for the app's router."""
    options: dict[str, Any] = {
        key: extra.pop(key)
        for key in ("responses", "callbacks", "deprecated", "include_in_schema")
        if key in extra
    }
    if generate_unique_id_function is not None:
        options["generate_unique_id_function"] = generate_unique_id_function
    return options
