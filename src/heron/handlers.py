"""The per-route request pipeline, as short named steps.

Called by ``routing`` when a route matched; calls the endpoint. For an API route
(FastAPI style) a request goes::

    api_handler.app → _solve (path/query in one validation, body from the JSON bytes)
                    → _call_endpoint → _respond (serialize the return value, send)

and any exception before the response starts goes to the application's exception
handlers (``Heron.respond_to_exception``) from one ``except`` — no send wrappers.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

import pydantic_core
from pydantic import TypeAdapter, ValidationError

from heron.background import BackgroundTasks
from heron.concurrency import run_in_threadpool
from heron.datastructures import parse_query_string
from heron.exceptions import (
    ClientDisconnect,
    HeronError,
    HTTPException,
    RequestValidationError,
    ResponseValidationError,
)
from heron.requests import Request
from heron.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)
from heron.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from heron.dependencies.models import EndpointPlan

__all__ = ["APIHandler", "api_handler", "read_body", "request_response", "websocket_session"]


async def _respond_to_exception(scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
    if isinstance(exc, ClientDisconnect):
        # A half-sent request is the client's fault, not a server error. Servers that report
        # bad framing as a disconnect (granian) still have a socket to answer on; for the
        # others the answer goes nowhere.
        response = PlainTextResponse("Incomplete request body", status_code=400)
        try:
            await response(scope, receive, send)
        except (OSError, RuntimeError):
            pass  # the server refused: the client is gone for good
        return
    responder = getattr(scope.get("app"), "respond_to_exception", None)
    if responder is None:
        raise exc
    await responder(scope, receive, send, exc)


def request_response(func: Callable[[Request], Any]) -> ASGIApp:
    """Wrap ``func(request) -> Response`` (sync or async) as an ASGI app."""
    is_async = inspect.iscoroutinefunction(func)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        try:
            if is_async:
                response = await func(request)
            else:
                response = await run_in_threadpool(func, request)
        except Exception as exc:
            await _respond_to_exception(scope, receive, send, exc)
            return
        await response(scope, receive, send)

    return app


def websocket_session(func: Callable[[Any], Awaitable[None]]) -> ASGIApp:
    """Wrap ``async func(websocket)`` as an ASGI app."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        from heron.websockets import WebSocket

        websocket = WebSocket(scope, receive=receive, send=send)
        try:
            await func(websocket)
        except Exception as exc:
            await _respond_to_exception(scope, receive, send, exc)

    return app


# ---------------------------------------------------------------- solving arguments


