"""Route handlers: the steps from a matched route to its sent response.

Called by ``routing`` (a route's ``app`` is one of the entries below, chosen when the route
is built) once the app's entry made the request's context, the route matched and the hook
layers ran; calls the dependency solver and the endpoint. The request path, whole (see
``docs/architecture.md``)::

    Heron.__call__: context → [middleware] → AppHooks: match, checks, before hooks
      → route handler: solve → call → serialize → respond
      → after hooks (as the response starts) → teardown

An :class:`APIHandler` serves one API route (FastAPI style) through one of three entries:

* ``serve_flat``: path, query, header and cookie parameters and a JSON body only, solved
  without a context (the fast path: most API routes);
* ``serve``: dependencies, injected objects or a form, solved on the request's context;
* ``serve_in_stacks``: ``yield`` dependencies, form uploads or a ``form_template=`` page:
  the same steps inside the request's exit stacks, which close after the response is sent.

Each entry runs the same named steps (:meth:`APIHandler.call_endpoint`,
:meth:`APIHandler.build_response`) and hands any exception raised before the response
starts to ``heron.exception_handlers.respond_to_exception``. :func:`request_response` and
:func:`route_handler_app` serve Starlette-style endpoints and custom route classes.
"""

from __future__ import annotations

import collections.abc
import inspect
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any, Protocol

from heron.background import BackgroundTasks
from heron.concurrency import iterate_in_threadpool, run_in_threadpool
from heron.dependencies.models import Dependant
from heron.dependencies.solving import solve, solve_flat, validation_error
from heron.encoders import jsonable_encoder
from heron.exception_handlers import respond_to_exception
from heron.exceptions import HeronError
from heron.requests import Request, RequestContext
from heron.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
    make_response,
)
from heron.serialization import ResponseSerializer, response_model_of, stream_item_type
from heron.sse import EventSourceResponse, event_stream_response
from heron.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from collections.abc import Mapping

    from heron.dependencies.models import EndpointPlan

__all__ = [
    "APIHandler",
    "FormPageFactory",
    "FormPageRenderer",
    "plug_form_pages",
    "request_response",
    "route_handler_app",
]

# COMPAT(fastapi): a request-scoped ``yield`` dependency that swallows the endpoint's
# exception leaves no response to send: a 500, as FastAPI's "Response not awaited".
_SWALLOWED = (
    "No response to send: a yield dependency caught the endpoint's exception and did not"
    " raise it again (re-raise it, or raise an HTTPException, in its except block)"
)


# ---------------------------------------------------------------- form pages (plugged in)


class FormPageRenderer(Protocol):
    """How a ``form_template=`` route answers refused input (``heron.forms.FormPage``)."""

    async def response(
        self, exc: Exception, request: Request, arguments: Mapping[str, Any]
    ) -> Response | None:
        """The page for ``exc``, or None when the error is not the form's."""
        ...


FormPageFactory = Callable[[str, Dependant], FormPageRenderer]
_form_pages: list[FormPageFactory] = []


def plug_form_pages(factory: FormPageFactory) -> None:
    """Install what builds the pages of ``form_template=`` routes.

    Called once by ``heron.applications`` with ``heron.forms.FormPage``: the forms battery
    plugs into the handlers, which never import it.
    """
    _form_pages[:] = [factory]


def _form_page(template: str | None, plan: Dependant) -> FormPageRenderer | None:
    if template is None:
        return None
    if not _form_pages:
        raise HeronError("form_template= needs heron.forms (import heron first)")
    return _form_pages[0](template, plan)


# ---------------------------------------------------------------- Starlette-style endpoints


def request_response(func: Callable[[Request], Any]) -> ASGIApp:
    """Wrap ``func(request) -> Response`` (sync or async) as an ASGI app."""
    is_async = inspect.iscoroutinefunction(func)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ctx = RequestContext.of(scope, receive, send)
        request = ctx.request  # the connection's one Request: a check's reads are there
        try:
            try:
                if is_async:
                    response = await func(request)
                else:
                    response = await run_in_threadpool(func, request)
            except Exception as exc:
                await respond_to_exception(ctx, exc)
                return
            await response(scope, receive, send)
        finally:
            await ctx.close()  # the uploads of a form it (or a request check) parsed

    return app


