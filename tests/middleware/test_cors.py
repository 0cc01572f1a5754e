"""CORSMiddleware: preflights, simple responses, origin matching and hostile input.

Regression tests for SECURITY.md I2 (Starlette #801 regex ``match``; Litestar
CVE-2026-25478 unescaped origins; Vary/leak tests of Starlette #3137).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from heron.middleware.cors import ALL_METHODS, CORSMiddleware
from heron.responses import PlainTextResponse
from heron.types import ASGIApp, Message, Receive, Scope, Send

pytestmark = pytest.mark.anyio


async def homepage(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("Homepage", status_code=200)(scope, receive, send)


def client(app: ASGIApp = homepage, **options: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=CORSMiddleware(app, **options)),
        base_url="http://testserver",
    )


PREFLIGHT_VARY = (
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
    "Access-Control-Request-Private-Network"
)


def preflight_headers(origin: str = "https://example.org", **extra: str) -> dict[str, str]:
    headers = {"Origin": origin, "Access-Control-Request-Method": "GET"}
    headers.update({k.replace("_", "-"): v for k, v in extra.items()})
    return headers


async def call(
    app: ASGIApp, headers: list[tuple[bytes, bytes]], method: str = "GET"
) -> list[Message]:
    """Drive ``app`` with a raw scope (for headers httpx would refuse to send)."""
    scope: Scope = {"type": "http", "method": method, "path": "/", "headers": headers}
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


# --- allow everything ---------------------------------------------------------------------


async def test_cors_allow_all() -> None:
    options: dict[str, Any] = {
        "allow_origins": ["*"],
        "allow_headers": ["*"],
        "allow_methods": ["*"],
        "expose_headers": ["X-Status"],
        "allow_credentials": True,
    }
    async with client(**options) as c:
        response = await c.options(
            "/", headers=preflight_headers(access_control_request_headers="X-Example")
        )
        assert response.status_code == 200
        assert response.text == "OK"
        assert response.headers["access-control-allow-origin"] == "https://example.org"
        assert response.headers["access-control-allow-headers"] == "X-Example"
        assert response.headers["access-control-allow-credentials"] == "true"
        assert response.headers["vary"] == PREFLIGHT_VARY

        response = await c.get("/", headers={"Origin": "https://example.org"})
        assert response.status_code == 200
        assert response.text == "Homepage"
        # Credentials with "*": the origin is echoed, browsers refuse "*" there.
        assert response.headers["access-control-allow-origin"] == "https://example.org"
        assert response.headers["access-control-expose-headers"] == "X-Status"
        assert response.headers["access-control-allow-credentials"] == "true"
        assert response.headers["vary"] == "Origin"

        response = await c.get("/")
        assert response.text == "Homepage"
        assert "access-control-allow-origin" not in response.headers


async def test_cors_allow_all_except_credentials() -> None:
    options: dict[str, Any] = {
        "allow_origins": ["*"],
        "allow_headers": ["*"],
        "allow_methods": ["*"],
        "expose_headers": ["X-Status"],
    }
    async with client(**options) as c:
        response = await c.options("/", headers=preflight_headers())
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers
        # COMPAT(fastapi): a preflight answer varies with these even when it is "*".
        assert response.headers["vary"] == PREFLIGHT_VARY

        response = await c.get("/", headers={"Origin": "https://example.org"})
        assert response.headers["access-control-allow-origin"] == "*"
        assert response.headers["access-control-expose-headers"] == "X-Status"
        assert "access-control-allow-credentials" not in response.headers
        assert response.headers["vary"] == "Origin"


async def test_cors_allow_all_methods_lists_every_method() -> None:
    async with client(allow_origins=["*"], allow_methods=["*"]) as c:
        response = await c.options("/", headers=preflight_headers())
    assert response.headers["access-control-allow-methods"] == ", ".join(ALL_METHODS)


async def test_cors_cookie_request_echoes_origin_with_wildcard() -> None:
    # COMPAT(fastapi): a request with cookies gets its origin echoed even without
    # allow_credentials.
    async with client(allow_origins=["*"]) as c:
        response = await c.get(
            "/", headers={"Origin": "https://example.org", "Cookie": "session=1"}
        )
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert response.headers["vary"] == "Origin"
    assert "access-control-allow-credentials" not in response.headers


# --- specific origins ---------------------------------------------------------------------


async def test_cors_allow_specific_origin() -> None:
    options: dict[str, Any] = {
        "allow_origins": ["https://example.org"],
        "allow_headers": ["X-Example", "Content-Type"],
        "max_age": 1200,
    }
    async with client(**options) as c:
        response = await c.options(
            "/",
            headers=preflight_headers(access_control_request_headers="X-Example, Content-Type"),
        )
        assert response.status_code == 200
        assert response.text == "OK"
        assert response.headers["access-control-allow-origin"] == "https://example.org"
        assert response.headers["access-control-allow-headers"] == (
            "Accept, Accept-Language, Content-Language, Content-Type, X-Example"
        )
        assert response.headers["access-control-allow-methods"] == "GET"
        assert response.headers["access-control-max-age"] == "1200"
        assert response.headers["vary"] == PREFLIGHT_VARY
        assert "access-control-allow-credentials" not in response.headers

        response = await c.get("/", headers={"Origin": "https://example.org"})
        assert response.text == "Homepage"
        assert response.headers["access-control-allow-origin"] == "https://example.org"
        assert response.headers["vary"] == "Origin"

        response = await c.get("/")
        assert "access-control-allow-origin" not in response.headers


async def test_cors_requested_headers_compare_case_insensitively() -> None:
    async with client(allow_origins=["https://example.org"], allow_headers=["x-example"]) as c:
        response = await c.options(
            "/", headers=preflight_headers(access_control_request_headers="X-EXAMPLE,accept")
        )
    # Allowed (a case-sensitive compare would answer 400 "Disallowed CORS headers").
    assert (response.status_code, response.text) == (200, "OK")
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert response.headers["access-control-allow-headers"] == (
        "Accept, Accept-Language, Content-Language, Content-Type, x-example"
    )
    assert response.headers["access-control-allow-methods"] == "GET"
    assert response.headers["vary"] == PREFLIGHT_VARY


async def test_cors_disallowed_preflight() -> None:
    async with client(allow_origins=["https://example.org"], allow_headers=["X-Example"]) as c:
        response = await c.options(
            "/",
            headers={
                "Origin": "https://another.org",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "X-Nope",
            },
        )
    assert response.status_code == 400
    assert response.text == "Disallowed CORS origin, method, headers"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "access-control-allow-origin" not in response.headers


async def test_cors_preflight_with_credentials_and_specific_origin() -> None:
    async with client(allow_origins=["https://example.org"], allow_credentials=True) as c:
        response = await c.options("/", headers=preflight_headers())
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert response.headers["access-control-allow-credentials"] == "true"


async def test_cors_disallowed_simple_request_still_reaches_app() -> None:
    async with client(allow_origins=["https://example.org"], allow_credentials=True) as c:
        response = await c.get("/", headers={"Origin": "https://another.org"})
    assert response.status_code == 200
    assert response.text == "Homepage"
    assert "access-control-allow-origin" not in response.headers
    # The answer depended on Origin, so shared caches must key on it.
    assert response.headers["vary"] == "Origin"


async def test_cors_options_without_request_method_is_not_a_preflight() -> None:
    async with client(allow_origins=["https://example.org"]) as c:
        response = await c.options("/", headers={"Origin": "https://example.org"})
    assert response.text == "Homepage"
    assert response.headers["access-control-allow-origin"] == "https://example.org"


async def test_cors_preflight_never_reaches_app() -> None:
    called = False

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal called
        called = True
        await homepage(scope, receive, send)

    async with client(app, allow_origins=["*"]) as c:
        response = await c.options("/", headers=preflight_headers())
    assert response.status_code == 200
    assert not called


async def test_cors_expose_headers_on_simple_response() -> None:
    async with client(allow_origins=["https://example.org"], expose_headers=["X-A", "X-B"]) as c:
        response = await c.get("/", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-expose-headers"] == "X-A, X-B"


# --- origin matching (SECURITY.md I2) -----------------------------------------------------


async def test_cors_allow_origin_regex() -> None:
    options: dict[str, Any] = {
        "allow_headers": ["X-Example", "Content-Type"],
        "allow_origin_regex": r"https://.*\.example\.org",
    }
    async with client(**options) as c:
        response = await c.get("/", headers={"Origin": "https://sub.example.org"})
        assert response.headers["access-control-allow-origin"] == "https://sub.example.org"

        response = await c.options("/", headers=preflight_headers("https://sub.example.org"))
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "https://sub.example.org"

        response = await c.options("/", headers=preflight_headers("https://example.org"))
        assert response.status_code == 400
        assert response.text == "Disallowed CORS origin"


async def test_cors_allow_origin_regex_fullmatch() -> None:
    async with client(allow_origin_regex=r"https://.*\.example\.org") as c:
        response = await c.get("/", headers={"Origin": "https://x.example.org.evil.com"})
        assert "access-control-allow-origin" not in response.headers
        response = await c.options("/", headers=preflight_headers("https://x.example.org.evil.com"))
        assert response.status_code == 400


async def test_cors_literal_origin_is_not_a_pattern() -> None:
    async with client(allow_origins=["https://a.b.com"]) as c:
        response = await c.get("/", headers={"Origin": "https://aXb.com"})
        assert "access-control-allow-origin" not in response.headers
        response = await c.get("/", headers={"Origin": "https://a.b.com"})
        assert response.headers["access-control-allow-origin"] == "https://a.b.com"


async def test_cors_null_origin_only_when_listed() -> None:
    async with client(allow_origins=["https://example.org"]) as c:
        response = await c.options("/", headers=preflight_headers("null"))
        assert response.status_code == 400
        response = await c.get("/", headers={"Origin": "null"})
        assert "access-control-allow-origin" not in response.headers
    async with client(allow_origins=["null"]) as c:
        response = await c.get("/", headers={"Origin": "null"})
        assert response.headers["access-control-allow-origin"] == "null"


async def test_cors_is_allowed_origin_can_be_overridden() -> None:
    class TenantCORS(CORSMiddleware):
        def is_allowed_origin(self, origin: str) -> bool:
            return origin.endswith(".tenant.test")

    transport = httpx.ASGITransport(app=TenantCORS(homepage))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        response = await c.get("/", headers={"Origin": "https://a.tenant.test"})
        assert response.headers["access-control-allow-origin"] == "https://a.tenant.test"
        response = await c.options("/", headers=preflight_headers("https://evil.test"))
        assert response.status_code == 400


# --- Vary and leaks -----------------------------------------------------------------------


async def test_cors_vary_header_is_merged() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = PlainTextResponse("Homepage", headers={"Vary": "Accept-Encoding"})
        await response(scope, receive, send)

    async with client(app, allow_origins=["https://example.org"]) as c:
        response = await c.get("/", headers={"Origin": "https://example.org"})
    assert response.headers["vary"] == "Accept-Encoding, Origin"


async def test_cors_vary_origin_is_not_repeated() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = PlainTextResponse("Homepage", headers={"Vary": "origin"})
        await response(scope, receive, send)

    async with client(app, allow_origins=["https://example.org"]) as c:
        response = await c.get("/", headers={"Origin": "https://example.org"})
    assert response.headers.get_list("vary") == ["origin"]


async def test_cors_vary_origin_on_every_response() -> None:
    # COMPAT(fastapi): with "*", with or without an Origin header: a shared cache must not
    # give a no-Origin answer (no CORS header) to a cross-origin reader, or the reverse.
    async with client(allow_origins=["*"]) as c:
        response = await c.get("/", headers={"Origin": "https://example.org"})
        assert response.headers["access-control-allow-origin"] == "*"
        assert response.headers["vary"] == "Origin"
        response = await c.get("/")
        assert "access-control-allow-origin" not in response.headers
        assert response.headers["vary"] == "Origin"


async def test_cors_allowed_origin_does_not_leak_between_requests() -> None:
    # One response object served to every request: the middleware must not write into it.
    shared = PlainTextResponse("Homepage", headers={"X-Custom": "1"})
    before = list(shared.raw_headers)
    async with client(shared, allow_origins=["*"], allow_credentials=True) as c:
        first = await c.get("/", headers={"Origin": "https://first.org"})
        second = await c.get("/", headers={"Origin": "https://second.org"})
        third = await c.get("/")
    assert first.headers["access-control-allow-origin"] == "https://first.org"
    assert second.headers["access-control-allow-origin"] == "https://second.org"
    assert "access-control-allow-origin" not in third.headers
    assert shared.raw_headers == before


async def test_cors_private_network() -> None:
    async with client(allow_origins=["https://example.org"], allow_private_network=True) as c:
        response = await c.options(
            "/", headers=preflight_headers(access_control_request_private_network="true")
        )
    assert response.status_code == 200
    assert response.headers["access-control-allow-private-network"] == "true"

    async with client(allow_origins=["https://example.org"]) as c:
        response = await c.options(
            "/", headers=preflight_headers(access_control_request_private_network="true")
        )
    assert response.status_code == 400
    assert response.text == "Disallowed CORS private-network"
    assert "access-control-allow-private-network" not in response.headers


# --- pass-through -------------------------------------------------------------------------


async def test_cors_request_without_origin_only_gets_vary() -> None:
    seen: list[Send] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(send)
        await homepage(scope, receive, send)

    middleware = CORSMiddleware(app, allow_origins=["https://example.org"])
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"host", b"x")]}
    await middleware(scope, receive, send)
    assert sent[0]["status"] == 200
    assert [(k, v) for k, v in sent[0]["headers"] if not k.startswith(b"content-")] == [
        (b"vary", b"Origin")
    ]


@pytest.mark.parametrize("scope_type", ["lifespan", "websocket"])
async def test_cors_non_http_scopes_pass_through(scope_type: str) -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def receive() -> Message:
        raise AssertionError("not called")

    async def send(message: Message) -> None:
        raise AssertionError("not called")

    scope: Scope = {"type": scope_type, "headers": [(b"origin", b"https://evil.example")]}
    await CORSMiddleware(app, allow_origins=["*"])(scope, receive, send)
    assert seen == [scope_type]


# --- hostile input ------------------------------------------------------------------------


async def test_cors_duplicated_origin_is_never_echoed() -> None:
    headers = [(b"origin", b"https://example.org"), (b"origin", b"https://evil.org")]
    app = CORSMiddleware(homepage, allow_origins=["https://example.org"])
    sent = await call(app, headers)
    assert sent[0]["status"] == 200
    assert (b"access-control-allow-origin", b"https://example.org") not in sent[0]["headers"]

    preflight = [*headers, (b"access-control-request-method", b"GET")]
    sent = await call(app, preflight, method="OPTIONS")
    assert sent[0]["status"] == 400
    assert sent[1]["body"] == b"Disallowed CORS origin"


@pytest.mark.parametrize(
    "origin",
    [
        b"https://example.org\x00",
        b"https://example.org\r\nSet-Cookie: a=b",
        b"https://a.example.org, https://b.example.org",
        b"https://\xff.example.org",
        b"example.org",
        b"",
        b"https://" + b"a" * 100_000 + b".example.org",
    ],
)
async def test_cors_malformed_origin_is_never_echoed(origin: bytes) -> None:
    options: dict[str, Any] = {"allow_origin_regex": r"https://.*example\.org"}
    for app in (
        CORSMiddleware(homepage, **options),
        CORSMiddleware(homepage, allow_origins=["*"], allow_credentials=True),
    ):
        sent = await call(app, [(b"origin", origin)])
        assert sent[0]["status"] == 200
        assert all(value != origin for _, value in sent[0]["headers"])
        sent = await call(
            app, [(b"origin", origin), (b"access-control-request-method", b"GET")], "OPTIONS"
        )
        assert sent[0]["status"] == 400
        assert sent[1]["body"] == b"Disallowed CORS origin"


@pytest.mark.parametrize("requested", [b"X-Ok, Bad Header", b"X-Ok\x00", b"X-Ok, \xe9"])
async def test_cors_invalid_requested_headers_are_refused_not_mirrored(requested: bytes) -> None:
    app = CORSMiddleware(homepage, allow_origins=["*"], allow_headers=["*"])
    headers = [
        (b"origin", b"https://example.org"),
        (b"access-control-request-method", b"GET"),
        (b"access-control-request-headers", requested),
    ]
    sent = await call(app, headers, method="OPTIONS")
    assert sent[0]["status"] == 400
    assert sent[1]["body"] == b"Disallowed CORS headers"
    assert all(name != b"access-control-allow-headers" for name, _ in sent[0]["headers"])


async def test_cors_empty_requested_header_items_are_ignored() -> None:
    async with client(allow_origins=["https://example.org"], allow_headers=["X-Example"]) as c:
        response = await c.options(
            "/", headers=preflight_headers(access_control_request_headers="X-Example, ,")
        )
    # The empty items are not headers to refuse: the preflight is allowed.
    assert (response.status_code, response.text) == (200, "OK")
    assert response.headers["access-control-allow-origin"] == "https://example.org"
    assert response.headers["access-control-allow-headers"] == (
        "Accept, Accept-Language, Content-Language, Content-Type, X-Example"
    )
    assert response.headers["access-control-allow-methods"] == "GET"
    assert response.headers["vary"] == PREFLIGHT_VARY


async def test_cors_repeated_request_headers_lines_are_combined() -> None:
    app = CORSMiddleware(homepage, allow_origins=["*"], allow_headers=["*"])
    headers = [
        (b"origin", b"https://example.org"),
        (b"access-control-request-method", b"GET"),
        (b"access-control-request-headers", b"X-A"),
        (b"access-control-request-headers", b"X-B"),
    ]
    sent = await call(app, headers, method="OPTIONS")
    assert sent[0]["status"] == 200
    assert (b"access-control-allow-headers", b"X-A, X-B") in sent[0]["headers"]


async def test_cors_unknown_method_in_preflight() -> None:
    async with client(allow_origins=["*"], allow_methods=["GET", "POST"]) as c:
        response = await c.options(
            "/", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "\x7f"}
        )
    assert response.status_code == 400
    assert response.text == "Disallowed CORS method"


async def test_cors_vary_with_several_lines() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"vary", b"Accept-Encoding"), (b"vary", b"Cookie"), (b"Vary", b"")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    sent = await call(
        CORSMiddleware(app, allow_origins=["*"], allow_credentials=True),
        [(b"origin", b"https://example.org")],
    )
    varies = [v for k, v in sent[0]["headers"] if k.lower() == b"vary"]
    assert varies == [b"Accept-Encoding, Origin", b"Cookie", b""]

    async def app_origin_later(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"vary", b"Accept-Encoding"), (b"vary", b"Origin")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    middleware = CORSMiddleware(app_origin_later, allow_origins=["https://example.org"])
    sent = await call(middleware, [(b"origin", b"https://example.org")])
    varies = [v for k, v in sent[0]["headers"] if k == b"vary"]
    assert varies == [b"Accept-Encoding", b"Origin"]


async def test_cors_empty_vary_value_is_filled() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"vary", b" ")]})
        await send({"type": "http.response.body", "body": b""})

    middleware = CORSMiddleware(app, allow_origins=["https://example.org"])
    sent = await call(middleware, [(b"origin", b"https://example.org")])
    assert [v for k, v in sent[0]["headers"] if k == b"vary"] == [b"Origin"]
