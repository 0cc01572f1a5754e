"""HTTPSRedirectMiddleware: http→https and ws→wss, ports, hostile Host headers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from heron.middleware.httpsredirect import HTTPSRedirectMiddleware
from heron.responses import PlainTextResponse
from heron.types import ASGIApp, Message, Receive, Scope, Send

pytestmark = pytest.mark.anyio


async def homepage(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("OK", status_code=200)(scope, receive, send)


def client(base_url: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=HTTPSRedirectMiddleware(homepage))
    return httpx.AsyncClient(transport=transport, base_url=base_url, follow_redirects=False)


async def call(app: ASGIApp, headers: list[tuple[bytes, bytes]], **scope: Any) -> list[Message]:
    """Drive ``app`` with a raw scope (for Host values httpx would refuse to send)."""
    full: Scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": "/",
        "query_string": b"",
        "headers": headers,
        **scope,
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(full, receive, send)
    return sent


def location(start: Message) -> bytes:
    headers: dict[bytes, bytes] = dict(start["headers"])
    return headers[b"location"]


# --- HTTP ---------------------------------------------------------------------------------


async def test_https_request_passes_through() -> None:
    async with client("https://testserver") as c:
        response = await c.get("/")
    assert response.status_code == 200
    assert response.text == "OK"


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("http://testserver", "https://testserver/"),
        ("http://testserver:80", "https://testserver/"),
        ("http://testserver:443", "https://testserver/"),
        ("http://testserver:123", "https://testserver:123/"),
        ("http://[::1]:80", "https://[::1]/"),
        ("http://[::1]:8080", "https://[::1]:8080/"),
    ],
)
async def test_http_is_redirected(base_url: str, expected: str) -> None:
    async with client(base_url) as c:
        response = await c.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == expected


async def test_path_and_query_are_kept() -> None:
    async with client("http://testserver") as c:
        response = await c.post("/a/b%20c/é?x=1&y=%26", content=b"payload")
    assert response.status_code == 307  # the client repeats the POST with its body
    assert response.headers["location"] == "https://testserver/a/b%20c/%C3%A9?x=1&y=%26"


async def test_redirect_stays_on_our_host_for_slashy_paths() -> None:
    app = HTTPSRedirectMiddleware(homepage)
    sent = await call(app, [(b"host", b"example.com")], path="//evil.com/x")
    assert location(sent[0]) == b"https://example.com//evil.com/x"


async def test_missing_scheme_means_http() -> None:
    app = HTTPSRedirectMiddleware(homepage)
    scope: dict[str, Any] = {"path": "/p"}
    sent = await call(app, [(b"host", b"example.com")], **scope, scheme=None)
    assert sent[0]["status"] == 307
    assert location(sent[0]) == b"https://example.com/p"


async def test_without_host_the_server_address_is_used() -> None:
    app = HTTPSRedirectMiddleware(homepage)
    sent = await call(app, [], server=("10.0.0.1", 8080))
    assert location(sent[0]) == b"https://10.0.0.1:8080/"
    sent = await call(app, [], server=("::1", 80))
    assert location(sent[0]) == b"https://[::1]/"


@pytest.mark.parametrize("server", [None, ("/tmp/heron.sock", None)])
async def test_without_host_or_server_address_is_a_bad_request(server: Any) -> None:
    sent = await call(HTTPSRedirectMiddleware(homepage), [], server=server)
    assert sent[0]["status"] == 400
    assert sent[1]["body"] == b"Invalid host header"


@pytest.mark.parametrize(
    "host",
    [
        b"evil.com/?x=",
        b"evil.com#",
        b"user@evil.com",
        b"evil.com\\x",
        b"evil.com x",
        b"evil.com\r\nx: y",
        b"\xff",
        b"",
        b"a:99999999",
    ],
)
async def test_malformed_host_is_a_bad_request(host: bytes) -> None:
    sent = await call(HTTPSRedirectMiddleware(homepage), [(b"host", host)])
    assert sent[0]["status"] == 400
    assert sent[1]["body"] == b"Invalid host header"


async def test_duplicated_host_is_a_bad_request() -> None:
    headers = [(b"host", b"example.com"), (b"host", b"evil.com")]
    sent = await call(HTTPSRedirectMiddleware(homepage), headers)
    assert sent[0]["status"] == 400


async def test_large_port_does_not_crash() -> None:
    sent = await call(HTTPSRedirectMiddleware(homepage), [(b"host", b"example.com:99999")])
    assert sent[0]["status"] == 307
    assert location(sent[0]) == b"https://example.com:99999/"


# --- WebSockets and other scopes ----------------------------------------------------------


async def websocket_call(scheme: str, extensions: Any = None) -> list[Message]:
    scope: Scope = {
        "type": "websocket",
        "scheme": scheme,
        "path": "/ws",
        "query_string": b"token=1",
        "headers": [(b"host", b"example.com:80")],
    }
    if extensions is not None:
        scope["extensions"] = extensions
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await HTTPSRedirectMiddleware(app)(scope, receive, send)
    return sent


async def test_wss_passes_through() -> None:
    assert await websocket_call("wss") == [{"type": "websocket.accept"}]


async def test_ws_is_redirected_with_a_denial_response() -> None:
    sent = await websocket_call("ws", extensions={"websocket.http.response": {}})
    assert sent[0]["type"] == "websocket.http.response.start"
    assert sent[0]["status"] == 307
    assert location(sent[0]) == b"wss://example.com/ws?token=1"
    assert sent[1] == {"type": "websocket.http.response.body", "body": b""}


async def test_ws_is_closed_before_accept_without_denial_responses() -> None:
    sent = await websocket_call("ws")
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": "Use wss://"}]


async def test_ws_with_bad_host_is_refused() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    scope: Scope = {
        "type": "websocket",
        "scheme": "ws",
        "path": "/",
        "headers": [(b"host", b"a b")],
    }
    await HTTPSRedirectMiddleware(homepage)(scope, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": "Invalid host header"}]


async def test_lifespan_passes_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def receive() -> Message:
        raise AssertionError("not called")

    async def send(message: Message) -> None:
        raise AssertionError("not called")

    await HTTPSRedirectMiddleware(app)({"type": "lifespan"}, receive, send)
    assert seen == ["lifespan"]


async def test_ws_with_bad_host_gets_denial_response_when_supported() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    scope: Scope = {
        "type": "websocket",
        "scheme": "ws",
        "path": "/",
        "headers": [(b"host", b"a b")],
        "extensions": {"websocket.http.response": {}},
    }
    await HTTPSRedirectMiddleware(homepage)(scope, receive, send)
    assert sent[0]["status"] == 400
    assert b"location" not in dict(sent[0]["headers"])
    assert sent[1] == {"type": "websocket.http.response.body", "body": b"Invalid host header"}
