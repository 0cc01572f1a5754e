"""ServerErrorMiddleware: the outermost layer, answering 500 for what nothing else handled.

It answers only if the response has not started, then re-raises the exception so the
server logs it. Plain text for API clients, an HTML page for browsers, the user's 500
handler (sync or async) when there is one, and the traceback with ``debug=True`` only for
requests addressed to a loopback host. Driven with raw ASGI calls (what a server sees).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import pytest

from asgi_calls import http_scope, record
from heron import Heron
from heron.middleware.errors import ServerErrorMiddleware
from heron.requests import Request
from heron.responses import JSONResponse, PlainTextResponse, Response
from heron.testclient import AsyncTestClient
from heron.types import ASGIApp, Message, Receive, Scope, Send

pytestmark = pytest.mark.anyio

FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


class Boom(Exception):
    pass


async def crash(scope: Scope, receive: Receive, send: Send) -> None:
    raise Boom("<b>secret</b> detail")


class Exchange:
    """One raw HTTP exchange: what the app sent, and what it raised to the server."""

    def __init__(self, sent: list[Message], raised: BaseException | None) -> None:
        self.sent = sent
        self.raised = raised

    @property
    def status(self) -> int:
        status: int = self.sent[0]["status"]
        return status

    @property
    def headers(self) -> dict[str, str]:
        return {k.decode(): v.decode() for k, v in self.sent[0]["headers"]}

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent[1:])

    @property
    def text(self) -> str:
        return self.body.decode()


async def call(
    app: ASGIApp,
    *,
    host: str | None = "example.com",
    accept: str | None = None,
    path: str = "/boom",
) -> Exchange:
    headers: list[tuple[bytes, bytes]] = []
    if host is not None:
        headers.append((b"host", host.encode()))
    if accept is not None:
        headers.append((b"accept", accept.encode()))
    scope = http_scope(
        path, headers=headers, server=("127.0.0.1", 8000), client=("203.0.113.9", 50000)
    )
    sent: list[Message] = []
    try:
        await record(app, scope, sent=sent)
    except Exception as exc:
        return Exchange(sent, exc)
    return Exchange(sent, None)


# ---------------------------------------------------------------- the built-in answers


async def test_an_api_client_gets_a_plain_500_and_the_server_gets_the_exception() -> None:
    result = await call(ServerErrorMiddleware(crash))
    assert result.status == 500
    assert result.headers == {
        "content-length": "21",
        "content-type": "text/plain; charset=utf-8",
    }
    assert result.body == b"Internal Server Error"
    assert [m["type"] for m in result.sent] == ["http.response.start", "http.response.body"]
    assert isinstance(result.raised, Boom)
    assert str(result.raised) == "<b>secret</b> detail"


async def test_a_browser_gets_an_html_500_page_without_the_details() -> None:
    result = await call(ServerErrorMiddleware(crash), accept=FIREFOX)
    assert result.status == 500
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    assert result.headers["vary"] == "Accept"
    assert "<h1>500 Internal Server Error</h1>" in result.text
    assert "secret" not in result.text and "Traceback" not in result.text
    assert isinstance(result.raised, Boom)


@pytest.mark.parametrize("accept", ["application/json", "*/*", "text/html;q=0.5, */*"])
async def test_other_accept_headers_get_plain_text(accept: str) -> None:
    result = await call(ServerErrorMiddleware(crash), accept=accept)
    assert (result.status, result.text) == (500, "Internal Server Error")


# ---------------------------------------------------------------- the user's 500 handler


async def test_an_async_handler_answers_with_the_request_and_the_exception() -> None:
    seen: list[tuple[str, BaseException]] = []

    async def handler(request: Request, exc: Exception) -> Response:
        seen.append((request.url.path, exc))
        return JSONResponse({"error": type(exc).__name__}, status_code=500)

    result = await call(ServerErrorMiddleware(crash, handler=handler), path="/orders")
    assert (result.status, result.body) == (500, b'{"error":"Boom"}')
    assert result.headers["content-type"] == "application/json"
    assert seen == [("/orders", result.raised)]
    assert isinstance(result.raised, Boom)  # answered, and still raised to the server


async def test_a_sync_handler_runs_in_a_worker_thread() -> None:
    threads: list[int] = []

    def handler(request: Request, exc: Exception) -> Response:
        threads.append(threading.get_ident())
        return PlainTextResponse(f"sorry: {type(exc).__name__}", status_code=503)

    result = await call(ServerErrorMiddleware(crash, handler=handler))
    assert (result.status, result.text) == (503, "sorry: Boom")
    assert len(threads) == 1 and threads[0] != threading.get_ident()
    assert isinstance(result.raised, Boom)


# ---------------------------------------------------------------- debug


LOOPBACK_HOSTS = [
    "localhost",
    "localhost:8000",
    "LOCALHOST:8000",
    "127.0.0.1",
    "127.0.0.1:5000",
    "127.1.2.3:80",
    "[::1]",
    "[::1]:8000",
    "testserver",
]


@pytest.mark.parametrize("host", LOOPBACK_HOSTS)
async def test_debug_shows_the_traceback_to_loopback_hosts(host: str) -> None:
    result = await call(ServerErrorMiddleware(crash, debug=True), host=host)
    assert result.status == 500
    assert result.headers["content-type"] == "text/plain; charset=utf-8"
    assert result.text.startswith("Traceback (most recent call last):\n")
    assert result.text.endswith("Boom: <b>secret</b> detail\n")
    assert isinstance(result.raised, Boom)


async def test_the_debug_page_for_a_browser_is_escaped_html() -> None:
    result = await call(ServerErrorMiddleware(crash, debug=True), host="localhost", accept=FIREFOX)
    assert result.status == 500
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h2>Boom(&#x27;&lt;b&gt;secret&lt;/b&gt; detail&#x27;)</h2>" in result.text
    assert "<pre>Traceback (most recent call last):" in result.text
    assert "<b>secret</b>" not in result.text


NON_LOOPBACK_HOSTS = [
    None,
    "",
    "example.com",
    "example.com:8000",
    "10.0.0.1",
    "[::2]:8000",
    "localhost.example.com",
    "evil-localhost",
    # DNS rebinding: names that start like a loopback address but resolve anywhere.
    "127.0.0.1.nip.io",
    "127.attacker.example:8000",
]


@pytest.mark.parametrize("host", NON_LOOPBACK_HOSTS)
async def test_debug_never_shows_the_traceback_to_other_hosts(host: str | None) -> None:
    result = await call(ServerErrorMiddleware(crash, debug=True), host=host)
    assert (result.status, result.text) == (500, "Internal Server Error")
    assert isinstance(result.raised, Boom)


async def test_debug_for_another_host_falls_back_to_the_users_handler() -> None:
    async def handler(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("handled", status_code=500)

    middleware = ServerErrorMiddleware(crash, handler=handler, debug=True)
    assert (await call(middleware, host="example.com")).text == "handled"
    assert (await call(middleware, host="localhost")).text.startswith("Traceback")


async def test_a_heron_app_in_debug_shows_tracebacks_to_localhost_only() -> None:
    app = Heron(debug=True)

    @app.get("/boom")
    async def boom() -> None:
        raise Boom("from the endpoint")

    for base_url, traceback_shown in [
        ("http://localhost:8000", True),
        ("http://127.0.0.1", True),
        ("http://example.com", False),
    ]:
        client = AsyncTestClient(app, base_url=base_url, raise_server_exceptions=False)
        response = await client.get("/boom")
        assert response.status_code == 500
        assert ("Boom: from the endpoint" in response.text) is traceback_shown, base_url


# ---------------------------------------------------------------- a response already started


@pytest.mark.parametrize(
    "before",
    [
        [{"type": "http.response.start", "status": 200, "headers": []}],
        [
            {"type": "http.response.start", "status": 200, "headers": []},
            {"type": "http.response.body", "body": b"half", "more_body": True},
        ],
    ],
    ids=["after-start", "mid-body"],
)
async def test_nothing_is_sent_once_the_response_started(before: list[Message]) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in before:
            await send(message)
        raise Boom("too late")

    handled: list[str] = []

    async def handler(request: Request, exc: Exception) -> Response:
        handled.append("called")
        return PlainTextResponse("never sent", status_code=500)

    result = await call(ServerErrorMiddleware(app, handler=handler, debug=True), host="localhost")
    assert result.sent == before
    assert handled == []
    assert isinstance(result.raised, Boom) and str(result.raised) == "too late"


async def test_a_response_without_error_passes_through_unchanged() -> None:
    messages: Sequence[Message] = [
        {"type": "http.response.start", "status": 201, "headers": [(b"x-a", b"1")]},
        {"type": "http.response.body", "body": b"one", "more_body": True},
        {"type": "http.response.body", "body": b"two"},
    ]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in messages:
            await send(message)

    result = await call(ServerErrorMiddleware(app))
    assert result.sent == list(messages)
    assert result.raised is None


# ---------------------------------------------------------------- other scopes


@pytest.mark.parametrize("scope_type", ["websocket", "lifespan"])
async def test_other_scopes_pass_through_and_their_errors_reach_the_server(
    scope_type: str,
) -> None:
    seen: list[tuple[Any, Any, Any]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append((scope, receive, send))
        raise Boom(scope_type)

    scope: Scope = {"type": scope_type, "path": "/ws", "headers": [(b"host", b"localhost")]}
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": f"{scope_type}.connect"}

    async def send(message: Message) -> None:
        sent.append(message)

    with pytest.raises(Boom, match=scope_type):
        await ServerErrorMiddleware(app, debug=True)(scope, receive, send)
    assert seen == [(scope, receive, send)]  # the very callables, not wrappers
    assert sent == []