def route_handler_app(func: Callable[[Request], Any]) -> ASGIApp:
    """Serve a route class's handler (``APIRoute.get_route_handler()``) as an ASGI app.

    COMPAT(fastapi): the ``yield`` dependencies the handler enters belong to this app, not
    to the handler: ``scope="function"`` ones close when the handler (the route class's
    wrapper included) returns, the others once the response has been sent (a background
    task or a streamed body still sees them open). An exception out of the handler goes
    through them before the application's handlers answer it; one the route class catches
    never reaches them. The handler finds the stacks on the request's context.
    """
    is_async = inspect.iscoroutinefunction(func)

    async def produce(ctx: RequestContext, request_stack: AsyncExitStack) -> Response:
        async with AsyncExitStack() as function_stack:
            ctx.request_stack, ctx.function_stack = request_stack, function_stack
            if is_async:
                response: Response = await func(ctx.request)
            else:
                response = await run_in_threadpool(func, ctx.request)
        return response

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ctx = RequestContext.of(scope, receive, send)
        try:
            await _respond_in_stacks(ctx, scope, receive, send, produce)
        finally:
            ctx.request_stack = ctx.function_stack = None
            await ctx.close()

    return app


async def _respond_in_stacks(
    ctx: RequestContext,
    scope: Scope,
    receive: Receive,
    send: Send,
    produce: Callable[[RequestContext, AsyncExitStack], Awaitable[Response]],
) -> None:
    """Build a response in the request's exit stack, send it, then close the stack.

    An error before sending goes through the stack's ``yield`` dependencies first, then to
    the exception handlers (or, on a ``form_template=`` route, to the form's page in
    ``ctx.form_response``); one while sending is raised again.
    """
    responding = False
    try:
        async with AsyncExitStack() as request_stack:
            response = await produce(ctx, request_stack)
            responding = True
            await response(scope, receive, send)
        if not responding:
            raise HeronError(_SWALLOWED)
    except Exception as exc:
        if responding:
            raise
        if ctx.form_response is not None:
            await ctx.form_response(scope, receive, send)
            return
        await respond_to_exception(ctx, exc)


# ---------------------------------------------------------------- responding


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


def _is_flat(plan: Dependant) -> bool:
    """Whether the plan's only inputs are scalar parameters and a JSON body."""
    return not (
        plan.body_mode == "form"
        or plan.dependencies
        or plan.request_names
        or plan.websocket_names
        or plan.response_names
        or plan.background_names
        or plan.scopes_names
    )


