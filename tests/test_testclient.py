"""Tests for heron.testclient, driven by raw ASGI apps written here."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpx
import pytest

from heron.exceptions import WebSocketDisconnect
from heron.testclient import AsyncTestClient, TestClient, WebSocketDenialResponse
from heron.types import Message, Receive, Scope, Send

# -- helpers and apps ---------------------------------------------------------------------


async def read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if not message.get("more_body", False):
            break
    return b"".join(m.get("body", b"") for m in messages), messages


async def respond(
    send: Send,
    body: bytes | str | Any = b"",
    status: int = 200,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    if isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, bytes):
        body = json.dumps(body).encode()
        headers = [*(headers or []), (b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers or []})
    await send({"type": "http.response.body", "body": body})


def describe(scope: Scope) -> dict[str, Any]:
    """The scope as JSON: bytes become latin-1 text."""
    return {
        **{k: v for k, v in scope.items() if k not in {"headers", "raw_path", "query_string"}},
        "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
        "raw_path": scope["raw_path"].decode("latin-1"),
        "query_string": scope["query_string"].decode("latin-1"),
    }


async def echo_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer with the scope, the body and the request messages it received."""
    assert scope["type"] == "http"
    body, messages = await read_body(receive)
    await respond(
        send,
        {
            "scope": describe(scope),
            "body": body.decode("latin-1"),
            "messages": [
                [m["type"], len(m.get("body", b"")), m.get("more_body")] for m in messages
            ],
        },
    )


def headers_of(data: dict[str, Any]) -> dict[str, str]:
    return dict(data["scope"]["headers"])


# -- requests -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_every_method_reaches_the_app(method: str) -> None:
    client = TestClient(echo_app)
    response = client.request(method, "/items")
    assert response.status_code == 200
    assert response.json()["scope"]["method"] == method


def test_head_response_has_no_body() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, "a body", headers=[(b"content-length", b"6")])

    response = TestClient(app).head("/")
    assert response.status_code == 200
    assert response.headers["content-length"] == "6"
    assert response.content == b""


def test_scope_looks_like_a_server_built_it() -> None:
    response = TestClient(echo_app).get("/caf%C3%A9/a%2Fb?q=1&r=%20x")
    scope = response.json()["scope"]
    assert scope["type"] == "http"
    assert scope["asgi"] == {"version": "3.0", "spec_version": "2.4"}
    assert scope["http_version"] == "1.1"
    assert scope["scheme"] == "http"
    assert scope["path"] == "/café/a/b"
    assert scope["raw_path"] == "/caf%C3%A9/a%2Fb"
    assert scope["query_string"] == "q=1&r=%20x"
    assert scope["root_path"] == ""
    assert scope["client"] == ["testclient", 50000]
    assert scope["server"] == ["testserver", 80]
    assert scope["extensions"] == {}
    assert scope["state"] == {}
    headers = dict(scope["headers"])
    assert headers["host"] == "testserver"
    assert headers["user-agent"] == "testclient"
    assert "content-length" not in headers


def test_scope_follows_base_url_root_path_and_client() -> None:
    client = TestClient(
        echo_app,
        base_url="https://example.org:8443",
        root_path="/api",
        client=("10.0.0.1", 1234),
    )
    scope = client.get("/users").json()["scope"]
    assert scope["scheme"] == "https"
    assert scope["server"] == ["example.org", 8443]
    assert scope["root_path"] == "/api"
    assert scope["path"] == "/users"
    assert scope["client"] == ["10.0.0.1", 1234]
    assert dict(scope["headers"])["host"] == "example.org:8443"


def test_query_params_are_encoded_into_the_query_string() -> None:
    client = TestClient(echo_app)
    scope = client.get("/search?a=1", params={"q": "two words", "tag": ["x", "y"]}).json()["scope"]
    assert scope["query_string"] == "q=two+words&tag=x&tag=y"


def test_headers_are_lower_cased_and_merged() -> None:
    client = TestClient(echo_app, headers={"X-Client": "yes", "User-Agent": "custom"})
    headers = headers_of(client.get("/", headers={"X-Request-ID": "42"}).json())
    assert headers["x-client"] == "yes"
    assert headers["x-request-id"] == "42"
    assert headers["user-agent"] == "custom"


