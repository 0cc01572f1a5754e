"""Tests for heron.websockets: raw ASGI apps built on ``WebSocket``, driven by TestClient."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest

from heron import exceptions
from heron.testclient import TestClient, WebSocketDenialResponse
from heron.types import ASGIApp, Message, Receive, Scope, Send
from heron.websockets import WebSocket, WebSocketClose, WebSocketDisconnect, WebSocketState

Endpoint = Callable[[WebSocket], Awaitable[None]]


def app_for(endpoint: Endpoint) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await endpoint(WebSocket(scope, receive=receive, send=send))

    return app


def connect(endpoint: Endpoint, path: str = "/ws", **kwargs: Any) -> Any:
    return TestClient(app_for(endpoint)).websocket_connect(path, **kwargs)


def test_disconnect_is_the_exceptions_module_class() -> None:
    assert WebSocketDisconnect is exceptions.WebSocketDisconnect
    exc = WebSocketDisconnect()
    assert (exc.code, exc.reason) == (1000, "")


def test_states() -> None:
    assert [state.name for state in WebSocketState] == [
        "CONNECTING",
        "CONNECTED",
        "DISCONNECTED",
        "RESPONSE",
    ]


def test_echo_text_bytes_and_json() -> None:
    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())
        await websocket.send_bytes(await websocket.receive_bytes())
        await websocket.send_json(await websocket.receive_json())
        await websocket.send_json(await websocket.receive_json(mode="binary"), mode="binary")
        await websocket.close()

    with connect(endpoint) as ws:
        ws.send_text("héllo")
        assert ws.receive_text() == "héllo"
        ws.send_bytes(b"\x00\xff")
        assert ws.receive_bytes() == b"\x00\xff"
        ws.send_json({"a": "é"})
        assert ws.receive() == {"type": "websocket.send", "text": '{"a":"é"}'}
        ws.send_json([1, 2], mode="binary")
        assert ws.receive() == {"type": "websocket.send", "bytes": b"[1,2]"}
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_text()
        assert info.value.code == 1000


def test_accept_with_subprotocol_and_headers() -> None:
    async def endpoint(websocket: WebSocket) -> None:
        offered = websocket.scope["subprotocols"]
        await websocket.accept(subprotocol=offered[0], headers=[(b"x-server", b"heron")])
        await websocket.close()

    with connect(endpoint, subprotocols=["chat", "json"]) as ws:
        assert ws.accepted_subprotocol == "chat"
        assert ws.extra_headers == [(b"x-server", b"heron")]


def test_connection_properties() -> None:
    seen: dict[str, Any] = {}

    async def endpoint(websocket: WebSocket) -> None:
        seen.update(
            url=str(websocket.url),
            query=websocket.query_params["room"],
            header=websocket.headers["x-token"],
            cookie=websocket.cookies["sid"],
            client=websocket.client,
        )
        await websocket.accept()
        await websocket.close()

    client = TestClient(app_for(endpoint), cookies={"sid": "s1"})
    with client.websocket_connect("/chat?room=7", headers={"X-Token": "t"}):
        pass
    assert seen == {
        "url": "ws://testserver/chat?room=7",
        "query": "7",
        "header": "t",
        "cookie": "s1",
        "client": ("testclient", 50000),
    }


def test_states_follow_the_conversation() -> None:
    states: list[tuple[str, str]] = []

    def record(websocket: WebSocket) -> None:
        states.append((websocket.client_state.name, websocket.application_state.name))

    async def endpoint(websocket: WebSocket) -> None:
        record(websocket)
        await websocket.accept()
        record(websocket)
        with pytest.raises(WebSocketDisconnect) as info:
            await websocket.receive_text()
        assert (info.value.code, info.value.reason) == (4000, "done")
        record(websocket)

    with connect(endpoint) as ws:
        ws.close(4000, "done")
    assert states == [
        ("CONNECTING", "CONNECTING"),
        ("CONNECTED", "CONNECTED"),
        ("DISCONNECTED", "CONNECTED"),
    ]


def test_iterators_stop_when_the_client_leaves() -> None:
    collected: list[Any] = []

    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        kind = websocket.query_params["kind"]
        if kind == "text":
            collected.extend([text async for text in websocket.iter_text()])
        elif kind == "bytes":
            collected.extend([data async for data in websocket.iter_bytes()])
        else:
            collected.extend([data async for data in websocket.iter_json()])

    with connect(endpoint, params={"kind": "text"}) as ws:
        ws.send_text("a")
        ws.send_text("b")
    with connect(endpoint, params={"kind": "bytes"}) as ws:
        ws.send_bytes(b"c")
    with connect(endpoint, params={"kind": "json"}) as ws:
        ws.send_json({"d": 1})
    assert collected == ["a", "b", b"c", {"d": 1}]


def test_close_with_code_and_reason() -> None:
    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.close(code=4003, reason="forbidden topic")
        assert websocket.application_state is WebSocketState.DISCONNECTED

    with connect(endpoint) as ws, pytest.raises(WebSocketDisconnect) as info:
        ws.receive_json()
    assert (info.value.code, info.value.reason) == (4003, "forbidden topic")


def test_close_before_accept_refuses_the_handshake() -> None:
    async def endpoint(websocket: WebSocket) -> None:
        await websocket.close(code=1008)

    with pytest.raises(WebSocketDisconnect) as info, connect(endpoint):
        pass
    assert info.value.code == 1008


def test_websocket_close_app() -> None:
    client = TestClient(WebSocketClose(code=1013, reason="try later"))
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/ws"):
        pass
    assert (info.value.code, info.value.reason) == (1013, "try later")


async def plain_response(scope: Scope, receive: Receive, send: Send) -> None:
    """An ASGI HTTP response, as a heron Response would send it."""
    headers = [(b"content-type", b"text/plain"), (b"www-authenticate", b"Bearer")]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": b"log in first"})


def test_send_denial_response() -> None:
    async def endpoint(websocket: WebSocket) -> None:
        await websocket.send_denial_response(plain_response)
        assert websocket.application_state is WebSocketState.DISCONNECTED

    with pytest.raises(WebSocketDenialResponse) as info, connect(endpoint):
        pass
    assert info.value.status_code == 401
    assert info.value.text == "log in first"
    assert info.value.headers["www-authenticate"] == "Bearer"


def test_denial_needs_the_server_extension() -> None:
    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        pass

    async def main() -> None:
        scope = {"type": "websocket", "path": "/", "headers": [], "extensions": {}}
        websocket = WebSocket(scope, receive, send)
        with pytest.raises(RuntimeError, match="Denial Response extension"):
            await websocket.send_denial_response(plain_response)

    anyio.run(main)


@pytest.mark.parametrize(
    ("action", "error"),
    [
        ("send_text", r'Expected ASGI message "websocket\.accept"'),
        ("receive_text", 'Need to call "accept" first'),
        ("send_after_close", 'Cannot call "send" once a close message has been sent'),
        ("accept_twice", r'Expected ASGI message "websocket\.send" or "websocket\.close"'),
        ("bad_mode", 'should be "text" or "binary"'),
        ("bad_send_mode", 'should be "text" or "binary"'),
    ],
)
def test_misuse_raises_runtime_errors(action: str, error: str) -> None:
    raised: list[str] = []

    async def endpoint(websocket: WebSocket) -> None:
        try:
            if action == "send_text":
                await websocket.send_text("too early")
            elif action == "receive_text":
                await websocket.receive_text()
            elif action == "send_after_close":
                await websocket.close()
                await websocket.send_text("too late")
            elif action == "accept_twice":
                await websocket.accept()
                await websocket.accept()
            elif action == "bad_mode":
                await websocket.accept()
                await websocket.receive_json(mode="xml")  # type: ignore[arg-type]
            else:
                await websocket.accept()
                await websocket.send_json({}, mode="xml")  # type: ignore[arg-type]
        except RuntimeError as exc:
            raised.append(str(exc))

    with pytest.raises(WebSocketDisconnect), connect(endpoint) as ws:
        ws.receive()
    assert len(raised) == 1
    assert re.search(error, raised[0])


def test_receive_after_disconnect_is_an_error() -> None:
    raised: list[str] = []

    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        assert (await websocket.receive())["type"] == "websocket.disconnect"
        try:
            await websocket.receive()
        except RuntimeError as exc:
            raised.append(str(exc))

    with connect(endpoint):
        pass
    assert raised == ['Cannot call "receive" once a disconnect message has been received.']


def test_unexpected_client_message_is_an_error() -> None:
    async def receive() -> Message:
        return {"type": "websocket.receive", "text": "no connect first"}

    async def send(message: Message) -> None:
        pass

    async def main() -> None:
        websocket = WebSocket({"type": "websocket", "path": "/", "headers": []}, receive, send)
        with pytest.raises(RuntimeError, match=r'Expected ASGI message "websocket\.connect"'):
            await websocket.receive()

    anyio.run(main)


def test_accept_after_reading_connect_does_not_read_again() -> None:
    async def endpoint(websocket: WebSocket) -> None:
        assert (await websocket.receive())["type"] == "websocket.connect"
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())

    with connect(endpoint) as ws:
        ws.send_text("first message survives")
        assert ws.receive_text() == "first message survives"


def test_sending_to_a_departed_client_raises_disconnect() -> None:
    outcome: list[tuple[int, WebSocketState]] = []

    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive()  # the client's close
        try:
            await websocket.send_text("anyone?")
        except WebSocketDisconnect as exc:
            outcome.append((exc.code, websocket.application_state))

    with connect(endpoint):
        pass
    assert outcome == [(1006, WebSocketState.DISCONNECTED)]


def test_unhandled_disconnect_in_an_endpoint_is_fine() -> None:
    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        while True:
            await websocket.send_text(await websocket.receive_text())

    with connect(endpoint) as ws:
        ws.send_text("ping")
        assert ws.receive_text() == "ping"
