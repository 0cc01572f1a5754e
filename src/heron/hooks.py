"""Registering request hooks (Flask's ``before_request``…) and router-scoped layers.

Router-scoped layers are what routers apply to their own routes only: middleware, hooks
and exception handlers.

Called by apps and routers at registration (``Heron`` and ``APIRouter`` mix in
:class:`HookDecorators`; ``APIRouter`` mixes in :class:`RouterScope`); the layers that run
them per request are in ``heron.middleware.hooks``. A router's middleware, hooks and
exception handlers become route middleware of each of its routes when it is included
(:meth:`RouterScope.layers`, read by ``heron._include``), so registering after the
inclusion works too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, cast

from heron.exception_handlers import handler_key
from heron.exceptions import HeronError
from heron.middleware import Middleware
from heron.middleware.base import BaseHTTPMiddleware
from heron.middleware.hooks import Hook, RouterLayer, required_positional
from heron.responses import Response, make_response

if TYPE_CHECKING:
    from heron.commands import AppGroup
    from heron.routes import Router

__all__ = [
    "HookDecorators",
    "RequestHooks",
    "RouterScope",
    "flask_error_handler",
]

_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass
class RequestHooks:
    """The hooks an app or a router registered.

    Attributes:
        before: Run before the endpoint, in registration order.
        after: Run when the response starts, in reverse registration order.
        teardown: Run after the response was sent, in reverse registration order.
    """

    before: list[Hook] = field(default_factory=list)
    after: list[Hook] = field(default_factory=list)
    teardown: list[Hook] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.before or self.after or self.teardown)


def flask_error_handler(func: Callable[..., Any]) -> Callable[..., Any]:
    """Adapt ``func`` to ``async (request, exc) -> Response``.

    ``func`` takes ``(error)`` (Flask) or ``(request, error)`` (FastAPI), sync or async, and
    may return Flask's values (``str``, ``dict``, ``(body, status)``…) or a ``Response``.
    """
    hook = Hook(func, required_positional(func) >= 2)

    @functools.wraps(func)
    async def handler(request: Any, exc: Exception) -> Response | None:
        result = await (hook(request, exc) if hook.takes_request else hook(exc))
        if result is None and request.scope["type"] == "websocket":
            return None  # a WebSocket handler closes the socket itself
        return make_response(result)

    return handler


# ---------------------------------------------------------------- registration


class HookDecorators:
    """Flask's hooks and error handlers, shared by ``Heron`` and ``APIRouter``.

    Also the decorator forms of exception handler and middleware registration.

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

    # Set by the subclass: its handlers by class or status code, and its middleware specs.
    exception_handlers: dict[Any, Callable[..., Any]]
    user_middleware: list[Middleware]

    def _hooks_changed(self) -> None:
        raise NotImplementedError

    def _check_middleware_open(self) -> None:
        """Raise when middleware can no longer be added (an app that started serving)."""

    def add_exception_handler(
        self, exc_class_or_status_code: int | type[Exception], handler: Callable[..., Any]
    ) -> None:
        """Register ``handler`` for an exception class or an HTTP status code.

        A router's handlers answer its routes' exceptions before the app's (Flask's order:
        by status code at any level first, then by class, innermost router first).
        """
        self.exception_handlers[handler_key(exc_class_or_status_code)] = handler
        self._hooks_changed()

    def add_middleware(self, middleware_class: Any, *args: Any, **kwargs: Any) -> None:
        """Add an ASGI middleware around a router's routes only.

        The last added is the outermost.

        Raises:
            HeronError: After the application has started serving.
        """
        self._check_middleware_open()
        self.user_middleware.insert(0, Middleware(middleware_class, *args, **kwargs))
        self._hooks_changed()

    def before_request(self, func: _F) -> _F:
        """Register ``func()`` or ``func(request)``, run before each request's endpoint.

        Sync or async. A non-None return value is the response (Flask's conventions:
        ``str`` is HTML, ``dict`` JSON, ``(body, status[, headers])``…) and the endpoint
        is not called; an exception it raises (``abort(403)``…) is answered by the
        exception handlers as if the endpoint raised it.
        """
        self.request_hooks.before.append(Hook(func, required_positional(func) >= 1))
        self._hooks_changed()
        return func

    def after_request(self, func: _F) -> _F:
        """Register ``func(response)`` or ``func(request, response)``, run as a response starts.

        It may change ``response.status_code``, ``response.headers`` and cookies, and
        returns the response, another ``Response`` to send instead, or None (keep it).
        ``response.body`` is not available: the body is sent after the hooks ran.
        """
        self.request_hooks.after.append(Hook(func, required_positional(func) >= 2))
        self._hooks_changed()
        return func

    def teardown_request(self, func: _F) -> _F:
        """Register ``func(exc)`` or ``func(request, exc)``, run after the response was sent.

        Always runs; ``exc`` is the unhandled exception, or None (also when an exception
        handler answered the error). Its own exceptions are logged, not raised.
        """
        self.request_hooks.teardown.append(Hook(func, required_positional(func) >= 2))
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
        # PERF: click takes ~33 ms to import; only programs with commands pay for it.
        from heron.commands import AppGroup

        return AppGroup(self.cli_group, help=f"The {self.cli_group or 'router'} commands.")
