"""Server-Sent Events: FastAPI's wire format side by side, disconnects, keep-alive pings.

FastAPI streams a generator endpoint declared with ``response_class=EventSourceResponse``;
Heron's handlers will build the same response with ``event_stream_response``. Until they
do, the Heron side of each comparison is an endpoint returning that response itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

import anyio
import fastapi
import fastapi.sse
import pytest
from pydantic import BaseModel, Field, ValidationError

from heron import Heron
from heron.background import BackgroundTask
from heron.exceptions import ResponseValidationError
from heron.serialization import ResponseSerializer
from heron.sse import (
    KEEPALIVE_COMMENT,
    EventSourceResponse,
    ServerSentEvent,
    event_stream_response,
    format_sse,
    format_sse_event,
)
from heron.testclient import AsyncTestClient, TestClient
from heron.types import Message, Scope

pytestmark = pytest.mark.anyio


class Item(BaseModel):
    name: str
    price: float = Field(default=1.0, alias="Price")


@dataclasses.dataclass
class Point:
    x: int
    y: int


def _items(sse: Any) -> list[Any]:
    """The same items for both frameworks, with each framework's ``ServerSentEvent``."""
    return [
        "hello",
        "multi\nline\r\nand\rmore",
        "",
        {"a": 1, "é": float("nan"), "inf": [math.inf], "nested": {"k": None}},
        {"when": dt.datetime(2020, 1, 1, tzinfo=dt.UTC), "money": Decimal("1.5")},
        Item(name="x", Price=2),
        Point(1, 2),
        [1, "two", None],
        42,
        1.5,
        None,
        True,
        b"bytes",
        sse(data="hi", event="update", id="7", retry=1500, comment="first\nsecond"),
        sse(raw_data="<p>raw</p>\nsecond line\r\n"),
        sse(data=Item(name="y")),
        sse(data={"k": [1, 2]}),
        sse(data="quoted"),
        sse(data=0),
        sse(comment="just a comment"),
        sse(event="ping-only"),
        sse(id=""),
        sse(),
    ]


def _fastapi_body(endpoint: Callable[..., Any], **route: Any) -> tuple[bytes, dict[str, str]]:
    app = fastapi.FastAPI()
    app.get("/", response_class=fastapi.sse.EventSourceResponse, **route)(endpoint)
    response = TestClient(app).get("/")
    return response.content, dict(response.headers)


def _heron_body(response: Callable[[], Any]) -> tuple[bytes, dict[str, str]]:
    app = Heron()

    @app.get("/")
    async def endpoint() -> Any:
        return response()

    result = TestClient(app).get("/")
    return result.content, dict(result.headers)


# --------------------------------------------------------------------------- side by side


def test_async_generator_endpoint_same_as_fastapi() -> None:
    # No item type: each item through jsonable_encoder and json.dumps.
    async def fastapi_endpoint():  # type: ignore[no-untyped-def]
        for item in _items(fastapi.sse.ServerSentEvent):
            yield item

    async def heron_items() -> AsyncIterator[Any]:
        for item in _items(ServerSentEvent):
            yield item

    expected = _fastapi_body(fastapi_endpoint)
    actual = _heron_body(lambda: event_stream_response(heron_items()))
    assert actual == expected
    assert actual[1] == {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-accel-buffering": "no",
    }
    assert actual[0].startswith(b'data: "hello"\n\ndata: "multi\\nline\\r\\nand\\rmore"\n\n')


def test_any_item_type_same_as_fastapi() -> None:
    # ``AsyncIterator[Any]`` declares an item type: pydantic dumps each item, compactly.
    async def fastapi_endpoint() -> AsyncIterator[Any]:
        for item in _items(fastapi.sse.ServerSentEvent):
            yield item

    async def heron_items() -> AsyncIterator[Any]:
        for item in _items(ServerSentEvent):
            yield item

    serialize = ResponseSerializer(Any).to_json
    expected = _fastapi_body(fastapi_endpoint)
    assert _heron_body(lambda: event_stream_response(heron_items(), serialize=serialize)) == (
        expected
    )
    assert b'data: [1,"two",null]\n\n' in expected[0]