class APIHandler:
    """The ASGI app serving one API route: solve → call → serialize → respond.

    Args:
        plan: The endpoint's analysed signature.
        response_class: The class wrapping non-Response return values.
        status_code: The status of a successful response (200 when None).
        flask_style: Use Flask's return conventions instead of FastAPI's.
        serializer: Validates and encodes return values (built from the plan by default).
        form_template: The template answering refused form input (see ``heron.forms``).

    Attributes:
        app: The entry that serves the route, chosen here (``serve_flat``, ``serve`` or
            ``serve_in_stacks``); the route calls it directly.
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
        self.form_page = _form_page(form_template, plan)
        self.response_class = response_class
        self.status_code = status_code or 200
        self.declared_status = status_code
        self.flask_style = flask_style
        # Built once per route: validation against the response model and FastAPI's
        # encoding (jsonable_encoder rules without a model, pydantic-core with one).
        self.serializer = serializer or ResponseSerializer(
            None if flask_style else response_model_of(plan)
        )
        self.to_json = self.serializer.to_json
        self.streams = inspect.isasyncgenfunction(self.call) or inspect.isgeneratorfunction(
            self.call
        )
        item_type = stream_item_type(plan.return_annotation) if self.streams else None
        self.item_serializer = None if item_type is None else ResponseSerializer(item_type)
        self.direct_media: bytes | None = None
        if not flask_style and not _no_body_status(self.status_code):
            self.direct_media = _DIRECT_MEDIA.get(response_class)
        self.is_json = response_class is JSONResponse
        self.app: ASGIApp = self._choose_entry()

    def _choose_entry(self) -> ASGIApp:
        """The entry for this route, decided once (the fast path when it can be)."""
        plan = self.plan
        if plan.needs_exit_stack or _reads_form(plan) or self.form_page is not None:
            # Form uploads are closed after the response, by the request's exit stack;
            # a form's page renders while the request's dependencies are still open.
            return self.serve_in_stacks
        if not self.has_params or _is_flat(plan):
            # PERF: no context and no dependency walk (in-process items-get: -0.8 µs,
            # 6 calls less; items-post: -0.5 µs, 5 calls less).
            return self.serve_flat
        return self.serve

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve through the entry chosen for this route (the fast path when it can be)."""
        await self.app(scope, receive, send)

    # ------------------------------------------------------------ the entries

    async def serve_flat(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a route whose inputs are scalar parameters and a JSON body (no context)."""
        try:
            kwargs = await solve_flat(self.plan, scope, receive) if self.has_params else {}
            if self.is_async and not self.streams:
                raw = await self.call(**kwargs)  # PERF: the common call, inline
            else:
                raw = await self.call_endpoint(kwargs, None, None)
            body: bytes | None = None
            if self.direct_media is not None:  # PERF: _direct_body, inline (a call less)
                if self.is_json:
                    body = None if isinstance(raw, Response) else self.to_json(raw)
                elif isinstance(raw, str):
                    body = raw.encode()
            if body is not None:
                # PERF: _send_direct inline: two prebuilt messages, no Response object and
                # no coroutine (in-process plaintext: 0.1 µs, 4 % of Heron's own time).
                length = str(len(body)).encode()
                headers = [(b"content-length", length), (b"content-type", self.direct_media)]
                start = {"type": "http.response.start", "status": self.status_code}
                start["headers"] = headers
                await send(start)
                if scope["method"] == "HEAD":
                    body = b""
                await send({"type": "http.response.body", "body": body})
                return
            response = self.build_response(raw, None, None)
        except Exception as exc:
            await respond_to_exception(RequestContext.of(scope, receive, send), exc)
            return
        await response(scope, receive, send)

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a route with dependencies or injected objects, on the request's context."""
        ctx = RequestContext.of(scope, receive, send)
        try:
            kwargs = await self.solve(ctx)
            sub, background = ctx.sub_response, ctx.background
            raw = await self.call_endpoint(kwargs, sub, background)
            if (
                self.direct_media is not None
                and sub is None
                and background is None
                and await self._send_direct(raw, scope, send)
            ):
                return
            response = self.build_response(raw, sub, background)
        except Exception as exc:
            await respond_to_exception(ctx, exc)
            return
        await response(scope, receive, send)

    async def serve_in_stacks(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a route with ``yield`` dependencies or a form, in the request's exit stacks.

        Their cleanup sees the endpoint's exception, if any, before the exception handlers
        answer it; ``scope="function"`` ones exit when the endpoint returns, the others
        after the response has been sent.
        """
        ctx = RequestContext.of(scope, receive, send)
        await _respond_in_stacks(ctx, scope, receive, send, self._produce)

    async def _produce(self, ctx: RequestContext, request_stack: AsyncExitStack) -> Response:
        ctx.request_stack = request_stack
        request_stack.push_async_callback(ctx.close)
        return await self._run(ctx)

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
        # The route class's request may lack ``send``: the context keeps the connection's.
        ctx = RequestContext.of_request(request)
        ctx.use_request(request)
        lent_stack, function_stack = ctx.request_stack, ctx.function_stack
        try:
            async with AsyncExitStack() as own_stack:
                ctx.request_stack = lent_stack or own_stack
                ctx.request_stack.push_async_callback(ctx.close)
                return await self._run(ctx, function_stack)
        except Exception:
            if ctx.form_response is not None:
                return ctx.form_response
            raise
        finally:
            ctx.request_stack = lent_stack

    # ------------------------------------------------------------ the steps

    async def solve(self, ctx: RequestContext) -> dict[str, Any]:
        """The endpoint's arguments, solved on ``ctx``.

        Raises:
            RequestValidationError: Any parameter, body or dependency input was invalid.
        """
        kwargs = await solve(self.plan, ctx)
        if ctx.errors:
            raise validation_error(ctx.errors, ctx.received_body)
        return kwargs

    async def call_endpoint(
        self, kwargs: dict[str, Any], sub: Response | None, background: BackgroundTasks | None
    ) -> Any:
        """Call the endpoint with ``kwargs``.

        Returns:
            A stream's response, a coroutine's value, or a sync function's value (run in
            the thread pool).
        """
        if self.streams:
            return self._stream_response(self.call(**kwargs), sub, background)
        if self.is_async:
            return await self.call(**kwargs)
        return await run_in_threadpool(self.call, **kwargs)

    async def _run(
        self, ctx: RequestContext, function_stack: AsyncExitStack | None = None
    ) -> Response:
        """Solve, call the endpoint and build its response, in the request's exit stack.

        ``scope="function"`` dependencies close when the endpoint returns, unless the
        caller owns their stack (``function_stack``). On a ``form_template=`` route, refused
        form input gets its page rendered here, while the request's dependencies are still
        open (an ORM row in the page can still load), into ``ctx.form_response``; the error
        still goes through every ``yield`` dependency, as any other error.
        """
        kwargs: dict[str, Any] = {}
        try:
            async with AsyncExitStack() as own_stack:
                ctx.function_stack = function_stack or own_stack
                # Not self.solve(): the page shows the arguments solved before the error.
                kwargs = await solve(self.plan, ctx)
                if ctx.errors:
                    raise validation_error(ctx.errors, ctx.received_body)
                raw = await self.call_endpoint(kwargs, ctx.sub_response, ctx.background)
        except Exception as exc:
            if self.form_page is not None:
                ctx.form_response = await self.form_page.response(exc, ctx.request, kwargs)
            raise
        return self.build_response(raw, ctx.sub_response, ctx.background)

    def _direct_body(self, raw: Any) -> bytes | None:
        """The body of a JSON/text response the handler sends itself; None for the others."""
        if self.is_json:
            return None if isinstance(raw, Response) else self.to_json(raw)
        return raw.encode() if isinstance(raw, str) else None

    async def _send_direct(self, raw: Any, scope: Scope, send: Send) -> bool:
        """Send a JSON/text body as two prebuilt messages, when ``raw`` is one; else False.

        PERF: no Response object (~10 Python calls less per request).
        """
        body = self._direct_body(raw)
        if body is None:
            return False
        assert self.direct_media is not None
        length = str(len(body)).encode()
        headers = [(b"content-length", length), (b"content-type", self.direct_media)]
        await send({"type": "http.response.start", "status": self.status_code, "headers": headers})
        if scope["method"] == "HEAD":
            body = b""
        await send({"type": "http.response.body", "body": body})
        return True

    def build_response(
        self, raw: Any, sub: Response | None, background: BackgroundTasks | None
    ) -> Response:
        """The response for the endpoint's return value.

        Serialized FastAPI's way (or Flask's), with the status and headers dependencies set
        on ``sub``.
        """
        if self.flask_style:
            response = make_response(raw)
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

    def _stream_response(
        self, items: Any, sub: Response | None, background: BackgroundTasks | None
    ) -> Response:
        """A ``yield`` endpoint's response: server-sent events or JSON Lines, as FastAPI."""
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
