"""GZipMiddleware: what gets compressed, the headers that go with it, streaming.

Regression tests for SECURITY.md K4 (Starlette #1901 existing Content-Encoding, #2865/#2871
``Vary`` and ``text/event-stream``).
"""

from __future__ import annotations

import gzip
import os
import random
import zlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from heron.middleware.cors import CORSMiddleware
from heron.middleware.gzip import GZipMiddleware
from heron.responses import PlainTextResponse, Response, StreamingResponse
from heron.types import ASGIApp, Message, Receive, Scope, Send

pytestmark = pytest.mark.anyio

BIG = "x" * 4000


def text_app(body: str = BIG, **headers: str) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        extra = {k.replace("_", "-"): v for k, v in headers.items()}
        await PlainTextResponse(body, headers=extra)(scope, receive, send)

    return app


def client(app: ASGIApp, **options: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=GZipMiddleware(app, **options)),
        base_url="http://testserver",
    )


async def call(
    app: ASGIApp, accept_encoding: bytes | None = b"gzip", method: str = "GET"
) -> list[Message]:
    """Drive ``app`` with a raw scope; return every message it sent."""
    headers = [] if accept_encoding is None else [(b"accept-encoding", accept_encoding)]
    scope: Scope = {"type": "http", "method": method, "path": "/", "headers": headers}
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


def header(message: Message, name: bytes) -> list[bytes]:
    return [v for k, v in message["headers"] if k == name]


# --- compressed or not --------------------------------------------------------------------


async def test_gzip_responses() -> None:
    async with client(text_app()) as c:
        response = await c.get("/", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.text == BIG  # httpx decoded it
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert int(response.headers["content-length"]) < len(BIG)


async def test_gzip_content_length_is_the_compressed_size() -> None:
    sent = await call(GZipMiddleware(text_app()))
    start, body = sent
    assert header(start, b"content-length") == [str(len(body["body"])).encode()]
    assert gzip.decompress(body["body"]) == BIG.encode()


async def test_gzip_not_in_accept_encoding() -> None:
    async with client(text_app()) as c:
        response = await c.get("/", headers={"accept-encoding": "identity"})
    assert response.text == BIG
    assert "content-encoding" not in response.headers
    assert response.headers["content-length"] == str(len(BIG))
    # Present even when not compressed: a cache must not serve this to a gzip client.
    assert response.headers["vary"] == "Accept-Encoding"


async def test_gzip_ignored_for_small_responses() -> None:
    async with client(text_app("OK")) as c:
        response = await c.get("/", headers={"accept-encoding": "gzip"})
    assert response.text == "OK"
    assert "content-encoding" not in response.headers
    assert response.headers["content-length"] == "2"
    # COMPAT(fastapi): too small to ever be compressed, so it does not vary.
    assert "vary" not in response.headers


async def test_gzip_minimum_size_is_configurable() -> None:
    async with client(text_app("y" * 100), minimum_size=50) as c:
        response = await c.get("/", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"


@pytest.mark.parametrize(
    ("accept_encoding", "compressed"),
    [
        ("gzip", True),
        ("GZIP", True),
        ("deflate, gzip;q=0.5", True),
        ("br;q=1.0, gzip ; q=1", True),
        ("x-gzip", True),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("gzip;q=abc", False),
        ("gzip;q=2", False),
        ("gzip;q=\u0661", False),
        ("br, deflate", False),
        ("*", False),
        ("notgzip", False),
    ],
)
async def test_gzip_accept_encoding_is_parsed(accept_encoding: str, compressed: bool) -> None:
    sent = await call(GZipMiddleware(text_app()), accept_encoding.encode())
    assert (header(sent[0], b"content-encoding") == [b"gzip"]) is compressed


async def test_gzip_repeated_accept_encoding_lines_are_combined() -> None:
    app = GZipMiddleware(text_app())
    scope: Scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"accept-encoding", b"br"), (b"accept-encoding", b"gzip")],
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    assert header(sent[0], b"content-encoding") == [b"gzip"]


async def test_gzip_incompressible_body_is_sent_as_is() -> None:
    noise = os.urandom(2000)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await Response(noise, media_type="application/octet-stream")(scope, receive, send)

    sent = await call(GZipMiddleware(app))
    assert header(sent[0], b"content-encoding") == []
    assert header(sent[0], b"vary") == [b"Accept-Encoding"]
    assert sent[1]["body"] == noise


