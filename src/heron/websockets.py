"""The WebSocket connection an endpoint talks to.

Called by WebSocket endpoints (through ``handlers.websocket_session``) and by WebSocket
exception handlers; calls the ASGI ``receive``/``send`` it was built with. ``WebSocket``
tracks both sides of the connection and refuses what the ASGI protocol forbids (sending
before accepting, receiving after the disconnect…) with a ``RuntimeError`` that names
the mistake, instead of a confusing error from the server.
"""

from __future__ import annotations

import enum
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any, Literal, cast

from heron.exceptions import WebSocketDisconnect
from heron.requests import HTTPConnection
from heron.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "WebSocket",
    "WebSocketClose",
    "WebSocketDisconnect",
    "WebSocketState",
    "deny_handshake",
]


class WebSocketState(enum.Enum):
    """Where one side of a WebSocket stands."""

    CONNECTING = 0
    CONNECTED = 1
    DISCONNECTED = 2
    RESPONSE = 3


# For each application state: the messages the app may send, and the state each leads to.
_SEND_TRANSITIONS: dict[WebSocketState, dict[str, WebSocketState]] = {
    WebSocketState.CONNECTING: {
        "websocket.accept": WebSocketState.CONNECTED,
        "websocket.close": WebSocketState.DISCONNECTED,
        "websocket.http.response.start": WebSocketState.RESPONSE,
    },
    WebSocketState.CONNECTED: {
        "websocket.send": WebSocketState.CONNECTED,
        "websocket.close": WebSocketState.DISCONNECTED,
    },
    WebSocketState.RESPONSE: {"websocket.http.response.body": WebSocketState.RESPONSE},
}

# For each client state: the messages the client may send, and the state each leads to.
_RECEIVE_TRANSITIONS: dict[WebSocketState, dict[str, WebSocketState]] = {
    WebSocketState.CONNECTING: {"websocket.connect": WebSocketState.CONNECTED},
    WebSocketState.CONNECTED: {
        "websocket.receive": WebSocketState.CONNECTED,
        "websocket.disconnect": WebSocketState.DISCONNECTED,
    },
}


def _expected(transitions: Iterable[str]) -> str:
    return " or ".join(f'"{name}"' for name in transitions)


def _check_mode(mode: str) -> None:
    if mode not in ("text", "binary"):
        raise RuntimeError('The "mode" argument should be "text" or "binary".')


def _raise_on_disconnect(message: Message) -> None:
    if message["type"] == "websocket.disconnect":
        # NOTE: ASGI says a disconnect without a code means 1005 (no status received).
        raise WebSocketDisconnect(message.get("code", 1005), message.get("reason"))


