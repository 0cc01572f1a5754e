"""ServerErrorMiddleware: the outermost layer, turning unhandled exceptions into 500s.

Called first for every request (by ``Heron.__call__``); calls the user middleware. It
answers 500 only if the response has not started, then re-raises so the server logs the
error (and ``TestClient`` can raise it in tests). With ``debug=True`` the answer shows the
traceback; never otherwise.
"""

from __future__ import annotations

import html
import inspect
import traceback
from collections.abc import Callable
from typing import Any

from heron.concurrency import run_in_threadpool
from heron.requests import Request
from heron.responses import HTMLResponse, PlainTextResponse, Response
from heron.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ServerErrorMiddleware"]


class ServerErrorMiddleware:
    """Answer 500 for exceptions nothing else handled.

    Args:
        app: The wrapped app.
        handler: A handler for 500 errors ``(request, exc) -> Response`` (sync or async).
        debug: Show the traceback in the response.
    """

    def __init__(
        self, app: ASGIApp, handler: Callable[..., Any] | None = None, debug: bool = False
    ) -> None:
        self.app = app
        self.handler = handler
        self.debug = debug

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if not started:
                response = await self.error_response(Request(scope, receive), exc)
                await response(scope, receive, send)
            raise

    async def error_response(self, request: Request, exc: Exception) -> Response:
        """The 500 response for ``exc``: the debug page, the user's handler, or the
        built-in page (plain text; HTML for browsers, see ``heron.error_pages``).

        The debug page is shown only to requests addressed to a loopback host, as the
        Werkzeug debugger does since CVE-2024-34069: a ``debug=True`` left on in a
        deployment does not hand tracebacks to the internet.
        """
        if self.debug and _is_loopback(request):
            return self.debug_response(request, exc)
        if self.handler is not None:
            if inspect.iscoroutinefunction(self.handler):
                response: Response = await self.handler(request, exc)
            else:
                response = await run_in_threadpool(self.handler, request, exc)
            return response
        from heron.error_pages import server_error_page

        return server_error_page(request, exc)

    def debug_response(self, request: Request, exc: Exception) -> Response:
        """The traceback, as HTML for browsers and as text otherwise."""
        text = "".join(traceback.format_exception(exc))
        if "text/html" in request.headers.get("accept", ""):
            page = (
                "<!doctype html><html><head><title>500 Internal Server Error</title></head>"
                f"<body><h1>500 Internal Server Error</h1><h2>{html.escape(repr(exc))}</h2>"
                f"<pre>{html.escape(text)}</pre></body></html>"
            )
            return HTMLResponse(page, status_code=500)
        return PlainTextResponse(text, status_code=500)


_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]", "testserver"}


def _is_loopback(request: Request) -> bool:
    host = request.headers.get("host", "")
    if host.startswith("["):
        name = host.split("]")[0] + "]"
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name.lower() in _LOOPBACK_HOSTS or name.startswith("127.")
