"""Who answers an exception, and the default answers (FastAPI's names and bodies).

Called by every step that catches an exception before a response started (route
handlers, the hook layers, the router's 404/405, the session layer, ``ServerErrorMiddleware``);
calls the handler it picks. One function decides, :func:`respond_to_exception`:

1. a ``ClientDisconnect`` (a half-sent body) is the client's fault: 400, never a 500;
2. the handler of the exception, looked up in the exception handlers of the routers the
   route is under (innermost first) and then the app's, Flask's way (a handler for the
   HTTP status code at any level wins over handlers by class; see
   :func:`find_exception_handler`);
3. no handler: a 500 page here when nothing outside will answer it (the app has no
   ``ServerErrorMiddleware`` in its stack, ``app.answers_500``, or a router has its own
   500 handler), then the exception is raised again for the server's log.

The default handlers answer FastAPI's JSON; a browser (an ``Accept`` header preferring
``text/html`` over JSON) gets an HTML page instead, see ``heron.error_pages``.
"""

from __future__ import annotations

import html
import inspect
import re
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pydantic_core

from heron.concurrency import run_in_threadpool
from heron.encoders import jsonable_encoder
from heron.error_pages import error_page, server_error_page, wants_html
from heron.exceptions import (
    ClientDisconnect,
    HTTPError,
    HTTPException,
    RequestValidationError,
    WebSocketException,
    WebSocketRequestValidationError,
)
from heron.requests import Request, RequestContext
from heron.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

if TYPE_CHECKING:
    from heron.websockets import WebSocket

__all__ = [
    "app_500_handler",
    "debug_response",
    "find_exception_handler",
    "handler_key",
    "http_exception_handler",
    "request_validation_exception_handler",
    "respond_to_exception",
    "server_error_response",
    "websocket_request_validation_exception_handler",
]


# ---------------------------------------------------------------- the default handlers


def _jsonable_ctx(value: Any) -> Any:
    # COMPAT(fastapi): an exception inside an error's ctx is encoded as {}.
    if isinstance(value, Exception):
        return {}
    return str(value)


async def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    """``{"detail": ...}`` with the exception's status and headers (no body for 204/304).

    An HTML page for browsers (``heron.error_pages``), with the same status and headers.
    """
    response = getattr(exc, "response", None)
    if isinstance(response, Response):  # abort(response): Flask's way to answer early
        return response
    headers = getattr(exc, "headers", None)
    if exc.status_code < 200 or exc.status_code in (204, 205, 304):
        return Response(status_code=exc.status_code, headers=headers)
    if wants_html(request.scope):
        return error_page(request, exc.status_code, exc.detail, error=exc, headers=headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)


async def request_validation_exception_handler(
    request: Request, exc: RequestValidationError
) -> Response:
    """422 with ``{"detail": [errors]}``, FastAPI's body (an HTML page for browsers)."""
    errors = [
        # A raw (non-JSON) body is bytes that may not be UTF-8: show it, never fail on it.
        {**error, "input": error["input"].decode("utf-8", "replace")}
        if isinstance(error, dict) and isinstance(error.get("input"), bytes)
        else error
        for error in exc.errors()
    ]
    if wants_html(request.scope):
        return error_page(request, 422, "Invalid input", error=exc, errors=errors)
    # COMPAT(fastapi): FastAPI's encoder, so a Decimal in ``ctx`` stays a number.
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


async def websocket_request_validation_exception_handler(
    websocket: WebSocket, exc: WebSocketRequestValidationError
) -> None:
    """Close the socket with 1008 and the errors as reason."""
    # A close frame's reason is at most 123 bytes of UTF-8: cut on a character boundary.
    reason = pydantic_core.to_json(exc.errors(), fallback=_jsonable_ctx)[:123]
    await websocket.close(code=1008, reason=reason.decode("utf-8", "ignore"))


# ---------------------------------------------------------------- finding the handler


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


def _mappings(ctx: RequestContext) -> list[Mapping[Any, Callable[..., Any]]]:
    """The handler mappings that apply, innermost first: the routers', then the app's."""
    mappings = list(reversed(ctx.exception_handlers))
    app_handlers = getattr(ctx.app, "exception_handlers", None)
    if app_handlers is not None:
        mappings.append(app_handlers)
    return mappings


async def _call_handler(handler: Callable[..., Any], connection: Any, exc: Exception) -> Any:
    if inspect.iscoroutinefunction(handler):
        return await handler(connection, exc)
    return await run_in_threadpool(handler, connection, exc)


# ---------------------------------------------------------------- answering