def test_sync_generator_endpoint_same_as_fastapi() -> None:
    def fastapi_endpoint():  # type: ignore[no-untyped-def]
        yield from _items(fastapi.sse.ServerSentEvent)

    def heron_items() -> Iterator[Any]:
        yield from _items(ServerSentEvent)

    assert _heron_body(lambda: event_stream_response(heron_items())) == _fastapi_body(
        fastapi_endpoint
    )


def test_typed_items_same_as_fastapi() -> None:
    # ``AsyncIterable[Item]``: items validated and dumped by the item type, compactly;
    # ServerSentEvent items skip the validation.
    async def fastapi_endpoint() -> AsyncIterable[Item]:
        yield Item(name="a", Price=3)
        yield {"name": "b"}  # type: ignore[misc]
        yield fastapi.sse.ServerSentEvent(data={"free": "form"})  # type: ignore[misc]

    async def heron_items() -> AsyncIterator[Any]:
        yield Item(name="a", Price=3)
        yield {"name": "b"}
        yield ServerSentEvent(data={"free": "form"})

    expected = _fastapi_body(fastapi_endpoint, response_model_exclude={"price"})
    serializer = ResponseSerializer(Item, exclude={"price"})
    actual = _heron_body(lambda: event_stream_response(heron_items(), serialize=serializer.to_json))
    assert actual == expected
    assert actual[0] == b'data: {"name":"a"}\n\ndata: {"name":"b"}\n\ndata: {"free": "form"}\n\n'


def test_typed_item_validation_error_mid_stream() -> None:
    serializer = ResponseSerializer(Item)
    with pytest.raises(ResponseValidationError) as info:
        format_sse({"price": 1}, serializer.to_json)
    assert info.value.errors()[0]["loc"] == ("response", "name")


FORMAT_CASES: list[dict[str, Any]] = [
    {},
    {"data_str": "x"},
    {"data_str": ""},
    {"data_str": "a\nb\r\nc\rd"},
    {"data_str": "trailing\n"},
    {"data_str": "\r\n\r\n"},
    {"comment": ""},
    {"comment": "one\ntwo"},
    {"event": "e", "id": "1", "retry": 0},
    {"id": "", "event": ""},
    {"data_str": "d", "event": "e", "id": "i", "retry": 10, "comment": "c"},
    {"data_str": "ünïcödé ✓", "comment": "é"},
]


@pytest.mark.parametrize("kwargs", FORMAT_CASES)
def test_format_sse_event_same_bytes_as_fastapi(kwargs: dict[str, Any]) -> None:
    assert format_sse_event(**kwargs) == fastapi.sse.format_sse_event(**kwargs)


EVENT_CASES: list[dict[str, Any]] = [
    {},
    {"data": {"a": 1}},
    {"raw_data": "r"},
    {"data": 1, "raw_data": "r"},
    {"event": "a\nb"},
    {"event": "a\rb"},
    {"id": "a\nb"},
    {"id": "a\0b"},
    {"retry": -1},
    {"retry": "12"},
    {"retry": 1.5},
    {"comment": "multi\nline is fine"},
    {"event": 3},
]


@pytest.mark.parametrize("kwargs", EVENT_CASES)
def test_server_sent_event_validates_as_fastapi(kwargs: dict[str, Any]) -> None:
    def outcome(model: type[BaseModel]) -> Any:
        try:
            return model(**kwargs).model_dump()
        except ValidationError as exc:
            return [(e["type"], e["loc"], e["msg"]) for e in exc.errors()]

    assert outcome(ServerSentEvent) == outcome(fastapi.sse.ServerSentEvent)


def test_public_names_match_fastapi() -> None:
    import heron.sse

    theirs = {
        name
        for name, value in vars(fastapi.sse).items()
        if getattr(value, "__module__", "fastapi.sse") == "fastapi.sse"
        and not name.startswith("__")
        and not name.startswith("_check")
        and name != "_split_sse_lines"
    }
    assert {"EventSourceResponse", "ServerSentEvent", "format_sse_event", "_PING_INTERVAL"} <= (
        theirs
    )
    assert theirs <= set(vars(heron.sse))
    assert heron.sse._SSE_EVENT_SCHEMA == fastapi.sse._SSE_EVENT_SCHEMA
    assert KEEPALIVE_COMMENT == fastapi.sse.KEEPALIVE_COMMENT
    assert EventSourceResponse.media_type == fastapi.sse.EventSourceResponse.media_type
    assert list(ServerSentEvent.model_fields) == list(fastapi.sse.ServerSentEvent.model_fields)


