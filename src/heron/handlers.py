"""The per-route request pipeline, as short named steps.

Called by ``routing`` when a route matched; calls the endpoint. For an API route
(FastAPI style) a request goes::

    api_handler.app → _solve (path/query in one validation, body from the JSON bytes)
                    → _call_endpoint → _respond (serialize the return value, send)

and any exception before the response starts goes to the application's exception
handlers (``Heron.respond_to_exception``) from one ``except`` — no send wrappers.
"""

from __future__ import annotations

import collections.abc
import inspect
import json
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from functools import partial
from typing import TYPE_CHECKING, Any

from heron.background import BackgroundTasks
from heron.concurrency import iterate_in_threadpool, run_in_threadpool
from heron.dependencies.models import Dependant
from heron.dependencies.solving import SolveContext, solve, solve_flat, validation_error
from heron.encoders import jsonable_encoder
from heron.exceptions import (
    ClientDisconnect,
    HeronError,
    WebSocketDisconnect,
    WebSocketRequestValidationError,
)
from heron.globals import shared_request
from heron.requests import Request
from heron.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)
from heron.serialization import ResponseSerializer
from heron.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from heron.dependencies.models import EndpointPlan
    from heron.forms import FormPage

__all__ = [
    "APIHandler",
    "api_handler",
    "request_response",
    "route_handler_app",
    "websocket_api_handler",
    "websocket_session",
]

# The scope key under which ``route_handler_app`` lends ``APIHandler.respond`` the
# request's exit stacks: (request-scoped, function-scoped).
_EXIT_STACKS = "heron.exit_stacks"

# COMPAT(fastapi): a request-scoped ``yield`` dependency that swallows the endpoint's
# exception leaves no response to send: a 500, as FastAPI's "Response not awaited".
_SWALLOWED = (
    "No response to send: a yield dependency caught the endpoint's exception and did not"
    " raise it again (re-raise it, or raise an HTTPException, in its except block)"
)


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
        # The connection's one Request: a body a request check (CSRF) read is there.
        request = shared_request(Request(scope, receive, send))
        try:
            try:
                if is_async:
                    response = await func(request)
                else:
                    response = await run_in_threadpool(func, request)
            except Exception as exc:
                await _respond_to_exception(scope, receive, send, exc)
                return
            await response(scope, receive, send)
        finally:
            await request.close()  # the uploads of a form it (or a request check) parsed

    return app


def route_handler_app(func: Callable[[Request], Any]) -> ASGIApp:
    """Serve a route class's handler (``APIRoute.get_route_handler()``) as an ASGI app.

    COMPAT(fastapi): the ``yield`` dependencies the handler enters belong to this app, not
    to the handler: ``scope="function"`` ones close when the handler (the route class's
    wrapper included) returns, the others once the response has been sent (a background
    task or a streamed body still sees them open). An exception out of the handler goes
    through them before the application's handlers answer it; one the route class catches
    never reaches them.
    """
    is_async = inspect.iscoroutinefunction(func)

    async def handle(request: Request, request_stack: AsyncExitStack) -> Response:
        async with AsyncExitStack() as function_stack:
            request.scope[_EXIT_STACKS] = (request_stack, function_stack)
            if is_async:
                response: Response = await func(request)
            else:
                response = await run_in_threadpool(func, request)
        return response

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = shared_request(Request(scope, receive, send))
        try:
            await _send_in_request_stack(scope, receive, send, partial(handle, request))
        finally:
            scope.pop(_EXIT_STACKS, None)
            await request.close()

    return app


async def _send_in_request_stack(
    scope: Scope,
    receive: Receive,
    send: Send,
    produce: Callable[[AsyncExitStack], Awaitable[Response]],
    ctx: SolveContext | None = None,
) -> None:
    """Build a response in a request's exit stack, send it, then close the stack.

    An error before sending goes through the stack's ``yield`` dependencies first, then to
    the application's handlers (or, on a ``form_template=`` route, to the form's page in
    ``ctx.form_response``); one while sending is re-raised.
    """
    responding = False
    try:
        async with AsyncExitStack() as request_stack:
            response = await produce(request_stack)
            responding = True
            await response(scope, receive, send)
        if not responding:
            raise HeronError(_SWALLOWED)
    except Exception as exc:
        if responding:
            raise
        if ctx is not None and ctx.form_response is not None:
            await ctx.form_response(scope, receive, send)
            return
        await _respond_to_exception(scope, receive, send, exc)


