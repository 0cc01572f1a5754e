"""The hook layers: request checks, before, after and teardown hooks around a route.

Called by the application (:class:`AppHooks`, one layer inside the user middleware,
installed only when the app has hooks or request checks) and by the routes of an included
router (:class:`RouterLayer`, a route middleware installed only when that router has hooks
or exception handlers); calls the route's app. Registration is ``heron.hooks``'s. For one
HTTP request::

    AppHooks: context → match the route → request checks → app before hooks
      → [outer router middleware → outer RouterLayer: its handlers, its before hooks
        → [inner router middleware → inner RouterLayer → route handler]]

After hooks run when the response starts (each layer gives the app inside a ``send`` that
intercepts ``http.response.start``), so they see every response: the endpoint's, an
exception handler's, a file or a stream; the innermost layer's hooks run first, as Flask's
blueprint hooks do. Teardown hooks run when the layer is done, the response sent.

Every step takes the connection's :class:`~heron.requests.RequestContext`: the checks and
hooks get its one ``Request`` (a body or form a check read is there for the endpoint), and
a router's exception handlers join ``ctx.exception_handlers``, where
``heron.exception_handlers`` looks.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from heron.concurrency import run_in_threadpool
from heron.exception_handlers import app_500_handler, respond_to_exception, server_error_response
from heron.exceptions import HeronError
from heron.requests import Request, RequestContext
from heron.responses import Response, make_response
from heron.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from heron.applications import Heron
    from heron.hooks import RequestHooks, RouterScope

__all__ = ["AppHooks", "Hook", "RouterLayer", "required_positional", "serve"]

logger = logging.getLogger("heron.hooks")

Check = Callable[[Request], Any]


def required_positional(func: Callable[..., Any]) -> int:
    """How many positional parameters ``func`` requires (how it wants to be called)."""
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: the one-argument form
        return 1
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in parameters if p.kind in kinds and p.default is p.empty)


class Hook:
    """A registered hook and how to call it.

    With the request or without; sync ones run in the thread pool.
    """

    __slots__ = ("func", "is_async", "takes_request")

    def __init__(self, func: Callable[..., Any], takes_request: bool) -> None:
        self.func = func
        self.is_async = inspect.iscoroutinefunction(func)
        self.takes_request = takes_request

    async def __call__(self, *args: Any) -> Any:
        """Call the hook with ``args``; a sync hook runs in the thread pool."""
        if self.is_async:
            return await self.func(*args)
        return await run_in_threadpool(self.func, *args)


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
    """One request passing one hook layer: the ``send`` that runs the after hooks."""

    __slots__ = ("ctx", "failed", "forwarded", "hooks", "replaced", "send")

    def __init__(self, ctx: RequestContext, hooks: RequestHooks) -> None:
        self.ctx = ctx
        self.send = ctx.send  # the layer's own send, outside its after hooks
        self.hooks = hooks
        self.forwarded = False  # a response started downstream
        self.replaced = False  # an after hook replaced it: drop the original's body
        self.failed = False  # an after hook raised: later responses pass untouched

    async def send_after(self, message: Message) -> None:
        """``send`` for the app inside the layer: after hooks run on ``http.response.start``."""
        if message["type"] == "http.response.start":
            if self.hooks.after and not self.failed:
                started = _StartedResponse(message)
                response = await self._after(started)
                if response is not started:
                    self.replaced = self.forwarded = True
                    await response(self.ctx.scope, self.ctx.receive, self.send)
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
                args = (self.ctx.request, response) if hook.takes_request else (response,)
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

    async def teardown(self, error: BaseException | None) -> None:
        """Run the teardown hooks; their own exceptions are logged, never raised."""
        for hook in reversed(self.hooks.teardown):
            try:
                await (hook(self.ctx.request, error) if hook.takes_request else hook(error))
            except Exception:
                logger.exception("teardown_request hook %s failed", hook.func.__qualname__)


async def _before(exchange: _Exchange, checks: Sequence[Check]) -> Response | None:
    """Run the request checks and the before hooks; a hook's non-None value answers."""
    ctx = exchange.ctx
    for check in checks:
        await check(ctx.request)
    for hook in exchange.hooks.before:
        result = await (hook(ctx.request) if hook.takes_request else hook())
        if result is not None:
            return make_response(result)
    return None