async def test_gzip_compresslevel() -> None:
    rng = random.Random(0)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    body = " ".join(rng.choice(words) + str(rng.randrange(100)) for _ in range(5000))
    fast = await call(GZipMiddleware(text_app(body), compresslevel=1))
    small = await call(GZipMiddleware(text_app(body), compresslevel=9))
    assert len(small[1]["body"]) < len(fast[1]["body"])
    assert gzip.decompress(fast[1]["body"]) == gzip.decompress(small[1]["body"]) == body.encode()


# --- responses left alone -----------------------------------------------------------------


async def test_gzip_ignored_when_content_encoding_is_set() -> None:
    payload = b"pretend-brotli" * 100

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response = Response(payload, headers={"Content-Encoding": "br"}, media_type="text/plain")
        await response(scope, receive, send)

    async with (
        client(app) as c,
        c.stream("GET", "/", headers={"accept-encoding": "gzip, br"}) as response,
    ):
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert response.headers["content-encoding"] == "br"
    assert response.headers["content-length"] == str(len(payload))
    assert raw == payload


async def test_gzip_ignored_for_server_sent_events_and_streamed_live() -> None:
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"text/event-stream; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for n in range(3):
            event = f"data: {n}\n\n".encode() + b" " * 1000
            await send({"type": "http.response.body", "body": event, "more_body": True})
            # The event already reached the server before the next one is produced.
            assert sent[-1]["body"] == event
        await send({"type": "http.response.body", "body": b""})

    scope: Scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "headers": [(b"accept-encoding", b"gzip")],
    }

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    await GZipMiddleware(app)(scope, receive, send)
    assert header(sent[0], b"content-encoding") == []
    assert len(sent) == 5


async def test_gzip_exclude_media_types() -> None:
    app = text_app(BIG, content_type="image/svg+xml")
    sent = await call(GZipMiddleware(app, exclude_media_types=["image/*"]))
    assert header(sent[0], b"content-encoding") == []
    sent = await call(GZipMiddleware(app, exclude_media_types=["IMAGE/SVG+XML"]))
    assert header(sent[0], b"content-encoding") == []
    sent = await call(GZipMiddleware(app, exclude_media_types=["image/png"]))
    assert header(sent[0], b"content-encoding") == [b"gzip"]
    # An empty tuple compresses event streams too.
    sse = text_app(BIG, content_type="text/event-stream")
    sent = await call(GZipMiddleware(sse, exclude_media_types=()))
    assert header(sent[0], b"content-encoding") == [b"gzip"]


async def test_gzip_respects_no_transform() -> None:
    app = text_app(BIG, cache_control="public, No-Transform")
    sent = await call(GZipMiddleware(app))
    assert header(sent[0], b"content-encoding") == []
    assert sent[1]["body"] == BIG.encode()


async def test_gzip_leaves_byte_ranges_alone() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = {"Content-Range": f"bytes 0-{len(BIG) - 1}/9999"}
        await PlainTextResponse(BIG, status_code=206, headers=headers)(scope, receive, send)

    sent = await call(GZipMiddleware(app))
    assert sent[0]["status"] == 206
    assert header(sent[0], b"content-encoding") == []
    assert sent[1]["body"] == BIG.encode()


# --- header details -----------------------------------------------------------------------


async def test_gzip_vary_is_merged_once() -> None:
    sent = await call(GZipMiddleware(text_app(vary="Cookie")))
    assert header(sent[0], b"vary") == [b"Cookie, Accept-Encoding"]
    sent = await call(GZipMiddleware(text_app(vary="accept-encoding")))
    assert header(sent[0], b"vary") == [b"accept-encoding"]
    sent = await call(GZipMiddleware(text_app(vary="*")))
    assert header(sent[0], b"vary") == [b"*"]


async def test_gzip_weakens_strong_etag() -> None:
    sent = await call(GZipMiddleware(text_app(etag='"abc"')))
    assert header(sent[0], b"etag") == [b'W/"abc"']
    sent = await call(GZipMiddleware(text_app(etag='W/"abc"')))
    assert header(sent[0], b"etag") == [b'W/"abc"']
    sent = await call(GZipMiddleware(text_app(etag='"abc"')), accept_encoding=None)
    assert header(sent[0], b"etag") == [b'"abc"']


