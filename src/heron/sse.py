"""Server-Sent Events: ``ServerSentEvent``, ``EventSourceResponse`` and the wire format.

Called by user code and by ``handlers`` (generator endpoints declared with
``response_class=EventSourceResponse``); calls ``responses.StreamingResponse`` for the
streaming and disconnect handling, and ``encoders`` for event payloads.

The names and the bytes on the wire are FastAPI's (``fastapi.sse``). Two ways in:

- An endpoint that *yields* with ``response_class=EventSourceResponse``: every item is an
  event — a ``ServerSentEvent`` as it says, anything else JSON-encoded into ``data:`` (a
  ``str`` too: ``"hi"`` is sent as ``data: "hi"``) — with a keep-alive comment after 15 s of
  silence. Handlers build that response with :func:`event_stream_response`.
- ``EventSourceResponse(iterator)`` returned by an endpoint: a ``StreamingResponse`` whose
  ``str``/``bytes`` chunks are sent as they are (already in the wire format, as with
  FastAPI's class), while ``ServerSentEvent``s and other objects are encoded as above;
  keep-alive pings only when asked for with ``ping=seconds``.
"""

from __future__ import annotations

import json
import math
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    Callable,
    Iterable,
    Mapping,
)
from typing import Any, cast

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from pydantic import BaseModel, Field, field_validator, model_validator

from heron.background import BackgroundTask
from heron.encoders import jsonable_encoder
from heron.responses import ContentStream, StreamingResponse
from heron.types import Send

__all__ = [
    "KEEPALIVE_COMMENT",
    "EventSourceResponse",
    "ServerSentEvent",
    "event_stream_response",
    "format_sse",
    "format_sse_event",
]

#: The keep-alive comment sent when a stream has been silent for the ping interval.
KEEPALIVE_COMMENT = b": ping\n\n"

#: The OpenAPI 3.2 item schema of an event (section 4.14.4), for ``text/event-stream``
#: responses; ``openapi`` copies it and sets ``data`` to the item type's schema.
_SSE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "data": {"type": "string"},
        "event": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}

#: Seconds of silence before a generator endpoint's stream gets a keep-alive comment
#: (FastAPI's private name; read at each request, so tests may monkeypatch it).
_PING_INTERVAL: float = 15.0


def _single_line(value: str | None, name: str) -> str | None:
    if value is not None and ("\r" in value or "\n" in value):
        raise ValueError(f"SSE '{name}' must be a single line")
    return value


def _valid_id(value: str | None) -> str | None:
    if value is not None and "\0" in value:
        raise ValueError("SSE 'id' must not contain null characters")
    return _single_line(value, "id")


class ServerSentEvent(BaseModel):
    """One event of an event stream, as the endpoint wants it on the wire.

    Args:
        data: The payload, always JSON-encoded (a ``str`` is sent quoted); a pydantic
            model with its own ``model_dump_json()``. Exclusive with ``raw_data``.
        raw_data: Text sent in ``data:`` lines as it is (HTML fragments, CSV...).
        event: The event type (``addEventListener(event, ...)``); one line.
        id: The event id, echoed back as ``Last-Event-ID`` on reconnection; one line,
            no NUL.
        retry: The client's reconnection delay, in milliseconds (``>= 0``).
        comment: Comment lines (``: ...``), ignored by ``EventSource`` clients.
    """

    data: Any = None
    raw_data: str | None = None
    event: str | None = None
    id: str | None = None
    retry: int | None = Field(default=None, ge=0)
    comment: str | None = None

    @field_validator("event")
    @classmethod
    def _check_event(cls, value: str | None) -> str | None:
        return _single_line(value, "event")

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str | None) -> str | None:
        return _valid_id(value)

    @model_validator(mode="after")
    def _check_data_exclusive(self) -> ServerSentEvent:
        if self.data is not None and self.raw_data is not None:
            raise ValueError(
                "Cannot set both 'data' and 'raw_data' on the same ServerSentEvent. Use"
                " 'data' for JSON-serialized payloads or 'raw_data' for pre-formatted strings."
            )
        return self