def websocket_session(func: Callable[[Any], Awaitable[None]]) -> ASGIApp:
    """Wrap ``async func(websocket)`` as an ASGI app."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        from heron.websockets import WebSocket, check_origin

        websocket = WebSocket(scope, receive=receive, send=send)
        if not await check_origin(websocket):
            return  # another site's page: refused before the endpoint runs
        try:
            await func(websocket)
        except Exception as exc:
            await _respond_to_exception(scope, receive, send, exc)

    return app


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


def _reads_form(dependant: Dependant) -> bool:
    return dependant.body_mode == "form" or any(
        _reads_form(sub.dependant) for sub in dependant.dependencies
    )


async def _close_uploads(ctx: SolveContext) -> None:
    if ctx.request is not None:
        await ctx.request.close()


class APIHandler:
    """The ASGI app serving one API route: solve → call → respond, as named steps.

    Args:
        plan: The endpoint's analysed signature.
        response_class: The class wrapping non-Response return values.
        status_code: The status of a successful response (200 when None).
        flask_style: Use Flask's return conventions instead of FastAPI's.
        serializer: Validates and encodes return values (built from the plan by default).
        form_template: The template answering refused form input (see ``heron.forms``).
    """

    def __init__(
        self,
        plan: EndpointPlan,
        *,
        response_class: type[Response] = JSONResponse,
        status_code: int | None = None,
        flask_style: bool = False,
        serializer: ResponseSerializer | None = None,
        form_template: str | None = None,
    ) -> None:
        self.plan = plan
        self.call = plan.call
        self.is_async = plan.is_async
        self.has_params = plan.has_params
        # PERF: a route whose only inputs are path/query/header/cookie parameters and a JSON
        # body skips the SolveContext and the dependency walk (in-process items-get: -0.8 µs,
        # 6 calls less; items-post: -0.5 µs, 5 calls less).
        self.flat = plan.has_params and not (
            plan.body_mode == "form"
            or plan.dependencies
            or plan.request_names
            or plan.websocket_names
            or plan.response_names
            or plan.background_names
            or plan.scopes_names
        )
        # Form uploads are closed after the response, by the request's exit stack.
        self.needs_exit_stack = plan.needs_exit_stack or _reads_form(plan)
        self.form_page: FormPage | None = None
        if form_template is not None:
            from heron.forms import FormPage

            self.form_page = FormPage(form_template, plan)
            self.flat = False
            self.needs_exit_stack = True  # the path that renders the form's page
        self.response_class = response_class
        self.status_code = status_code or 200
        self.declared_status = status_code
        self.flask_style = flask_style
        if serializer is None:
            model = None if flask_style else _response_model_of(plan)
            serializer = ResponseSerializer(model)
        # Built once per route: validation against the response model and FastAPI's
        # encoding (jsonable_encoder rules without a model, pydantic-core with one).
        self.serializer = serializer
        self.to_json = serializer.to_json
        self.streams = inspect.isasyncgenfunction(self.call) or inspect.isgeneratorfunction(
            self.call
        )
        self.item_serializer: ResponseSerializer | None = None
        if self.streams:
            item_type = _stream_item_type(plan.return_annotation)
            if item_type is not None:
                self.item_serializer = ResponseSerializer(item_type)
        self.direct_media: bytes | None = None
        if not flask_style and not _no_body_status(self.status_code):
            self.direct_media = _DIRECT_MEDIA.get(response_class)
        self.is_json = response_class is JSONResponse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.needs_exit_stack:
            await self._call_with_exit_stacks(scope, receive, send)
            return
        try:
            if self.flat:
                kwargs = await solve_flat(self.plan, scope, receive)
                sub, background = None, None
            elif self.has_params:
                ctx = SolveContext(scope, receive, send)
                kwargs = await solve(self.plan, ctx)
                if ctx.errors:
                    raise validation_error(ctx.errors, ctx.body)
                sub, background = ctx.sub_response, ctx.background
            else:
                kwargs, sub, background = {}, None, None
            if self.streams:
                raw: Any = self._stream_response(self.call(**kwargs), sub, background)
            elif self.is_async:
                raw = await self.call(**kwargs)
            else:
                raw = await run_in_threadpool(self.call, **kwargs)
            if self.direct_media is not None and sub is None and background is None:
                # PERF: the body decided inline (a method call less per request).
                body: bytes | None = None
                if self.is_json:
                    if not isinstance(raw, Response):
                        body = self.to_json(raw)
                elif isinstance(raw, str):
                    body = raw.encode()
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

    async def _call_with_exit_stacks(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The path of routes with ``yield`` dependencies (and of form routes).

        Their cleanup sees the endpoint's exception, if any, before the exception handlers
        answer it; ``scope="function"`` ones exit when the endpoint returns, the others
        after the response has been sent.
        """
        ctx = SolveContext(scope, receive, send)
        await _send_in_request_stack(scope, receive, send, partial(self._run_in, ctx), ctx)

    async def _run_in(self, ctx: SolveContext, request_stack: AsyncExitStack) -> Response:
        ctx.request_stack = request_stack
        request_stack.push_async_callback(_close_uploads, ctx)
        return await self._run(ctx)

    async def _run(
        self, ctx: SolveContext, function_stack: AsyncExitStack | None = None
    ) -> Response:
        """Solve, call the endpoint and build its response, in the request's exit stack.

        ``scope="function"`` dependencies close when the endpoint returns, unless the
        caller owns their stack (``function_stack``).
        On a ``form_template=`` route, refused form input gets its page rendered here, while
        the request's dependencies are still open (an ORM row in the page can still load),
        into ``ctx.form_response``; the error still goes through every ``yield``
        dependency, as any other error.
        """
        kwargs: dict[str, Any] = {}
        try:
            async with AsyncExitStack() as own_stack:
                ctx.function_stack = function_stack or own_stack
                kwargs = await solve(self.plan, ctx)
                if ctx.errors:
                    raise validation_error(ctx.errors, ctx.body)
                if self.streams:
                    raw: Any = self._stream_response(
                        self.call(**kwargs), ctx.sub_response, ctx.background
                    )
                elif self.is_async:
                    raw = await self.call(**kwargs)
                else:
                    raw = await run_in_threadpool(self.call, **kwargs)
        except Exception as exc:
            if self.form_page is not None:
                ctx.form_response = await self.form_page.response(exc, ctx.get_request(), kwargs)
            raise
        return self._build_response(raw, ctx.sub_response, ctx.background)

    async def respond(self, request: Request) -> Response:
        """The response to ``request``, built but not sent: FastAPI's route handler.

        What ``APIRoute.get_route_handler()`` returns, for route classes that wrap it (a
        custom ``Request`` subclass in, headers added to the response out). ``request`` is
        the object the endpoint and its dependencies receive, and the body is read through
        it. ``yield`` dependencies enter the exit stacks of :func:`route_handler_app`
        (closed around sending); called outside it, they close before this returns.

        Raises:
            RequestValidationError: Invalid input (answered by the app's handlers).
        """
        ctx = SolveContext(request.scope, request.receive, request._send)
        ctx.request = request
        stacks = request.scope.get(_EXIT_STACKS)
        try:
            async with AsyncExitStack() as own_stack:
                request_stack, function_stack = stacks or (own_stack, None)
                ctx.request_stack = request_stack
                request_stack.push_async_callback(_close_uploads, ctx)
                return await self._run(ctx, function_stack)
        except Exception:
            if ctx.form_response is not None:
                return ctx.form_response
            raise

    def _stream_response(
        self, items: Any, sub: Response | None, background: BackgroundTasks | None
    ) -> Response:
        """A ``yield`` endpoint's response: server-sent events or JSON Lines, as FastAPI."""
        from heron.sse import EventSourceResponse, event_stream_response

        serialize = self.item_serializer.to_json if self.item_serializer is not None else None
        status = self.status_code
        if sub is not None and sub.status_code is not None:
            status = sub.status_code
        if issubclass(self.response_class, EventSourceResponse):
            response: Response = event_stream_response(
                items, serialize=serialize, status_code=status, background=background
            )
        else:
            lines = _json_lines(items, serialize)
            response = StreamingResponse(
                lines, status_code=status, media_type="application/jsonl", background=background
            )
        if sub is not None:
            response.raw_headers.extend(sub.raw_headers)
        return response

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
        status = self.declared_status
        if sub is not None and sub.status_code is not None:
            status = sub.status_code
        content = self.serializer.to_jsonable(raw)
        if status is None:
            # COMPAT(fastapi): the class's own default (RedirectResponse: 307).
            response = self.response_class(content, background=background)
        else:
            response = self.response_class(content, status_code=status, background=background)
        if _no_body_status(response.status_code):
            response.body = b""
            response.raw_headers = [
                (k, v) for k, v in response.raw_headers if k != b"content-length"
            ]
        if sub is not None:
            response.raw_headers.extend(sub.raw_headers)
        return response


