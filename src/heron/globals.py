"""Flask's context globals (``request``, ``g``, ``current_app``) and helpers (``url_for``…).

Called by user code and templates; set by ``Heron.__call__`` for every connection it
serves. One :class:`~contextvars.ContextVar` holds the connection's
:class:`~heron.requests.RequestContext` (the same object every step of the request path
is handed). Each name below is a proxy that looks the current value up on every access,
so the same module-level object serves every request:

* asyncio runs each request in its own task, and a task has its own copy of the context
  variables, so concurrent requests never see each other's values;
* ``run_in_threadpool`` (sync endpoints and dependencies) runs the function in a copy of
  the caller's context, so sync code sees the same values;
* ``Heron.__call__`` resets the variable when the connection is done, so the globals raise
  :class:`~heron.exceptions.OutsideContextError` outside a request.

Only programs that use the globals pay for them: ``Heron.__call__`` sets the variable
for apps with sessions (``session`` and ``flash()`` find the session through it) and,
once ``usage.enabled`` is true, for every app. That happens the first time code outside
Heron fetches one of the names from this module or from ``heron`` (``from heron import
request``), when ``heron.templating`` is imported, or on :func:`enable`. A FastAPI-style
app that never asks keeps its request path as it was. Heron's own modules may import the
names freely.

``g`` is the request's state (``request.state``, ``scope["state"]``): one namespace for
what middleware, dependencies, handlers and templates share during a request. Outside a
request, :func:`app_context` gives ``current_app`` and a fresh ``g``. ``redirect`` and
``abort`` are Flask's helpers of the same names.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, NoReturn, cast

from heron.exceptions import AbortWithResponse, HTTPException, OutsideContextError
from heron.requests import RequestContext
from heron.responses import RedirectResponse, Response

if TYPE_CHECKING:
    from collections.abc import Mapping

    from heron.applications import Heron
    from heron.requests import Request

__all__ = [
    "abort",
    "app_context",
    "bound_context",
    "context_var",
    "current_app",
    "current_context",
    "enable",
    "g",
    "redirect",
    "request",
    "template_globals",
    "url_for",
    "usage",
]

#: The connection being handled, set by ``Heron.__call__`` (or :func:`app_context`).
context_var: ContextVar[RequestContext | None] = ContextVar("heron.context", default=None)


class _Usage:
    """Whether ``Heron.__call__`` sets up the context globals (``usage.enabled``).

    PERF: the ContextVar set and reset cost ~2,900 CPU instructions per request (valgrind;
    +12 % on bench/inproc.py plaintext), so apps that never use the globals skip them. A
    slot, not a module global: this module has a ``__getattr__``, and CPython does not
    specialise attribute reads on such modules (~370 instructions per read instead of ~20).
    """

    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = False


usage = _Usage()

#: Names every template rendered through the app's environment sees, besides ``url_for``,
#: ``request`` and ``g``. Batteries add theirs here (``session``, ``get_flashed_messages``,
#: ``csrf_token``); an app's own ``@app.template_global()`` wins over them.
template_globals: dict[str, Any] = {}


def _outside(name: str) -> OutsideContextError:
    return OutsideContextError(
        f"Working outside of a request: `{name}` is only available while Heron handles a "
        "request (in endpoints, dependencies, middleware inside the app and the templates "
        "they render). Outside one, use `with app.app_context():` for `current_app`, `g` "
        "and `url_for`. If this is a request's first use of the globals, import them at "
        "module level (`from heron import request`): Heron sets them up from then on."
    )


def current_context(name: str = "the request context") -> RequestContext:
    """The context of the connection being handled (or of :func:`app_context`).

    Args:
        name: What the caller is looking for, for the error message.

    Raises:
        OutsideContextError: No request is being handled and no app context is active.
    """
    ctx = context_var.get()
    if ctx is None:
        raise _outside(name)
    return ctx


@contextmanager
def bound_context(ctx: RequestContext) -> Iterator[RequestContext]:
    """Make ``ctx`` the current context for a block, unless it already is.

    For steps that need the globals while an app without them serves the request (a
    session middleware, an error page's template).
    """
    if context_var.get() is ctx:
        yield ctx
        return
    token = context_var.set(ctx)
    try:
        yield ctx
    finally:
        context_var.reset(token)


def _current_app() -> Heron:
    app = current_context("current_app").app
    assert app is not None
    return app


def _current_request() -> Request:
    ctx = current_context("request")
    if ctx.scope.get("type") not in ("http", "websocket"):
        raise _outside("request")
    # During a WebSocket connection, the WebSocket (its handshake request).
    return cast("Request", ctx.connection)


class _Proxy:
    """Forwards attribute and item access to whatever ``self._lookup()`` returns now.

    ``_get_current_object()`` (Werkzeug's name) returns the object itself, for code that
    needs the real thing (``isinstance``, passing it to another thread of work).
    """

    __slots__ = ("_lookup",)

    def __init__(self, lookup: Any) -> None:
        object.__setattr__(self, "_lookup", lookup)

    def _get_current_object(self) -> Any:
        return self._lookup()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._lookup(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._lookup(), name, value)

    def __getitem__(self, key: Any) -> Any:
        return self._lookup()[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._lookup())

    def __len__(self) -> int:
        return len(self._lookup())

    def __contains__(self, key: Any) -> bool:
        return key in self._lookup()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Proxy):
            other = other._get_current_object()
        return bool(self._lookup() == other)

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        # NOTE: as Werkzeug's LocalProxy: falsy outside a request, so `if request:` works.
        try:
            self._lookup()
        except OutsideContextError:
            return False
        return True

    def __repr__(self) -> str:
        try:
            return repr(self._lookup())
        except OutsideContextError:
            return f"<unbound {type(self).__name__}>"


class _Globals:
    """``g``: attribute access to the current request's state (``scope["state"]``).

    Supports Flask's ``g.get``, ``g.pop``, ``g.setdefault``, ``in`` and iteration.
    """

    __slots__ = ()

    @staticmethod
    def _data() -> dict[str, Any]:
        scope = current_context("g").scope
        return cast("dict[str, Any]", scope.setdefault("state", {}))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data()[name]
        except KeyError:
            raise AttributeError(f"'g' has no attribute {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._data()[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self._data()[name]
        except KeyError:
            raise AttributeError(f"'g' has no attribute {name!r}") from None

    def get(self, name: str, default: Any = None) -> Any:
        """The value of ``name``, or ``default``."""
        return self._data().get(name, default)

    def pop(self, name: str, *default: Any) -> Any:
        """Remove ``name`` and return its value (or ``default``; KeyError without one)."""
        return self._data().pop(name, *default)

    def setdefault(self, name: str, default: Any = None) -> Any:
        """The value of ``name``, set to ``default`` first when missing."""
        return self._data().setdefault(name, default)

    def __contains__(self, name: object) -> bool:
        return name in self._data()

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._data()))

    def __repr__(self) -> str:
        try:
            return f"<heron.g of {self._data()!r}>"
        except OutsideContextError:
            return "<unbound heron.g>"


_request = _Proxy(_current_request)
_app_proxy = _Proxy(_current_app)
_g = _Globals()

if TYPE_CHECKING:
    #: The connection being handled: a :class:`~heron.requests.Request` for HTTP (the
    #: same scope as the endpoint's ``Request``; its body is read once, by whoever asks
    #: first), a :class:`~heron.requests.HTTPConnection` for a WebSocket.
    request: Request
    #: The application handling the current request (or entered with :func:`app_context`).
    current_app: Heron
    #: The per-request namespace, shared with ``request.state``.
    g: Any


@contextmanager
def app_context(app: Heron) -> Iterator[Heron]:
    """Make ``app`` the ``current_app`` outside a request, with a fresh ``g``.

    For scripts, CLI commands and tests that render templates or build URLs::

        with app_context(app):
            html = render_template("mail.txt", user=user)

    Args:
        app: The application.

    Yields:
        The application.
    """
    ctx = RequestContext(app, {"type": "app", "app": app, "state": {}}, _no_receive, _no_send)
    token = context_var.set(ctx)
    try:
        yield app
    finally:
        context_var.reset(token)


async def _no_receive() -> NoReturn:
    raise OutsideContextError("An app context has no request to receive from")


async def _no_send(message: Any) -> NoReturn:
    raise OutsideContextError("An app context has no client to send to")


def _url_for(
    endpoint: str,
    /,
    *,
    _anchor: str | None = None,
    _external: bool = False,
    _scheme: str | None = None,
    **values: Any,
) -> str:
    """Flask's ``url_for``: the URL of route ``endpoint`` of the current application.

    Values naming the route's path parameters fill the path; the others become the query
    string (``None`` values are left out). ``url_for("static", filename="css/a.css")``
    reaches the static folder.

    Args:
        endpoint: The route name (``"static"``, ``"mount_name:route_name"``…); a name
            starting with ``.`` is relative to the blueprint of the route being served
            (``".index"`` in a ``blog`` view is ``"blog.index"``), as in Flask.
        _anchor: A fragment to append (``#...``).
        _external: An absolute URL (scheme and host of the current request).
        _scheme: The scheme of an external URL (``_external`` is implied).
        **values: Path parameters and query parameters.

    Returns:
        The path (with the application's root path), or the absolute URL.

    Raises:
        NoMatchFound: No route has that name and those path parameters.
        OutsideContextError: Neither a request nor an :func:`app_context` is active.
    """
    ctx = current_context("url_for")
    app = ctx.app
    assert app is not None
    if endpoint[:1] == ".":
        endpoint = _blueprint_endpoint(ctx, endpoint)
    url = app.url_for(endpoint, _anchor=_anchor, **values)
    scope = ctx.scope
    root_path = scope.get("root_path", app.root_path) if scope["type"] != "app" else None
    if root_path is not None and root_path != app.root_path:
        # NOTE: the server's (or an outer mount's) root path is the one that reaches us.
        url = root_path + url[len(app.root_path) :]
    if _external or _scheme:
        if scope["type"] == "app":
            raise OutsideContextError("url_for(_external=True) needs a request to know the host")
        base = _current_request().base_url
        if _scheme:
            base = base.replace(scheme=_scheme)
        url = f"{base.scheme}://{base.netloc}{url}"
    return url


def _blueprint_endpoint(ctx: RequestContext, endpoint: str) -> str:
    """``".view"`` as the full name in the blueprint of the matched route (``blog.view``).

    COMPAT(flask): the blueprint is the route name up to its last dot; a route outside
    any blueprint (or no matched route: an app context) makes it ``"view"``.
    """
    name = getattr(ctx.scope.get("route"), "name", None) or ""
    blueprint = name.rpartition(".")[0]
    return blueprint + endpoint if blueprint else endpoint[1:]


def redirect(location: str, code: int = 302) -> RedirectResponse:
    """Flask's ``redirect``: a response sending the client to ``location``.

    Args:
        location: The URL (often from :func:`url_for`).
        code: 302 by default, as Flask (303: "see other" after a POST; 307/308 keep the
            method and body).

    Returns:
        The redirect response, to return from the handler.
    """
    return RedirectResponse(location, status_code=code)


def abort(
    code: int | Response, description: Any = None, headers: Mapping[str, str] | None = None
) -> NoReturn:
    """Flask's ``abort``: stop the request with an HTTP error, or with a given response.

    Args:
        code: The status code (``404``, ``403``…), or a response to send as it is
            (``abort(redirect(url_for("login")))``, from a dependency or a hook).
        description: The error detail (the status phrase by default).
        headers: Extra response headers.

    Raises:
        HTTPException: Always; answered by the app's exception handlers
            (``AbortWithResponse``, carrying the response, for a response).
    """
    if isinstance(code, Response):
        raise AbortWithResponse(code)
    raise HTTPException(code, description, headers=headers)


if TYPE_CHECKING:
    url_for = _url_for


def enable() -> None:
    """Have ``Heron.__call__`` set up the context globals from now on.

    Fetching ``request``, ``g``, ``current_app`` or ``url_for`` from outside Heron does it;
    call this when code reaches them in another way first.
    """
    usage.enabled = True


def __getattr__(name: str) -> Any:
    # The public names are served from here so that asking for one turns the context
    # globals on (see `usage`): an import is the signal that a program uses them.
    # Heron's own modules (``sessions`` imports ``request``) do not count.
    value = _PUBLIC.get(name)
    if value is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    caller = sys._getframe(1).f_globals.get("__name__", "")
    if caller != "heron" and not str(caller).startswith("heron."):
        enable()
    return value


_PUBLIC: dict[str, Any] = {
    "request": _request,
    "g": _g,
    "current_app": _app_proxy,
    "url_for": _url_for,
}