async def test_gzip_does_not_mutate_a_reused_response() -> None:
    shared = PlainTextResponse(BIG)
    before = list(shared.raw_headers)
    async with client(shared) as c:
        zipped = await c.get("/", headers={"accept-encoding": "gzip"})
        plain = await c.get("/", headers={"accept-encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert plain.headers["content-length"] == str(len(BIG))
    assert shared.raw_headers == before


async def test_gzip_head_request() -> None:
    async with client(text_app()) as c:
        response = await c.head("/", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.content == b""


# --- streaming ----------------------------------------------------------------------------


async def test_gzip_streaming_response() -> None:
    async def numbers() -> AsyncIterator[str]:
        for n in range(10):
            yield f"{n}" * 1000

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await StreamingResponse(numbers(), media_type="text/plain")(scope, receive, send)

    async with client(app) as c:
        response = await c.get("/", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.text == "".join(f"{n}" * 1000 for n in range(10))
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert "content-length" not in response.headers


async def test_gzip_streaming_chunks_are_decodable_as_they_arrive() -> None:
    chunks = [b"first chunk ", b"", b"second chunk " * 50, b"last"]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"text/plain"), (b"content-length", b"9999")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for chunk in chunks[:-1]:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": chunks[-1]})

    sent = await call(GZipMiddleware(app))
    start, *bodies = sent
    assert header(start, b"content-encoding") == [b"gzip"]
    assert header(start, b"content-length") == []  # the compressed length is unknown
    decoder = zlib.decompressobj(31)
    for chunk, message in zip(chunks, bodies, strict=True):
        # Each chunk decodes on arrival: the client is not kept waiting for later ones.
        assert decoder.decompress(message["body"]) == chunk
    assert decoder.eof
    assert gzip.decompress(b"".join(m["body"] for m in bodies)) == b"".join(chunks)


async def test_gzip_streaming_without_gzip_passes_chunks_through() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"a" * 1000, "more_body": True})
        await send({"type": "http.response.body", "body": b"b"})

    sent = await call(GZipMiddleware(app), accept_encoding=b"identity")
    assert [m.get("body") for m in sent[1:]] == [b"a" * 1000, b"b"]
    assert header(sent[0], b"vary") == [b"Accept-Encoding"]


async def test_gzip_pathsend_is_not_compressed() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"text/plain"), (b"content-length", b"5000")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.pathsend", "path": "/srv/file.txt"})

    sent = await call(GZipMiddleware(app))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.pathsend"]
    assert header(sent[0], b"content-encoding") == []
    assert header(sent[0], b"content-length") == [b"5000"]


# --- pass-through -------------------------------------------------------------------------


@pytest.mark.parametrize("scope_type", ["lifespan", "websocket"])
async def test_gzip_non_http_scopes_pass_through(scope_type: str) -> None:
    seen: list[Send] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(send)

    async def receive() -> Message:
        raise AssertionError("not called")

    async def send(message: Message) -> None:
        raise AssertionError("not called")

    scope: Scope = {"type": scope_type, "headers": [(b"accept-encoding", b"gzip")]}
    await GZipMiddleware(app)(scope, receive, send)
    assert seen == [send]


async def test_gzip_trailers_follow_the_compressed_body() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"text/plain")]
        await send(
            {"type": "http.response.start", "status": 200, "headers": headers, "trailers": True}
        )
        await send({"type": "http.response.body", "body": BIG.encode()})
        await send({"type": "http.response.trailers", "headers": [(b"x-checksum", b"1")]})

    sent = await call(GZipMiddleware(app))
    assert [m["type"] for m in sent] == [
        "http.response.start",
        "http.response.body",
        "http.response.trailers",
    ]
    assert sent[0]["trailers"] is True
    assert gzip.decompress(sent[1]["body"]) == BIG.encode()
    assert sent[2]["headers"] == [(b"x-checksum", b"1")]


async def test_gzip_vary_with_several_lines() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"vary", b"Cookie"), (b"vary", b"Origin")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": BIG.encode()})

    sent = await call(GZipMiddleware(app))
    assert header(sent[0], b"vary") == [b"Cookie, Accept-Encoding", b"Origin"]


async def test_gzip_and_cors_stack() -> None:
    app = CORSMiddleware(GZipMiddleware(text_app()), allow_origins=["https://example.org"])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        response = await c.get(
            "/", headers={"accept-encoding": "gzip", "origin": "https://example.org"}
        )
    assert response.text == BIG
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding, Origin"
    assert response.headers["access-control-allow-origin"] == "https://example.org"
