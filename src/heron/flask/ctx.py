"""Flask's application and request contexts, and the helpers that use them.

Called by :class:`heron.flask.app.Flask` (``app.app_context()``,
``app.request_context(environ)``, ``wsgi_app``), by the test client and by user code.

An application context makes ``current_app`` and ``g`` available; a request context makes
``request`` and ``session`` available and pushes an application context first when the
app's is not already active. Pushing sets the :mod:`heron.flask.globals` context variables;
popping runs the teardown functions and resets them. Contexts nest: ``with
app.test_request_context(): ...`` inside another is allowed, and each pop restores the
previous one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextvars import Token
from functools import update_wrapper
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from werkzeug.exceptions import HTTPException

from heron.flask.globals import _cv_app, _cv_request
from heron.flask.signals import appcontext_popped, appcontext_pushed

if TYPE_CHECKING:
    from werkzeug.routing import MapAdapter

    from heron.flask.app import Flask
    from heron.flask.sessions import SessionMixin
    from heron.flask.wrappers import Request

__all__ = [
    "AppContext",
    "RequestContext",
    "after_this_request",
    "copy_current_request_context",
    "has_app_context",
    "has_request_context",
]

_F = TypeVar("_F", bound=Callable[..., Any])
_SENTINEL: Any = object()


class _AppCtxGlobals:
    """``g``: a plain namespace living as long as the application context.

    Extensions keep per-request (per-context) state on it: ``g._login_user``, a database
    connection opened on first use.
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self.__dict__[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name: str, default: Any = None) -> Any:
        """The value of ``name``, or ``default``."""
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: Any = _SENTINEL) -> Any:
        """Remove ``name`` and return its value (``default``, or KeyError, when missing)."""
        if default is _SENTINEL:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: Any = None) -> Any:
        """The value of ``name``, set to ``default`` first when missing."""
        return self.__dict__.setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        ctx = _cv_app.get(None)
        if ctx is not None:
            return f"<flask.g of '{ctx.app.name}'>"
        return object.__repr__(self)


