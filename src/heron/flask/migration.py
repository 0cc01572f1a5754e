"""Moving a Flask app to Heron one blueprint at a time: mount it, share its session and URLs.

Called by user code during a migration::

    legacy = create_legacy_app()  # the real Flask app, unchanged (WSGI)
    app = Flask(__name__)         # heron.flask: the views moved so far, and native routes
    mount_flask_app(app, legacy)  # everything else is still served by the legacy app

The legacy app is served by Heron through the WSGI adapter (``heron.middleware.wsgi``),
after the Heron app's own rules (Flask rules first, then Heron routes, then the mount). Both
apps read and write the same session cookie: Heron's is Flask's format, so with the same
``SECRET_KEY`` and ``SESSION_COOKIE_NAME`` a user logged in by one is logged in for the
other. ``url_for`` on either side builds the other's endpoints when its own has none of
that name, through each app's ``url_build_error_handlers``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from werkzeug.routing import BuildError, Map

from heron.flask.globals import _cv_request
from heron.middleware.wsgi import WSGIMiddleware

if TYPE_CHECKING:
    from heron.flask.app import Flask
    from heron.types import ASGIApp

__all__ = ["mount_flask_app"]

#: The session settings both apps must agree on.
_SHARED_SESSION_KEYS = ("SECRET_KEY", "SESSION_COOKIE_NAME", "SESSION_COOKIE_DOMAIN")


def mount_flask_app(app: Flask, legacy: Any, path: str = "/") -> None:
    """Serve the Flask (WSGI) app ``legacy`` under ``app`` at ``path``, sharing sessions and URLs.

    Args:
        app: The Heron app (``heron.flask.Flask``).
        legacy: A Flask application (the real Flask's, or any WSGI app with Flask's
            ``config``, ``url_map`` and ``url_build_error_handlers``).
        path: Where the legacy app is served; ``"/"``: every URL the Heron app does not take.

    Raises:
        ValueError: The two apps set different session keys or cookie names: their
            sessions could not be shared.
    """
    for key in _SHARED_SESSION_KEYS:
        ours, theirs = app.config.get(key), legacy.config.get(key)
        if ours is None and key == "SECRET_KEY":
            app.config[key] = theirs
        elif ours != theirs:
            raise ValueError(
                f"{key} differs between the Heron app and the mounted Flask app: set it to the"
                " same value on both so that they share the session cookie."
            )
    prefix = path.rstrip("/")
    app.mount(prefix, cast("ASGIApp", WSGIMiddleware(legacy)))  # a2wsgi's own ASGI types
    # From the Heron app, the legacy app is under the prefix; from the legacy app (its
    # SCRIPT_NAME ends with the prefix), the Heron app is at what comes before it.
    app.url_build_error_handlers.append(
        _builder(legacy.url_map, lambda root: root + prefix, _heron_request)
    )
    legacy.url_build_error_handlers.append(
        _builder(app.url_map, lambda root: root.removesuffix(prefix), _legacy_request(legacy))
    )


def _heron_request() -> Any:
    ctx = _cv_request.get(None)
    return None if ctx is None else ctx.request


def _legacy_request(legacy: Any) -> Callable[[], Any]:
    # The legacy app's own framework module (the real `flask`), for its current request.
    framework = importlib.import_module(type(legacy).__module__.partition(".")[0])

    def current() -> Any:
        return framework.request._get_current_object() if framework.has_request_context() else None

    return current


def _builder(
    url_map: Map, root_of: Callable[[str], str], current_request: Callable[[], Any]
) -> Callable[[Exception, str, dict[str, Any]], str]:
    """A build error handler building ``url_map``'s endpoints for the other app.

    Args:
        url_map: The map of the app whose URLs are built.
        root_of: That app's root path, from the asking request's root path.
        current_request: The asking app's current request (None outside one).
    """

    def build(error: Exception, endpoint: str, values: dict[str, Any]) -> str:
        values = dict(values)
        anchor = values.pop("_anchor", None)
        method = values.pop("_method", None)
        scheme = values.pop("_scheme", None)
        external = bool(values.pop("_external", None))
        request = current_request()
        if request is not None:
            script_name = root_of(request.script_root)
            adapter = url_map.bind(request.host, script_name=script_name or "/")
            scheme = scheme or request.scheme
        else:
            adapter = url_map.bind("localhost", script_name=root_of("") or "/")
        try:
            url = adapter.build(
                endpoint, values, method=method, url_scheme=scheme, force_external=external
            )
        except BuildError:
            raise error from None
        return f"{url}#{anchor}" if anchor else url

    return build