def test_json_body() -> None:
    data = TestClient(echo_app).post("/", json={"name": "héron"}).json()
    assert json.loads(data["body"].encode("latin-1")) == {"name": "héron"}
    headers = headers_of(data)
    assert headers["content-type"] == "application/json"
    assert headers["content-length"] == str(len(data["body"]))
    assert data["messages"] == [["http.request", len(data["body"]), False]]


def test_form_body() -> None:
    data = TestClient(echo_app).post("/", data={"a": "1", "b": "x y"}).json()
    assert data["body"] == "a=1&b=x+y"
    assert headers_of(data)["content-type"] == "application/x-www-form-urlencoded"


def test_multipart_body() -> None:
    data = TestClient(echo_app).post("/", files={"upload": ("a.txt", b"hello")}).json()
    assert headers_of(data)["content-type"].startswith("multipart/form-data; boundary=")
    assert 'filename="a.txt"' in data["body"]
    assert "hello" in data["body"]


def test_empty_body_is_one_final_message() -> None:
    data = TestClient(echo_app).post("/").json()
    assert data["messages"] == [["http.request", 0, False]]


def test_streamed_request_body_arrives_in_chunks() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"first,"
        yield b""
        yield b"second,"
        yield b"third"

    data = TestClient(echo_app).post("/", content=chunks()).json()
    assert data["body"] == "first,second,third"
    assert data["messages"] == [
        ["http.request", 6, True],
        ["http.request", 7, True],
        ["http.request", 5, False],
    ]
    assert headers_of(data)["transfer-encoding"] == "chunked"


def test_disconnect_comes_after_the_body_and_the_response() -> None:
    events: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await read_body(receive)

        async def listen() -> None:
            message = await receive()
            events.append(message["type"])

        async with anyio.create_task_group() as tg:
            tg.start_soon(listen)
            await anyio.sleep(0.01)
            events.append("start")
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"a", "more_body": True})
            await anyio.sleep(0.01)
            events.append("end")
            await send({"type": "http.response.body", "body": b"b"})

    response = TestClient(app).post("/", content=b"data")
    assert response.content == b"ab"
    assert events == ["start", "end", "http.disconnect"]


def test_streaming_response_is_assembled() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"text/plain"), (b"x-stream", b"1")]
        await send({"type": "http.response.start", "status": 201, "headers": headers})
        for part in (b"one ", b"two ", b"three"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    client = TestClient(app)
    response = client.get("/")
    assert response.status_code == 201
    assert response.text == "one two three"
    assert response.headers["x-stream"] == "1"
    assert "content-length" not in response.headers
    with client.stream("GET", "/") as streamed:
        assert b"".join(streamed.iter_bytes()) == b"one two three"


def test_response_headers_keep_repeats() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, headers=[(b"x-many", b"1"), (b"x-many", b"2")])

    response = TestClient(app).get("/")
    assert response.headers.get_list("x-many") == ["1", "2"]


async def cookie_app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["path"] == "/login":
        await respond(send, "in", headers=[(b"set-cookie", b"session=abc; Path=/")])
    elif scope["path"] == "/logout":
        cookie = b"session=; Path=/; Max-Age=0"
        await respond(send, "out", headers=[(b"set-cookie", cookie)])
    else:
        headers = dict(scope["headers"])
        await respond(send, headers.get(b"cookie", b"").decode())


def test_cookies_are_kept_between_requests() -> None:
    client = TestClient(cookie_app)
    assert client.get("/whoami").text == ""
    client.get("/login")
    assert client.cookies["session"] == "abc"
    assert client.get("/whoami").text == "session=abc"
    client.get("/logout")
    assert client.get("/whoami").text == ""


def test_cookies_given_to_the_client_are_sent() -> None:
    client = TestClient(cookie_app, cookies={"theme": "dark"})
    assert client.get("/whoami").text == "theme=dark"


async def redirect_app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["path"] == "/old":
        await respond(send, status=307, headers=[(b"location", b"/new?from=old")])
    else:
        await respond(send, f"{scope['path']}?{scope['query_string'].decode()}")


def test_redirects_are_followed_by_default() -> None:
    response = TestClient(redirect_app).get("/old")
    assert response.status_code == 200
    assert response.text == "/new?from=old"
    assert [r.status_code for r in response.history] == [307]
    assert response.url == "http://testserver/new?from=old"


def test_redirects_can_be_left_alone() -> None:
    client = TestClient(redirect_app, follow_redirects=False)
    response = client.get("/old")
    assert response.status_code == 307
    assert response.headers["location"] == "/new?from=old"
    assert client.get("/old", follow_redirects=True).status_code == 200