def websocket_api_handler(plan: Dependant) -> ASGIApp:
    """Build the ASGI app of a WebSocket route whose arguments come from its signature."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        from heron.websockets import WebSocket, check_origin

        ctx = SolveContext(scope, receive, send)
        ctx.websocket = WebSocket(scope, receive=receive, send=send)
        if not await check_origin(ctx.websocket):
            return  # another site's page: refused before the dependencies run
        try:
            async with AsyncExitStack() as request_stack:
                ctx.request_stack = ctx.function_stack = request_stack
                kwargs = await solve(plan, ctx)
                if ctx.errors:
                    raise WebSocketRequestValidationError(ctx.errors)
                await plan.call(**kwargs)
        except WebSocketDisconnect:
            pass  # the client left: nothing to answer, nothing to log
        except Exception as exc:
            await _respond_to_exception(scope, receive, send, exc)

    return app


_STREAM_ORIGINS = {
    collections.abc.AsyncIterable,
    collections.abc.AsyncIterator,
    collections.abc.AsyncGenerator,
    collections.abc.Iterable,
    collections.abc.Iterator,
    collections.abc.Generator,
}


def _stream_item_type(annotation: Any) -> Any:
    """``Item`` for ``-> AsyncIterable[Item]`` and the like; None when undeclared."""
    if typing.get_origin(annotation) in _STREAM_ORIGINS:
        args = typing.get_args(annotation)
        return args[0] if args else None
    return None


async def _json_lines(items: Any, serialize: Any) -> AsyncIterator[bytes]:
    """Each yielded item as one JSON line (FastAPI's ``application/jsonl`` streams)."""
    if not isinstance(items, collections.abc.AsyncIterator):
        items = iterate_in_threadpool(items)
    async for item in items:
        if serialize is not None:
            yield serialize(item) + b"\n"
        else:
            # COMPAT(fastapi): untyped items go through json.dumps' default separators.
            yield json.dumps(jsonable_encoder(item)).encode() + b"\n"


def _response_model_of(plan: Dependant) -> Any:
    """The return annotation as the response model, when it can be one (FastAPI's rule)."""
    annotation = plan.return_annotation
    if annotation is None or annotation is type(None):
        return None
    if inspect.isasyncgenfunction(plan.call) or inspect.isgeneratorfunction(plan.call):
        return None  # the annotation describes the stream's items, not one response
    if inspect.isclass(annotation) and issubclass(annotation, Response):
        return None
    return annotation


def api_handler(
    plan: EndpointPlan,
    *,
    response_class: type[Response] = JSONResponse,
    status_code: int | None = None,
    flask_style: bool = False,
    serializer: ResponseSerializer | None = None,
    form_template: str | None = None,
) -> APIHandler:
    """Build the ASGI app serving one API route (see :class:`APIHandler`)."""
    return APIHandler(
        plan,
        response_class=response_class,
        status_code=status_code,
        flask_style=flask_style,
        serializer=serializer,
        form_template=form_template,
    )