class WebSocket(HTTPConnection):
    """A WebSocket connection: the handshake request plus the messages both ways.

    Args:
        scope: The ASGI ``websocket`` scope.
        receive: The ASGI receive callable.
        send: The ASGI send callable.

    Attributes:
        client_state: What the client has done (connect, disconnect).
        application_state: What the application has done (accept, close, deny).
    """

    __slots__ = ("_ws_receive", "_ws_send", "application_state", "client_state")

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "websocket"
        super().__init__(scope, receive)
        self._ws_receive = receive
        self._ws_send = send
        self.client_state = WebSocketState.CONNECTING
        self.application_state = WebSocketState.CONNECTING

    async def receive(self) -> Message:
        """Receive the next raw ASGI message (``websocket.connect``, ``.receive``…).

        Raises:
            RuntimeError: The client already disconnected, or sent a message the protocol
                does not allow at this point.
        """
        transitions = _RECEIVE_TRANSITIONS.get(self.client_state)
        if transitions is None:
            raise RuntimeError('Cannot call "receive" once a disconnect message has been received.')
        message = await self._ws_receive()
        state = transitions.get(message["type"])
        if state is None:
            raise RuntimeError(
                f"Expected ASGI message {_expected(transitions)}, but got {message['type']!r}"
            )
        self.client_state = state
        return message

    async def send(self, message: Message) -> None:
        """Send a raw ASGI message (``websocket.accept``, ``.send``, ``.close``…).

        Raises:
            RuntimeError: The message is not allowed in the current state (e.g. sending
                data before ``accept``, or anything after ``close``).
            WebSocketDisconnect: The client is gone (code 1006).
        """
        transitions = _SEND_TRANSITIONS.get(self.application_state)
        if transitions is None:
            raise RuntimeError('Cannot call "send" once a close message has been sent.')
        state = transitions.get(message["type"])
        if state is None:
            raise RuntimeError(
                f"Expected ASGI message {_expected(transitions)}, but got {message['type']!r}"
            )
        if message["type"] == "websocket.http.response.body" and not message.get("more_body"):
            state = WebSocketState.DISCONNECTED
        self.application_state = state
        try:
            await self._ws_send(message)
        except OSError:
            # NOTE: ASGI servers raise OSError when sending to a client that has gone;
            # endpoints handle one exception for "the client left", WebSocketDisconnect.
            self.application_state = WebSocketState.DISCONNECTED
            raise WebSocketDisconnect(code=1006) from None

    async def accept(
        self,
        subprotocol: str | None = None,
        headers: Iterable[tuple[bytes, bytes]] | None = None,
    ) -> None:
        """Accept the connection (reading the client's ``websocket.connect`` first if needed).

        Args:
            subprotocol: The subprotocol chosen among those the client offered.
            headers: Extra response headers for the handshake.
        """
        if self.client_state is WebSocketState.CONNECTING:
            await self.receive()
        await self.send(
            {"type": "websocket.accept", "subprotocol": subprotocol, "headers": list(headers or [])}
        )

    def _check_connected(self) -> None:
        if self.application_state is not WebSocketState.CONNECTED:
            raise RuntimeError('WebSocket is not connected. Need to call "accept" first.')

    async def _receive_data(self) -> Message:
        self._check_connected()
        message = await self.receive()
        _raise_on_disconnect(message)
        return message

    async def receive_text(self) -> str:
        """Receive a text message.

        Raises:
            WebSocketDisconnect: The client disconnected.
            RuntimeError: The connection was not accepted.
        """
        return cast(str, (await self._receive_data())["text"])

    async def receive_bytes(self) -> bytes:
        """Receive a binary message.

        Raises:
            WebSocketDisconnect: The client disconnected.
            RuntimeError: The connection was not accepted.
        """
        return cast(bytes, (await self._receive_data())["bytes"])

    async def receive_json(self, mode: Literal["text", "binary"] = "text") -> Any:
        """Receive a JSON message, sent as text or as UTF-8 bytes.

        Raises:
            WebSocketDisconnect: The client disconnected.
            RuntimeError: The connection was not accepted, or ``mode`` is unknown.
        """
        _check_mode(mode)
        message = await self._receive_data()
        text = message["text"] if mode == "text" else message["bytes"].decode("utf-8")
        return json.loads(text)

    async def iter_text(self) -> AsyncIterator[str]:
        """Yield text messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_text()
        except WebSocketDisconnect:
            pass

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """Yield binary messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_bytes()
        except WebSocketDisconnect:
            pass

    async def iter_json(self, mode: Literal["text", "binary"] = "text") -> AsyncIterator[Any]:
        """Yield JSON messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_json(mode)
        except WebSocketDisconnect:
            pass

    async def send_text(self, data: str) -> None:
        """Send a text message."""
        await self.send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary message."""
        await self.send({"type": "websocket.send", "bytes": data})

    async def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        """Send ``data`` as compact JSON, in a text or a binary message.

        Raises:
            RuntimeError: ``mode`` is unknown.
        """
        _check_mode(mode)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if mode == "text":
            await self.send({"type": "websocket.send", "text": text})
        else:
            await self.send({"type": "websocket.send", "bytes": text.encode("utf-8")})

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the connection (before ``accept``, this refuses the handshake).

        Args:
            code: The WebSocket close code.
            reason: A short text for the client.
        """
        await self.send({"type": "websocket.close", "code": code, "reason": reason or ""})

    async def send_denial_response(self, response: ASGIApp) -> None:
        """Refuse the handshake with an HTTP response (status, headers, body).

        Args:
            response: Any Heron response (or ASGI app answering HTTP).

        Raises:
            RuntimeError: The server does not support the ASGI denial extension.
        """
        if "websocket.http.response" not in self.scope.get("extensions", {}):
            raise RuntimeError(
                "The server doesn't support the Websocket Denial Response extension."
            )

        async def send(message: Message) -> None:
            # NOTE: responses speak HTTP; on a WebSocket the same messages are prefixed.
            kind = message["type"]
            if kind.startswith("http.response."):
                message = {**message, "type": "websocket." + kind}
            await self.send(message)

        await response(self.scope, self._ws_receive, send)


async def deny_handshake(scope: Scope, send: Send, response: ASGIApp, reason: str) -> None:
    """Refuse a WebSocket handshake before accepting it (for middleware).

    With the ASGI denial-response extension the client gets ``response`` as an HTTP
    answer; without it, a policy-violation close, which servers answer with 403.

    Args:
        scope: The ``websocket`` scope.
        send: The ASGI send callable.
        response: An HTTP response (any Heron response).
        reason: The close reason when denial responses are not supported.
    """
    if "websocket.http.response" not in (scope.get("extensions") or {}):
        await send({"type": "websocket.close", "code": 1008, "reason": reason})
        return

    async def prefixed(message: Message) -> None:
        await send({**message, "type": "websocket." + message["type"]})

    async def no_receive() -> Message:
        raise RuntimeError("A denial response does not read the connection")

    await response(scope, no_receive, prefixed)


class WebSocketClose:
    """An ASGI app that closes the WebSocket (e.g. a router's answer to no match).

    Args:
        code: The WebSocket close code.
        reason: A short text for the client.
    """

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "websocket.close", "code": self.code, "reason": self.reason})