# -- server errors ------------------------------------------------------------------------


class Boom(Exception):
    pass


async def crash_before_response(scope: Scope, receive: Receive, send: Send) -> None:
    raise Boom("no response")


async def crash_after_500(scope: Scope, receive: Receive, send: Send) -> None:
    await respond(send, "Internal Server Error", status=500)
    raise Boom("after 500")


def test_server_exceptions_are_raised() -> None:
    with pytest.raises(Boom, match="no response"):
        TestClient(crash_before_response).get("/")
    with pytest.raises(Boom, match="after 500"):
        TestClient(crash_after_500).get("/")


def test_server_exceptions_can_become_responses() -> None:
    bare = TestClient(crash_before_response, raise_server_exceptions=False).get("/")
    assert bare.status_code == 500
    assert bare.content == b""
    sent = TestClient(crash_after_500, raise_server_exceptions=False).get("/")
    assert sent.status_code == 500
    assert sent.text == "Internal Server Error"


def test_app_returning_without_a_response() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})

    with pytest.raises(RuntimeError, match="without completing its response"):
        TestClient(app).get("/")
    assert TestClient(app, raise_server_exceptions=False).get("/").status_code == 200


@pytest.mark.parametrize(
    ("messages", "error"),
    [
        ([{"type": "http.response.body", "body": b""}], "before 'http.response.start'"),
        (
            [
                {"type": "http.response.start", "status": 200},
                {"type": "http.response.start", "status": 200},
            ],
            "'http.response.start' after",
        ),
        (
            [
                {"type": "http.response.start", "status": 200},
                {"type": "http.response.body", "body": b""},
                {"type": "http.response.body", "body": b""},
            ],
            "after the response ended",
        ),
    ],
)
def test_protocol_mistakes_are_reported(messages: list[Message], error: str) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in messages:
            await send(message)

    with pytest.raises(RuntimeError, match=error):
        TestClient(app).get("/")


# -- lifespan -----------------------------------------------------------------------------


def lifespan_app(log: list[str], *, fail: str | None = None) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                phase = message["type"].split(".")[1]
                log.append(phase)
                if phase == "startup":
                    scope["state"]["db"] = "connected"
                if phase == fail:
                    await send({"type": f"lifespan.{phase}.failed", "message": f"{phase} broke"})
                    return
                await send({"type": f"lifespan.{phase}.complete"})
                if phase == "shutdown":
                    return
        else:
            log.append(scope["path"])
            scope["state"]["request_only"] = True
            await respond(send, {"state": scope["state"]})

    return app


def test_lifespan_runs_around_the_with_block() -> None:
    log: list[str] = []
    client = TestClient(lifespan_app(log))
    with client:
        assert log == ["startup"]
        assert client.get("/a").json() == {"state": {"db": "connected", "request_only": True}}
        assert client.get("/b").json() == {"state": {"db": "connected", "request_only": True}}
        assert log == ["startup", "/a", "/b"]
    assert log == ["startup", "/a", "/b", "shutdown"]
    # Requests get shallow copies: what a request adds does not reach the lifespan state.
    assert client.app_state == {"db": "connected"}


def test_portal_runs_async_code_in_the_app_loop() -> None:
    client = TestClient(lifespan_app([]))
    before = client.portal
    with client:
        portal = client.portal
        assert portal is not None

        async def answer() -> int:
            await anyio.sleep(0)
            return 42

        assert portal.call(answer) == 42
    assert before is None
    assert client.portal is None


def test_without_with_there_is_no_lifespan() -> None:
    log: list[str] = []
    client = TestClient(lifespan_app(log))
    assert client.get("/a").json() == {"state": {"request_only": True}}
    assert log == ["/a"]


def test_a_client_can_run_its_app_twice_but_not_nested() -> None:
    log: list[str] = []
    client = TestClient(lifespan_app(log))
    with client:
        with pytest.raises(RuntimeError, match="already running"), client:
            pass
    with client:
        pass
    assert log == ["startup", "shutdown", "startup", "shutdown"]


def test_startup_failure_raises_its_message() -> None:
    log: list[str] = []
    with (
        pytest.raises(RuntimeError, match="startup broke"),
        TestClient(lifespan_app(log, fail="startup")),
    ):
        pass
    assert log == ["startup"]