# --------------------------------------------------------------------------- wire format


def test_format_sse_server_sent_event() -> None:
    event = ServerSentEvent(data={"n": 1}, event="tick", id="42", retry=3000)
    assert format_sse(event) == b'event: tick\ndata: {"n": 1}\nid: 42\nretry: 3000\n\n'
    assert format_sse(ServerSentEvent(raw_data="a\r\nb")) == b"data: a\ndata: b\n\n"
    assert format_sse(ServerSentEvent(comment="keep")) == b": keep\n\n"


def test_format_sse_plain_items_are_json() -> None:
    assert format_sse("hi") == b'data: "hi"\n\n'
    assert format_sse({"é": 1}) == b'data: {"\\u00e9": 1}\n\n'
    assert format_sse(float("inf")) == b"data: null\n\n"
    assert format_sse(Item(name="n")) == b'data: {"name": "n", "Price": 1.0}\n\n'
    assert format_sse({"x": 1}, lambda item: b"custom") == b"data: custom\n\n"


def test_format_sse_event_refuses_forged_fields() -> None:
    # FastAPI's function would write these as they are and let them forge fields.
    with pytest.raises(ValueError, match="single line"):
        format_sse_event(event="a\ndata: forged")
    with pytest.raises(ValueError, match="single line"):
        format_sse_event(id="1\r\nevent: forged")
    with pytest.raises(ValueError, match="null"):
        format_sse_event(id="1\0")


# --------------------------------------------------------------------------- direct use


async def run(
    app: Any,
    *,
    disconnect_after: int | None = None,
    method: str = "GET",
    timeout: float = 5.0,
) -> list[Message]:
    """Call ``app`` with a raw ASGI scope; ``receive`` reports ``http.disconnect`` once
    ``disconnect_after`` body chunks went out (never, with ``None``)."""
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
        "headers": [],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    messages: list[Message] = []
    gone = anyio.Event()
    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        messages.append(message)
        chunks = [m for m in messages if m["type"] == "http.response.body"]
        if disconnect_after is not None and len(chunks) >= disconnect_after:
            gone.set()

    with anyio.fail_after(timeout):
        await app(scope, receive, send)
    return messages


def body_of(messages: list[Message]) -> list[bytes]:
    return [m["body"] for m in messages if m["type"] == "http.response.body" and m["body"]]


async def test_direct_chunks_pass_through_and_objects_are_events() -> None:
    async def stream() -> AsyncIterator[Any]:
        yield "data: preformatted\n\n"
        yield b"event: raw\ndata: bytes\n\n"
        yield {"a": 1}
        yield ServerSentEvent(data="x", id="1")

    messages = await run(EventSourceResponse(stream()))
    assert body_of(messages) == [
        b"data: preformatted\n\n",
        b"event: raw\ndata: bytes\n\n",
        b'data: {"a": 1}\n\n',
        b'data: "x"\nid: 1\n\n',
    ]
    start = messages[0]
    assert start["status"] == 200
    assert dict(start["headers"]) == {
        b"content-type": b"text/event-stream; charset=utf-8",
        b"cache-control": b"no-cache",
        b"x-accel-buffering": b"no",
    }


async def test_direct_same_as_fastapi_class_for_preformatted_chunks() -> None:
    # FastAPI's EventSourceResponse returned directly is a StreamingResponse.
    def chunks() -> Iterator[str]:
        yield "data: 1\n\n"
        yield "data: 2\n\n"

    app = fastapi.FastAPI()

    @app.get("/")
    def endpoint() -> fastapi.sse.EventSourceResponse:
        return fastapi.sse.EventSourceResponse(chunks())

    expected = TestClient(app).get("/")
    assert _heron_body(lambda: EventSourceResponse(chunks()))[0] == expected.content