def _lines(value: str) -> list[str]:
    # The SSE line terminators are CRLF, LF and CR; a trailing one leaves an empty line.
    return value.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def format_sse_event(
    *,
    data_str: str | None = None,
    event: str | None = None,
    id: str | None = None,
    retry: int | None = None,
    comment: str | None = None,
) -> bytes:
    """Build the wire bytes of one event from already-serialized data.

    Fields come in FastAPI's order (comment, event, data, id, retry); multi-line ``data_str``
    and ``comment`` become one line each; the result ends with the blank line that ends an
    event.

    Args:
        data_str: The ``data:`` text.
        event: The ``event:`` field.
        id: The ``id:`` field.
        retry: The ``retry:`` field, in milliseconds.
        comment: The comment text (``: `` lines).

    Raises:
        ValueError: ``event`` or ``id`` spans several lines, or ``id`` holds a NUL (they
            would forge fields of the stream).
    """
    lines: list[str] = []
    if comment is not None:
        lines.extend(f": {line}\n" for line in _lines(comment))
    if event is not None:
        lines.append(f"event: {_single_line(event, 'event')}\n")
    if data_str is not None:
        lines.extend(f"data: {line}\n" for line in _lines(data_str))
    if id is not None:
        lines.append(f"id: {_valid_id(id)}\n")
    if retry is not None:
        lines.append(f"retry: {retry}\n")
    lines.append("\n")
    return "".join(lines).encode()


def _finite(data: Any) -> Any:
    # NaN and infinities are not JSON: null, as FastAPI does for stream items.
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_finite(value) for value in data]
    return data


def _json_text(data: Any) -> str:
    # COMPAT(fastapi): ``json.dumps`` defaults (``", "``, ASCII escapes), not compact JSON.
    return json.dumps(_finite(jsonable_encoder(data)))


def format_sse(item: Any, serialize: Callable[[Any], bytes] | None = None) -> bytes:
    """Encode one item yielded by an event-stream endpoint, as FastAPI does.

    Args:
        item: A ``ServerSentEvent`` (its fields as given; ``data`` JSON-encoded with the
            model's ``model_dump_json()`` or ``json.dumps``), or any other value, sent as
            the JSON ``data:`` of an unnamed event (``"hi"`` → ``data: "hi"``).
        serialize: Turns a non-event item into JSON bytes, e.g. the ``to_json`` of a
            ``ResponseSerializer`` for the endpoint's declared item type; ``json.dumps``
            of ``jsonable_encoder(item)`` by default.

    Returns:
        The event's wire bytes, ending with a blank line.
    """
    if isinstance(item, ServerSentEvent):
        data_str = item.raw_data
        if data_str is None and item.data is not None:
            data = item.data
            if hasattr(data, "model_dump_json"):
                data_str = data.model_dump_json()  # the model's own config: no aliases
            else:
                data_str = _json_text(data)
        return format_sse_event(
            data_str=data_str, event=item.event, id=item.id, retry=item.retry, comment=item.comment
        )
    if serialize is None:
        return format_sse_event(data_str=_json_text(item))
    return format_sse_event(data_str=serialize(item).decode())


def _format_chunk(item: Any) -> bytes:
    if isinstance(item, bytes):
        return item
    if isinstance(item, str):
        return item.encode()
    return format_sse(item)


class _Encoded:
    """An async iterator of wire bytes over an iterator of items.

    A class, not an async generator: its ``aclose()`` closes the items' iterator even if
    iteration never started (a HEAD request, an early disconnect).
    """

    __slots__ = ("_encode", "_items")

    def __init__(self, items: AsyncIterable[Any], encode: Callable[[Any], bytes]) -> None:
        self._items = aiter(items)
        self._encode = encode

    def __aiter__(self) -> _Encoded:
        return self

    async def __anext__(self) -> bytes:
        return self._encode(await anext(self._items))

    async def aclose(self) -> None:
        aclose = getattr(self._items, "aclose", None)
        if aclose is not None:
            await aclose()