async def read_body(receive: Receive, limit: int | None, scope: Scope | None = None) -> bytes:
    """Read the whole request body from ``receive``.

    With ``scope``, a declared ``Content-Length`` over ``limit`` is refused before reading.

    Raises:
        HTTPException: 413 past ``limit`` bytes.
        ClientDisconnect: The client went away first.
    """
    if limit is not None and scope is not None:
        for key, value in scope["headers"]:
            if key == b"content-length" and value.isdigit() and int(value) > limit:
                # Refused before a byte is read: the client said how much it would send.
                raise HTTPException(413, f"Request body is larger than {limit} bytes")
    message = await receive()
    if message["type"] == "http.disconnect":
        raise ClientDisconnect()
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):  # PERF: the one-chunk body of small requests
        if limit is not None and len(body) > limit:
            raise HTTPException(413, f"Request body is larger than {limit} bytes")
        return body
    chunks = [body]
    size = len(body)
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            raise HTTPException(413, f"Request body is larger than {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _param_errors(plan: EndpointPlan, exc: ValidationError) -> list[Any]:
    sources = {f.name: (f.source, f.alias) for f in (*plan.path_params, *plan.query_params)}
    errors = []
    for error in exc.errors(include_url=False):
        name = error["loc"][0]
        source, alias = sources.get(str(name), ("query", name))
        error["loc"] = (source, alias, *error["loc"][1:])
        if error["type"] == "missing":
            # COMPAT(fastapi): a missing parameter reports input None, not the whole dict.
            error["input"] = None
        errors.append(error)
    return errors


def _raw_params(plan: EndpointPlan, scope: Scope) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    if plan.path_params:
        path_params = scope["path_params"]
        for f in plan.path_params:
            raw[f.name] = path_params[f.alias]
    if plan.query_params:
        query_string: bytes = scope.get("query_string", b"")
        if query_string:
            fields = plan.query_by_alias
            for key, value in parse_query_string(query_string.decode("latin-1")):
                found = fields.get(key)
                if found is None:
                    continue
                if found.is_list:
                    raw.setdefault(found.name, []).append(value)
                else:
                    raw[found.name] = value  # the last one wins, as in FastAPI
    return raw


def _is_json_content(scope: Scope) -> bool:
    for key, value in scope["headers"]:
        if key == b"content-type":
            media: bytes = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or (
                media.startswith(b"application/") and media.endswith(b"+json")
            )
    return True  # COMPAT(fastapi): no Content-Type is read as JSON


def _json_decode_error(body: bytes) -> dict[str, Any]:
    try:
        json.loads(body)
    except json.JSONDecodeError as exc:
        return {
            "type": "json_invalid",
            "loc": ("body", exc.pos),
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": exc.msg},
        }
    except (ValueError, RecursionError) as exc:
        return {
            "type": "json_invalid",
            "loc": ("body", 0),
            "msg": "JSON decode error",
            "input": {},
            "ctx": {"error": str(exc)},
        }
    return {
        "type": "json_invalid",
        "loc": ("body", 0),
        "msg": "JSON decode error",
        "input": {},
        "ctx": {"error": "Invalid JSON"},
    }


def _validate_body(plan: EndpointPlan, scope: Scope, body: bytes) -> tuple[Any, list[Any]]:
    field = plan.body
    assert field is not None
    if not body:
        if field.required:
            return None, [
                {"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}
            ]
        return field.default, []
    try:
        if _is_json_content(scope):
            # PERF: validate the bytes in one pass instead of json.loads + validate_python.
            return field.adapter.validate_json(body), []
        return field.adapter.validate_python(body), []
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        if errors and errors[0]["type"] == "json_invalid":
            return None, [_json_decode_error(body)]
        for error in errors:
            error["loc"] = ("body", *error["loc"])
        return None, errors


async def _solve(
    plan: EndpointPlan, scope: Scope, receive: Receive, send: Send
) -> tuple[dict[str, Any], Response | None, BackgroundTasks | None]:
    kwargs: dict[str, Any] = {}
    errors: list[Any] = []
    request: Request | None = None
    if plan.request_names:
        request = Request(scope, receive, send)
        for name in plan.request_names:
            kwargs[name] = request
    if plan.params_model is not None:
        try:
            validated = plan.params_validator.validate_python(_raw_params(plan, scope))
            kwargs.update(validated.__dict__)
        except ValidationError as exc:
            errors.extend(_param_errors(plan, exc))
    body: bytes | None = None
    if plan.body is not None:
        if request is not None:
            body = await request.body()
        else:
            # PERF: straight from receive, not through Request.stream(): -6 calls.
            limit = getattr(scope.get("app"), "max_body_size", None)
            body = await read_body(receive, limit, scope)
        value, body_errors = _validate_body(plan, scope, body)
        errors.extend(body_errors)
        kwargs[plan.body.name] = value
    if errors:
        raise RequestValidationError(errors, body=body)
    sub_response: Response | None = None
    if plan.response_names:
        sub_response = Response()
        sub_response.status_code = None  # type: ignore[assignment]
        for name in plan.response_names:
            kwargs[name] = sub_response
    background: BackgroundTasks | None = None
    if plan.background_names:
        background = BackgroundTasks()
        for name in plan.background_names:
            kwargs[name] = background
    return kwargs, sub_response, background


# ---------------------------------------------------------------- responding


def _flask_response(raw: Any) -> Response:
    """Flask's return conventions: str → HTML, dict/list → JSON, tuples, iterables."""
    if isinstance(raw, Response):
        return raw
    status: int | None = None
    headers: dict[str, str] | None = None
    if isinstance(raw, tuple):
        if len(raw) == 3:
            raw, status, headers = raw
        elif len(raw) == 2:
            if isinstance(raw[1], int):
                raw, status = raw
            else:
                raw, headers = raw
        else:
            raise HeronError(
                "A view's tuple must be (body, status), (body, headers) or (body, status, headers)"
            )
        headers = dict(headers) if headers is not None else None
        if isinstance(raw, Response):
            if status is not None:
                raw.status_code = status
            if headers:
                raw.headers.update(headers)
            return raw
    code = 200 if status is None else status
    if isinstance(raw, str | bytes):
        return HTMLResponse(raw, status_code=code, headers=headers)
    if isinstance(raw, dict | list):
        return JSONResponse(raw, status_code=code, headers=headers)
    if isinstance(raw, Iterator | AsyncIterator):
        return StreamingResponse(raw, status_code=code, headers=headers, media_type="text/html")
    if raw is None:
        raise HeronError("The view function did not return a valid response (it returned None)")
    raise HeronError(f"The view function returned an unsupported type: {type(raw).__name__}")


def _no_body_status(status: int) -> bool:
    return status < 200 or status in (204, 205, 304)


# PERF: the content-type bytes of the response classes whose bodies the handler may
# write itself (no Response object: ~10 Python calls less per request).
_DIRECT_MEDIA: dict[type[Response], bytes] = {
    JSONResponse: b"application/json",
    PlainTextResponse: b"text/plain; charset=utf-8",
    HTMLResponse: b"text/html; charset=utf-8",
}


class APIHandler:
    """The ASGI app serving one API route: solve → call → respond, as named steps.

    Args:
        plan: The endpoint's analysed signature.
        response_class: The class wrapping non-Response return values.
        status_code: The status of a successful response (200 when None).
        flask_style: Use Flask's return conventions instead of FastAPI's.
    """

    def __init__(
        self,
        plan: EndpointPlan,
        *,
        response_class: type[Response] = JSONResponse,
        status_code: int | None = None,
        flask_style: bool = False,
    ) -> None:
        self.plan = plan
        self.call = plan.call
        self.is_async = plan.is_async
        self.has_params = plan.has_params
        self.response_class = response_class
        self.status_code = status_code or 200
        self.flask_style = flask_style
        self.return_adapter: TypeAdapter[Any] | None = None
        if plan.return_annotation is not None:
            self.return_adapter = TypeAdapter(plan.return_annotation)
        self.direct_media: bytes | None = None
        if not flask_style and not _no_body_status(self.status_code):
            self.direct_media = _DIRECT_MEDIA.get(response_class)
        self.is_json = response_class is JSONResponse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            if self.has_params:
                kwargs, sub, background = await _solve(self.plan, scope, receive, send)
            else:
                kwargs, sub, background = {}, None, None
            if self.is_async:
                raw = await self.call(**kwargs)
            else:
                raw = await run_in_threadpool(self.call, **kwargs)
            if self.direct_media is not None and sub is None and background is None:
                body = self._direct_body(raw)
                if body is not None:
                    # PERF: two prebuilt messages, no Response object (inlined: a coroutine
                    # less per request).
                    length = str(len(body)).encode()
                    await send(
                        {
                            "type": "http.response.start",
                            "status": self.status_code,
                            "headers": [
                                (b"content-length", length),
                                (b"content-type", self.direct_media),
                            ],
                        }
                    )
                    if scope["method"] == "HEAD":
                        body = b""
                    await send({"type": "http.response.body", "body": body})
                    return
            response = self._build_response(raw, sub, background)
        except Exception as exc:
            await _respond_to_exception(scope, receive, send, exc)
            return
        await response(scope, receive, send)

    def _validate_return(self, raw: Any) -> Any:
        assert self.return_adapter is not None
        try:
            return self.return_adapter.validator.validate_python(raw, from_attributes=True)
        except ValidationError as exc:
            raise ResponseValidationError(exc.errors(include_url=False), body=raw) from None

    def _serialize(self, raw: Any) -> Any:
        if self.return_adapter is None:
            return raw
        value = self._validate_return(raw)
        return self.return_adapter.dump_python(value, mode="json", by_alias=True)

    def _direct_body(self, raw: Any) -> bytes | None:
        """The body bytes when the handler can send them itself, else None."""
        if self.is_json:
            if isinstance(raw, Response):
                return None
            if self.return_adapter is not None:
                # PERF: validate, then serialize to JSON bytes in one Rust pass.
                value = self._validate_return(raw)
                return self.return_adapter.serializer.to_json(value, by_alias=True)
            return pydantic_core.to_json(raw, by_alias=True)
        if isinstance(raw, str):
            return raw.encode()
        return None

    def _build_response(
        self, raw: Any, sub: Response | None, background: BackgroundTasks | None
    ) -> Response:
        if self.flask_style:
            response = _flask_response(raw)
            if background is not None and response.background is None:
                response.background = background
            return response
        if isinstance(raw, Response):
            if raw.background is None:
                raw.background = background
            return raw
        status = self.status_code
        if sub is not None and sub.status_code is not None:
            status = sub.status_code
        response = self.response_class(
            self._serialize(raw), status_code=status, background=background
        )
        if _no_body_status(status):
            response.body = b""
            response.raw_headers = [
                (k, v) for k, v in response.raw_headers if k != b"content-length"
            ]
        if sub is not None:
            response.raw_headers.extend(sub.raw_headers)
        return response


def api_handler(
    plan: EndpointPlan,
    *,
    response_class: type[Response] = JSONResponse,
    status_code: int | None = None,
    flask_style: bool = False,
) -> ASGIApp:
    """Build the ASGI app serving one API route (see :class:`APIHandler`)."""
    return APIHandler(
        plan, response_class=response_class, status_code=status_code, flask_style=flask_style
    )
