"""ServerErrorMiddleware: the outermost layer, turning unhandled exceptions into 500s.

Called first for every request (by ``Heron.__call__``); calls the user middleware. It
answers 500 only if the response has not started, then re-raises so the server logs the
error (and ``TestClient`` can raise it in tests). With ``debug=True`` the answer shows the
traceback; never otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from heron.exception_handlers import debug_response, server_error_response
from heron.requests import Request
from heron.responses import Response
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
        """Serve an HTTP request, answering 500 if the app raises before its response starts.

        The exception is re-raised either way, for the server to log.
        """
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
        """The 500 response for ``exc``.

        The debug page, the user's handler, or the built-in page (see
        ``heron.exception_handlers.server_error_response``).
        """
        return await server_error_response(request, exc, self.handler, debug=self.debug)

    def debug_response(self, request: Request, exc: Exception) -> Response:
        """The traceback, as HTML for browsers and as text otherwise."""
        return debug_response(request, exc)