async def respond_to_exception(ctx: RequestContext, exc: Exception) -> None:
    """Answer ``exc`` on ``ctx.send`` with its handler, or raise it again.

    Called by the steps of the request path before any response started (see the module
    docstring for the order of decisions).

    Raises:
        Exception: ``exc`` itself, when no handler answers it (after a 500 page when
            nothing outside the caller will answer).
    """
    if isinstance(exc, ClientDisconnect):
        await _incomplete_body(ctx)
        return
    if ctx.scope["type"] == "websocket":
        await _websocket_exception(ctx, exc)
        return
    mappings = _mappings(ctx)
    handler = find_exception_handler(mappings, exc)
    if handler is None:
        await _unhandled(ctx, exc)
        raise exc
    response = await _call_handler(handler, ctx.request, exc)
    if response is not None:
        await response(ctx.scope, ctx.receive, ctx.send)


async def _incomplete_body(ctx: RequestContext) -> None:
    # A half-sent request is the client's fault, not a server error. Servers that report
    # bad framing as a disconnect (granian) still have a socket to answer on; for the
    # others the answer goes nowhere.
    response = PlainTextResponse("Incomplete request body", status_code=400)
    try:
        await response(ctx.scope, ctx.receive, ctx.send)
    except (OSError, RuntimeError):
        pass  # the server refused: the client is gone for good


async def _unhandled(ctx: RequestContext, exc: Exception) -> None:
    """The 500 page for an exception no handler takes, when it is ours to send."""
    app = ctx.app
    scoped_500 = next((m[500] for m in reversed(ctx.exception_handlers) if 500 in m), None)
    if app is None:
        if isinstance(exc, HTTPError):  # a router served alone: its 404/405 in plain text
            response: Response = PlainTextResponse(
                str(exc.detail), status_code=exc.status_code, headers=exc.headers
            )
            await response(ctx.scope, ctx.receive, ctx.send)
        return
    if getattr(app, "answers_500", False) or scoped_500 is not None:
        # No ServerErrorMiddleware in the stack, or a router's own 500 handler: answer 500
        # here, then let the server log the error.
        handler = scoped_500 or app_500_handler(app)
        response = await server_error_response(ctx.request, exc, handler, debug=app.debug)
        await response(ctx.scope, ctx.receive, ctx.send)


def app_500_handler(app: Any) -> Callable[..., Any] | None:
    """The app's handler for unhandled errors: for ``500``, else for ``Exception``."""
    handlers: Mapping[Any, Callable[..., Any]] = getattr(app, "exception_handlers", {})
    return handlers.get(500) or handlers.get(Exception)


async def _websocket_exception(ctx: RequestContext, exc: Exception) -> None:
    handler = find_exception_handler(_mappings(ctx), exc)
    if handler is None:
        if not isinstance(exc, WebSocketException):
            raise exc
        await ctx.send({"type": "websocket.close", "code": exc.code, "reason": exc.reason})
        return
    # NOTE: deferred: ``heron.websockets``' route handlers answer their errors here.
    from heron.websockets import WebSocket, deny_handshake

    websocket = ctx.websocket or WebSocket(ctx.scope, receive=ctx.receive, send=ctx.send)
    if not isinstance(exc, HTTPError):
        await handler(websocket, exc)
        return
    # COMPAT(fastapi): an HTTPException raised before accept() (an auth dependency)
    # refuses the handshake with its HTTP response, as Starlette 0.41+ does; a 1008
    # close where the server has no denial responses.
    response = await _call_handler(handler, websocket, exc)
    if response is not None:
        await deny_handshake(ctx.scope, ctx.send, response, str(exc.detail))


# ---------------------------------------------------------------- the 500 page


async def server_error_response(
    request: Request,
    exc: Exception,
    handler: Callable[..., Any] | None = None,
    *,
    debug: bool = False,
) -> Response:
    """The 500 response to an unhandled ``exc``.

    With ``debug``, the traceback page for a request addressed to a loopback host (as the
    Werkzeug debugger since CVE-2024-34069: a ``debug=True`` left on in a deployment does
    not hand tracebacks to the internet); else ``handler``'s response, or the built-in
    page (plain text; HTML for browsers, see ``heron.error_pages``).
    """
    if debug and _is_loopback(request):
        return debug_response(request, exc)
    if handler is not None:
        response: Response = await _call_handler(handler, request, exc)
        return response
    return server_error_page(request, exc)


def debug_response(request: Request, exc: Exception) -> Response:
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
_LOOPBACK_V4 = re.compile(r"127(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}")


def _is_loopback(request: Request) -> bool:
    host = request.headers.get("host", "")
    if host.startswith("["):
        name = host.split("]")[0] + "]"
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    name = name.lower()
    # An IPv4 literal in 127.0.0.0/8, not a name that starts with "127." (127.0.0.1.nip.io).
    return name in _LOOPBACK_HOSTS or _LOOPBACK_V4.fullmatch(name) is not None