class AppContext:
    """What ``current_app`` and ``g`` point at: an app and its ``g``, pushed or not.

    Args:
        app: The application.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.url_adapter: MapAdapter | None = app.create_url_adapter(None)
        self.g: _AppCtxGlobals = app.app_ctx_globals_class()
        self._tokens: list[Token[AppContext]] = []

    def push(self) -> None:
        """Make this the active application context."""
        self._tokens.append(_cv_app.set(self))
        appcontext_pushed.send(self.app, _async_wrapper=self.app.ensure_sync)

    def pop(self, exc: BaseException | None = _SENTINEL) -> None:
        """Run the teardown functions (on the outermost pop) and restore the previous context.

        Raises:
            AssertionError: This context is not the active one.
        """
        try:
            if len(self._tokens) == 1:
                if exc is _SENTINEL:
                    exc = sys.exc_info()[1]
                self.app.do_teardown_appcontext(exc)
        finally:
            active = _cv_app.get()
            _cv_app.reset(self._tokens.pop())
        if active is not self:
            raise AssertionError(f"Popped wrong app context. ({active!r} instead of {self!r})")
        appcontext_popped.send(self.app, _async_wrapper=self.app.ensure_sync)

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)


class RequestContext:
    """What ``request`` and ``session`` point at during one request.

    Made by :meth:`Flask.request_context` from a WSGI environ (Heron makes the environ from
    the ASGI scope). Pushing it opens the session and matches the URL; popping it runs the
    ``teardown_request`` functions.

    Args:
        app: The application.
        environ: The request's WSGI environ.
        request: An existing request object to reuse (``copy()``).
        session: An existing session to reuse (``copy()``).
    """

    def __init__(
        self,
        app: Flask,
        environ: dict[str, Any],
        request: Request | None = None,
        session: SessionMixin | None = None,
    ) -> None:
        self.app = app
        if request is None:
            request = app.request_class(environ)
            request.json_module = app.json
        self.request: Request = request
        self.url_adapter: MapAdapter | None = None
        try:
            self.url_adapter = app.create_url_adapter(request)
        except HTTPException as exc:
            # A host not in TRUSTED_HOSTS: answered as the routing error of the request.
            request.routing_exception = exc
        self.flashes: list[tuple[str, str]] | None = None
        self._session: SessionMixin | None = session
        self._after_request_functions: list[Callable[[Any], Any]] = []
        self._tokens: list[tuple[Token[RequestContext], AppContext | None]] = []

    @property
    def session(self) -> SessionMixin:
        """The request's session; using it marks it accessed (``Vary: Cookie``).

        SECURITY(GHSA-68rp-wp8r-4726): as Flask 3.1.3, any use of the ``session`` global
        (``"k" in session``, ``len(session)``…) marks it, not only reads of a key: a page
        that depends on the session must not be cached for every user.

        Raises:
            AssertionError: The context was not pushed yet (the session is opened then).
        """
        # COMPAT(flask): its message.
        assert self._session is not None, "The session has not yet been opened."
        self._session.accessed = True
        return self._session

    def copy(self) -> RequestContext:
        """A new context for the same request and session (``copy_current_request_context``)."""
        return self.__class__(self.app, self.request.environ, self.request, self._session)

    def match_request(self) -> None:
        """Match the URL: the rule and view arguments, or the routing error to raise later."""
        assert self.url_adapter is not None
        try:
            rule, view_args = self.url_adapter.match(return_rule=True)
        except HTTPException as exc:
            self.request.routing_exception = exc
        else:
            self.request.url_rule = rule
            self.request.view_args = view_args  # type: ignore[assignment]

    def push(self) -> None:
        """Make this the active request context (and the app's context active)."""
        outer = _cv_app.get(None)
        app_ctx: AppContext | None = None
        if outer is None or outer.app is not self.app:
            app_ctx = self.app.app_context()
            app_ctx.push()
        self._tokens.append((_cv_request.set(self), app_ctx))
        # The session opens after the context is active: interfaces may use current_app.
        if self._session is None:
            interface = self.app.session_interface
            self._session = interface.open_session(self.app, self.request)
            if self._session is None:
                self._session = interface.make_null_session(self.app)
        if self.url_adapter is not None:
            self.match_request()

    def pop(self, exc: BaseException | None = _SENTINEL) -> None:
        """Run the teardown functions (on the outermost pop) and restore the previous context.

        Raises:
            AssertionError: This context is not the active one.
        """
        last = len(self._tokens) == 1
        try:
            if last:
                if exc is _SENTINEL:
                    exc = sys.exc_info()[1]
                self.app.do_teardown_request(exc)
                self.request.close()
        finally:
            active = _cv_request.get()
            token, app_ctx = self._tokens.pop()
            _cv_request.reset(token)
            if last:
                # NOTE: breaks the environ → request cycle so the request is freed promptly.
                active.request.environ["werkzeug.request"] = None
            if app_ctx is not None:
                app_ctx.pop(exc)
        if active is not self:
            raise AssertionError(f"Popped wrong request context. ({active!r} instead of {self!r})")

    def __enter__(self) -> RequestContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        request = self.request
        return f"<{type(self).__name__} {request.url!r} [{request.method}] of {self.app.name}>"


def has_app_context() -> bool:
    """Whether an application context is active (``current_app`` usable)."""
    return _cv_app.get(None) is not None


def has_request_context() -> bool:
    """Whether a request context is active (``request`` usable)."""
    return _cv_request.get(None) is not None


def after_this_request(func: _F) -> _F:
    """Run ``func(response)`` after this request only (it returns the response to send).

    Raises:
        RuntimeError: No request context is active.
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'after_this_request' can only be used when a request context is active,"
            " such as in a view function."
        )
    ctx._after_request_functions.append(func)
    return func


def copy_current_request_context(func: _F) -> _F:
    """Wrap ``func`` so it runs in a copy of the current request context (another thread…).

    Raises:
        RuntimeError: No request context is active.
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(
            "'copy_current_request_context' can only be used when a request context is"
            " active, such as in a view function."
        )
    copied = ctx.copy()

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with copied:
            return copied.app.ensure_sync(func)(*args, **kwargs)

    return update_wrapper(wrapper, func)  # type: ignore[return-value]
