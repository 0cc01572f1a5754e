"""The server half of the test clients: an ASGI app called in-process, as a server calls it.

Builds ``http`` and ``websocket`` scopes from ``httpx`` requests, runs one HTTP
request/response exchange per request (the ``httpx`` transports: the sync one through an
anyio blocking portal, the async one on the caller's event loop), runs the lifespan
protocol, and carries ASGI messages between client and app in channels. Called by
``heron.testclient``; calls the application through ASGI, and nothing in heron but
``heron.types``.
"""

from __future__ import annotations

import inspect
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, NoReturn, TypeVar

import anyio
import anyio.lowlevel
import httpx
from anyio.from_thread import BlockingPortal

from heron.types import ASGIApp, Message, Scope

__all__ = [
    "ASGITransport",
    "AppConfig",
    "AsyncASGITransport",
    "Channel",
    "LifespanRunner",
    "PortalFactory",
    "receive_or_cancel",
    "websocket_scope",
]

_T = TypeVar("_T")

_ASGI_VERSION = {"version": "3.0", "spec_version": "2.4"}
_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}
_WEBSOCKET_SCHEMES = {"http": "ws", "https": "wss"}


class Channel(Generic[_T]):
    """A queue carrying ASGI messages between the client and the app.

    Unlike anyio memory streams it holds nothing that must be closed, so a test that stops
    half-way leaves no resource warning behind. Used from the event loop thread only.
    """

    def __init__(self) -> None:
        self._items: deque[_T] = deque()
        self._closed = False
        self._wakeup: anyio.Event | None = None

    def put(self, item: _T) -> None:
        self._items.append(item)
        self._wake()

    def close(self) -> None:
        self._closed = True
        self._wake()

    async def get(self) -> _T:
        """Return the next item; raise ``anyio.EndOfStream`` once closed and drained."""
        while not self._items:
            if self._closed:
                raise anyio.EndOfStream
            if self._wakeup is None:
                self._wakeup = anyio.Event()
            await self._wakeup.wait()
        return self._items.popleft()

    def _wake(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()
            self._wakeup = None


async def receive_or_cancel(channel: Channel[Message], scope: anyio.CancelScope) -> Message:
    """Receive for an app whose peer may be gone for good.

    Once the client has said its last word (startup failed, shutdown done, WebSocket
    disconnected) a server stops serving the app's task; an app still waiting for a message
    is cancelled here instead of hanging the test.
    """
    try:
        return await channel.get()
    except anyio.EndOfStream:
        scope.cancel()
        await anyio.lowlevel.checkpoint()
        raise


@dataclass
class AppConfig:
    """What both transports and the WebSocket session need to call the app."""

    app: ASGIApp
    root_path: str
    client: tuple[str, int]
    raise_server_exceptions: bool
    state: dict[str, Any] = field(default_factory=dict)


def _connection_scope(config: AppConfig, request: httpx.Request, scheme: str) -> Scope:
    """The scope keys HTTP and WebSocket connections share, as a server fills them."""
    url = request.url
    return {
        "asgi": dict(_ASGI_VERSION),
        "http_version": "1.1",
        "scheme": scheme,
        "path": url.path,
        "raw_path": url.raw_path.split(b"?", 1)[0],
        "query_string": url.query,
        "root_path": config.root_path,
        "headers": [(name.lower(), value) for name, value in request.headers.raw],
        "client": config.client,
        "server": (url.host, url.port or _DEFAULT_PORTS.get(scheme, 80)),
        # NOTE: servers hand each request a shallow copy of the lifespan state, so a
        # request may add keys without leaking them into the next one.
        "state": config.state.copy(),
    }


def _http_scope(config: AppConfig, request: httpx.Request) -> Scope:
    scope = _connection_scope(config, request, request.url.scheme)
    scope.update(type="http", method=request.method, extensions={})
    return scope


def websocket_scope(
    config: AppConfig, request: httpx.Request, subprotocols: Sequence[str]
) -> Scope:
    scheme = _WEBSOCKET_SCHEMES.get(request.url.scheme, request.url.scheme)
    scope = _connection_scope(config, request, scheme)
    scope.update(
        type="websocket",
        subprotocols=list(subprotocols),
        extensions={"websocket.http.response": {}},
    )
    return scope


_NextChunk = Callable[[], Awaitable[bytes | None]]


@dataclass
class _RawResponse:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def to_httpx(self, request: httpx.Request) -> httpx.Response:
        # A stream (not ``content=``) so httpx adds no header the app did not send.
        stream = httpx.ByteStream(self.body)
        return httpx.Response(self.status, headers=self.headers, stream=stream, request=request)


class _HTTPExchange:
    """One request/response cycle, as the app's ``receive`` and ``send`` see it."""

    def __init__(self, next_chunk: _NextChunk, *, discard_body: bool) -> None:
        self._next_chunk = next_chunk
        self._discard_body = discard_body
        self._lookahead: bytes | None = None
        self._body_started = False
        self._body_done = False
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.complete = anyio.Event()

    async def receive(self) -> Message:
        if self._body_done:
            # NOTE: a client stays connected until it has the whole response, so an app
            # listening for the disconnect hears it only then.
            await self.complete.wait()
            return {"type": "http.disconnect"}
        if not self._body_started:
            self._body_started = True
            self._lookahead = await self._pull()
        chunk = self._lookahead
        self._lookahead = None if chunk is None else await self._pull()
        self._body_done = self._lookahead is None
        return {"type": "http.request", "body": chunk or b"", "more_body": not self._body_done}

    async def _pull(self) -> bytes | None:
        # Skipping empty chunks lets the last real one carry more_body=False.
        while (chunk := await self._next_chunk()) == b"":
            pass
        return chunk

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start" and self.status is None:
            self.status = message["status"]
            self.headers = [(name, value) for name, value in message.get("headers", [])]
        elif kind == "http.response.body" and self.status is not None:
            if self.complete.is_set():
                raise RuntimeError(
                    "ASGI message 'http.response.body' sent after the response ended"
                )
            if not self._discard_body:
                self.chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                self.complete.set()
        else:
            started = "after" if self.status is not None else "before"
            raise RuntimeError(f"Unexpected ASGI message {kind!r} {started} 'http.response.start'")

    def response(self) -> _RawResponse:
        assert self.status is not None
        return _RawResponse(self.status, self.headers, b"".join(self.chunks))


async def _call_app(config: AppConfig, scope: Scope, next_chunk: _NextChunk) -> _RawResponse:
    """Run the app for one HTTP request and collect its response."""
    # NOTE: servers send no body in answer to HEAD, whatever the app writes.
    exchange = _HTTPExchange(next_chunk, discard_body=scope["method"] == "HEAD")
    try:
        await config.app(scope, exchange.receive, exchange.send)
        if not exchange.complete.is_set():
            raise RuntimeError("The ASGI app returned without completing its response")
    except Exception:
        if config.raise_server_exceptions:
            raise
        # Like a server: what the app managed to send, or a bare 500 if it sent nothing.
        if exchange.status is None:
            return _RawResponse(500, [], b"")
    return exchange.response()


PortalFactory = Callable[[], AbstractContextManager[BlockingPortal]]


class ASGITransport(httpx.BaseTransport):
    """Sync transport: each request runs the app through an anyio blocking portal."""

    def __init__(self, config: AppConfig, portal_factory: PortalFactory) -> None:
        self._config = config
        self._portal_factory = portal_factory

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        chunks = iter(request.stream)

        async def next_chunk() -> bytes | None:
            return next(chunks, None)

        scope = _http_scope(self._config, request)
        with self._portal_factory() as portal:
            raw = portal.call(_call_app, self._config, scope, next_chunk)
        return raw.to_httpx(request)


class AsyncASGITransport(httpx.AsyncBaseTransport):
    """Async transport: the app runs on the caller's event loop."""

    def __init__(self, config: AppConfig) -> None:
        self._config = config

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        chunks = aiter(request.stream)

        async def next_chunk() -> bytes | None:
            return await anext(chunks, None)

        scope = _http_scope(self._config, request)
        try:
            raw = await _call_app(self._config, scope, next_chunk)
        finally:
            if inspect.isasyncgen(chunks):
                await chunks.aclose()
        return raw.to_httpx(request)


class LifespanRunner:
    """The ASGI lifespan protocol for one ``with`` block.

    ``run`` goes in a background task; ``startup`` is awaited on entering the block and
    ``shutdown`` on leaving it.
    """

    def __init__(self, app: ASGIApp, state: dict[str, Any]) -> None:
        self._app = app
        self._state = state
        self._to_app: Channel[Message] = Channel()
        self._from_app: Channel[Message] = Channel()
        self._cancel_scope: anyio.CancelScope | None = None
        self._error: Exception | None = None
        self._listening = False
        self._supported = True

    async def run(self) -> None:
        scope = {"type": "lifespan", "asgi": dict(_ASGI_VERSION), "state": self._state}
        try:
            with anyio.CancelScope() as self._cancel_scope:
                await self._app(scope, self._receive, self._send)
        except Exception as exc:
            self._error = exc
        finally:
            self._from_app.close()

    async def _receive(self) -> Message:
        self._listening = True
        assert self._cancel_scope is not None
        return await receive_or_cancel(self._to_app, self._cancel_scope)

    async def _send(self, message: Message) -> None:
        self._from_app.put(message)

    async def _reply(self) -> Message | None:
        try:
            return await self._from_app.get()
        except anyio.EndOfStream:
            return None

    async def _finish(self) -> None:
        """Say nothing more to the app and wait until its lifespan call is over."""
        self._to_app.close()
        while await self._reply() is not None:
            pass

    async def startup(self) -> None:
        self._to_app.put({"type": "lifespan.startup"})
        message = await self._reply()
        if message is None and not self._listening:
            # NOTE: an app that ends before reading a lifespan message does not speak the
            # protocol (it may just reject non-HTTP scopes); servers then run it without
            # lifespan, and so do we.
            self._supported = False
            return
        if message is None or message["type"] != "lifespan.startup.complete":
            await self._finish()
            self._raise_failure(message, "startup")

    async def shutdown(self) -> None:
        if not self._supported:
            return
        self._to_app.put({"type": "lifespan.shutdown"})
        message = await self._reply()
        await self._finish()
        if message is None or message["type"] != "lifespan.shutdown.complete" or self._error:
            self._raise_failure(message, "shutdown")

    def _raise_failure(self, message: Message | None, phase: str) -> NoReturn:
        # The app's own exception says more than the text it sent (usually its traceback).
        if self._error is not None:
            raise self._error
        if message is None:
            raise RuntimeError(f"The ASGI app returned before completing lifespan {phase}")
        if message["type"] == f"lifespan.{phase}.failed":
            raise RuntimeError(message.get("message") or f"Lifespan {phase} failed")
        raise RuntimeError(f"Unexpected ASGI message {message['type']!r} during lifespan {phase}")
