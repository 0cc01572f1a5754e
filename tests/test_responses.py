"""Response classes, driven as raw ASGI apps: what a client would see on the wire."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import io
import json
import os
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from email.utils import format_datetime, formatdate, parsedate_to_datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import anyio
import flask
import pydantic
import pydantic_core
import pytest

from heron import jsonify, make_response
from heron.background import BackgroundTask, BackgroundTasks
from heron.datastructures import URL, Headers
from heron.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from heron.types import ASGIApp, Message, Scope

pytestmark = pytest.mark.anyio


# --------------------------------------------------------------------------- helpers


@dataclasses.dataclass
class Result:
    status: int
    raw_headers: list[tuple[bytes, bytes]]
    body: bytes
    messages: list[Message]

    @property
    def headers(self) -> Headers:
        return Headers(raw=self.raw_headers)


async def call(
    app: ASGIApp,
    method: str = "GET",
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
    *,
    disconnect_after_chunks: int | None = None,
) -> Result:
    """Run ``app`` against a hand-built scope; collect what it sends, checking ASGI order.

    ``receive`` hands out an empty request, then blocks until the response is complete
    (or until ``disconnect_after_chunks`` body chunks went out) and reports a disconnect.
    """
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "query_string": b"",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in pairs],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    messages: list[Message] = []
    gone = anyio.Event()
    request_sent = False
    chunks = 0

    async def receive() -> Message:
        nonlocal request_sent
        if not request_sent:
            request_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal chunks
        if gone.is_set() and disconnect_after_chunks is not None:
            raise OSError("client went away")
        if messages:
            assert messages[0]["type"] == "http.response.start"
            last = messages[-1]
            assert message["type"] == "http.response.body", message
            assert last["type"] == "http.response.start" or last.get("more_body", False), (
                f"message after the end: {message}"
            )
        else:
            assert message["type"] == "http.response.start", message
        messages.append(message)
        if message["type"] == "http.response.body":
            chunks += 1
            if not message.get("more_body", False):
                gone.set()
            elif disconnect_after_chunks is not None and chunks >= disconnect_after_chunks:
                gone.set()

    await app(scope, receive, send)
    assert messages, "the app sent nothing"
    start = messages[0]
    body = b"".join(bytes(m.get("body", b"")) for m in messages[1:])
    return Result(start["status"], list(start.get("headers", [])), body, messages)


def cookie_attrs(line: str) -> tuple[str, dict[str, str | bool]]:
    """Split a Set-Cookie line into ``name=value`` and lower-cased attributes."""
    first, *rest = (p.strip() for p in line.split(";"))
    attrs: dict[str, str | bool] = {}
    for part in rest:
        name, eq, value = part.partition("=")
        attrs[name.lower()] = value if eq else True
    return first, attrs


# --------------------------------------------------------------------------- Response


async def test_bytes_body_and_content_length() -> None:
    result = await call(Response(b"hello", media_type="application/octet-stream"))
    assert result.status == 200
    assert result.body == b"hello"
    assert result.headers["content-length"] == "5"
    assert result.headers["content-type"] == "application/octet-stream"


async def test_str_body_is_encoded_and_length_counts_bytes() -> None:
    result = await call(PlainTextResponse("héllo ☃"))
    assert result.body == "héllo ☃".encode()
    assert result.headers["content-length"] == str(len("héllo ☃".encode()))
    assert result.headers["content-type"] == "text/plain; charset=utf-8"


async def test_html_response_content_type() -> None:
    result = await call(HTMLResponse("<h1>hi</h1>"))
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    assert result.body == b"<h1>hi</h1>"


async def test_charset_not_added_twice_or_to_non_text_types() -> None:
    assert (
        Response("x", media_type="text/csv; charset=latin-1").headers["content-type"]
        == "text/csv; charset=latin-1"
    )
    assert Response("{}", media_type="application/xml").headers["content-type"] == "application/xml"


async def test_custom_charset() -> None:
    class Latin1Response(PlainTextResponse):
        charset = "latin-1"

    result = await call(Latin1Response("café"))
    assert result.body == b"caf\xe9"
    assert result.headers["content-type"] == "text/plain; charset=latin-1"
    assert result.headers["content-length"] == "4"


async def test_empty_response_without_media_type() -> None:
    result = await call(Response())
    assert result.body == b""
    assert result.headers["content-length"] == "0"
    assert "content-type" not in result.headers


async def test_memoryview_body() -> None:
    result = await call(Response(memoryview(b"abc")))
    assert result.body == b"abc"
    assert result.headers["content-length"] == "3"


async def test_user_headers_win_and_are_lower_cased() -> None:
    response = Response(
        b"abc",
        media_type="text/plain",
        headers={"Content-Type": "text/x-custom", "X-Thing": "1", "Content-Length": "3"},
    )
    result = await call(response)
    assert result.headers.getlist("content-type") == ["text/x-custom"]
    assert result.headers.getlist("content-length") == ["3"]
    assert (b"x-thing", b"1") in result.raw_headers
    assert all(k == k.lower() for k, _ in result.raw_headers)


@pytest.mark.parametrize("status", [204, 304, 100, 101, 199])
async def test_no_content_length_for_bodiless_statuses(status: int) -> None:
    response = Response(status_code=status)
    assert "content-length" not in response.headers
    result = await call(response)
    assert result.status == status
    assert result.body == b""


async def test_status_code_kept() -> None:
    result = await call(PlainTextResponse("nope", status_code=418))
    assert result.status == 418
    assert result.headers["content-length"] == "4"


async def test_head_sends_headers_without_body() -> None:
    result = await call(PlainTextResponse("hello"), method="HEAD")
    assert result.body == b""
    # HEAD announces the length a GET would get.
    assert result.headers["content-length"] == "5"


async def test_mutating_headers_reaches_the_wire() -> None:
    response = PlainTextResponse("hi")
    response.headers["x-one"] = "1"
    response.headers.append("x-many", "a")
    response.headers.append("x-many", "b")
    del response.headers["content-type"]
    result = await call(response)
    assert result.headers["x-one"] == "1"
    assert result.headers.getlist("x-many") == ["a", "b"]
    assert "content-type" not in result.headers


async def test_background_task_runs_after_the_body() -> None:
    events: list[str] = []

    async def task(name: str) -> None:
        events.append(f"task {name}")

    response = Response(b"x", background=BackgroundTask(task, "a"))
    app_done = False

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        async def spy(message: Message) -> None:
            events.append(message["type"])
            await send(message)

        nonlocal app_done
        await response(scope, receive, spy)
        app_done = True

    await call(app)
    assert events == ["http.response.start", "http.response.body", "task a"]
    assert app_done


async def test_background_tasks_run_in_order_sync_and_async() -> None:
    events: list[str] = []
    tasks = BackgroundTasks()
    tasks.add_task(events.append, "sync")

    async def async_task(value: str, *, suffix: str) -> None:
        events.append(value + suffix)

    tasks.add_task(async_task, "async", suffix="!")
    result = await call(PlainTextResponse("x", background=tasks))
    assert result.body == b"x"
    assert events == ["sync", "async!"]


async def test_background_task_error_propagates_after_the_body() -> None:
    def boom() -> None:
        raise RuntimeError("background failed")

    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    response = PlainTextResponse("ok", background=BackgroundTask(boom))
    with pytest.raises(RuntimeError, match="background failed"):
        await response({"type": "http", "method": "GET", "headers": []}, receive, send)
    assert sent[-1] == {"type": "http.response.body", "body": b"ok"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-A", "a\r\nSet-Cookie: x=1"),
        ("X-A", "a\nb"),
        ("X-A", "a\x00b"),
        ("X-A: b\r\nX-B", "c"),
        ("X A", "b"),
    ],
)
def test_response_headers_refuse_response_splitting(name: str, value: str) -> None:
    with pytest.raises(ValueError, match="header"):
        Response("x", headers={name: value})
    with pytest.raises(ValueError, match="header"):
        JSONResponse({}, headers={name: value})
    response = Response("x")
    with pytest.raises(ValueError, match="header"):
        response.headers[name] = value


def test_response_header_outside_latin1_is_refused() -> None:
    with pytest.raises(UnicodeEncodeError):
        Response("x", headers={"x-a": "☃"})


# --------------------------------------------------------------------------- cookies


def set_cookie_lines(response: Response) -> list[str]:
    return response.headers.getlist("set-cookie")


def test_set_cookie_defaults() -> None:
    response = Response()
    response.set_cookie("session", "abc")
    [line] = set_cookie_lines(response)
    pair, attrs = cookie_attrs(line)
    assert pair == "session=abc"
    assert attrs == {"path": "/", "samesite": "lax"}


def test_set_cookie_all_attributes() -> None:
    response = Response()
    response.set_cookie(
        "id",
        "42",
        max_age=600,
        expires=dt.datetime(2037, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        path="/app",
        domain="example.com",
        secure=True,
        httponly=True,
        samesite="strict",
        partitioned=True,
    )
    [line] = set_cookie_lines(response)
    pair, attrs = cookie_attrs(line)
    assert pair == "id=42"
    assert attrs == {
        "max-age": "600",
        "expires": "Fri, 02 Jan 2037 03:04:05 GMT",
        "path": "/app",
        "domain": "example.com",
        "secure": True,
        "httponly": True,
        "samesite": "strict",
        "partitioned": True,
    }


def test_set_cookie_expires_aware_non_utc_datetime_is_converted_to_gmt() -> None:
    response = Response()
    paris = dt.timezone(dt.timedelta(hours=2))
    response.set_cookie("a", "b", expires=dt.datetime(2037, 1, 2, 5, 4, 5, tzinfo=paris))
    _, attrs = cookie_attrs(set_cookie_lines(response)[0])
    assert attrs["expires"] == "Fri, 02 Jan 2037 03:04:05 GMT"


def test_set_cookie_expires_naive_datetime_is_taken_as_utc() -> None:
    response = Response()
    response.set_cookie("a", "b", expires=dt.datetime(2037, 1, 2, 3, 4, 5))
    _, attrs = cookie_attrs(set_cookie_lines(response)[0])
    assert attrs["expires"] == "Fri, 02 Jan 2037 03:04:05 GMT"


def test_set_cookie_expires_seconds_from_now() -> None:
    response = Response()
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    response.set_cookie("a", "b", expires=3600)
    _, attrs = cookie_attrs(set_cookie_lines(response)[0])
    assert isinstance(attrs["expires"], str)
    when = parsedate_to_datetime(attrs["expires"])
    assert dt.timedelta(seconds=3590) <= when - before <= dt.timedelta(seconds=3610)


def test_set_cookie_expires_string_passes_through() -> None:
    response = Response()
    response.set_cookie("a", "b", expires="Thu, 01 Jan 2037 00:00:00 GMT")
    _, attrs = cookie_attrs(set_cookie_lines(response)[0])
    assert attrs["expires"] == "Thu, 01 Jan 2037 00:00:00 GMT"


def test_set_cookie_without_path_or_samesite() -> None:
    response = Response()
    response.set_cookie("a", "b", path=None, samesite=None)
    assert set_cookie_lines(response) == ["a=b"]


@pytest.mark.parametrize("samesite", ["lax", "strict", "none", "Lax", "STRICT"])
def test_set_cookie_samesite_values(samesite: Any) -> None:
    response = Response()
    response.set_cookie("a", "b", samesite=samesite)
    _, attrs = cookie_attrs(set_cookie_lines(response)[0])
    assert str(attrs["samesite"]).lower() == samesite.lower()


@pytest.mark.parametrize("samesite", ["", "bogus", "lax; secure"])
def test_set_cookie_rejects_bad_samesite(samesite: Any) -> None:
    response = Response()
    with pytest.raises(ValueError, match="samesite"):
        response.set_cookie("a", "b", samesite=samesite)
    assert set_cookie_lines(response) == []


def test_set_cookie_value_needing_quotes_round_trips() -> None:
    response = Response()
    response.set_cookie("msg", 'hello world; "quoted"\r\nX-Injected: 1')
    [line] = set_cookie_lines(response)
    assert "\r" not in line and "\n" not in line
    parsed: SimpleCookie = SimpleCookie()
    parsed.load(line)
    assert parsed["msg"].value == 'hello world; "quoted"\r\nX-Injected: 1'


@pytest.mark.parametrize(
    "attrs",
    [
        {"path": "/\r\nX-Injected: 1"},
        {"domain": "example.com\nX-Injected: 1"},
        {"expires": "Thu, 01 Jan 2037 00:00:00 GMT\r\nX: 1"},
    ],
)
def test_set_cookie_attributes_cannot_inject_headers(attrs: dict[str, Any]) -> None:
    response = Response()
    with pytest.raises(ValueError, match="header"):
        response.set_cookie("k", "v", **attrs)
    assert set_cookie_lines(response) == []


def test_multiple_cookies_are_separate_headers() -> None:
    response = PlainTextResponse("x")
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    lines = set_cookie_lines(response)
    assert [cookie_attrs(line)[0] for line in lines] == ["a=1", "b=2"]


def test_delete_cookie() -> None:
    response = Response()
    response.delete_cookie("session", path="/app", domain="example.com", secure=True, httponly=True)
    [line] = set_cookie_lines(response)
    pair, attrs = cookie_attrs(line)
    assert pair == 'session=""'
    assert attrs["max-age"] == "0"
    assert isinstance(attrs["expires"], str)
    assert parsedate_to_datetime(attrs["expires"]) <= dt.datetime.now(dt.UTC)
    assert attrs["path"] == "/app"
    assert attrs["domain"] == "example.com"
    assert attrs["secure"] is True
    assert attrs["httponly"] is True
    assert attrs["samesite"] == "lax"


async def test_cookies_reach_the_wire() -> None:
    response = PlainTextResponse("x")
    response.set_cookie("a", "1")
    result = await call(response)
    assert [cookie_attrs(v)[0] for v in result.headers.getlist("set-cookie")] == ["a=1"]


# --------------------------------------------------------------------------- redirects


async def test_redirect_defaults_to_307() -> None:
    result = await call(RedirectResponse("/next"))
    assert result.status == 307
    assert result.headers["location"] == "/next"
    assert result.headers["content-length"] == "0"
    assert result.body == b""


@pytest.mark.parametrize("status", [301, 302, 303, 308])
async def test_redirect_status(status: int) -> None:
    result = await call(RedirectResponse("https://example.com/", status_code=status))
    assert result.status == status
    assert result.headers["location"] == "https://example.com/"


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/café", "/caf%C3%A9"),
        ("/a b", "/a%20b"),
        ("/search?q=a&b=c#frag", "/search?q=a&b=c#frag"),
        ("/already%20quoted", "/already%20quoted"),
        ("https://user@[::1]:8000/x?y=(1)", "https://user@[::1]:8000/x?y=(1)"),
        ("/über?q=ünï", "/%C3%BCber?q=%C3%BCn%C3%AF"),
    ],
)
def test_redirect_location_quoting(url: str, location: str) -> None:
    assert RedirectResponse(url).headers["location"] == location


def test_redirect_location_never_carries_a_line_break() -> None:
    location = RedirectResponse("/a\r\nSet-Cookie: evil=1").headers["location"]
    assert "\r" not in location and "\n" not in location


def test_redirect_accepts_url_objects_and_extra_headers() -> None:
    response = RedirectResponse(URL("http://example.com/x?y=1"), headers={"x-a": "b"})
    assert response.headers["location"] == "http://example.com/x?y=1"
    assert response.headers["x-a"] == "b"


async def test_redirect_background() -> None:
    ran: list[bool] = []
    await call(RedirectResponse("/", background=BackgroundTask(ran.append, True)))
    assert ran == [True]


# --------------------------------------------------------------------------- JSON


class Colour(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Item(pydantic.BaseModel):
    name: str
    price: Decimal
    tags: list[str] = []


async def test_json_response_basics() -> None:
    result = await call(JSONResponse({"a": 1, "b": [True, None, 1.5]}))
    assert result.body == b'{"a":1,"b":[true,null,1.5]}'
    assert result.headers["content-type"] == "application/json"
    assert result.headers["content-length"] == str(len(result.body))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, b"null"),
        ([1, "two"], b'[1,"two"]'),
        ("text", b'"text"'),
        (3, b"3"),
        ({"k": "é☃"}, '{"k":"é☃"}'.encode()),
        ({"k": "\u2028<script>"}, '{"k":"\u2028<script>"}'.encode()),
        ({1: "int key"}, b'{"1":"int key"}'),
        ({"dt": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)}, b'{"dt":"2024-01-02T03:04:05Z"}'),
        ({"d": dt.date(2024, 1, 2)}, b'{"d":"2024-01-02"}'),
        ({"u": uuid.UUID(int=1)}, b'{"u":"00000000-0000-0000-0000-000000000001"}'),
        ({"n": Decimal("1.50")}, b'{"n":"1.50"}'),
        ({"c": Colour.RED}, b'{"c":"red"}'),
        (Point(1, 2), b'{"x":1,"y":2}'),
        (Item(name="x", price=Decimal("2.5")), b'{"name":"x","price":"2.5","tags":[]}'),
        (
            {"items": [Item(name="y", price=Decimal(1), tags=["a"])]},
            b'{"items":[{"name":"y","price":"1","tags":["a"]}]}',
        ),
        ({"s": {3}}, b'{"s":[3]}'),
        ((1, 2), b"[1,2]"),
    ],
)
def test_json_encodes_common_types(content: Any, expected: bytes) -> None:
    assert JSONResponse(content).body == expected


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_json_never_emits_invalid_json_for_non_finite_floats(value: float) -> None:
    import json

    body = JSONResponse({"v": value}).body
    # Strict parsing: NaN / Infinity are not JSON.
    json.loads(bytes(body), parse_constant=lambda c: pytest.fail(f"invalid JSON constant {c}"))


def test_json_unknown_type_raises() -> None:
    class Opaque:
        pass

    with pytest.raises(pydantic_core.PydanticSerializationError):
        JSONResponse({"o": Opaque()})


async def test_json_status_and_headers() -> None:
    result = await call(JSONResponse({"detail": "x"}, status_code=404, headers={"x-a": "1"}))
    assert result.status == 404
    assert result.headers["x-a"] == "1"


def test_json_media_type_override() -> None:
    response = JSONResponse({"a": 1}, media_type="application/problem+json")
    assert response.headers["content-type"] == "application/problem+json"


# --------------------------------------------------------------------------- streaming


async def agen(*chunks: str | bytes) -> AsyncIterator[str | bytes]:
    for chunk in chunks:
        await anyio.sleep(0)
        yield chunk


async def test_streaming_async_iterator() -> None:
    result = await call(StreamingResponse(agen("a", b"b", "é"), media_type="text/plain"))
    assert result.status == 200
    assert result.body == "abé".encode()
    assert result.headers["content-type"] == "text/plain; charset=utf-8"
    assert "content-length" not in result.headers
    bodies = [m for m in result.messages if m["type"] == "http.response.body"]
    assert [m.get("more_body", False) for m in bodies] == [True, True, True, False]


async def test_streaming_sync_iterator_runs_in_a_thread() -> None:
    threads: list[int] = []

    def gen() -> Iterator[str]:
        for chunk in ("x", "y", "z"):
            threads.append(threading.get_ident())
            yield chunk

    result = await call(StreamingResponse(gen()))
    assert result.body == b"xyz"
    assert threading.get_ident() not in threads


async def test_streaming_plain_sync_iterable() -> None:
    result = await call(StreamingResponse([b"a", b"b"], headers={"x-a": "1"}, status_code=201))
    assert (result.status, result.body, result.headers["x-a"]) == (201, b"ab", "1")


async def test_streaming_user_content_length_kept() -> None:
    result = await call(StreamingResponse(agen(b"abc"), headers={"content-length": "3"}))
    assert result.headers.getlist("content-length") == ["3"]
    assert result.body == b"abc"


async def test_streaming_head_does_not_run_the_iterator() -> None:
    started: list[bool] = []

    async def gen() -> AsyncIterator[bytes]:
        started.append(True)
        yield b"x"

    result = await call(StreamingResponse(gen()), method="HEAD")
    assert result.body == b""
    assert started == []


async def test_streaming_head_closes_a_sync_generator_without_running_it() -> None:
    events: list[str] = []

    def gen() -> Iterator[bytes]:
        events.append("started")
        yield b"x"

    iterator = gen()
    result = await call(StreamingResponse(iterator), method="HEAD")
    assert result.body == b""
    assert events == []
    assert list(iterator) == []  # closed: nothing left to produce


async def test_streaming_closes_a_file_like_iterable_when_done() -> None:
    # Like a WSGI server: an iterable with close() is closed once the body is out.
    source = io.BytesIO(b"line 1\nline 2\n")
    result = await call(StreamingResponse(source, media_type="text/plain"))
    assert result.body == b"line 1\nline 2\n"
    assert source.closed


async def test_streaming_background_runs_after_the_stream() -> None:
    events: list[str] = []

    async def gen() -> AsyncIterator[bytes]:
        events.append("chunk")
        yield b"a"

    response = StreamingResponse(gen(), background=BackgroundTask(events.append, "task"))
    await call(response)
    assert events == ["chunk", "task"]


async def test_streaming_stops_when_the_client_disconnects() -> None:
    produced = 0
    finalized = anyio.Event()

    async def forever() -> AsyncIterator[bytes]:
        nonlocal produced
        try:
            while True:
                produced += 1
                yield b"tick"
                await anyio.sleep(0.001)
        finally:
            finalized.set()

    with anyio.fail_after(5):
        result = await call(StreamingResponse(forever()), disconnect_after_chunks=3)
    assert finalized.is_set()
    assert 3 <= produced < 50
    assert result.body.startswith(b"ticktickticks"[:12])


async def test_streaming_sync_generator_is_closed_when_the_client_disconnects() -> None:
    finalized = threading.Event()

    def forever() -> Iterator[bytes]:
        try:
            while True:
                time.sleep(0.001)
                yield b"tick"
        finally:
            finalized.set()

    iterator = forever()  # the caller keeps a reference: only an explicit close() runs finally
    with anyio.fail_after(5):
        await call(StreamingResponse(iterator), disconnect_after_chunks=2)
    assert finalized.is_set()


async def test_streaming_send_failure_stops_the_stream() -> None:
    finalized: list[bool] = []

    async def forever() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"x"
                await anyio.sleep(0)
        finally:
            finalized.append(True)

    sends = 0

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError

    async def send(message: Message) -> None:
        nonlocal sends
        sends += 1
        if sends > 3:
            raise OSError("connection reset")

    response = StreamingResponse(forever())
    with anyio.fail_after(5):
        await response({"type": "http", "method": "GET", "headers": []}, receive, send)
    assert finalized == [True]


async def test_streaming_oserror_from_the_iterator_is_not_mistaken_for_a_disconnect() -> None:
    async def reads_a_file() -> AsyncIterator[bytes]:
        yield b"a"
        raise PermissionError("cannot read")

    with pytest.raises(PermissionError, match="cannot read"):
        await call(StreamingResponse(reads_a_file()))


async def test_streaming_client_disconnect_from_the_iterator_ends_quietly() -> None:
    from heron.exceptions import ClientDisconnect

    async def proxies_the_request_body() -> AsyncIterator[bytes]:
        yield b"a"
        raise ClientDisconnect()

    result = await call(StreamingResponse(proxies_the_request_body()))
    assert result.body == b"a"


async def test_streaming_error_in_iterator_propagates_unwrapped() -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"a"
        raise ValueError("broken stream")

    with pytest.raises(ValueError, match="broken stream"):
        await call(StreamingResponse(broken()))


async def test_streaming_error_in_sync_iterator_propagates_unwrapped() -> None:
    def broken() -> Iterator[bytes]:
        yield b"a"
        raise KeyError("sync broken")

    with pytest.raises(KeyError, match="sync broken"):
        await call(StreamingResponse(broken()))


# --------------------------------------------------------------------------- files

CONTENT = bytes(range(256)) * 40  # 10240 bytes, every offset distinguishable-ish


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(CONTENT)
    return path


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "hello.txt"
    path.write_bytes(b"hello, world")
    return path


def parse_byteranges(content_type: str, body: bytes) -> list[tuple[str, str, bytes]]:
    """Strictly parse a multipart/byteranges body into (content-type, content-range, data)."""
    match = re.fullmatch(r"multipart/byteranges; boundary=(\S+)", content_type)
    assert match, content_type
    delimiter = b"--" + match.group(1).encode()
    assert body.endswith(b"\r\n" + delimiter + b"--\r\n")
    body = body[: -len(b"\r\n" + delimiter + b"--\r\n")]
    assert body.startswith(delimiter + b"\r\n")
    parts = []
    for raw in body.split(b"\r\n" + delimiter + b"\r\n"):
        raw = raw.removeprefix(delimiter + b"\r\n")
        head, sep, data = raw.partition(b"\r\n\r\n")
        assert sep
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n"))
        parts.append((headers["Content-Type"], headers["Content-Range"], data))
    return parts


async def test_file_full(data_file: Path) -> None:
    result = await call(FileResponse(data_file))
    assert result.status == 200
    assert result.body == CONTENT
    headers = result.headers
    assert headers["content-length"] == str(len(CONTENT))
    assert headers["content-type"] == "application/octet-stream"
    assert headers["accept-ranges"] == "bytes"
    stat = data_file.stat()
    assert headers["last-modified"] == formatdate(stat.st_mtime, usegmt=True)
    assert re.fullmatch(r'"[0-9a-f]+"', headers["etag"])
    assert "content-disposition" not in headers


async def test_file_media_type_guessed(text_file: Path) -> None:
    result = await call(FileResponse(text_file))
    assert result.headers["content-type"] == "text/plain; charset=utf-8"
    assert result.body == b"hello, world"


async def test_file_media_type_from_filename_and_explicit(text_file: Path) -> None:
    assert FileResponse(text_file, filename="x.json").media_type == "application/json"
    response = FileResponse(text_file, media_type="image/png")
    assert response.headers["content-type"] == "image/png"


async def test_file_larger_than_a_chunk(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    data = os.urandom(FileResponse.chunk_size * 2 + 123)
    path.write_bytes(data)
    result = await call(FileResponse(path))
    assert result.body == data
    assert len([m for m in result.messages if m["type"] == "http.response.body"]) >= 3


async def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    result = await call(FileResponse(path))
    assert (result.status, result.body, result.headers["content-length"]) == (200, b"", "0")


async def test_file_head(data_file: Path) -> None:
    result = await call(FileResponse(data_file), method="HEAD")
    assert result.status == 200
    assert result.body == b""
    assert result.headers["content-length"] == str(len(CONTENT))
    assert "etag" in result.headers


async def test_file_with_stat_result(data_file: Path) -> None:
    stat = os.stat(data_file)
    response = FileResponse(data_file, stat_result=stat)
    assert response.headers["content-length"] == str(len(CONTENT))
    result = await call(response)
    assert result.body == CONTENT
    assert result.headers.getlist("content-length") == [str(len(CONTENT))]


async def test_file_etag_is_stable_and_changes_with_content(data_file: Path) -> None:
    first = (await call(FileResponse(data_file))).headers["etag"]
    assert (await call(FileResponse(data_file))).headers["etag"] == first
    data_file.write_bytes(CONTENT + b"!")
    assert (await call(FileResponse(data_file))).headers["etag"] != first


async def test_file_background(data_file: Path) -> None:
    ran: list[bool] = []
    await call(FileResponse(data_file, background=BackgroundTask(ran.append, True)))
    assert ran == [True]


async def test_missing_file_is_404(tmp_path: Path) -> None:
    result = await call(FileResponse(tmp_path / "nope.txt"))
    assert result.status == 404
    assert result.headers["content-length"] == str(len(result.body))


async def test_directory_is_404(tmp_path: Path) -> None:
    result = await call(FileResponse(tmp_path))
    assert result.status == 404


async def test_path_through_a_file_is_404(text_file: Path) -> None:
    result = await call(FileResponse(text_file / "child"))
    assert result.status == 404


async def test_missing_file_head_has_no_body(tmp_path: Path) -> None:
    result = await call(FileResponse(tmp_path / "nope.txt"), method="HEAD")
    assert result.status == 404
    assert result.body == b""


@pytest.mark.parametrize(
    ("filename", "disposition"),
    [
        ("report.pdf", 'attachment; filename="report.pdf"'),
        ("my report.pdf", "attachment; filename*=utf-8''my%20report.pdf"),
        ("résumé.pdf", "attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf"),
        ("日本.txt", "attachment; filename*=utf-8''%E6%97%A5%E6%9C%AC.txt"),
        ('a"b.txt', "attachment; filename*=utf-8''a%22b.txt"),
    ],
)
async def test_file_content_disposition(text_file: Path, filename: str, disposition: str) -> None:
    result = await call(FileResponse(text_file, filename=filename))
    assert result.headers["content-disposition"] == disposition


async def test_file_inline_disposition(text_file: Path) -> None:
    response = FileResponse(text_file, filename="a.txt", content_disposition_type="inline")
    assert response.headers["content-disposition"] == 'inline; filename="a.txt"'


async def test_file_user_disposition_kept(text_file: Path) -> None:
    response = FileResponse(text_file, filename="a.txt", headers={"content-disposition": "inline"})
    assert response.headers.getlist("content-disposition") == ["inline"]


# conditional requests


async def test_if_none_match_gives_304(data_file: Path) -> None:
    first = await call(FileResponse(data_file, headers={"cache-control": "max-age=60"}))
    etag = first.headers["etag"]
    result = await call(
        FileResponse(data_file, headers={"cache-control": "max-age=60"}),
        headers={"if-none-match": etag},
    )
    assert result.status == 304
    assert result.body == b""
    assert result.headers["etag"] == etag
    assert result.headers["cache-control"] == "max-age=60"
    assert "content-length" not in result.headers
    assert "content-type" not in result.headers


@pytest.mark.parametrize("template", ['"nope", {etag}', "W/{etag}", "*", ' {etag} , "x"'])
async def test_if_none_match_lists_and_weak_tags(data_file: Path, template: str) -> None:
    etag = (await call(FileResponse(data_file))).headers["etag"]
    if_none_match = template.format(etag=etag)
    result = await call(FileResponse(data_file), headers={"if-none-match": if_none_match})
    assert result.status == 304


async def test_if_none_match_mismatch_gives_200(data_file: Path) -> None:
    result = await call(FileResponse(data_file), headers={"if-none-match": '"other"'})
    assert result.status == 200
    assert result.body == CONTENT


async def test_if_modified_since(data_file: Path) -> None:
    mtime = data_file.stat().st_mtime
    later = formatdate(mtime + 60, usegmt=True)
    earlier = formatdate(mtime - 60, usegmt=True)
    same = formatdate(mtime, usegmt=True)
    assert (await call(FileResponse(data_file), headers={"if-modified-since": later})).status == 304
    assert (await call(FileResponse(data_file), headers={"if-modified-since": same})).status == 304
    result = await call(FileResponse(data_file), headers={"if-modified-since": earlier})
    assert result.status == 200
    assert result.body == CONTENT


@pytest.mark.parametrize("value", ["garbage", "", "Mon, 99 Foo 2024 99:99:99 GMT", "0"])
async def test_bad_if_modified_since_is_ignored(data_file: Path, value: str) -> None:
    result = await call(FileResponse(data_file), headers={"if-modified-since": value})
    assert result.status == 200


async def test_if_none_match_takes_precedence_over_if_modified_since(data_file: Path) -> None:
    later = formatdate(data_file.stat().st_mtime + 60, usegmt=True)
    result = await call(
        FileResponse(data_file), headers={"if-none-match": '"other"', "if-modified-since": later}
    )
    assert result.status == 200


async def test_conditional_head_gives_304(data_file: Path) -> None:
    etag = (await call(FileResponse(data_file))).headers["etag"]
    result = await call(FileResponse(data_file), method="HEAD", headers={"if-none-match": etag})
    assert result.status == 304


async def test_not_modified_only_for_safe_methods(data_file: Path) -> None:
    etag = (await call(FileResponse(data_file))).headers["etag"]
    result = await call(FileResponse(data_file), method="POST", headers={"if-none-match": etag})
    assert result.status != 304


async def test_non_200_status_skips_conditionals(data_file: Path) -> None:
    etag = (await call(FileResponse(data_file))).headers["etag"]
    result = await call(
        FileResponse(data_file, status_code=404),
        headers={"if-none-match": etag, "range": "bytes=0-1"},
    )
    assert result.status == 404
    assert result.body == CONTENT


async def test_file_response_can_be_sent_again(data_file: Path) -> None:
    # A Range answer must not leave its headers behind on the instance.
    response = FileResponse(data_file, media_type="application/octet-stream")
    single = await call(response, headers={"range": "bytes=0-9"})
    assert single.status == 206
    multi = await call(response, headers={"range": "bytes=0-1,5-6"})
    assert [p[2] for p in parse_byteranges(multi.headers["content-type"], multi.body)] == [
        CONTENT[0:2],
        CONTENT[5:7],
    ]
    full = await call(response)
    assert full.status == 200
    assert "content-range" not in full.headers
    assert full.headers["content-type"] == "application/octet-stream"
    assert full.headers.getlist("content-length") == [str(len(CONTENT))]
    assert full.body == CONTENT
    assert "content-range" not in response.headers


# ranges


@pytest.mark.parametrize(
    ("spec", "start", "end"),
    [
        ("bytes=0-0", 0, 0),
        ("bytes=0-99", 0, 99),
        ("bytes=100-199", 100, 199),
        ("bytes=10000-", 10000, 10239),
        ("bytes=-100", 10140, 10239),
        ("bytes=-99999", 0, 10239),
        ("bytes=10200-99999", 10200, 10239),
        ("bytes=0-99999999999999999999999999", 0, 10239),
        ("Bytes = 5-9", 5, 9),
        ("bytes=0-9, 5-19", 0, 19),
        ("bytes=0-9,10-19", 0, 19),
        ("bytes=0-9,,", 0, 9),
        ("bytes=0-9, 99999-", 0, 9),
    ],
)
async def test_single_range(data_file: Path, spec: str, start: int, end: int) -> None:
    result = await call(FileResponse(data_file), headers={"range": spec})
    assert result.status == 206
    assert result.headers["content-range"] == f"bytes {start}-{end}/{len(CONTENT)}"
    assert result.headers["content-length"] == str(end - start + 1)
    assert result.body == CONTENT[start : end + 1]
    assert result.headers["content-type"] == "application/octet-stream"


async def test_range_head(data_file: Path) -> None:
    result = await call(FileResponse(data_file), method="HEAD", headers={"range": "bytes=0-9"})
    assert result.status == 206
    assert result.body == b""
    assert result.headers["content-length"] == "10"
    assert result.headers["content-range"] == f"bytes 0-9/{len(CONTENT)}"


async def test_multi_range(data_file: Path) -> None:
    result = await call(FileResponse(data_file), headers={"range": "bytes=500-599, 0-9, -5"})
    assert result.status == 206
    assert int(result.headers["content-length"]) == len(result.body)
    parts = parse_byteranges(result.headers["content-type"], result.body)
    size = len(CONTENT)
    assert parts == [
        ("application/octet-stream", f"bytes 0-9/{size}", CONTENT[0:10]),
        ("application/octet-stream", f"bytes 500-599/{size}", CONTENT[500:600]),
        ("application/octet-stream", f"bytes {size - 5}-{size - 1}/{size}", CONTENT[-5:]),
    ]


async def test_multi_range_text_file_and_head(text_file: Path) -> None:
    response = FileResponse(text_file)
    result = await call(response, headers={"range": "bytes=0-1,5-6"})
    parts = parse_byteranges(result.headers["content-type"], result.body)
    assert parts == [
        ("text/plain; charset=utf-8", "bytes 0-1/12", b"he"),
        ("text/plain; charset=utf-8", "bytes 5-6/12", b", "),
    ]
    head = await call(FileResponse(text_file), method="HEAD", headers={"range": "bytes=0-1,5-6"})
    assert head.status == 206
    assert head.body == b""
    assert head.headers["content-length"] == result.headers["content-length"]


@pytest.mark.parametrize(
    "spec", ["bytes=10240-", "bytes=99999-100000", "bytes=-0", "bytes=20000-20001, 30000-"]
)
async def test_unsatisfiable_range_416(data_file: Path, spec: str) -> None:
    result = await call(FileResponse(data_file), headers={"range": spec})
    assert result.status == 416
    assert result.headers["content-range"] == f"bytes */{len(CONTENT)}"
    assert result.body == b""
    assert result.headers["content-length"] == "0"


async def test_range_on_empty_file_is_416(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    result = await call(FileResponse(path), headers={"range": "bytes=0-"})
    assert result.status == 416
    assert result.headers["content-range"] == "bytes */0"


@pytest.mark.parametrize(
    "spec",
    [
        "bytes=abc",
        "bytes=",
        "bytes",
        "bytes=5",
        "bytes=-",
        "bytes=1-2-3",
        "bytes=9-3",
        "bytes=+1-2",
        "bytes=0x10-20",
        "bytes=\xb2-\xb3",  # superscript digits: str.isdigit() says yes, int() says no
        "bytes=1 0-20",
        "bytes=" + "9" * 5000 + "-",
        "=0-1",
    ],
)
async def test_malformed_range_never_crashes(data_file: Path, spec: str) -> None:
    result = await call(FileResponse(data_file), headers={"range": spec})
    assert result.status in (200, 416)
    if result.status == 416:
        assert result.headers["content-range"] == f"bytes */{len(CONTENT)}"
    else:
        assert result.body == CONTENT


@pytest.mark.parametrize(
    "spec", ["bytes=0-" + "9" * 5000, "bytes=-" + "9" * 5000, "bytes=0000000000000000000000000-"]
)
async def test_huge_positions_mean_the_whole_file(data_file: Path, spec: str) -> None:
    result = await call(FileResponse(data_file), headers={"range": spec})
    assert result.status == 206
    assert result.headers["content-range"] == f"bytes 0-{len(CONTENT) - 1}/{len(CONTENT)}"
    assert result.body == CONTENT


@pytest.mark.parametrize("spec", ["items=0-1", "none", "lines=1-2", "bytesx=0-1"])
async def test_unknown_range_unit_is_ignored(data_file: Path, spec: str) -> None:
    # RFC 9110 14.2: a server MUST ignore a Range with a unit it does not understand.
    result = await call(FileResponse(data_file), headers={"range": spec})
    assert result.status == 200
    assert result.body == CONTENT


async def test_thousands_of_ranges_are_not_honoured(data_file: Path) -> None:
    spec = "bytes=" + ",".join(f"{i}-{i}" for i in range(0, 10000, 2))
    start = time.perf_counter()
    result = await call(FileResponse(data_file), headers={"range": spec})
    assert time.perf_counter() - start < 2
    # Either the full file or a refusal; never thousands of tiny parts.
    assert result.status in (200, 416)
    assert len(result.messages) < 10


async def test_many_overlapping_ranges_are_not_honoured(data_file: Path) -> None:
    spec = "bytes=" + ",".join(["0-"] * 5000)
    result = await call(FileResponse(data_file), headers={"range": spec})
    assert result.status in (200, 206, 416)
    if result.status == 206:
        assert result.body == CONTENT


async def test_a_few_ranges_still_served(data_file: Path) -> None:
    spec = "bytes=" + ",".join(f"{i * 100}-{i * 100 + 9}" for i in range(20))
    result = await call(FileResponse(data_file), headers={"range": spec})
    assert result.status == 206
    parts = parse_byteranges(result.headers["content-type"], result.body)
    assert [p[2] for p in parts] == [CONTENT[i * 100 : i * 100 + 10] for i in range(20)]


async def test_if_range_with_matching_etag_serves_the_range(data_file: Path) -> None:
    etag = (await call(FileResponse(data_file))).headers["etag"]
    result = await call(FileResponse(data_file), headers={"range": "bytes=0-9", "if-range": etag})
    assert result.status == 206
    assert result.body == CONTENT[:10]


async def test_if_range_with_matching_date_serves_the_range(data_file: Path) -> None:
    last_modified = (await call(FileResponse(data_file))).headers["last-modified"]
    result = await call(
        FileResponse(data_file), headers={"range": "bytes=0-9", "if-range": last_modified}
    )
    assert result.status == 206


@pytest.mark.parametrize(
    "if_range", ['"stale"', "W/{etag}", "Thu, 01 Jan 1970 00:00:00 GMT", "nonsense"]
)
async def test_if_range_mismatch_serves_the_full_file(data_file: Path, if_range: str) -> None:
    etag = (await call(FileResponse(data_file))).headers["etag"]
    result = await call(
        FileResponse(data_file),
        headers={"range": "bytes=0-9", "if-range": if_range.format(etag=etag)},
    )
    assert result.status == 200
    assert result.body == CONTENT
    assert "content-range" not in result.headers


async def test_range_ignored_for_non_get(data_file: Path) -> None:
    result = await call(FileResponse(data_file), method="POST", headers={"range": "bytes=0-9"})
    assert result.status == 200
    assert result.body == CONTENT


def test_format_datetime_sanity() -> None:
    # The helper tests above rely on this being the HTTP-date format.
    when = dt.datetime(2037, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert format_datetime(when, usegmt=True) == "Fri, 02 Jan 2037 03:04:05 GMT"


# --------------------------------------------------------------------------- via TestClient


def test_responses_through_the_test_client(data_file: Path) -> None:
    from heron.testclient import TestClient

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        path = scope["path"]
        response: Response
        if path == "/file":
            response = FileResponse(data_file, filename="données.bin")
        elif path == "/stream":
            response = StreamingResponse(agen("a\n", "b\n"), media_type="text/plain")
        elif path == "/redirect":
            response = RedirectResponse("/json", status_code=303)
        else:
            response = JSONResponse({"text": "é", "when": dt.date(2024, 5, 6)})
        await response(scope, receive, send)

    with TestClient(app) as client:
        full = client.get("/file")
        assert full.status_code == 200
        assert full.content == CONTENT
        assert full.headers["content-disposition"] == (
            "attachment; filename*=utf-8''donn%C3%A9es.bin"
        )
        ranged = client.get("/file", headers={"Range": "bytes=-10"})
        assert ranged.status_code == 206
        assert ranged.content == CONTENT[-10:]
        cached = client.get("/file", headers={"If-None-Match": full.headers["etag"]})
        assert cached.status_code == 304
        assert cached.content == b""
        assert client.get("/stream").text == "a\nb\n"
        redirected = client.get("/redirect")
        assert redirected.url.path == "/json"
        assert redirected.json() == {"text": "é", "when": "2024-05-06"}


# --------------------------------------------------------------------------- Flask's helpers


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (({"b": 1, "a": [1, 2]},), {}),
        ((1, 2), {}),
        ((), {"b": 1, "a": "é"}),
        ((), {}),
        (("x",), {}),
        (((1, 2),), {}),
    ],
)
def test_jsonify_follows_flasks_argument_rules(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    response = jsonify(*args, **kwargs)
    with flask.Flask(__name__).app_context():
        expected = flask.jsonify(*args, **kwargs)
    assert response.status_code == expected.status_code == 200
    assert response.headers["content-type"] == expected.headers["content-type"]
    # The same JSON value; the bytes are Heron's (compact UTF-8, keys in order), where
    # Flask sorts keys, escapes non-ASCII and adds a newline.
    assert json.loads(bytes(response.body)) == json.loads(expected.get_data())


def test_jsonify_refuses_args_and_kwargs_together_as_flask_does() -> None:
    with pytest.raises(TypeError, match="either args or kwargs"):
        jsonify(1, a=2)
    with flask.Flask(__name__).app_context(), pytest.raises(TypeError, match="args or kwargs"):
        flask.jsonify(1, a=2)


def test_jsonify_bodies_are_herons_json() -> None:
    assert jsonify(b=1, a="é").body == '{"b":1,"a":"é"}'.encode()
    assert jsonify(when=dt.date(2026, 1, 2), id=uuid.UUID(int=1)).body == (
        b'{"when":"2026-01-02","id":"00000000-0000-0000-0000-000000000001"}'
    )


def test_make_response_without_arguments_is_an_empty_html_response() -> None:
    response = make_response()
    with flask.Flask(__name__).app_context():
        expected = flask.make_response()
    assert (response.status_code, response.body) == (200, b"")
    assert response.headers["content-type"] == expected.headers["content-type"]
    response.set_cookie("seen", "1")  # what Flask code makes one for
    assert response.headers["set-cookie"].startswith("seen=1")


@pytest.mark.parametrize(
    ("value", "status", "headers"),
    [
        (("made", "201 CREATED"), 201, {}),
        (("made", "202"), 202, {}),
        (("made", [("X-A", "1")]), 200, {"x-a": "1"}),
        (("made", (("X-A", "1"),)), 200, {"x-a": "1"}),
        (("made", 203, [("X-A", "1")]), 203, {"x-a": "1"}),
    ],
)
def test_make_response_reads_statuses_and_headers_as_flask_does(
    value: tuple[Any, ...], status: int, headers: dict[str, str]
) -> None:
    response = make_response(value)
    with flask.Flask(__name__).app_context():
        expected = flask.make_response(value)
    assert response.status_code == expected.status_code == status
    for key, header in headers.items():
        assert response.headers[key] == expected.headers[key] == header