class EventSourceResponse(StreamingResponse):
    """A ``text/event-stream`` response.

    As ``response_class=`` of an endpoint that yields, each item becomes an event (see
    :func:`format_sse`). Returned directly, it streams ``content``: ``str`` and ``bytes``
    chunks as they are, ``ServerSentEvent``s and other objects encoded as events.
    ``Cache-Control: no-cache`` and ``X-Accel-Buffering: no`` (nginx: do not buffer) are set
    unless ``headers`` has them. The stream stops, and the iterator is closed, when the
    client disconnects.

    Args:
        content: An async or sync iterable of chunks or events.
        status_code: The HTTP status.
        headers: Extra headers.
        media_type: The media type (``text/event-stream``).
        background: A task to run after the stream ends.
        ping: Send a keep-alive comment (``: ping``) after this many seconds without an
            item; ``None`` for no pings.
        encode: Turns every item into wire bytes (``str``/``bytes`` included), instead of
            the rule above.

    Raises:
        ValueError: ``ping`` is not positive.
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        content: AsyncIterable[Any] | Iterable[Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
        *,
        ping: float | None = None,
        encode: Callable[[Any], bytes] | None = None,
    ) -> None:
        if ping is not None and not ping > 0:
            raise ValueError(f"ping must be a positive number of seconds, not {ping!r}")
        super().__init__(cast(ContentStream, content), status_code, headers, media_type, background)
        self.ping = ping
        self.body_iterator = _Encoded(self.body_iterator, encode or _format_chunk)
        self.headers.setdefault("cache-control", "no-cache")
        self.headers.setdefault("x-accel-buffering", "no")
        self._failure: Exception | None = None

    async def _stream(self, send: Send) -> None:
        if self.ping is None:
            await super()._stream(send)
            return
        # The iterator runs in its own task, feeding a zero-size channel; this task waits
        # on the channel with a timeout. A timeout never cancels the iterator mid-item
        # (its next item is not lost, its ``finally`` does not run early), and sync
        # iterators in the thread pool get pings too.
        source = self.body_iterator
        sender, receiver = anyio.create_memory_object_stream[bytes]()
        with sender, receiver:
            pinged = self._with_pings(receiver, self.ping)
            failure: Exception | None = None
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._produce, source, sender)
                self.body_iterator = pinged
                try:
                    await super()._stream(send)
                except Exception as exc:
                    failure = exc  # raised as itself below, not in an ExceptionGroup
                finally:
                    self.body_iterator = source  # what the caller closes afterwards
                    tg.cancel_scope.cancel()
                    with anyio.CancelScope(shield=True):
                        await pinged.aclose()
            if failure is not None:
                raise failure

    async def _produce(
        self, source: AsyncIterable[str | bytes], sender: MemoryObjectSendStream[bytes]
    ) -> None:
        with sender:  # closing it ends the consumer's loop
            try:
                async for chunk in source:
                    await sender.send(chunk if isinstance(chunk, bytes) else chunk.encode())
            except Exception as exc:
                self._failure = exc

    async def _with_pings(
        self, receiver: MemoryObjectReceiveStream[bytes], interval: float
    ) -> AsyncGenerator[bytes, None]:
        while True:
            chunk = KEEPALIVE_COMMENT
            with anyio.move_on_after(interval):
                try:
                    chunk = await receiver.receive()
                except anyio.EndOfStream:
                    break
            yield chunk
        if self._failure is not None:
            raise self._failure


def event_stream_response(
    items: AsyncIterable[Any] | Iterable[Any],
    *,
    serialize: Callable[[Any], bytes] | None = None,
    status_code: int = 200,
    background: BackgroundTask | None = None,
) -> EventSourceResponse:
    """The response of a generator endpoint declared with ``response_class=EventSourceResponse``.

    Every item is an event (:func:`format_sse`, ``str`` and ``bytes`` included), with a
    keep-alive comment after ``_PING_INTERVAL`` seconds without one: FastAPI's behaviour.

    Args:
        items: The generator the endpoint returned (async, or sync: iterated in the thread
            pool).
        serialize: JSON bytes of a non-event item, e.g. ``ResponseSerializer(item_type,
            ...).to_json`` when the endpoint declares ``AsyncIterable[Item]``; validation
            errors are raised mid-stream, as in FastAPI.
        status_code: The route's status code.
        background: The request's background tasks.
    """

    def encode(item: Any) -> bytes:
        return format_sse(item, serialize)

    return EventSourceResponse(
        items, status_code=status_code, background=background, ping=_PING_INTERVAL, encode=encode
    )
