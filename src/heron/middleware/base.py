"""Function middleware: ``async def mw(request, call_next) -> Response``.

``@app.middleware("http")`` and ``BaseHTTPMiddleware`` subclasses (FastAPI's spelling) both
land here. Unlike Starlette's ``BaseHTTPMiddleware``:

* the request body stays readable: what the middleware read is replayed to the app;
* contextvars set in the middleware before ``call_next`` are seen by the endpoint
  (the app runs in a child task created from the current context);
* streaming responses stream (chunks are passed on as they come, with back-pressure),
  and the app's background tasks run after the body has been sent to the client;
* a client disconnect reaches the app.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream

from heron.requests import Request
from heron.responses import Response
from heron.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BaseHTTPMiddleware", "CallNext", "DispatchFunction"]

CallNext = Callable[[Request], Awaitable[Response]]
DispatchFunction = Callable[[Request, CallNext], Awaitable[Response]]


class _AppResponse(Response):
    """The downstream app's response, as ``call_next`` returns it.

    Status and headers known, body streamed from the app as the middleware's response is sent.
    """

    def __init__(
        self,
        status_code: int,
        raw_headers: list[tuple[bytes, bytes]],
        chunks: MemoryObjectReceiveStream[Message],
    ) -> None:
        self.status_code = status_code
        self.raw_headers = list(raw_headers)
        self.background = None
        self._chunks = chunks
        self.body = b""

    async def body_iterator(self) -> AsyncIterator[bytes]:
        """The body chunks the app sends."""
        async for message in self._chunks:
            yield message.get("body", b"")
            if not message.get("more_body", False):
                break

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        async for chunk in self.body_iterator():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})


class BaseHTTPMiddleware:
    """Run ``dispatch(request, call_next)`` around the app for every HTTP request.

    Args:
        app: The wrapped app.
        dispatch: The middleware function; subclasses may override :meth:`dispatch` instead.
    """

    def __init__(self, app: ASGIApp, dispatch: DispatchFunction | None = None) -> None:
        self.app = app
        self.dispatch_func = self.dispatch if dispatch is None else dispatch

    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        """Override in a subclass (or pass ``dispatch=``)."""
        raise NotImplementedError()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the dispatch function for an HTTP request; other scopes go to the app.

        An exception the app raises after its response started is re-raised once the
        middleware's response is sent, so the server knows.
        """
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive, send)
        failures: list[Exception] = []
        streams: list[MemoryObjectReceiveStream[Message]] = []
        error: Exception | None = None
        async with anyio.create_task_group() as tg:
            try:
                call_next = self._call_next_factory(tg, failures, streams)
                response = await self.dispatch_func(request, call_next)
                await response(scope, receive, send)
            except Exception as exc:  # raised below, outside the task group's ExceptionGroup
                error = exc
                tg.cancel_scope.cancel()
            finally:
                for stream in streams:  # a body the middleware did not send is dropped
                    stream.close()
        if error is not None:
            raise error
        if failures:  # the app failed after its response started: let the server know
            raise failures[0]

    def _call_next_factory(
        self,
        tg: anyio.abc.TaskGroup,
        failures: list[Exception],
        streams: list[MemoryObjectReceiveStream[Message]],
    ) -> CallNext:
        async def call_next(req: Request) -> Response:
            send_stream, recv_stream = anyio.create_memory_object_stream[Message](0)
            streams.append(recv_stream)
            start: dict[str, Any] = {}
            started = anyio.Event()

            async def app_send(message: Message) -> None:
                if message["type"] == "http.response.start":
                    start.update(message)
                    started.set()
                elif message["type"] == "http.response.body":
                    try:
                        await send_stream.send(message)
                    except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                        pass  # the middleware answered without this body

            async def run_app() -> None:
                try:
                    async with send_stream:
                        await self.app(req.scope, _replaying_receive(req), app_send)
                except Exception as exc:  # raised again in the middleware's own task
                    failures.append(exc)
                finally:
                    started.set()

            tg.start_soon(run_app)
            await started.wait()
            if failures and not start:
                raise failures.pop()
            if not start:
                raise RuntimeError("No response returned.")
            return _AppResponse(start["status"], start.get("headers", []), recv_stream)

        return call_next


def _replaying_receive(request: Request) -> Receive:
    """A receive that gives the app the body the middleware already read, if any."""
    original = request.receive
    replayed = False

    async def receive() -> Message:
        nonlocal replayed
        body = getattr(request, "_body", None)
        if body is not None and not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        if getattr(request, "_stream_consumed", False) and body is None and not replayed:
            raise RuntimeError("The middleware consumed the request stream without keeping it")
        return await original()

    return receive