async def test_user_headers_win_and_status_and_encode() -> None:
    response = EventSourceResponse(
        ["a", "b"],
        status_code=201,
        headers={"Cache-Control": "no-store", "X-Extra": "1"},
        encode=lambda item: f"data: <{item}>\n\n".encode(),
    )
    messages = await run(response)
    headers = dict(messages[0]["headers"])
    assert messages[0]["status"] == 201
    assert headers[b"cache-control"] == b"no-store"
    assert headers[b"x-extra"] == b"1"
    assert body_of(messages) == [b"data: <a>\n\n", b"data: <b>\n\n"]


async def test_background_runs_after_the_stream() -> None:
    done: list[str] = []
    response = EventSourceResponse(["x"], background=BackgroundTask(done.append, "bg"))
    await run(response)
    assert done == ["bg"]


async def test_head_sends_no_events_and_closes_the_generator() -> None:
    closed = anyio.Event()

    async def stream() -> AsyncIterator[str]:
        try:
            yield "data: x\n\n"
        finally:
            closed.set()

    agen = stream()
    await anext(agen)  # started, so closing it runs its ``finally``
    messages = await run(EventSourceResponse(agen), method="HEAD")
    assert body_of(messages) == []
    assert closed.is_set()


async def test_iterators_without_aclose() -> None:
    class Countdown:
        def __init__(self) -> None:
            self.left = 2

        def __aiter__(self) -> Countdown:
            return self

        async def __anext__(self) -> str:
            if not self.left:
                raise StopAsyncIteration
            self.left -= 1
            return f"data: {self.left}\n\n"

    assert body_of(await run(EventSourceResponse(Countdown()))) == [b"data: 1\n\n", b"data: 0\n\n"]
    assert body_of(await run(EventSourceResponse(Countdown()), method="HEAD")) == []


@pytest.mark.parametrize("ping", [None, 10.0])
async def test_generator_error_propagates_as_itself(ping: float | None) -> None:
    async def stream() -> AsyncIterator[str]:
        yield "data: 1\n\n"
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        await run(EventSourceResponse(stream(), ping=ping))


def test_ping_must_be_positive() -> None:
    for bad in (0, -1.0, math.nan):
        with pytest.raises(ValueError, match="ping"):
            EventSourceResponse([], ping=bad)


# --------------------------------------------------------------------------- disconnects


@pytest.mark.parametrize("ping", [None, 0.05])
async def test_disconnect_stops_an_endless_async_generator(ping: float | None) -> None:
    produced = 0
    cleaned_up = anyio.Event()

    async def endless() -> AsyncIterator[dict[str, int]]:
        nonlocal produced
        try:
            while True:
                produced += 1
                yield {"n": produced}
                await anyio.sleep(0.001)
        finally:
            cleaned_up.set()

    messages = await run(EventSourceResponse(endless(), ping=ping), disconnect_after=3)
    assert cleaned_up.is_set()
    assert 3 <= len(body_of(messages)) <= 5  # the disconnect is seen within a chunk or two
    assert produced <= 6


@pytest.mark.parametrize("ping", [None, 0.05])
async def test_disconnect_while_the_generator_waits(ping: float | None) -> None:
    cleaned_up = anyio.Event()

    async def slow() -> AsyncIterator[str]:
        try:
            yield "first"
            await anyio.sleep(60)
            yield "never"
        finally:
            cleaned_up.set()

    started = time.monotonic()
    messages = await run(EventSourceResponse(slow(), ping=ping), disconnect_after=1)
    assert time.monotonic() - started < 2
    assert cleaned_up.is_set()
    assert body_of(messages) == [b"first"]


@pytest.mark.parametrize("ping", [None, 0.05])
async def test_disconnect_closes_a_sync_generator(ping: float | None) -> None:
    closed: list[bool] = []

    def endless() -> Iterator[str]:
        try:
            while True:
                yield "data: tick\n\n"
                time.sleep(0.001)
        finally:
            closed.append(True)

    await run(EventSourceResponse(endless(), ping=ping), disconnect_after=2)
    assert closed == [True]


