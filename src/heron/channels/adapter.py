"""A backend over an existing ``broadcaster.Broadcast`` (the ``broadcaster`` package).

Called by ``channels.broadcast.Broadcast`` when it is given a broadcaster object instead of
a URL. For each channel with local subscribers one task reads the broadcaster's
subscriber and hands every event to the hub at once, so the broadcaster's own queue
(unbounded) stays empty and Heron's bounded per-subscriber queues apply. Connecting and
disconnecting the Heron ``Broadcast`` connects and disconnects the wrapped one.

Reconnection is the wrapped broadcaster's business: if its subscription ends (its
backend failed), the task resubscribes after a short wait and tells the subscribers
that they may have missed messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from heron.channels.broadcast import Hub

__all__ = ["BroadcasterBackend"]

logger = logging.getLogger("heron.channels")


class BroadcasterBackend:
    """Heron's channels over a ``broadcaster.Broadcast``.

    Args:
        broadcaster: A ``broadcaster.Broadcast`` (anything with its ``connect``,
            ``disconnect``, ``publish`` and ``subscribe``).

    Attributes:
        retry_delay: Seconds before resubscribing after the broadcaster's subscription
            ended by itself.

    Raises:
        TypeError: ``broadcaster`` does not look like a ``broadcaster.Broadcast``.
    """

    retry_delay = 0.5

    def __init__(self, broadcaster: Any) -> None:
        missing = [
            name
            for name in ("connect", "disconnect", "publish", "subscribe")
            if not callable(getattr(broadcaster, name, None))
        ]
        if missing:
            raise TypeError(
                f"Broadcast() takes a URL or a broadcaster.Broadcast; {broadcaster!r} has no "
                + ", ".join(missing)
            )
        self.broadcaster = broadcaster
        self._hub: Hub | None = None
        self._readers: dict[str, asyncio.Task[None]] = {}

    async def connect(self, hub: Hub) -> None:
        """Connect the wrapped broadcaster; received messages will go to ``hub.deliver``."""
        self._hub = hub
        await self.broadcaster.connect()

    async def disconnect(self) -> None:
        """Stop every channel's reader, then disconnect the wrapped broadcaster."""
        for channel in list(self._readers):
            await self.unsubscribe(channel)
        await self.broadcaster.disconnect()

    async def publish(self, channel: str, message: str) -> None:
        """Publish ``message`` on ``channel`` through the wrapped broadcaster."""
        await self.broadcaster.publish(channel, message)

    async def subscribe(self, channel: str) -> None:
        """Start a reader task for ``channel``; returns once it has subscribed (or failed)."""
        ready = asyncio.Event()
        self._readers[channel] = asyncio.create_task(self._read(channel, ready))
        await ready.wait()

    async def unsubscribe(self, channel: str) -> None:
        """Cancel the reader task of ``channel`` and wait for it to end."""
        reader = self._readers.pop(channel, None)
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    async def _read(self, channel: str, ready: asyncio.Event) -> None:
        """Forward the broadcaster's events of ``channel`` until cancelled."""
        first = True
        while True:
            try:
                async with self.broadcaster.subscribe(channel) as subscriber:
                    ready.set()
                    if not first and self._hub is not None:
                        self._hub.missed(channel)
                    first = False
                    async for event in subscriber:
                        if self._hub is not None and event is not None:
                            self._hub.deliver(channel, str(event.message))
            except Exception:
                logger.exception("The broadcaster subscription to %r failed", channel)
            ready.set()
            first = False
            await asyncio.sleep(self.retry_delay)
