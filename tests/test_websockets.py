"""Tests for heron.websockets.

Raw ASGI apps built on ``WebSocket`` and Heron apps, driven by TestClient; FastAPI side by
side where the names are shared; and bad input over a real server (``heron run``, uvicorn):
oversized frames, invalid UTF-8, malformed JSON, clients that never read.
"""

import base64
import datetime
import json
import os
import re
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anyio
import fastapi
import fastapi.websockets
import pytest
from pydantic import BaseModel
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect as ws_connect

from apps_websockets import Move, make_app
from heron import Heron, exceptions
from heron.exceptions import WebSocketJSONDecodeError, WebSocketMessageError
from heron.testclient import TestClient, WebSocketDenialResponse
from heron.types import ASGIApp, Message, Receive, Scope, Send
from heron.websockets import (
    DEFAULT_MAX_MESSAGE_SIZE,
    WebSocket,
    WebSocketClose,
    WebSocketDisconnect,
    WebSocketOptions,
    WebSocketState,
    websocket_options,
)
from heron_run import Served, heron_run

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
    """SECURITY.md L3 (Starlette ``test_websocket_close_reason``): the reason propagates."""
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
    """SECURITY.md L3 (Starlette #2425): a send to a departed client raises
    ``WebSocketDisconnect``, never the server's ``OSError``."""
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


# ---------------------------------------------------------------- checked messages (TestClient)


def close_of(session: Any) -> tuple[int, str]:
    """The close frame the app sent next (fails on anything else)."""
    message = session.receive()
    assert message["type"] == "websocket.close", message
    return message["code"], message["reason"]