async def test_send_failure_ends_the_stream() -> None:
    # ASGI 2.4 servers raise OSError from send() once the client is gone.
    cleaned_up = anyio.Event()

    async def endless() -> AsyncIterator[str]:
        try:
            while True:
                yield "data: x\n\n"
        finally:
            cleaned_up.set()

    sent = 0

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError  # pragma: no cover

    async def send(message: Message) -> None:
        nonlocal sent
        sent += 1
        if sent > 3:
            raise OSError("gone")

    scope: Scope = {"type": "http", "method": "GET", "headers": []}
    with anyio.fail_after(5):
        await EventSourceResponse(endless(), ping=1.0)(scope, receive, send)
    assert cleaned_up.is_set()


# --------------------------------------------------------------------------- pings


async def test_pings_while_the_generator_is_idle() -> None:
    interrupted: list[BaseException] = []

    async def slow() -> AsyncIterator[str]:
        try:
            yield "data: first\n\n"
            await anyio.sleep(0.26)
            yield "data: second\n\n"
        except BaseException as exc:  # a ping must never cancel the generator
            interrupted.append(exc)
            raise

    started = time.monotonic()

    messages = await run(EventSourceResponse(slow(), ping=0.1))
    chunks = body_of(messages)
    assert interrupted == []
    assert chunks[0] == b"data: first\n\n"
    assert chunks[-1] == b"data: second\n\n"
    pings = chunks[1:-1]
    assert set(pings) == {KEEPALIVE_COMMENT}
    assert 1 <= len(pings) <= 3  # ~0.1 s and ~0.2 s into a 0.26 s wait
    assert time.monotonic() - started < 2


async def test_no_ping_when_items_keep_coming() -> None:
    async def busy() -> AsyncIterator[str]:
        for n in range(5):
            await anyio.sleep(0.01)
            yield f"data: {n}\n\n"

    chunks = body_of(await run(EventSourceResponse(busy(), ping=0.2)))
    assert KEEPALIVE_COMMENT not in chunks
    assert len(chunks) == 5


async def test_pings_for_sync_generators() -> None:
    def slow() -> Iterator[str]:
        yield "data: a\n\n"
        time.sleep(0.15)
        yield "data: b\n\n"

    chunks = body_of(await run(EventSourceResponse(slow(), ping=0.05)))
    assert chunks[0] == b"data: a\n\n" and chunks[-1] == b"data: b\n\n"
    assert 1 <= chunks.count(KEEPALIVE_COMMENT) <= 4


async def test_endpoint_response_pings_at_the_module_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import heron.sse

    monkeypatch.setattr(heron.sse, "_PING_INTERVAL", 0.05)

    async def slow() -> AsyncIterator[str]:
        await anyio.sleep(0.12)
        yield "late"

    response = event_stream_response(slow(), status_code=202)
    assert response.ping == 0.05
    messages = await run(response)
    chunks = body_of(messages)
    assert messages[0]["status"] == 202
    assert chunks[-1] == b'data: "late"\n\n'
    assert 1 <= chunks.count(KEEPALIVE_COMMENT) <= 3


def test_default_ping_interval_is_fastapis() -> None:
    import heron.sse

    assert heron.sse._PING_INTERVAL == fastapi.sse._PING_INTERVAL == 15.0
    assert event_stream_response(iter(())).ping == 15.0


@pytest.mark.parametrize("kind", ["list", "generator", "async generator"])
async def test_accepts_any_iterable(kind: str) -> None:
    items: list[Any] = [ServerSentEvent(data=1), "data: raw\n\n", b": bytes\n\n", {"k": [1, 2]}]

    async def agen() -> AsyncIterator[Any]:
        for item in items:
            yield item

    sources: dict[str, Callable[[], Iterable[Any] | AsyncIterable[Any]]] = {
        "list": lambda: list(items),
        "generator": lambda: (item for item in items),
        "async generator": agen,
    }
    app = Heron()

    @app.get("/events")
    async def events() -> EventSourceResponse:
        return EventSourceResponse(sources[kind]())

    response = await AsyncTestClient(app).get("/events")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.content == b'data: 1\n\ndata: raw\n\n: bytes\n\ndata: {"k": [1, 2]}\n\n'
