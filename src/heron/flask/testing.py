"""Flask's test client and CLI runner, on Werkzeug's ``Client``.

Called by tests (``app.test_client()``, ``app.test_cli_runner()``,
``app.test_request_context()``). The client calls the app as a WSGI application in the
test's own thread: the same request steps as over ASGI, without a server, so a test
reads ``request``, ``session`` and ``g`` after a request inside ``with client:``.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from copy import copy
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import werkzeug.test
from click.testing import CliRunner, Result
from werkzeug.test import Client
from werkzeug.wrappers import Request as BaseRequest

from heron.flask.cli import ScriptInfo
from heron.flask.sessions import SessionMixin

if TYPE_CHECKING:
    from werkzeug.test import TestResponse

    from heron.flask.app import Flask

__all__ = ["EnvironBuilder", "FlaskCliRunner", "FlaskClient"]

try:
    _WERKZEUG_VERSION = importlib.metadata.version("werkzeug")
except importlib.metadata.PackageNotFoundError:  # pragma: no cover - installed with heron
    _WERKZEUG_VERSION = "unknown"


class EnvironBuilder(werkzeug.test.EnvironBuilder):
    """Werkzeug's builder with the app's defaults: its ``SERVER_NAME``, root and scheme.

    Args:
        app: The application.
        path: The URL path (a full URL sets the host and scheme too).
        base_url: The base URL (default: from the app's config).
        subdomain: A subdomain to prepend to ``SERVER_NAME``.
        url_scheme: The scheme (default: ``PREFERRED_URL_SCHEME``).
        *args: Werkzeug's other positional arguments.
        **kwargs: Werkzeug's other keyword arguments (``data``, ``json``, ``headers``…).
    """

    def __init__(
        self,
        app: Flask,
        path: str = "/",
        base_url: str | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        assert not (base_url or subdomain or url_scheme) or (base_url is not None) != bool(
            subdomain or url_scheme
        ), 'Cannot pass "subdomain" or "url_scheme" with "base_url".'
        if base_url is None:
            http_host = app.config.get("SERVER_NAME") or "localhost"
            app_root = app.config["APPLICATION_ROOT"]
            if subdomain:
                http_host = f"{subdomain}.{http_host}"
            if url_scheme is None:
                url_scheme = app.config["PREFERRED_URL_SCHEME"]
            url = urlsplit(path)
            base_url = (
                f"{url.scheme or url_scheme}://{url.netloc or http_host}/{app_root.lstrip('/')}"
            )
            path = url.path
            if url.query:
                path = f"{path}?{url.query}"
        self.app = app
        super().__init__(path, base_url, *args, **kwargs)

    def json_dumps(self, obj: Any, **kwargs: Any) -> str:
        """JSON bodies encoded by the app's JSON provider."""
        return str(self.app.json.dumps(obj, **kwargs))


class FlaskClient(Client):
    """Werkzeug's test client for a Flask app, with ``session_transaction`` and contexts.

    ``with client:`` keeps the last request's contexts active after it returns, until the
    next request or the end of the block.
    """

    application: Flask

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.preserve_context = False
        self._new_contexts: list[Any] = []
        self._context_stack = ExitStack()
        self.environ_base: dict[str, Any] = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": f"Werkzeug/{_WERKZEUG_VERSION}",
        }

    @contextmanager
    def session_transaction(self, *args: Any, **kwargs: Any) -> Iterator[SessionMixin]:
        """Open the client's session to read or change it; it is saved back on exit.

        Raises:
            TypeError: The client was made with ``use_cookies=False``.
            RuntimeError: The app's session interface opened no session.
        """
        if self._cookies is None:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")
        app = self.application
        ctx = app.test_request_context(*args, **kwargs)
        self._add_cookies_to_wsgi(ctx.request.environ)
        with ctx:
            session = app.session_interface.open_session(app, ctx.request)
        if session is None:
            raise RuntimeError("Session backend did not open a session.")
        yield session
        response = app.response_class()
        if app.session_interface.is_null_session(session):
            return
        with ctx:
            app.session_interface.save_session(app, session, response)
        self._update_cookies_from_response(
            ctx.request.host.partition(":")[0],
            ctx.request.path,
            response.headers.getlist("Set-Cookie"),
        )

    def _copy_environ(self, other: Mapping[str, Any]) -> dict[str, Any]:
        environ = {**self.environ_base, **other}
        if self.preserve_context:
            environ["werkzeug.debug.preserve_context"] = self._new_contexts.append
        return environ

    def _request_from_builder_args(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> BaseRequest:
        kwargs["environ_base"] = self._copy_environ(kwargs.get("environ_base", {}))
        builder = EnvironBuilder(self.application, *args, **kwargs)
        try:
            return builder.get_request()
        finally:
            builder.close()

    def open(
        self,
        *args: Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: Any,
    ) -> TestResponse:
        """Send a request (``client.get("/", query_string=..., data=..., json=...)``)."""
        first = args[0] if args else None
        if isinstance(first, werkzeug.test.EnvironBuilder):
            builder = copy(first)
            builder.environ_base = self._copy_environ(builder.environ_base or {})
            request = builder.get_request()
        elif isinstance(first, dict):
            request = werkzeug.test.EnvironBuilder.from_environ(
                first, environ_base=self._copy_environ({})
            ).get_request()
        elif isinstance(first, BaseRequest):
            request = copy(first)
            request.environ = self._copy_environ(request.environ)
        else:
            request = self._request_from_builder_args(args, kwargs)
        # The previous request's preserved contexts end when a new request starts.
        self._context_stack.close()
        response = super().open(request, buffered=buffered, follow_redirects=follow_redirects)
        response.json_module = self.application.json  # type: ignore[assignment]
        contexts, self._new_contexts = self._new_contexts, []
        for ctx in contexts:
            self._context_stack.enter_context(ctx)
        return response

    def __enter__(self) -> FlaskClient:
        if self.preserve_context:
            raise RuntimeError("Cannot nest client invocations")
        self.preserve_context = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.preserve_context = False
        self._context_stack.close()


class FlaskCliRunner(CliRunner):
    """Click's runner for the app's commands (``runner.invoke(args=["init-db"])``).

    Args:
        app: The application.
        **kwargs: Click's ``CliRunner`` options.
    """

    def __init__(self, app: Flask, **kwargs: Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(self, cli: Any = None, args: Any = None, **kwargs: Any) -> Result:  # type: ignore[override]
        """Run a command of the app (its ``cli`` group by default)."""
        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        return super().invoke(cli, args, **kwargs)
