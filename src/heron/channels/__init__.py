"""Broadcast channels: publish a message once, every subscriber gets it, in every process.

``Broadcast(url)`` with ``memory://`` (one process) or ``redis://`` (every process
connected to that Redis), or over an existing ``broadcaster.Broadcast``; helpers fan a
channel out to WebSocket clients (:func:`websocket_fan_out`) and to server-sent-event
streams (:func:`sse_fan_out`). See docs/channels.md.
"""

from __future__ import annotations

from heron.channels.broadcast import (
    DEFAULT_MAX_QUEUE,
    Broadcast,
    Event,
    Missed,
    OverflowPolicy,
    Subscription,
)
from heron.channels.fanout import (
    OVERFLOW_CLOSE_CODE,
    channel_events,
    forward_to_websocket,
    missed_json,
    sse_fan_out,
    websocket_fan_out,
)

__all__ = [
    "DEFAULT_MAX_QUEUE",
    "OVERFLOW_CLOSE_CODE",
    "Broadcast",
    "Event",
    "Missed",
    "OverflowPolicy",
    "Subscription",
    "channel_events",
    "forward_to_websocket",
    "missed_json",
    "sse_fan_out",
    "websocket_fan_out",
]