async def serve(
    ctx: RequestContext, hooks: RequestHooks, checks: Sequence[Check], app: ASGIApp
) -> None:
    """One HTTP request through one hook layer: checks, before, the app, after, teardown.

    An exception of a check or a before hook is answered by the exception handlers as if
    the endpoint raised it; one nothing answered gets the 500 page through the after hooks
    (Flask's habit: they see the 500 response too), then goes on to the server's log.
    """
    exchange = _Exchange(ctx, hooks)
    error: BaseException | None = None
    try:
        try:
            early = await _before(exchange, checks)
        except Exception as exc:
            ctx.send = exchange.send_after
            await respond_to_exception(ctx, exc)
            return
        if early is not None:
            await early(ctx.scope, ctx.receive, exchange.send_after)
            return
        ctx.send = exchange.send_after
        await app(ctx.scope, ctx.receive, exchange.send_after)
    except Exception as exc:
        error = exc
        if not exchange.forwarded:
            await _server_error(exchange, exc)
        raise
    finally:
        if hooks.teardown:
            await exchange.teardown(error)


async def _server_error(exchange: _Exchange, exc: Exception) -> None:
    """Send the 500 page for ``exc`` through the layer's after hooks."""
    ctx = exchange.ctx
    app = ctx.app
    if app is None:
        return
    response = await server_error_response(
        ctx.request, exc, app_500_handler(app), debug=getattr(app, "debug", False)
    )
    await response(ctx.scope, ctx.receive, exchange.send_after)


class AppHooks:
    """The app's hook layer: context, route, request checks, before hooks, after, teardown.

    It matches the route first (``router.resolve``), so checks and before hooks know
    ``request.scope["route"]``, ``path_params`` and ``endpoint``. The checks that apply to
    a method are chosen once: a check with a ``methods`` attribute (a set of methods, as
    the CSRF check's) runs only for those.

    Args:
        app: The application (its ``request_hooks``, ``request_checks`` and ``router``).
        dispatch: What serves the other scope types (lifespan, WebSocket).
    """

    def __init__(self, app: Heron, dispatch: ASGIApp) -> None:
        self.app = app
        self.dispatch = dispatch
        self.hooks = app.request_hooks  # live: the app rebuilds its stack when they change
        self._checks: dict[str, tuple[Check, ...]] = {}

    def _checks_for(self, method: str) -> tuple[Check, ...]:
        checks = self._checks.get(method)
        if checks is None:
            checks = self._checks[method] = tuple(
                check
                for check in self.app.request_checks
                if method in getattr(check, "methods", (method,))
            )
        return checks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve an HTTP request through the checks, hooks and the matched route's handler.

        Other scope types go to ``dispatch``.
        """
        if scope["type"] != "http":
            await self.dispatch(scope, receive, send)
            return
        ctx = RequestContext.of(scope, receive, send)
        handler = self.app.router.resolve(scope)
        checks = self._checks.get(scope["method"])
        if checks is None:
            checks = self._checks_for(scope["method"])
        await serve(ctx, self.hooks, checks, handler)


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
        self.hooks = router.request_hooks  # live: registering changes it in place

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the route inside its router's exception handlers and hooks, if it has any."""
        router = self.router
        hooks = self.hooks if scope["type"] == "http" else None
        if not router.exception_handlers and not hooks:
            await self.app(scope, receive, send)
            return
        ctx = RequestContext.of(scope, receive, send)
        if router.exception_handlers:
            ctx.exception_handlers = (*ctx.exception_handlers, router.exception_handlers)
        if not hooks:
            await self.app(scope, receive, send)
            return
        await serve(ctx, hooks, (), self.app)
