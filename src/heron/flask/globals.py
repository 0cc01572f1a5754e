"""Flask's context globals: ``current_app``, ``g``, ``request``, ``session``.

Called by views, templates and extensions (``from flask import request``); set by
:mod:`heron.flask.ctx` when an application or request context is pushed. Two
:class:`~contextvars.ContextVar` hold the active contexts, and each global is a
:class:`werkzeug.local.LocalProxy` reading one of them, as Flask's are: so extensions
that use ``_get_current_object()`` or compare proxies keep working.

A request served by ``heron.flask`` runs its steps in one worker thread (see
:mod:`heron.flask.asgi`) in a copy of the event loop's context, so concurrent requests
never see each other's values.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, cast

from werkzeug.local import LocalProxy

if TYPE_CHECKING:
    from heron.flask.app import Flask
    from heron.flask.ctx import AppContext, RequestContext, _AppCtxGlobals
    from heron.flask.sessions import SessionMixin
    from heron.flask.wrappers import Request

__all__ = [
    "app_ctx",
    "current_app",
    "g",
    "request",
    "request_ctx",
    "session",
]

# COMPAT(flask): the first line of each message is Flask's, which tests and extensions match.
_NO_APP = """\
Working outside of application context.

This typically means that you attempted to use functionality that needed the current
application. To solve this, set up an application context with app.app_context()."""

_NO_REQUEST = """\
Working outside of request context.

This typically means that you attempted to use functionality that needed an active HTTP
request (a view, a before_request hook...). Use app.test_request_context() in tests."""

_cv_app: ContextVar[AppContext] = ContextVar("flask.app_ctx")
_cv_request: ContextVar[RequestContext] = ContextVar("flask.request_ctx")

app_ctx: AppContext = cast("AppContext", LocalProxy(_cv_app, unbound_message=_NO_APP))
current_app: Flask = cast("Flask", LocalProxy(_cv_app, "app", unbound_message=_NO_APP))
g: _AppCtxGlobals = cast("_AppCtxGlobals", LocalProxy(_cv_app, "g", unbound_message=_NO_APP))
request_ctx: RequestContext = cast(
    "RequestContext", LocalProxy(_cv_request, unbound_message=_NO_REQUEST)
)
request: Request = cast("Request", LocalProxy(_cv_request, "request", unbound_message=_NO_REQUEST))
session: SessionMixin = cast(
    "SessionMixin", LocalProxy(_cv_request, "session", unbound_message=_NO_REQUEST)
)


def _find_app() -> Any:
    """The application of the active app context, or None (for modules that must not raise)."""
    ctx = _cv_app.get(None)
    return None if ctx is None else ctx.app
