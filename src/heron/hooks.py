"""Request hooks (Flask's ``before_request``…) and what routers scope to their own routes.

Called by ``Heron.build_middleware_stack`` (:class:`AppHooks`, one layer inside the user
middleware, installed only when the app has hooks or request checks) and by
``heron._include`` when a router is included (:class:`RouterLayer`, a route middleware of
each of that router's routes); calls the route handlers. For one request::

    AppHooks: resolve the route → app.request_checks → app before hooks
      → [outer router middleware → outer RouterLayer: its before hooks
        → [inner router middleware → inner RouterLayer → route handler]]

After hooks run when the response starts (each layer wraps ``send`` and intercepts
``http.response.start``), so they see every response: the endpoint's, an exception
handler's, a file or a stream; the innermost layer's hooks run first, as Flask's
blueprint hooks do. Teardown hooks run when the layer is done, the response sent.

A router's exception handlers reach ``Heron.respond_to_exception`` through the scope
(``scope["heron.exception_handlers"]``, outermost router first): the only way an
exception raised deep in a route handler can learn which routers it is under.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, cast

from heron.concurrency import run_in_threadpool
from heron.exceptions import HeronError, HTTPError, WebSocketException
from heron.globals import context_var, shared_request
from heron.handlers import _flask_response, _respond_to_exception
from heron.middleware import Middleware
from heron.middleware.base import _replaying_receive
from heron.requests import Request
from heron.responses import Response
from heron.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from heron.applications import Heron
    from heron.cli import AppGroup
    from heron.routing import Router

__all__ = [
    "SCOPED_HANDLERS",
    "AppHooks",
    "HookDecorators",
    "RequestHooks",
    "RouterLayer",
    "RouterScope",
    "find_exception_handler",
    "flask_error_handler",
    "handler_key",
]

logger = logging.getLogger("heron.hooks")

_F = TypeVar("_F", bound=Callable[..., Any])

#: The scope key holding the exception handler mappings of the routers a route is under.
SCOPED_HANDLERS = "heron.exception_handlers"


def _required_positional(func: Callable[..., Any]) -> int:
    """How many positional parameters ``func`` requires (how it wants to be called)."""
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: the one-argument form
        return 1
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in parameters if p.kind in kinds and p.default is p.empty)


class _Hook:
    """A registered hook and how to call it (with the request or without)."""

    __slots__ = ("func", "is_async", "takes_request")

    def __init__(self, func: Callable[..., Any], takes_request: bool) -> None:
        self.func = func
        self.is_async = inspect.iscoroutinefunction(func)
        self.takes_request = takes_request

    async def __call__(self, *args: Any) -> Any:
        if self.is_async:
            return await self.func(*args)
        return await run_in_threadpool(self.func, *args)


@dataclass
class RequestHooks:
    """The hooks an app or a router registered.

    Attributes:
        before: Run before the endpoint, in registration order.
        after: Run when the response starts, in reverse registration order.
        teardown: Run after the response was sent, in reverse registration order.
    """

    before: list[_Hook] = field(default_factory=list)
    after: list[_Hook] = field(default_factory=list)
    teardown: list[_Hook] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.before or self.after or self.teardown)


# ---------------------------------------------------------------- exception handlers


def handler_key(key: Any) -> Any:
    """Heron's class for Starlette's exception classes, else ``key`` itself.

    COMPAT(fastapi): FastAPI's docs override the error handlers with
    ``@app.exception_handler(starlette.exceptions.HTTPException)``; after the rename to
    Heron that import remains, and must still catch every HTTP error (Heron has no Starlette).
    """
    if isinstance(key, type) and key.__module__ == "starlette.exceptions":
        return {"HTTPException": HTTPError, "WebSocketException": WebSocketException}.get(
            key.__name__, key
        )
    return key


def find_exception_handler(
    mappings: Sequence[Mapping[Any, Callable[..., Any]]], exc: Exception
) -> Callable[..., Any] | None:
    """The handler of ``exc`` among ``mappings`` (innermost router first, the app's last).

    Flask's order: a handler for the HTTP status code at any level wins over handlers by
    class; among those, the innermost level wins, and in a level the closest class of the
    exception's MRO.
    """
    if isinstance(exc, HTTPError):
        for mapping in mappings:
            handler = mapping.get(exc.status_code)
            if handler is not None:
                return handler
    mro = type(exc).__mro__
    for mapping in mappings:
        for cls in mro:
            handler = mapping.get(cls)
            if handler is not None:
                return handler
    return None


def flask_error_handler(func: Callable[..., Any]) -> Callable[..., Any]:
    """Adapt ``func`` to ``async (request, exc) -> Response``.

    ``func`` takes ``(error)`` (Flask) or ``(request, error)`` (FastAPI), sync or async, and
    may return Flask's values (``str``, ``dict``, ``(body, status)``…) or a ``Response``.
    """
    hook = _Hook(func, _required_positional(func) >= 2)

    @functools.wraps(func)
    async def handler(request: Any, exc: Exception) -> Response | None:
        result = await (hook(request, exc) if hook.takes_request else hook(exc))
        if result is None and request.scope["type"] == "websocket":
            return None  # a WebSocket handler closes the socket itself
        return _flask_response(result)

    return handler


# ---------------------------------------------------------------- the per-request exchange


class _StartedResponse(Response):
    """The response an after hook receives: status and headers of the started response.

    The body is not here: it is sent after the start message, as the endpoint or the
    stream produces it.
    """

    def __init__(self, message: Message) -> None:
        self.status_code = message["status"]
        self.raw_headers = list(message.get("headers", ()))
        self.background = None

    @property
    def body(self) -> bytes:  # type: ignore[override]
        """Not available: after hooks run before the body is sent."""
        raise HeronError(
            "response.body is not available in after_request hooks: they run when the "
            "response starts, before its body is sent. Change the status or the headers, "
            "or return another Response to replace it."
        )


class _Exchange:
    """One request passing one hook layer: the hooks' ``Request`` and the send that runs
    the after hooks when the response starts."""

    __slots__ = ("failed", "forwarded", "hooks", "receive", "replaced", "request", "scope", "send")

    def __init__(self, scope: Scope, receive: Receive, send: Send, hooks: RequestHooks) -> None:
        self.scope = scope
        self.receive = receive
        self.send = send
        self.hooks = hooks
        self.request: Request | None = None
        self.forwarded = False  # a response started downstream
        self.replaced = False  # an after hook replaced it: drop the original's body
        self.failed = False  # an after hook raised: later responses pass untouched

    def get_request(self) -> Request:
        """The request for hooks and checks: the endpoint's own one when globals are on."""
        if self.request is None:
            self.request = shared_request(Request(self.scope, self.receive, self.send))
        return self.request

    async def send_after(self, message: Message) -> None:
        """``send`` for the app inside the layer: after hooks run on ``http.response.start``."""
        if message["type"] == "http.response.start":
            if self.hooks.after and not self.failed:
                started = _StartedResponse(message)
                response = await self._after(started)
                if response is not started:
                    self.replaced = self.forwarded = True
                    await response(self.scope, self.receive, self.send)
                    return
                message = {**message, "status": started.status_code, "headers": started.raw_headers}
            self.forwarded = True
        elif self.replaced:
            return
        await self.send(message)

    async def _after(self, started: _StartedResponse) -> Response:
        """Run the after hooks on ``started``; returns it (changed) or its replacement."""
        response: Response = started
        try:
            for hook in reversed(self.hooks.after):
                args = (self.get_request(), response) if hook.takes_request else (response,)
                result = await hook(*args)
                if result is None:
                    continue
                if not isinstance(result, Response):
                    raise HeronError(
                        f"after_request hook {hook.func.__qualname__} returned "
                        f"{type(result).__name__}: return the response, another Response, "
                        "or None"
                    )
                response = result
        except Exception:
            self.failed = True
            raise
        return response

    def app_receive(self) -> Receive:
        """``receive`` for the app: replays the body when a hook or a check read it."""
        request = self.request
        if request is not None and (request._body is not None or request._stream_consumed):
            return _replaying_receive(request)
        return self.receive

    async def teardown(self, error: BaseException | None) -> None:
        """Run the teardown hooks; their own exceptions are logged, never raised."""
        for hook in reversed(self.hooks.teardown):
            try:
                await (hook(self.get_request(), error) if hook.takes_request else hook(error))
            except Exception:
                logger.exception("teardown_request hook %s failed", hook.func.__qualname__)


async def _before(
    exchange: _Exchange, checks: Sequence[Callable[[Request], Any]]
) -> Response | None:
    """Run the request checks and the before hooks; a hook's non-None value answers."""
    for check in checks:
        await check(exchange.get_request())
    for hook in exchange.hooks.before:
        result = await (hook(exchange.get_request()) if hook.takes_request else hook())
        if result is not None:
            return _flask_response(result)
    return None


async def _serve(
    hooks: RequestHooks,
    checks: Sequence[Callable[[Request], Any]],
    scope: Scope,
    receive: Receive,
    send: Send,
    app: ASGIApp,
) -> None:
    """One HTTP request through one hook layer: checks, before, the app, after, teardown."""
    exchange = _Exchange(scope, receive, send, hooks)
    error: BaseException | None = None
    try:
        try:
            early = await _before(exchange, checks)
        except Exception as exc:
            # As if the endpoint raised it: the exception handlers answer (or re-raise).
            await _respond_to_exception(scope, exchange.app_receive(), exchange.send_after, exc)
            return
        if early is not None:
            await early(scope, receive, exchange.send_after)
            return
        await _call_app(exchange, app)
    except Exception as exc:
        error = exc
        if not exchange.forwarded:
            await _server_error(exchange, exc)
        raise
    finally:
        if hooks.teardown:
            await exchange.teardown(error)


async def _call_app(exchange: _Exchange, app: ASGIApp) -> None:
    request = exchange.request
    if request is None or not request._stream_consumed or context_var.get() is not None:
        await app(exchange.scope, exchange.app_receive(), exchange.send_after)
        return
    # NOTE: a hook read the body as a stream (a form): the endpoint must get this same
    # Request, which the solver finds through the context globals (``shared_request``).
    app_ = exchange.scope.get("app")
    token = context_var.set([app_, exchange.scope, exchange.receive, exchange.send, request])
    try:
        await app(exchange.scope, exchange.app_receive(), exchange.send_after)
    finally:
        context_var.reset(token)


async def _server_error(exchange: _Exchange, exc: Exception) -> None:
    """Answer an unhandled exception with the 500 page, through the after hooks (Flask's
    habit: they see the 500 response too; ``exc`` is then raised for the server's log)."""
    responder = getattr(exchange.scope.get("app"), "server_error_response", None)
    if responder is None:
        return
    response: Response = await responder(Request(exchange.scope, exchange.receive), exc)
    await response(exchange.scope, exchange.receive, exchange.send_after)


class AppHooks:
    """The app's hook layer: route, request checks, before hooks, handler, after, teardown.

    It resolves the route first (``router.resolve_fast``), so before hooks and checks
    know ``request.scope["route"]``, ``path_params`` and ``endpoint`` in the common case.

    Args:
        app: The application (its ``request_hooks``, ``request_checks`` and ``router``).
        dispatch: What serves the other scope types (lifespan, WebSocket).
    """

    def __init__(self, app: Heron, dispatch: ASGIApp) -> None:
        self.app = app
        self.dispatch = dispatch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.dispatch(scope, receive, send)
            return
        router = self.app.router
        handler = router.resolve_fast(scope) or router._dispatch
        await _serve(self.app.request_hooks, self.app.request_checks, scope, receive, send, handler)


class RouterLayer:
    """A router's hooks and exception handlers around one of its routes (route middleware).

    Args:
        app: The route's app.
        router: The router whose hooks and handlers apply (read live: later
            registrations apply too).
    """

    def __init__(self, app: ASGIApp, router: RouterScope) -> None:
        self.app = app
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        router = self.router
        if router.exception_handlers:
            scope[SCOPED_HANDLERS] = (*scope.get(SCOPED_HANDLERS, ()), router.exception_handlers)
        hooks = router.request_hooks
        if scope["type"] != "http" or not hooks:
            await self.app(scope, receive, send)
            return
        await _serve(hooks, (), scope, receive, send, self.app)


# ---------------------------------------------------------------- registration


class HookDecorators:
    """Flask's hooks and error handlers, and the decorator forms of handler and middleware
    registration: shared by ``Heron`` and ``APIRouter``.

    Subclasses provide :meth:`add_exception_handler`, :meth:`add_middleware` and
    :meth:`_hooks_changed`.
    """

    @property
    def request_hooks(self) -> RequestHooks:
        """The hooks registered so far."""
        hooks: RequestHooks | None = self.__dict__.get("_request_hooks")
        if hooks is None:
            hooks = self.__dict__["_request_hooks"] = RequestHooks()
        return hooks

    def _hooks_changed(self) -> None:
        raise NotImplementedError

    def add_exception_handler(
        self, exc_class_or_status_code: int | type[Exception], handler: Callable[..., Any]
    ) -> None:
        """Register ``handler`` for an exception class or an HTTP status code."""
        raise NotImplementedError

    def add_middleware(self, middleware_class: Any, *args: Any, **kwargs: Any) -> None:
        """Add an ASGI middleware; the last added is the outermost."""
        raise NotImplementedError

    def before_request(self, func: _F) -> _F:
        """Register ``func()`` or ``func(request)``, run before each request's endpoint.

        Sync or async. A non-None return value is the response (Flask's conventions:
        ``str`` is HTML, ``dict`` JSON, ``(body, status[, headers])``…) and the endpoint
        is not called; an exception it raises (``abort(403)``…) is answered by the
        exception handlers as if the endpoint raised it.
        """
        self.request_hooks.before.append(_Hook(func, _required_positional(func) >= 1))
        self._hooks_changed()
        return func

    def after_request(self, func: _F) -> _F:
        """Register ``func(response)`` or ``func(request, response)``, run as a response starts.

        It may change ``response.status_code``, ``response.headers`` and cookies, and
        returns the response, another ``Response`` to send instead, or None (keep it).
        ``response.body`` is not available: the body is sent after the hooks ran.
        """
        self.request_hooks.after.append(_Hook(func, _required_positional(func) >= 2))
        self._hooks_changed()
        return func

    def teardown_request(self, func: _F) -> _F:
        """Register ``func(exc)`` or ``func(request, exc)``, run after the response was sent.

        Always runs; ``exc`` is the unhandled exception, or None (also when an exception
        handler answered the error). Its own exceptions are logged, not raised.
        """
        self.request_hooks.teardown.append(_Hook(func, _required_positional(func) >= 2))
        self._hooks_changed()
        return func

    def exception_handler(
        self, exc_class_or_status_code: int | type[Exception]
    ) -> Callable[[_F], _F]:
        """Decorator registering a handler ``(request, exc) -> Response``."""

        def decorator(func: _F) -> _F:
            self.add_exception_handler(exc_class_or_status_code, func)
            return func

        return decorator

    def errorhandler(self, code_or_exception: int | type[Exception]) -> Callable[[_F], _F]:
        """Flask's decorator: a handler ``(error)`` (or ``(request, error)``), sync or async.

        It may return Flask's values: ``render_template("404.html"), 404``, a ``dict``…
        (a ``str`` alone is answered with status 200, as in Flask).
        """

        def decorator(func: _F) -> _F:
            self.register_error_handler(code_or_exception, func)
            return func

        return decorator

    def register_error_handler(
        self, code_or_exception: int | type[Exception], func: Callable[..., Any]
    ) -> None:
        """The non-decorator form of :meth:`errorhandler`."""
        self.add_exception_handler(code_or_exception, flask_error_handler(func))

    def middleware(self, middleware_type: str) -> Callable[[_F], _F]:
        """Decorator for ``async def mw(request, call_next)`` HTTP middleware."""
        if middleware_type != "http":
            raise HeronError('Only middleware("http") is supported')

        def decorator(func: _F) -> _F:
            from heron.middleware.base import BaseHTTPMiddleware

            self.add_middleware(BaseHTTPMiddleware, dispatch=func)
            return func

        return decorator


_UNSET: Any = object()


class RouterScope(HookDecorators):
    """What a router keeps for its own routes: middleware, exception handlers, hooks, CLI.

    Mixed into ``APIRouter``; applied to the router's routes when it is included
    (:meth:`layers`), so registering after the inclusion works too.
    """

    def _init_scope(
        self,
        *,
        name: str | None,
        middleware: Sequence[Middleware] | None,
        exception_handlers: Mapping[Any, Callable[..., Any]] | None,
        cli_group: str | None,
    ) -> None:
        self.name = name
        self.user_middleware: list[Middleware] = list(middleware or ())
        self.exception_handlers: dict[Any, Callable[..., Any]] = {
            handler_key(key): handler for key, handler in (exception_handlers or {}).items()
        }
        self.cli_group = name if cli_group is _UNSET else cli_group

    def _hooks_changed(self) -> None:
        cast("Router", self).invalidate()

    def add_exception_handler(
        self, exc_class_or_status_code: int | type[Exception], handler: Callable[..., Any]
    ) -> None:
        """Register ``handler`` for exceptions raised by this router's routes.

        Consulted before the app's handlers (Flask's order: by status code at any level
        first, then by class, innermost router first).
        """
        self.exception_handlers[handler_key(exc_class_or_status_code)] = handler
        self._hooks_changed()

    def add_middleware(self, middleware_class: Any, *args: Any, **kwargs: Any) -> None:
        """Wrap this router's routes in an ASGI middleware; the last added is the outermost."""
        self.user_middleware.insert(0, Middleware(middleware_class, *args, **kwargs))
        self._hooks_changed()

    def layers(self) -> list[Middleware]:
        """The middleware this router puts around each of its routes, outermost first."""
        specs = list(self.user_middleware)
        if self.exception_handlers or self.request_hooks:
            specs.append(Middleware(RouterLayer, router=self))
        return specs

    @cached_property
    def cli(self) -> AppGroup:
        """The router's ``click`` group (Flask's ``blueprint.cli``).

        Its commands become ``heron <cli_group> <command>`` once the router is included
        in the app (top-level ``heron <command>`` when ``cli_group`` is None), and run with
        the app's lifespan and context as ``@app.cli.command()`` ones do.
        """
        from heron.cli import AppGroup

        return AppGroup(self.cli_group, help=f"The {self.cli_group or 'router'} commands.")