def test_default_options_match_uvicorn() -> None:
    assert WebSocketOptions() == WebSocketOptions(16 * 1024 * 1024, "close")
    assert DEFAULT_MAX_MESSAGE_SIZE == 16 * 1024 * 1024


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"max_message_size": -1}, "max_message_size must be >= 0"),
        ({"invalid_message": "ignore"}, 'invalid_message must be "close" or "error"'),
    ],
)
def test_options_are_checked_when_written(options: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        WebSocketOptions(**options)
    with pytest.raises(ValueError, match=error):
        websocket_options(**options)


def test_a_message_over_the_app_limit_closes_with_1009() -> None:
    """SECURITY.md L1 (websockets CVE-2018-1000518): over the limit → close 1009."""
    client = TestClient(make_app(websocket_options=WebSocketOptions(max_message_size=8)))
    with client.websocket_connect("/echo") as ws:
        ws.send_text("12345678")
        assert ws.receive_text() == "12345678"
        ws.send_text("123456789")
        assert close_of(ws) == (1009, "Message too big: over 8 bytes")
    with client.websocket_connect("/bytes") as ws:
        ws.send_bytes(b"x" * 9)
        assert close_of(ws) == (1009, "Message too big: over 8 bytes")


def test_text_size_counts_utf8_bytes() -> None:
    client = TestClient(make_app(websocket_options=WebSocketOptions(max_message_size=8)))
    with client.websocket_connect("/echo") as ws:
        ws.send_text("éééé")  # 4 characters, 8 bytes
        assert ws.receive_text() == "éééé"
        ws.send_text("ééééé")  # 5 characters, 10 bytes
        assert close_of(ws)[0] == 1009
    with client.websocket_connect("/echo") as ws:
        ws.send_text("€€€")  # 3 characters, 9 bytes
        assert close_of(ws)[0] == 1009


def test_no_limit() -> None:
    client = TestClient(make_app(websocket_options=WebSocketOptions(max_message_size=None)))
    with client.websocket_connect("/bytes") as ws:
        ws.send_bytes(b"x" * (DEFAULT_MAX_MESSAGE_SIZE + 1))
        assert len(ws.receive_bytes()) == DEFAULT_MAX_MESSAGE_SIZE + 1


def test_the_endpoint_option_overrides_the_app_option() -> None:
    client = TestClient(make_app(websocket_options=WebSocketOptions(max_message_size=1000)))
    with client.websocket_connect("/moves-lenient?mode=binary") as ws:
        ws.send_bytes(b'{"x": 1, "y": 2}' + b" " * 60)  # 76 bytes: over the route's 64
        assert close_of(ws) == (1009, "Message too big: over 64 bytes")


def test_options_can_be_changed_per_connection() -> None:
    app = Heron(websocket_options=WebSocketOptions(max_message_size=4))

    @app.websocket("/ws")
    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        assert websocket.options.max_message_size == 4
        if websocket.query_params.get("token") == "admin":
            websocket.options = WebSocketOptions(max_message_size=None)
        await websocket.send_text(await websocket.receive_text())

    client = TestClient(app)
    with client.websocket_connect("/ws?token=admin") as ws:
        ws.send_text("a long message")
        assert ws.receive_text() == "a long message"
    with client.websocket_connect("/ws") as ws:
        ws.send_text("a long message")
        assert close_of(ws)[0] == 1009


def test_options_of_a_raw_websocket_are_the_defaults() -> None:
    seen: list[WebSocketOptions] = []

    async def endpoint(websocket: WebSocket) -> None:
        seen.append(websocket.options)
        await websocket.close()

    with pytest.raises(WebSocketDisconnect), connect(endpoint):
        pass
    assert seen == [WebSocketOptions()]


@pytest.mark.parametrize(
    ("path", "send", "expected"),
    [
        ("/echo", ("send_bytes", b"hi"), (1003, "Expected a text message")),
        ("/bytes", ("send_text", "hi"), (1003, "Expected a binary message")),
        ("/json", ("send_bytes", b"{}"), (1003, "Expected a text message")),
        ("/json", ("send_text", "{nope"), (1007, "Invalid JSON: Expecting property name")),
        ("/json?mode=binary", ("send_bytes", b"\xff{}"), (1007, "Invalid UTF-8 in a JSON message")),
        ("/moves", ("send_bytes", b"{}"), (1003, "Expected a text message")),
        ("/moves", ("send_text", "[1, 2"), (1007, "Invalid message: Invalid JSON: EOF")),
        ("/moves", ("send_text", '{"x": 1}'), (1007, "Invalid message: y: Field required")),
    ],
)
def test_unusable_messages_close_with_the_right_code(
    path: str, send: tuple[str, Any], expected: tuple[int, str]
) -> None:
    with TestClient(make_app()).websocket_connect(path) as ws:
        getattr(ws, send[0])(send[1])
        code, reason = close_of(ws)
    assert code == expected[0]
    assert reason.startswith(expected[1]), reason


def test_a_long_close_reason_is_truncated_to_fit_the_frame() -> None:
    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_model(dict[str, int])

    app = Heron()
    app.add_api_websocket_route("/ws", endpoint)
    with TestClient(app).websocket_connect("/ws") as ws:
        ws.send_text(json.dumps({"é" * 200: "not a number"}))
        code, reason = close_of(ws)
    assert code == 1007
    assert len(reason.encode()) <= 123 and reason.endswith("...")


def test_the_error_policy_answers_an_error_frame_and_goes_on() -> None:
    with TestClient(make_app()).websocket_connect("/moves-lenient?mode=binary") as ws:
        ws.send_bytes(b'{"x": 1, "y": "up"}')
        assert json.loads(ws.receive_text()) == {  # error frames are text frames
            "type": "error",
            "detail": [
                {
                    "type": "int_parsing",
                    "loc": ["y"],
                    "msg": "Input should be a valid integer, unable to parse string as an integer",
                    "input": "up",
                }
            ],
        }
        ws.send_text('{"x": 1, "y": 2}')  # a text frame where binary is expected
        assert json.loads(ws.receive_text()) == {
            "type": "error",
            "detail": [{"type": "frame_type", "loc": [], "msg": "Expected a binary message"}],
        }
        ws.send_bytes(b"not json")
        assert json.loads(ws.receive_text())["detail"][0]["type"] == "json_invalid"
        ws.send_bytes(b'{"x": 1, "y": 2}')
        assert ws.receive_bytes() == b'{"x":1,"y":2}'


def test_the_policy_can_be_chosen_per_call() -> None:
    app = Heron()
    received: list[Any] = []

    @app.websocket("/ws")
    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        received.append(await websocket.receive_model(list[int], invalid_message="error"))

    with TestClient(app).websocket_connect("/ws") as ws:
        ws.send_text('["a"]')
        assert json.loads(ws.receive_text())["detail"][0]["loc"] == [0]
        ws.send_text("[1, 2]")
    assert received == [[1, 2]]


def test_message_errors_carry_the_pydantic_errors() -> None:
    caught: list[WebSocketMessageError] = []

    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            await websocket.receive_model(Move)
        except WebSocketMessageError as exc:
            caught.append(exc)
        await websocket.close()

    with connect(endpoint) as ws:
        ws.send_text('{"x": "a", "y": "b"}')
    assert caught[0].code == 1007
    assert [error["loc"] for error in caught[0].errors] == [["x"], ["y"]]
    assert isinstance(caught[0], exceptions.WebSocketException)
    assert isinstance(caught[0], ValueError)


def test_malformed_json_is_still_a_json_decode_error() -> None:
    caught: list[Exception] = []

    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            await websocket.receive_json()
        except json.JSONDecodeError as exc:  # what code written for Starlette catches
            caught.append(exc)
        await websocket.close()

    with connect(endpoint) as ws:
        ws.send_text('{"a": }')
    error = caught[0]
    assert isinstance(error, WebSocketJSONDecodeError)
    assert (error.code, error.reason) == (1007, "Invalid JSON: Expecting value")
    assert (error.msg, error.doc, error.pos, error.lineno, error.colno) == (
        "Expecting value",
        '{"a": }',
        6,
        1,
        7,
    )


def test_a_handler_for_message_errors_replaces_the_close() -> None:
    app = make_app()

    @app.exception_handler(WebSocketMessageError)
    async def explain(websocket: WebSocket, exc: WebSocketMessageError) -> None:
        await websocket.close(4000 + exc.code, f"unusable: {exc.reason}")

    with TestClient(app).websocket_connect("/echo") as ws:
        ws.send_bytes(b"hi")
        assert close_of(ws) == (5003, "unusable: Expected a text message")


def test_send_model_uses_pydantic_serialization() -> None:
    class Stamp(BaseModel):
        at: datetime.date
        label: str

    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_model(Stamp(at=datetime.date(2024, 5, 1), label="é"))
        await websocket.send_model([1, 2], mode="binary")
        await websocket.close()

    with connect(endpoint) as ws:
        assert ws.receive_text() == '{"at":"2024-05-01","label":"é"}'
        assert ws.receive_bytes() == b"[1,2]"


# ---------------------------------------------------------------- side by side with FastAPI


def compat_app(framework: Any, websocket_class: Any) -> Any:
    """The same app source for FastAPI and Heron (only the class names change)."""
    app: Heron | fastapi.FastAPI = framework()

    @app.websocket("/chat/{room}")
    async def chat(websocket: websocket_class, room: str, token: str | None = None) -> None:
        if token != "secret":
            await websocket.close(code=1008, reason="bad token")
            return
        offered = websocket.scope["subprotocols"]
        await websocket.accept(subprotocol=offered[0] if offered else None)
        await websocket.send_json({"room": room, "state": websocket.client_state.name})
        await websocket.send_text(await websocket.receive_text())
        await websocket.send_bytes(await websocket.receive_bytes())
        await websocket.send_json(await websocket.receive_json(mode="binary"), mode="binary")
        async for data in websocket.iter_json():
            if data == "stop":
                await websocket.close(code=4001, reason="done")
                return
            await websocket.send_json(data)

    return app


def conversation(client: Any) -> list[Any]:
    seen: list[Any] = []
    try:
        with client.websocket_connect("/chat/7"):
            pass
    except WebSocketDisconnect as exc:
        seen.append((type(exc).__name__, exc.code, exc.reason))
    with client.websocket_connect("/chat/7?token=secret", subprotocols=["v2", "v1"]) as ws:
        seen.append(ws.accepted_subprotocol)
        seen.append(ws.receive_json())
        ws.send_text("é")
        seen.append(ws.receive_text())
        ws.send_bytes(b"\x00")
        seen.append(ws.receive_bytes())
        ws.send_json({"a": [1]}, mode="binary")
        seen.append(ws.receive_json(mode="binary"))
        ws.send_json({"b": None})
        seen.append(ws.receive())
        ws.send_json("stop")
        seen.append(ws.receive())
    return seen


def test_the_same_conversation_as_fastapi() -> None:
    ours = conversation(TestClient(compat_app(Heron, WebSocket)))
    # One client (Heron's, plain ASGI) for both apps: only the server side differs.
    theirs = conversation(TestClient(compat_app(fastapi.FastAPI, fastapi.WebSocket)))
    assert ours == theirs
    assert ours[0] == ("WebSocketDisconnect", 1008, "bad token")
    assert ours[1:4] == ["v2", {"room": "7", "state": "CONNECTED"}, "é"]


def test_state_names_are_starlettes() -> None:
    theirs = [state.name for state in fastapi.websockets.WebSocketState]
    assert [state.name for state in WebSocketState] == theirs
    assert fastapi.websockets.WebSocketDisconnect(4000, "x").reason == "x"
    assert WebSocketDisconnect(4000, "x").reason == "x"


# ---------------------------------------------------------------- bad input, real server

SERVER_MAX = 65536  # heron run --ws-max-size: the server's own limit
TIMEOUT = 10.0


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    """``apps_websockets:app`` behind ``heron run --ws-max-size 65536`` (uvicorn)."""
    with heron_run("apps_websockets:app", "--ws-max-size", str(SERVER_MAX)) as running:
        yield running
        log = running.log()
        # uvicorn itself logs the invalid UTF-8 frame with a traceback (the app never sees
        # it); no other traceback, and no error of the app.
        utf8_errors = log.count("Invalid UTF-8 sequence received from client.")
        assert log.count("Traceback") == utf8_errors == 1, log
        assert "Exception in ASGI application" not in log, log


def open_ws(served: Served, path: str, **options: Any) -> Any:
    url = f"ws://127.0.0.1:{served.port}{path}"
    return ws_connect(url, open_timeout=TIMEOUT, close_timeout=2, **options)


def closed_with(ws: ClientConnection) -> tuple[int, str]:
    """Wait (bounded) for the server's close frame; its code and reason."""
    with pytest.raises(ConnectionClosed) as info:
        while True:
            ws.recv(timeout=TIMEOUT)
    assert info.value.rcvd is not None, "no close frame from the server"
    return info.value.rcvd.code, info.value.rcvd.reason


def test_server_oversized_message_for_the_app_limit(served: Served) -> None:
    with open_ws(served, "/echo") as ws:
        ws.send("x" * 1024)
        assert ws.recv(timeout=TIMEOUT) == "x" * 1024
        ws.send("x" * 1025)
        assert closed_with(ws) == (1009, "Message too big: over 1024 bytes")
    with open_ws(served, "/echo") as ws:  # the worker serves the next client
        ws.send("still here")
        assert ws.recv(timeout=TIMEOUT) == "still here"


def test_server_oversized_frame_for_the_server_limit(served: Served) -> None:
    with open_ws(served, "/big") as ws:
        ws.send(b"x" * 50_000)  # over the app's 1 KiB, but the route lifted Heron's limit
        assert ws.recv(timeout=TIMEOUT) == "50000"
        ws.send(b"x" * (SERVER_MAX + 1))  # the server refuses it before the app sees it
        assert closed_with(ws)[0] == 1009


def test_server_invalid_utf8_text_frame(served: Served) -> None:
    with open_ws(served, "/echo") as ws:
        ws.send(b"caf\xe9", text=True)  # Latin-1 bytes in a text frame
        assert closed_with(ws)[0] == 1007


@pytest.mark.parametrize(
    ("path", "message", "expected"),
    [
        ("/json", "{'single': 'quotes'}", (1007, "Invalid JSON: Expecting property name")),
        ("/echo", b"binary", (1003, "Expected a text message")),
        ("/moves", '{"x": 1, "y": "up"}', (1007, "Invalid message: y: Input should be")),
    ],
)
def test_server_unusable_messages(
    served: Served, path: str, message: str | bytes, expected: tuple[int, str]
) -> None:
    with open_ws(served, path) as ws:
        ws.send(message)
        code, reason = closed_with(ws)
    assert code == expected[0]
    assert reason.startswith(expected[1]), reason


def test_server_error_frames(served: Served) -> None:
    with open_ws(served, "/moves-lenient") as ws:
        ws.send("[]")
        assert json.loads(ws.recv(timeout=TIMEOUT))["detail"][0]["type"] == "model_type"
        ws.send('{"x": 1, "y": 2}')
        assert json.loads(ws.recv(timeout=TIMEOUT)) == {"x": 1, "y": 2}


def stuck_client(served: Served, path: str) -> socket.socket:
    """A client that completes the handshake and then never reads a byte."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(TIMEOUT)
    sock.connect(("127.0.0.1", served.port))
    key = base64.b64encode(os.urandom(16))
    sock.sendall(
        b"GET " + path.encode() + b" HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key + b"\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n"
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)  # byte by byte: nothing past the handshake is read
        assert chunk, "closed during the handshake"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def get_json(served: Served, path: str, method: str = "GET") -> Any:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=TIMEOUT * 3)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        assert response.status == 200
        return json.loads(response.read())
    finally:
        conn.close()


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_server_a_client_that_never_reads(served: Served) -> None:
    count, size = 1000, 32 * 1024  # 32 MiB through the channel
    pid = get_json(served, "/stats")["pid"]
    stuck = stuck_client(served, "/feed")
    strict = stuck_client(served, "/feed-strict")
    with stuck, strict, open_ws(served, "/feed", max_queue=None) as reader:
        wait_for(lambda: get_json(served, "/stats")["subscribers"] == 3, "3 subscribers")
        before = rss_mib(pid)
        assert get_json(served, f"/flood?count={count}&size={size}", "POST") == {"published": count}
        # The reader gets every message (or a marker for what it missed, if it ever fell
        # behind) up to the last one, while two clients read nothing at all.
        received = missed = 0
        last = ""
        while not last.startswith(f"{count - 1:08d}"):
            last = str(reader.recv(timeout=TIMEOUT))
            if last.startswith("{"):
                missed += json.loads(last)["count"]
            else:
                received += 1
        assert received + missed == count
        # Memory stays bounded: a queue of 20 messages per subscriber, not 32 MiB each.
        assert rss_mib(pid) - before < 16
        # The "disconnect" subscriber was dropped; the "drop_oldest" one stays.
        wait_for(lambda: get_json(served, "/stats")["subscribers"] == 2, "the strict one to go")
