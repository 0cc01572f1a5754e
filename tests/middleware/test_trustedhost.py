"""TrustedHostMiddleware: allowed hosts, wildcards, www redirect, hostile Host headers.

Regression tests for SECURITY.md E1 (Starlette CVE-2026-48710 malformed Host), E2 (Django
Host-header poisoning lists) and E3 (Litestar CVE-2026-25479: unescaped patterns,
``X-Forwarded-Host`` fallback).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from heron.exceptions import HeronError
from heron.middleware.trustedhost import TrustedHostMiddleware, request_host
from heron.responses import PlainTextResponse
from heron.types import ASGIApp, Message, Receive, Scope, Send

pytestmark = pytest.mark.anyio


async def homepage(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("OK", status_code=200)(scope, receive, send)


def client(base_url: str, **options: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=TrustedHostMiddleware(homepage, **options))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


async def call(app: ASGIApp, headers: list[tuple[bytes, bytes]], **scope: Any) -> list[Message]:
    """Drive ``app`` with a raw scope (for Host values httpx would refuse to send)."""
    full: Scope = {"type": "http", "method": "GET", "path": "/", "headers": headers, **scope}
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(full, receive, send)
    return sent


async def status_of(host: bytes, allowed: list[str]) -> int:
    sent = await call(TrustedHostMiddleware(homepage, allowed_hosts=allowed), [(b"host", host)])
    status: int = sent[0]["status"]
    return status


# --- the basics ---------------------------------------------------------------------------


async def test_trusted_host_middleware() -> None:
    allowed = ["testserver", "*.testserver"]
    async with client("http://testserver", allowed_hosts=allowed) as c:
        response = await c.get("/")
        assert response.status_code == 200
        assert response.text == "OK"
    async with client("http://subdomain.testserver", allowed_hosts=allowed) as c:
        assert (await c.get("/")).status_code == 200
    async with client("http://invalidhost", allowed_hosts=allowed) as c:
        response = await c.get("/")
        assert response.status_code == 400
        assert response.text == "Invalid host header"
        assert response.headers["content-type"] == "text/plain; charset=utf-8"


async def test_default_allows_any_host() -> None:
    for options in ({}, {"allowed_hosts": None}, {"allowed_hosts": ["*"]}):
        async with client("http://anything.example", **options) as c:
            assert (await c.get("/")).status_code == 200


async def test_port_is_ignored() -> None:
    async with client("http://testserver:8000", allowed_hosts=["testserver"]) as c:
        assert (await c.get("/")).status_code == 200


async def test_allowed_hosts_attributes() -> None:
    middleware = TrustedHostMiddleware(homepage, allowed_hosts=["a.test", "*.b.test"])
    assert middleware.allowed_hosts == ["a.test", "*.b.test"]
    assert middleware.allow_any is False
    assert middleware.www_redirect is True


@pytest.mark.parametrize("pattern", ["*.*.example.com", "example.*.com", "*example.com", "a*"])
def test_bad_wildcard_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(HeronError, match=r"\*\.example\.com"):
        TrustedHostMiddleware(homepage, allowed_hosts=[pattern])


# --- www redirect -------------------------------------------------------------------------


async def test_www_redirect() -> None:
    async with client("https://example.com", allowed_hosts=["www.example.com"]) as c:
        response = await c.get("/path?x=1&y=%20", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "https://www.example.com/path?x=1&y=%20"


async def test_www_redirect_keeps_port() -> None:
    async with client("http://example.com:8000", allowed_hosts=["www.example.com"]) as c:
        response = await c.get("/", follow_redirects=False)
    assert response.headers["location"] == "http://www.example.com:8000/"


async def test_www_redirect_can_be_turned_off() -> None:
    options: dict[str, Any] = {"allowed_hosts": ["www.example.com"], "www_redirect": False}
    async with client("https://example.com", **options) as c:
        response = await c.get("/", follow_redirects=False)
    assert response.status_code == 400
    assert response.text == "Invalid host header"


async def test_www_redirect_stays_on_our_host_for_slashy_paths() -> None:
    app = TrustedHostMiddleware(homepage, allowed_hosts=["www.example.com"])
    sent = await call(app, [(b"host", b"example.com")], path="//evil.com/x", scheme="https")
    assert sent[0]["status"] == 307
    location = dict(sent[0]["headers"])[b"location"]
    assert location == b"https://www.example.com//evil.com/x"


# --- hostile Host headers (SECURITY.md E1-E3) ---------------------------------------------


async def test_dot_is_not_a_wildcard() -> None:
    assert await status_of(b"exampleXcom", ["example.com"]) == 400


async def test_wildcard_needs_a_dot_boundary() -> None:
    assert await status_of(b"evil-example.com", ["*.example.com"]) == 400
    assert await status_of(b"example.com", ["*.example.com"]) == 400
    assert await status_of(b"a.b.example.com", ["*.example.com"]) == 200


async def test_x_forwarded_host_is_ignored() -> None:
    app = TrustedHostMiddleware(homepage, allowed_hosts=["example.com"])
    sent = await call(app, [(b"x-forwarded-host", b"example.com")])
    assert sent[0]["status"] == 400
    sent = await call(app, [(b"host", b"evil.com"), (b"x-forwarded-host", b"example.com")])
    assert sent[0]["status"] == 400


@pytest.mark.parametrize(
    "host",
    [
        # Django's poisoned_hosts
        b"example.com@evil.tld",
        b"example.com:dr.frankenstein@evil.tld",
        b"example.com:dr.frankenstein@evil.tld:80",
        b"example.com:80/badpath",
        b"example.com: recovermypassword.com",
        # Starlette CVE-2026-48710
        b"example.com/?x=",
        b"example.com/#",
        b"example.com/bar",
        b"user@example.com",
        b"example.com\\bar",
        b"example.com bar",
        # Werkzeug's invalid hosts
        b"",
        b"example.com:port",
        b"[z:443]:8080",
        # bytes no host name has
        b"example.com\x00",
        b"example.com\r\nx: y",
        b"\xff.example.com",
        b"example.com:\xd9\xa1",
        b"a" * 100_000,
    ],
)
async def test_poisoned_hosts_are_refused(host: bytes) -> None:
    assert await status_of(host, ["example.com", "*.example.com"]) == 400


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        (b"12.34.56.78:443", "12.34.56.78"),
        (b"[2001:19f0:feee::dead:beef:cafe]:8080", "[2001:19f0:feee::dead:beef:cafe]"),
        (b"[::1]", "[::1]"),
        (b"xn--4ca9at.com", "xn--4ca9at.com"),
        (b"EXAMPLE.com", "example.com"),
        (b"example.com", "Example.COM"),
        (b"example.com.", "example.com"),
        (b"example.com.:8000", "example.com"),
        (b"sub.multitenant.com", "*.multitenant.com"),
    ],
)
async def test_legit_hosts_are_accepted(host: bytes, allowed: str) -> None:
    assert await status_of(host, [allowed]) == 200


async def test_duplicated_host_is_refused() -> None:
    app = TrustedHostMiddleware(homepage, allowed_hosts=["example.com"])
    sent = await call(app, [(b"host", b"example.com"), (b"host", b"example.com")])
    assert sent[0]["status"] == 400
    sent = await call(app, [(b"host", b"example.com"), (b"host", b"evil.com")])
    assert sent[0]["status"] == 400


def test_request_host() -> None:
    assert request_host([(b"host", b"Example.COM.:80")]) == "example.com"
    assert request_host([(b"host", b"[::1]:80")]) == "[::1]"
    assert request_host([]) is None
    assert request_host([(b"host", b"a b")]) is None


# --- websockets and other scopes ----------------------------------------------------------


async def websocket_call(app: ASGIApp, host: bytes, extensions: Any = None) -> list[Message]:
    scope: Scope = {"type": "websocket", "path": "/ws", "headers": [(b"host", host)]}
    if extensions is not None:
        scope["extensions"] = extensions
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def accept_ws(scope: Scope, receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.accept"})


async def test_websocket_allowed_host_is_accepted() -> None:
    app = TrustedHostMiddleware(accept_ws, allowed_hosts=["example.com"])
    assert await websocket_call(app, b"example.com") == [{"type": "websocket.accept"}]


async def test_websocket_invalid_host_is_closed_before_accept() -> None:
    app = TrustedHostMiddleware(accept_ws, allowed_hosts=["example.com"])
    sent = await websocket_call(app, b"evil.com")
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": "Invalid host header"}]
    # Not redirected either: browsers do not follow redirects for WebSockets.
    app = TrustedHostMiddleware(accept_ws, allowed_hosts=["www.example.com"])
    sent = await websocket_call(app, b"example.com", extensions=None)
    assert sent[0]["type"] == "websocket.close"


async def test_websocket_invalid_host_gets_denial_response_when_supported() -> None:
    app = TrustedHostMiddleware(accept_ws, allowed_hosts=["example.com"])
    sent = await websocket_call(app, b"evil.com", extensions={"websocket.http.response": {}})
    assert sent[0]["type"] == "websocket.http.response.start"
    assert sent[0]["status"] == 400
    assert sent[1] == {"type": "websocket.http.response.body", "body": b"Invalid host header"}


async def test_lifespan_passes_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def receive() -> Message:
        raise AssertionError("not called")

    async def send(message: Message) -> None:
        raise AssertionError("not called")

    middleware = TrustedHostMiddleware(app, allowed_hosts=["example.com"])
    await middleware({"type": "lifespan"}, receive, send)
    assert seen == ["lifespan"]
