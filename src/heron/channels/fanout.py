"""Fan a channel out to WebSocket clients and to server-sent-event streams.

Called by endpoints; calls ``Broadcast.subscribe``, the ``WebSocket`` and ``heron.sse``.
Each helper subscribes *before* the client sees anything (the WebSocket is accepted, or
the stream's first comment is sent, once the subscription is live), so a client that is
connected never misses a message published after it connected. ``Missed`` markers become
a ``{"type": "missed", ...}`` text frame on WebSockets and a ``missed`` event on streams.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import TYPE_CHECKING

import anyio

from heron.channels.broadcast import Event, Missed, OverflowPolicy, Subscription
from heron.exceptions import SubscriberOverflow, WebSocketDisconnect
from heron.sse import EventSourceResponse, ServerSentEvent
from heron.websockets import WebSocket, WebSocketState

if TYPE_CHECKING:
    from heron.channels.broadcast import Broadcast

__all__ = [
    "OVERFLOW_CLOSE_CODE",
    "channel_events",
    "forward_to_websocket",
    "missed_json",
    "sse_fan_out",
    "websocket_fan_out",
]

#: The close code of a WebSocket whose subscriber overflowed (``overflow="disconnect"``):
#: 1013, "try again later", so the client reconnects and fetches the current state.
OVERFLOW_CLOSE_CODE = 1013

# Seconds the overflow close may wait for a client that reads nothing.
_CLOSE_TIMEOUT = 5.0

MissedFormatter = Callable[[Missed], "str | None"]


def missed_json(marker: Missed) -> str:
    """The default text frame for a ``Missed`` marker.

    ``{"type": "missed", "channel": ..., "count": N}`` (``count`` is null when unknown).
    """
    return json.dumps({"type": "missed", "channel": marker.channel, "count": marker.count})


async def _watch_client(websocket: WebSocket, scope: anyio.CancelScope) -> None:
    """Read (and drop) what the client sends; cancel ``scope`` when it leaves."""
    try:
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass
    except (RuntimeError, WebSocketDisconnect, OSError):
        pass
    scope.cancel()


async def _watch_overflow(messages: Subscription, scope: anyio.CancelScope) -> None:
    """Cancel ``scope`` when ``messages`` overflows, even while a send is blocked."""
    await messages.wait_overflow()
    scope.cancel()


async def forward_to_websocket(
    websocket: WebSocket,
    messages: Subscription,
    *,
    missed: MissedFormatter | None = missed_json,
    read_client: bool = True,
) -> None:
    """Send each message of ``messages`` as a text frame until the client leaves.

    Args:
        websocket: An accepted WebSocket.
        messages: The subscription to forward.
        missed: Turns a ``Missed`` marker into a text frame (``None`` from it, or
            ``missed=None``: nothing is sent).
        read_client: Read (and drop) what the client sends, to notice when it leaves.
            False when the endpoint reads the client itself (two-way traffic, see
            docs/channels.md): it then cancels this forwarding when the client leaves.
    """
    async with anyio.create_task_group() as tg:
        if read_client:
            tg.start_soon(_watch_client, websocket, tg.cancel_scope)
        tg.start_soon(_watch_overflow, messages, tg.cancel_scope)
        try:
            async for item in messages:
                if isinstance(item, Event):
                    text: str | None = item.message
                else:
                    text = missed(item) if missed is not None else None
                if text is not None:
                    await websocket.send_text(text)
        except (WebSocketDisconnect, SubscriberOverflow):
            pass
        tg.cancel_scope.cancel()
    if messages.overflowed and websocket.application_state is WebSocketState.CONNECTED:
        # A client that reads nothing cannot read a close frame either: bounded wait, then
        # the endpoint returns and the server drops the connection.
        with anyio.move_on_after(_CLOSE_TIMEOUT), contextlib.suppress(WebSocketDisconnect):
            await websocket.close(OVERFLOW_CLOSE_CODE, "Fell behind the channel")


async def websocket_fan_out(
    websocket: WebSocket,
    broadcast: Broadcast,
    channel: str,
    *,
    subprotocol: str | None = None,
    headers: Iterable[tuple[bytes, bytes]] | None = None,
    missed: MissedFormatter | None = missed_json,
    max_queue: int | None = None,
    overflow: OverflowPolicy | None = None,
) -> None:
    """Subscribe to ``channel``, accept the WebSocket, forward messages until it leaves.

    A subscriber that falls behind by more than its queue loses the oldest messages and
    gets a ``missed`` frame (``overflow="drop_oldest"``, the default), or is closed with
    1013 (``overflow="disconnect"``).

    Args:
        websocket: The endpoint's WebSocket (accepted here unless it already is).
        broadcast: A connected ``Broadcast``.
        channel: The channel to forward.
        subprotocol: Passed to ``accept``.
        headers: Passed to ``accept``.
        missed: Formats ``Missed`` markers (see :func:`forward_to_websocket`).
        max_queue: This subscriber's queue size (the Broadcast's by default).
        overflow: This subscriber's overflow policy (the Broadcast's by default).
    """
    async with broadcast.subscribe(channel, max_queue=max_queue, overflow=overflow) as messages:
        if websocket.application_state is WebSocketState.CONNECTING:
            await websocket.accept(subprotocol=subprotocol, headers=headers)
        await forward_to_websocket(websocket, messages, missed=missed)


async def channel_events(
    broadcast: Broadcast,
    channel: str,
    *,
    event: str | None = None,
    max_queue: int | None = None,
    overflow: OverflowPolicy | None = None,
) -> AsyncIterator[ServerSentEvent]:
    """The messages of ``channel`` as server-sent events, for a streaming endpoint.

    The first event is the comment ``: subscribed``, sent once the subscription is live.
    Each message is an event whose ``data`` is the message text (``event`` names its
    type); a ``Missed`` marker is an event of type ``missed`` with ``{"count": N}``
    (null when unknown). Under ``overflow="disconnect"`` the stream ends when the client
    falls behind; ``EventSource`` reconnects by itself.

    Args:
        broadcast: A connected ``Broadcast``.
        channel: The channel to stream.
        event: The SSE event type of messages (``message`` when None).
        max_queue: This subscriber's queue size (the Broadcast's by default).
        overflow: This subscriber's overflow policy (the Broadcast's by default).
    """
    async with broadcast.subscribe(channel, max_queue=max_queue, overflow=overflow) as messages:
        yield ServerSentEvent(comment="subscribed")
        try:
            async for item in messages:
                if isinstance(item, Event):
                    yield ServerSentEvent(raw_data=item.message, event=event)
                else:
                    yield ServerSentEvent(event="missed", data={"count": item.count})
        except SubscriberOverflow:
            return


def sse_fan_out(
    broadcast: Broadcast,
    channel: str,
    *,
    event: str | None = None,
    headers: Mapping[str, str] | None = None,
    ping: float | None = 15.0,
    max_queue: int | None = None,
    overflow: OverflowPolicy | None = None,
) -> EventSourceResponse:
    """A ``text/event-stream`` response streaming ``channel`` (see :func:`channel_events`).

    Args:
        broadcast: A connected ``Broadcast``.
        channel: The channel to stream.
        event: The SSE event type of messages.
        headers: Extra response headers.
        ping: Seconds of silence before a keep-alive comment (None: no pings).
        max_queue: This subscriber's queue size.
        overflow: This subscriber's overflow policy.
    """
    events = channel_events(broadcast, channel, event=event, max_queue=max_queue, overflow=overflow)
    return EventSourceResponse(events, headers=headers, ping=ping)