def test_shutdown_failure_raises_its_message() -> None:
    log: list[str] = []
    with (
        pytest.raises(RuntimeError, match="shutdown broke"),
        TestClient(lifespan_app(log, fail="shutdown")),
    ):
        pass
    assert log == ["startup", "shutdown"]


def test_startup_exception_is_raised_as_is() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        raise Boom("cannot connect")

    with pytest.raises(Boom, match="cannot connect"), TestClient(app):
        pass


def test_app_that_lingers_after_a_failed_startup_is_cancelled() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "nope"})
        await receive()  # a server never answers this

    with pytest.raises(RuntimeError, match="nope"), TestClient(app):
        pass


def test_app_without_lifespan_support_is_served_anyway() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http", "only HTTP here"
        await respond(send, "ok")

    with TestClient(app) as client:
        assert client.get("/").text == "ok"


def test_startup_returning_early_is_an_error() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()

    with pytest.raises(RuntimeError, match="before completing lifespan startup"), TestClient(app):
        pass


def test_unexpected_lifespan_message_is_an_error() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.shutdown.complete"})

    with pytest.raises(RuntimeError, match="Unexpected ASGI message"), TestClient(app):
        pass


# -- websockets ---------------------------------------------------------------------------


async def ws_echo_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Accept, then echo every message back, then report how the client closed."""
    assert scope["type"] == "websocket"
    assert (await receive())["type"] == "websocket.connect"
    offered = scope["subprotocols"]
    await send(
        {
            "type": "websocket.accept",
            "subprotocol": offered[-1] if offered else None,
            "headers": [(b"x-accepted", b"yes")],
        }
    )
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") == "scope":
            await send({"type": "websocket.send", "text": json.dumps(describe(scope))})
        elif message.get("text") == "close":
            await send({"type": "websocket.close", "code": 4001, "reason": "asked to"})
            return
        else:
            await send(
                {"type": "websocket.send", **{k: v for k, v in message.items() if k != "type"}}
            )


def test_websocket_echo_text_bytes_and_json() -> None:
    client = TestClient(ws_echo_app)
    with client.websocket_connect("/ws") as ws:
        assert ws.accepted_subprotocol is None
        assert ws.extra_headers == [(b"x-accepted", b"yes")]
        ws.send_text("héllo")
        assert ws.receive_text() == "héllo"
        ws.send_bytes(b"\x00\x01")
        assert ws.receive_bytes() == b"\x00\x01"
        ws.send_json({"a": [1, "é"]})
        assert ws.receive() == {"type": "websocket.send", "text": '{"a":[1,"é"]}'}
        ws.send_json({"b": 2}, mode="binary")
        assert ws.receive_json(mode="binary") == {"b": 2}
        ws.send_json([1, 2])
        assert ws.receive_json() == [1, 2]


def test_websocket_scope() -> None:
    client = TestClient(ws_echo_app, cookies={"c": "1"})
    with client.websocket_connect(
        "/chat/a%20b?room=1", subprotocols=["v1", "v2"], headers={"X-Token": "t"}
    ) as ws:
        assert ws.accepted_subprotocol == "v2"
        ws.send_text("scope")
        scope = ws.receive_json()
    assert scope["type"] == "websocket"
    assert scope["scheme"] == "ws"
    assert scope["path"] == "/chat/a b"
    assert scope["raw_path"] == "/chat/a%20b"
    assert scope["query_string"] == "room=1"
    assert scope["subprotocols"] == ["v1", "v2"]
    assert scope["extensions"] == {"websocket.http.response": {}}
    assert scope["server"] == ["testserver", 80]
    headers = dict(scope["headers"])
    assert headers["upgrade"] == "websocket"
    assert headers["connection"] == "upgrade"
    assert headers["sec-websocket-version"] == "13"
    assert headers["sec-websocket-protocol"] == "v1, v2"
    assert headers["x-token"] == "t"
    assert headers["cookie"] == "c=1"


def test_websocket_scheme_follows_https() -> None:
    client = TestClient(ws_echo_app, base_url="https://testserver")
    with client.websocket_connect("/ws") as ws:
        ws.send_text("scope")
        assert ws.receive_json()["scheme"] == "wss"


def test_websocket_close_from_the_app() -> None:
    with TestClient(ws_echo_app).websocket_connect("/ws") as ws:
        ws.send_text("close")
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_text()
        assert (info.value.code, info.value.reason) == (4001, "asked to")
        # The app is gone: later receives keep saying how it closed.
        with pytest.raises(WebSocketDisconnect) as again:
            ws.receive()
        assert again.value.code == 4001


def test_websocket_close_from_the_client_reaches_the_app() -> None:
    received: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        received.append(await receive())

    with TestClient(app).websocket_connect("/ws") as ws:
        ws.close(code=4000, reason="bye")
        ws.close()  # closing twice is harmless
        with pytest.raises(RuntimeError, match="client has closed"):
            ws.send_text("too late")
    assert received == [{"type": "websocket.disconnect", "code": 4000, "reason": "bye"}]


def test_leaving_the_block_closes_with_1000() -> None:
    received: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        received.append(await receive())

    with TestClient(app).websocket_connect("/ws"):
        pass
    assert received == [{"type": "websocket.disconnect", "code": 1000, "reason": ""}]


def test_websocket_closed_before_accept() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.close", "code": 1008, "reason": "no token"})

    with pytest.raises(WebSocketDisconnect) as info, TestClient(app).websocket_connect("/ws"):
        pass
    assert (info.value.code, info.value.reason) == (1008, "no token")


def test_websocket_denial_response() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        headers = [(b"content-type", b"text/plain")]
        await send({"type": "websocket.http.response.start", "status": 403, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": b"for", "more_body": True})
        await send({"type": "websocket.http.response.body", "body": b"bidden"})

    with pytest.raises(WebSocketDenialResponse) as info, TestClient(app).websocket_connect("/ws"):
        pass
    response = info.value
    assert response.status_code == 403
    assert response.content == b"forbidden"
    assert response.text == "forbidden"
    assert response.headers["content-type"] == "text/plain"
    assert isinstance(response, WebSocketDisconnect)


def test_websocket_app_exception_surfaces_at_handshake() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise Boom("handshake")

    with pytest.raises(Boom, match="handshake"), TestClient(app).websocket_connect("/ws"):
        pass


def test_websocket_app_exception_surfaces_in_receive() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await receive()
        raise Boom("while talking")

    with TestClient(app).websocket_connect("/ws") as ws:
        ws.send_text("hi")
        with pytest.raises(Boom, match="while talking"):
            ws.receive_text()


def test_websocket_app_exception_surfaces_on_exit() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await receive()
        raise Boom("unseen")

    with pytest.raises(Boom, match="unseen"), TestClient(app).websocket_connect("/ws") as ws:
        ws.send_text("hi")


def test_app_letting_the_client_disconnect_escape_is_not_a_failure() -> None:
    received: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        while (message := await receive())["type"] != "websocket.disconnect":
            received.append(message)
        received.append(message)
        raise WebSocketDisconnect(message["code"])

    with TestClient(app).websocket_connect("/ws") as ws:
        ws.send_text("hi")
    # The app got the text, then the client's 1000 close, which it let escape: leaving the
    # block raised nothing.
    assert received == [
        {"type": "websocket.receive", "text": "hi"},
        {"type": "websocket.disconnect", "code": 1000, "reason": ""},
    ]


def test_app_sending_after_the_client_left_gets_an_oserror() -> None:
    errors: list[BaseException] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await receive()
        try:
            await send({"type": "websocket.send", "text": "anyone?"})
        except OSError as exc:
            errors.append(exc)

    with TestClient(app).websocket_connect("/ws"):
        pass
    assert len(errors) == 1


def test_app_waiting_forever_is_cancelled_on_exit() -> None:
    cancelled: list[bool] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        try:
            await anyio.sleep_forever()
        except anyio.get_cancelled_exc_class():
            cancelled.append(True)
            raise

    with TestClient(app).websocket_connect("/ws"):
        pass
    assert cancelled == [True]


def test_app_returning_without_close() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})

    with TestClient(app).websocket_connect("/ws") as ws, pytest.raises(WebSocketDisconnect) as info:
        ws.receive_text()
    assert info.value.code == 1006


def test_websocket_protocol_mistake_surfaces() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.send", "text": "before accept"})

    with (
        pytest.raises(RuntimeError, match=r"'websocket\.send'"),
        TestClient(app).websocket_connect("/"),
    ):
        pass


def test_websocket_json_mode_must_be_known() -> None:
    with TestClient(ws_echo_app).websocket_connect("/ws") as ws:
        with pytest.raises(ValueError, match="mode"):
            ws.send_json({}, mode="xml")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="mode"):
            ws.receive_json(mode="xml")  # type: ignore[arg-type]


def test_websocket_session_needs_with() -> None:
    ws = TestClient(ws_echo_app).websocket_connect("/ws")
    with pytest.raises(RuntimeError, match="context manager"):
        ws.send_text("hi")
    with pytest.raises(RuntimeError, match="context manager"):
        ws.receive()


def test_websockets_share_the_running_app_and_its_state() -> None:
    log: list[str] = []
    http = lifespan_app(log)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await http(scope, receive, send)
            return
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": json.dumps(scope["state"])})
        await receive()

    with TestClient(app) as client:
        with client.websocket_connect("/ws") as first, client.websocket_connect("/ws") as second:
            assert first.receive_json() == {"db": "connected"}
            assert second.receive_json() == {"db": "connected"}
        assert client.get("/").status_code == 200
    assert log == ["startup", "/", "shutdown"]


# -- AsyncTestClient ----------------------------------------------------------------------


@pytest.fixture
async def async_client() -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(lifespan_app([])) as client:
        yield client


@pytest.mark.anyio
async def test_async_client_from_a_fixture(async_client: AsyncTestClient) -> None:
    response = await async_client.get("/")
    assert response.json() == {"state": {"db": "connected", "request_only": True}}


@pytest.mark.anyio
async def test_async_client_serves_apps_without_lifespan() -> None:
    async with AsyncTestClient(echo_app) as client:
        assert (await client.get("/")).status_code == 200


@pytest.mark.anyio
async def test_async_client_requests() -> None:
    async with AsyncTestClient(echo_app) as client:
        data = (await client.post("/a%20b?x=1", json={"k": "v"})).json()
    scope = data["scope"]
    assert (scope["method"], scope["path"], scope["raw_path"]) == ("POST", "/a b", "/a%20b")
    assert scope["query_string"] == "x=1"
    assert dict(scope["headers"])["user-agent"] == "testclient"
    assert data["body"] == '{"k":"v"}'


@pytest.mark.anyio
async def test_async_client_streams_request_bodies() -> None:
    async def chunks() -> Any:
        yield b"ab"
        yield b"cd"

    data = (await AsyncTestClient(echo_app).post("/", content=chunks())).json()
    assert data["messages"] == [["http.request", 2, True], ["http.request", 2, False]]


@pytest.mark.anyio
async def test_async_client_cookies_and_redirects() -> None:
    client = AsyncTestClient(cookie_app)
    await client.get("/login")
    assert (await client.get("/whoami")).text == "session=abc"
    response = await AsyncTestClient(redirect_app).get("/old")
    assert response.text == "/new?from=old"


@pytest.mark.anyio
async def test_async_client_server_exceptions() -> None:
    with pytest.raises(Boom):
        await AsyncTestClient(crash_before_response).get("/")
    client = AsyncTestClient(crash_after_500, raise_server_exceptions=False)
    assert (await client.get("/")).status_code == 500


@pytest.mark.anyio
async def test_async_client_lifespan() -> None:
    log: list[str] = []
    client = AsyncTestClient(lifespan_app(log))
    async with client:
        response = await client.get("/x")
        assert response.json() == {"state": {"db": "connected", "request_only": True}}
        with pytest.raises(RuntimeError, match="already running"):
            await client.__aenter__()
    assert log == ["startup", "/x", "shutdown"]
    assert client.app_state == {"db": "connected"}


@pytest.mark.anyio
async def test_async_client_lifespan_failures_are_plain_exceptions() -> None:
    with pytest.raises(RuntimeError, match="startup broke"):
        async with AsyncTestClient(lifespan_app([], fail="startup")):
            pass
    with pytest.raises(RuntimeError, match="shutdown broke"):
        async with AsyncTestClient(lifespan_app([], fail="shutdown")):
            pass


def test_async_client_under_anyio_run() -> None:
    async def main() -> str:
        async with AsyncTestClient(cookie_app) as client:
            await client.get("/login")
            return (await client.get("/whoami")).text

    assert anyio.run(main) == "session=abc"


def test_clients_are_httpx_clients() -> None:
    assert isinstance(TestClient(echo_app), httpx.Client)
    assert isinstance(AsyncTestClient(echo_app), httpx.AsyncClient)
