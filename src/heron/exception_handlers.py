"""The default exception handlers (FastAPI's names and bodies).

Called by ``Heron.respond_to_exception`` when no user handler matches. A browser (an
``Accept`` header preferring ``text/html`` over JSON) gets an HTML page instead, see
``heron.error_pages``; every other client gets FastAPI's JSON, unchanged.
"""

from __future__ import annotations

from typing import Any

import pydantic_core

from heron.encoders import jsonable_encoder
from heron.error_pages import error_page, wants_html
from heron.exceptions import HTTPException, RequestValidationError, WebSocketRequestValidationError
from heron.requests import Request
from heron.responses import JSONResponse, Response
from heron.websockets import WebSocket

__all__ = [
    "http_exception_handler",
    "request_validation_exception_handler",
    "websocket_request_validation_exception_handler",
]


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
