"""The ``memory://`` backend: one process, no server; messages go straight to the hub.

Called by ``channels.broadcast.Broadcast``. Publishing delivers synchronously to the
local subscribers' queues (which never block), so ``publish`` returns once every local
subscriber has the message queued.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from heron.channels.broadcast import Hub

__all__ = ["MemoryBackend"]


class MemoryBackend:
    """Channels within this process (tests, development, single-process deployments)."""

    def __init__(self) -> None:
        self._hub: Hub | None = None

    async def connect(self, hub: Hub) -> None:
        """Keep ``hub``: published messages are handed to it directly."""
        self._hub = hub

    async def disconnect(self) -> None:
        """Forget the hub: messages published from now on reach nobody."""
        self._hub = None

    async def subscribe(self, channel: str) -> None:
        """Nothing to do: every local subscriber is known to the hub already."""

    async def unsubscribe(self, channel: str) -> None:
        """Nothing to do: the hub keeps track of its local subscribers."""

    async def publish(self, channel: str, message: str) -> None:
        """Queue ``message`` for this process's subscribers of ``channel``, at once."""
        if self._hub is not None:
            self._hub.deliver(channel, message)
