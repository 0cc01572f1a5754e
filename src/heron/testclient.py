"""In-process HTTP and WebSocket clients for testing an ASGI application.

Called by tests; calls the application through ASGI directly, with no socket and no
server, by way of ``heron._asgi_exchange`` (scopes, transports, lifespan). ``TestClient``
is an ``httpx.Client``: each request runs the app in an anyio portal thread.
``AsyncTestClient`` is an ``httpx.AsyncClient`` that runs the app on the caller's event
loop. Both build scopes the way a server does, keep cookies and follow redirects (httpx
does both), and run the lifespan protocol when used as context managers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import AsyncExitStack, ExitStack, contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, cast

import anyio
import anyio.abc
import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal

from heron._asgi_exchange import (
    AppConfig,
    ASGITransport,
    AsyncASGITransport,
    Channel,
    LifespanRunner,
    PortalFactory,
    receive_or_cancel,
    websocket_scope,
)
from heron.exceptions import WebSocketDisconnect
from heron.types import ASGIApp, Message, Scope

if TYPE_CHECKING:
    # NOTE: httpx keeps its argument aliases in a private module; they are only annotations.
    from httpx._types import CookieTypes, HeaderTypes

__all__ = ["AsyncTestClient", "TestClient", "WebSocketDenialResponse", "WebSocketTestSession"]

# The RFC 6455 sample nonce: the app never checks it, but real clients always send one.
_WEBSOCKET_KEY = "dGhlIHNhbXBsZSBub25jZQ=="


class _ConnectionClosed(OSError):
    """The app sent on a WebSocket the client had closed (ASGI asks for an ``OSError``)."""


# NOTE: the two bases disagree only on ``__setstate__`` (pickling), which no test needs.
class WebSocketDenialResponse(httpx.Response, WebSocketDisconnect):  # type: ignore[misc]
    """The app refused the WebSocket handshake with an HTTP response.

    Raised by ``websocket_connect``. It is the response (``status_code``, ``headers``,
    ``content``, ``text``, ``json()``) and a ``WebSocketDisconnect`` with code 1006, the
    code a browser reports for a refused handshake.

    Args:
        status_code: The HTTP status the app answered with.
        headers: The response headers.
        content: The response body.
        request: The handshake request.
    """

    def __init__(
        self,
        status_code: int,
        headers: list[tuple[bytes, bytes]],
        content: bytes,
        request: httpx.Request,
    ) -> None:
        httpx.Response.__init__(
            self, status_code, headers=headers, stream=httpx.ByteStream(content), request=request
        )
        self.read()
        WebSocketDisconnect.__init__(self, 1006, "WebSocket handshake refused")

    def __str__(self) -> str:
        return f"WebSocket handshake refused with HTTP {self.status_code} {self.reason_phrase}"


def _check_mode(mode: str) -> None:
    if mode not in ("text", "binary"):
        raise ValueError(f'mode must be "text" or "binary", not {mode!r}')


# For each app-side state: the messages the app may send, and the state each leads to.
_WEBSOCKET_TRANSITIONS: dict[str, dict[str, str]] = {
    "connecting": {
        "websocket.accept": "connected",
        "websocket.close": "closed",
        "websocket.http.response.start": "responding",
    },
    "connected": {"websocket.send": "connected", "websocket.close": "closed"},
    "responding": {"websocket.http.response.body": "responding"},
    "closed": {},
}


class WebSocketTestSession:
    """A WebSocket connection to the app, opened by ``TestClient.websocket_connect``.

    Use it as a context manager: entering does the handshake, leaving sends a close
    (code 1000) unless one was sent, waits for the app to finish and re-raises an
    exception the app raised and that no call surfaced yet.

    Args:
        app: The ASGI application.
        scope: The ``websocket`` scope.
        portal_factory: Gives the portal to run the app in (the client's, or a new one).
        request: The handshake request, attached to a denial response.

    Attributes:
        accepted_subprotocol: The subprotocol the app accepted, if any.
        extra_headers: Headers the app sent with ``websocket.accept``.
    """

    def __init__(
        self,
        app: ASGIApp,
        scope: Scope,
        portal_factory: PortalFactory,
        request: httpx.Request,
    ) -> None:
        self._app = app
        self._scope = scope
        self._portal_factory = portal_factory
        self._request = request
        self._portal: BlockingPortal | None = None
        self._exit_stack = ExitStack()
        self._to_app: Channel[Message] = Channel()
        self._from_app: Channel[Message] = Channel()
        self._app_state = "connecting"
        self._client_closed = False
        self._close_frame: tuple[int, str] = (1006, "")
        self._cancel_scope: anyio.CancelScope | None = None
        self._done: anyio.Event | None = None
        self._error: Exception | None = None
        self._error_surfaced = False
        self.accepted_subprotocol: str | None = None
        self.extra_headers: list[tuple[bytes, bytes]] = []

    def __enter__(self) -> Self:
        with ExitStack() as stack:
            portal = self._portal = stack.enter_context(self._portal_factory())
            portal.start_task(self._run)
            stack.callback(portal.call, self._wait_app)
            self.send({"type": "websocket.connect"})
            self._handshake()
            self._exit_stack = stack.pop_all()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.close()
        finally:
            self._exit_stack.close()
        if exc_type is None and self._error is not None and not self._error_surfaced:
            raise self._error

    # -- the app's side, in the event loop thread --------------------------------------

    async def _run(self, *, task_status: anyio.abc.TaskStatus[None]) -> None:
        self._done = anyio.Event()
        try:
            with anyio.CancelScope() as self._cancel_scope:
                task_status.started()
                await self._app(self._scope, self._receive, self._send)
        except Exception as exc:
            # NOTE: an app that lets the disconnect the client caused escape is doing what
            # most endpoints do; a server only logs it, so it is no test failure.
            consequence = isinstance(exc, WebSocketDisconnect | _ConnectionClosed)
            if not (self._client_closed and consequence):
                self._error = exc
        finally:
            self._from_app.close()
            self._done.set()

    async def _receive(self) -> Message:
        assert self._cancel_scope is not None
        return await receive_or_cancel(self._to_app, self._cancel_scope)

    async def _send(self, message: Message) -> None:
        kind = message["type"]
        if self._client_closed:
            raise _ConnectionClosed(f"Cannot send {kind!r}: the client closed the WebSocket")
        state = _WEBSOCKET_TRANSITIONS[self._app_state].get(kind)
        if state is None:
            raise RuntimeError(f"Unexpected ASGI message {kind!r} (WebSocket {self._app_state})")
        if kind == "websocket.http.response.body" and not message.get("more_body", False):
            state = "closed"
        self._app_state = state
        self._from_app.put(message)

    async def _wait_app(self) -> None:
        assert self._done is not None and self._cancel_scope is not None
        if not self._done.is_set():
            # NOTE: let the app finish on its own; once everything waits on something that
            # will not come, cancel it as a server drops a finished connection's task.
            await anyio.wait_all_tasks_blocked()
            self._cancel_scope.cancel()
        await self._done.wait()

    def _deliver(self, message: Message) -> None:
        if self._client_closed:
            raise RuntimeError("Cannot send on a WebSocket the client has closed")
        self._to_app.put(message)
        if message["type"] == "websocket.disconnect":
            self._client_closed = True
            self._to_app.close()

    async def _next_message(self) -> Message:
        try:
            message = await self._from_app.get()
        except anyio.EndOfStream:
            message = None
        if message is None:
            if self._error is not None:
                self._error_surfaced = True
                raise self._error
            raise WebSocketDisconnect(*self._close_frame)
        if message["type"] == "websocket.close":
            self._close_frame = (message.get("code", 1000), message.get("reason") or "")
        return message

    # -- the test's side --------------------------------------------------------------

    def _call(self, func: Callable[[Message], None], message: Message) -> None:
        if self._portal is None:
            raise RuntimeError("Use the WebSocket session as a context manager")
        self._portal.call(func, message)

    def _handshake(self) -> None:
        message = self.receive()
        if message["type"] == "websocket.accept":
            self.accepted_subprotocol = message.get("subprotocol")
            self.extra_headers = [(name, value) for name, value in message.get("headers", [])]
        elif message["type"] == "websocket.close":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
        else:
            raise self._denial(message)

    def _denial(self, start: Message) -> WebSocketDenialResponse:
        chunks: list[bytes] = []
        more_body = True
        while more_body:
            message = self.receive()
            chunks.append(message.get("body", b""))
            more_body = message.get("more_body", False)
        headers = [(name, value) for name, value in start.get("headers", [])]
        return WebSocketDenialResponse(start["status"], headers, b"".join(chunks), self._request)

    def send(self, message: Message) -> None:
        """Send a raw ASGI message to the app (``websocket.receive``, ``websocket.disconnect``).

        Raises:
            RuntimeError: The session already sent ``websocket.disconnect``.
        """
        self._call(self._deliver, message)

    def send_text(self, data: str) -> None:
        """Send a text message."""
        self.send({"type": "websocket.receive", "text": data})

    def send_bytes(self, data: bytes) -> None:
        """Send a binary message."""
        self.send({"type": "websocket.receive", "bytes": data})

    def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        """Send ``data`` encoded as compact JSON, in a text or a binary message.

        Raises:
            ValueError: ``mode`` is neither ``"text"`` nor ``"binary"``.
        """
        _check_mode(mode)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if mode == "text":
            self.send_text(text)
        else:
            self.send_bytes(text.encode("utf-8"))

    def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the connection from the client side (does nothing once closed).

        Args:
            code: The WebSocket close code.
            reason: The close reason.
        """
        if not self._client_closed:
            self.send({"type": "websocket.disconnect", "code": code, "reason": reason or ""})

    def receive(self) -> Message:
        """Wait for the next raw ASGI message the app sends, a close included.

        Raises:
            WebSocketDisconnect: The app has ended and sent nothing more (code 1006 if it
                never closed the connection).
            Exception: What the app raised.
        """
        if self._portal is None:
            raise RuntimeError("Use the WebSocket session as a context manager")
        return self._portal.call(self._next_message)

    def receive_text(self) -> str:
        """Wait for a text message.

        Raises:
            WebSocketDisconnect: The app closed the connection.
        """
        return cast(str, self._receive_data()["text"])

    def receive_bytes(self) -> bytes:
        """Wait for a binary message.

        Raises:
            WebSocketDisconnect: The app closed the connection.
        """
        return cast(bytes, self._receive_data()["bytes"])

    def receive_json(self, mode: Literal["text", "binary"] = "text") -> Any:
        """Wait for a JSON message, sent as text or binary.

        Raises:
            WebSocketDisconnect: The app closed the connection.
            ValueError: ``mode`` is neither ``"text"`` nor ``"binary"``.
        """
        _check_mode(mode)
        message = self._receive_data()
        if mode == "text":
            return json.loads(message["text"])
        return json.loads(message["bytes"].decode("utf-8"))

    def _receive_data(self) -> Message:
        message = self.receive()
        if message["type"] == "websocket.close":
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
        return message


def _default_headers(headers: HeaderTypes | None) -> httpx.Headers:
    merged = httpx.Headers({"user-agent": "testclient"})
    if headers is not None:
        merged.update(httpx.Headers(headers))
    return merged


class TestClient(httpx.Client):
    """A synchronous ``httpx.Client`` that calls the ASGI app in-process.

    Without ``with``, each request runs the app in a fresh event loop thread. Inside
    ``with TestClient(app) as client:`` one loop runs for the whole block, the lifespan
    protocol runs (startup on enter, shutdown on exit) and its state reaches every request.

    Args:
        app: The ASGI application.
        base_url: Prefix of relative request URLs; its host is the ``Host`` header.
        raise_server_exceptions: Re-raise an exception the app raised; when false, return
            the 500 response the app sent (or a bare 500 if it sent nothing).
        root_path: The ``root_path`` of each scope, as behind a proxy that strips a prefix.
        backend: The anyio backend running the app (``"asyncio"`` or ``"trio"``).
        backend_options: Options for that backend (e.g. ``{"use_uvloop": True}``).
        cookies: Cookies sent with every request.
        headers: Headers sent with every request (``user-agent`` is ``testclient``).
        follow_redirects: Follow redirect responses.
        client: The ``(host, port)`` the app sees as the client.
    """

    # NOTE: pytest would try to collect a class named Test* found in a test module.
    __test__ = False

    def __init__(
        self,
        app: ASGIApp,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
        backend: Literal["asyncio", "trio"] = "asyncio",
        backend_options: dict[str, Any] | None = None,
        cookies: CookieTypes | None = None,
        headers: HeaderTypes | None = None,
        follow_redirects: bool = True,
        client: tuple[str, int] = ("testclient", 50000),
    ) -> None:
        self.app = app
        self._config = AppConfig(app, root_path, client, raise_server_exceptions)
        self._backend = backend
        self._backend_options = backend_options
        self._portal: BlockingPortal | None = None
        self._exit_stack: ExitStack | None = None
        super().__init__(
            base_url=base_url,
            headers=_default_headers(headers),
            cookies=cookies,
            follow_redirects=follow_redirects,
            transport=ASGITransport(self._config, self._portal_factory),
        )

    @property
    def app_state(self) -> dict[str, Any]:
        """The lifespan state; each request's ``scope["state"]`` is a copy of it."""
        return self._config.state

    @property
    def portal(self) -> BlockingPortal | None:
        """The portal running the app inside ``with``, to call async code in its loop."""
        return self._portal

    @contextmanager
    def _portal_factory(self) -> Iterator[BlockingPortal]:
        if self._portal is not None:
            yield self._portal
        else:
            with start_blocking_portal(self._backend, self._backend_options) as portal:
                yield portal

    def _forget_portal(self) -> None:
        self._portal = None

    def __enter__(self) -> Self:
        if self._exit_stack is not None:
            raise RuntimeError("This TestClient is already running its app")
        with ExitStack() as stack:
            portal = stack.enter_context(
                start_blocking_portal(self._backend, self._backend_options)
            )
            self._portal = portal
            stack.callback(self._forget_portal)
            lifespan = LifespanRunner(self.app, self._config.state)
            portal.start_task_soon(lifespan.run)
            portal.call(lifespan.startup)
            stack.callback(portal.call, lifespan.shutdown)
            self._exit_stack = stack.pop_all()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        # NOTE: the httpx client itself stays open, so the same TestClient can serve
        # several ``with`` blocks (one app run each), as Starlette's does.
        stack, self._exit_stack = self._exit_stack, None
        if stack is not None:
            stack.close()

    def websocket_connect(
        self, url: str, subprotocols: Sequence[str] | None = None, **kwargs: Any
    ) -> WebSocketTestSession:
        """Open a WebSocket to the app; use the result as a context manager.

        Args:
            url: The URL, relative to ``base_url`` (``http``/``https`` become ``ws``/``wss``).
            subprotocols: Subprotocols to offer, in order of preference.
            **kwargs: Passed to ``httpx.Client.build_request`` (``params``, ``headers``,
                ``cookies``…).

        Returns:
            The session; entering it does the handshake and raises ``WebSocketDisconnect``
            if the app closes instead of accepting, or ``WebSocketDenialResponse`` if it
            answers with an HTTP response.
        """
        headers = httpx.Headers(
            {
                "connection": "upgrade",
                "upgrade": "websocket",
                "sec-websocket-key": _WEBSOCKET_KEY,
                "sec-websocket-version": "13",
            }
        )
        if subprotocols:
            headers["sec-websocket-protocol"] = ", ".join(subprotocols)
        headers.update(httpx.Headers(kwargs.pop("headers", None)))
        request = self.build_request("GET", url, headers=headers, **kwargs)
        scope = websocket_scope(self._config, request, subprotocols or ())
        return WebSocketTestSession(self.app, scope, self._portal_factory, request)


class AsyncTestClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` that calls the ASGI app in-process on the running loop.

    ``async with AsyncTestClient(app) as client:`` runs the lifespan protocol around the
    block, like ``TestClient``; enter and leave it from the same task.

    Args:
        app: The ASGI application.
        base_url: Prefix of relative request URLs; its host is the ``Host`` header.
        raise_server_exceptions: Re-raise an exception the app raised; when false, return
            the 500 response the app sent (or a bare 500 if it sent nothing).
        root_path: The ``root_path`` of each scope, as behind a proxy that strips a prefix.
        cookies: Cookies sent with every request.
        headers: Headers sent with every request (``user-agent`` is ``testclient``).
        follow_redirects: Follow redirect responses.
        client: The ``(host, port)`` the app sees as the client.
    """

    __test__ = False

    def __init__(
        self,
        app: ASGIApp,
        base_url: str = "http://testserver",
        raise_server_exceptions: bool = True,
        root_path: str = "",
        cookies: CookieTypes | None = None,
        headers: HeaderTypes | None = None,
        follow_redirects: bool = True,
        client: tuple[str, int] = ("testclient", 50000),
    ) -> None:
        self.app = app
        self._config = AppConfig(app, root_path, client, raise_server_exceptions)
        self._running: tuple[AsyncExitStack, anyio.abc.TaskGroup, LifespanRunner] | None = None
        super().__init__(
            base_url=base_url,
            headers=_default_headers(headers),
            cookies=cookies,
            follow_redirects=follow_redirects,
            transport=AsyncASGITransport(self._config),
        )

    @property
    def app_state(self) -> dict[str, Any]:
        """The lifespan state; each request's ``scope["state"]`` is a copy of it."""
        return self._config.state

    async def __aenter__(self) -> Self:
        if self._running is not None:
            raise RuntimeError("This AsyncTestClient is already running its app")
        stack = AsyncExitStack()
        task_group = await stack.enter_async_context(anyio.create_task_group())
        lifespan = LifespanRunner(self.app, self._config.state)
        task_group.start_soon(lifespan.run)
        try:
            await lifespan.startup()
        except BaseException:
            # Leave the task group cleanly, or it would wrap the error in an ExceptionGroup.
            task_group.cancel_scope.cancel()
            await stack.aclose()
            raise
        self._running = (stack, task_group, lifespan)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        if self._running is None:
            return
        stack, task_group, lifespan = self._running
        self._running = None
        try:
            await lifespan.shutdown()
        finally:
            task_group.cancel_scope.cancel()
            await stack.aclose()
