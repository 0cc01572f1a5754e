"""``Broadcast``: publish to named channels, subscribe with a bounded queue per subscriber.

Called by apps (and by ``channels.fanout``); calls a backend (``memory``, ``redis``, or an
adapted ``broadcaster.Broadcast``). The backend moves messages between processes; this
module hands each one to the local subscribers of its channel without ever waiting on
them: a subscriber whose queue is full loses its oldest message (and is told how many it
lost) or is disconnected, by policy, so a slow consumer never holds up the others nor
grows memory.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

import anyio

from heron.channels.adapter import BroadcasterBackend
from heron.channels.memory import MemoryBackend
from heron.channels.redis import RedisBackend
from heron.exceptions import HeronError, SubscriberOverflow

__all__ = [
    "DEFAULT_MAX_QUEUE",
    "Backend",
    "Broadcast",
    "Event",
    "Missed",
    "OverflowPolicy",
    "Subscription",
]

#: Messages a subscriber may fall behind before the overflow policy applies.
DEFAULT_MAX_QUEUE = 100

OverflowPolicy = Literal["drop_oldest", "disconnect"]

# Seconds a subscription's exit may take to tell the backend (shielded from cancellation).
_UNSUBSCRIBE_TIMEOUT = 5.0


@dataclasses.dataclass(frozen=True, slots=True)
class Event:
    """A message published on a channel.

    Attributes:
        channel: The channel it was published on.
        message: The message text.
    """

    channel: str
    message: str


@dataclasses.dataclass(frozen=True, slots=True)
class Missed:
    """A marker in a subscription: messages were lost just before this point.

    Attributes:
        channel: The channel subscribed to.
        count: How many were dropped because the subscriber fell behind; ``None`` when
            the number is unknown (the backend lost its connection and reconnected).
    """

    channel: str
    count: int | None


class Subscription:
    """The messages of one channel for one subscriber.

    An async iterator of :class:`Event` and :class:`Missed` items, fed by :class:`Broadcast`.

    Args:
        channel: The channel.
        max_queue: Items kept while the subscriber is not reading.
        overflow: ``"drop_oldest"`` or ``"disconnect"`` when the queue is full.

    Attributes:
        dropped: Messages dropped so far (``drop_oldest``).
    """

    def __init__(self, channel: str, max_queue: int, overflow: OverflowPolicy) -> None:
        if max_queue < 1:
            raise ValueError(f"max_queue must be at least 1, not {max_queue!r}")
        if overflow not in ("drop_oldest", "disconnect"):
            raise ValueError(f'overflow must be "drop_oldest" or "disconnect", not {overflow!r}')
        self.channel = channel
        self.max_queue = max_queue
        self.overflow = overflow
        self.dropped = 0
        self._items: collections.deque[Event | Missed] = collections.deque()
        self._pending_drops = 0  # dropped since the last Missed marker was read
        self._unknown_gap = False  # a dropped item was itself an "unknown" marker
        self._wakeup: anyio.Event | None = None
        self._overflow_event: anyio.Event | None = None
        self._closed = False
        self._overflowed = False

    def __repr__(self) -> str:
        return f"Subscription(channel={self.channel!r}, queued={len(self._items)})"

    @property
    def queued(self) -> int:
        """Items waiting to be read."""
        return len(self._items)

    @property
    def overflowed(self) -> bool:
        """The queue overflowed under the ``"disconnect"`` policy."""
        return self._overflowed

    async def wait_overflow(self) -> None:
        """Return once the queue overflowed under the ``"disconnect"`` policy.

        For a consumer blocked elsewhere (e.g. in a send to a client that reads nothing),
        which would not reach the iterator's ``SubscriberOverflow`` by itself.
        """
        if self._overflow_event is None:
            self._overflow_event = anyio.Event()
        if not self._overflowed:
            await self._overflow_event.wait()

    def put(self, item: Event | Missed) -> None:
        """Queue ``item`` without waiting, applying the overflow policy (called by Broadcast)."""
        if self._closed:
            return
        if len(self._items) >= self.max_queue:
            if self.overflow == "disconnect":
                self._overflowed = True
                if self._overflow_event is not None:
                    self._overflow_event.set()
                self.close()
                return
            oldest = self._items.popleft()
            if isinstance(oldest, Missed):
                self._pending_drops += oldest.count or 0
                self._unknown_gap = self._unknown_gap or oldest.count is None
            else:
                self._pending_drops += 1
                self.dropped += 1
        self._items.append(item)
        self._wake()

    def close(self) -> None:
        """End the iteration (once the queued items are read)."""
        self._closed = True
        self._wake()

    def _wake(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event | Missed:
        while True:
            if self._overflowed:
                raise SubscriberOverflow(self.channel, self.max_queue)
            if self._pending_drops or self._unknown_gap:
                count = None if self._unknown_gap else self._pending_drops
                self._pending_drops, self._unknown_gap = 0, False
                return Missed(self.channel, count)
            if self._items:
                return self._items.popleft()
            if self._closed:
                raise StopAsyncIteration
            # A fresh event per wait (anyio's cannot be cleared): put() and close() set it.
            self._wakeup = anyio.Event()
            await self._wakeup.wait()


class Hub(Protocol):
    """What a backend calls on the Broadcast that owns it."""

    def deliver(self, channel: str, message: str) -> None:
        """Hand a message received on ``channel`` to its local subscribers."""

    def missed(self, channel: str | None = None) -> None:
        """Tell the local subscribers of ``channel`` that messages may have been lost.

        Args:
            channel: The channel; None for every channel.
        """


class Backend(Protocol):
    """Moves messages between processes (or within one): the interface of backends."""

    async def connect(self, hub: Hub) -> None:
        """Start; received messages go to ``hub.deliver``."""

    async def disconnect(self) -> None:
        """Stop and release connections."""

    async def subscribe(self, channel: str) -> None:
        """Start receiving ``channel``; returns once messages published after it arrive."""

    async def unsubscribe(self, channel: str) -> None:
        """Stop receiving ``channel``."""

    async def publish(self, channel: str, message: str) -> None:
        """Send ``message`` to every subscriber of ``channel``, in every process."""


def _backend_for(url: Any) -> Backend:
    if not isinstance(url, str):
        return BroadcasterBackend(url)
    scheme = urlsplit(url).scheme
    if scheme == "memory":
        return MemoryBackend()
    if scheme in ("redis", "rediss", "unix"):
        return RedisBackend(url)
    raise HeronError(
        f"Unsupported broadcast URL {url!r}: use memory://, redis:// or rediss://, "
        "or pass a broadcaster.Broadcast"
    )


class Broadcast:
    """Channels that any number of subscribers listen to, in one process or many.

    Connect it in the app's lifespan (``async with broadcast:``), then ``publish`` and
    ``subscribe`` anywhere. ``memory://`` (the default) reaches the subscribers of this
    process only; ``redis://host:port/db`` reaches every process connected to that Redis
    (Pub/Sub: messages are not stored, a subscriber gets what is published while it is
    subscribed). An existing ``broadcaster.Broadcast`` may be passed instead of a URL; this
    object then connects and disconnects it.

    Args:
        url: ``memory://``, ``redis://…``, ``rediss://…``, or a ``broadcaster.Broadcast``.
        max_queue: Messages a subscriber may fall behind (default for ``subscribe``).
        overflow: What happens to a subscriber whose queue is full: ``"drop_oldest"``
            (it gets a :class:`Missed` marker with the count before the next message)
            or ``"disconnect"`` (its iterator raises ``SubscriberOverflow``).
        **backend_options: Passed to the backend (Redis: ``reconnect_delay``,
            ``max_reconnect_delay``).

    Raises:
        HeronError: An unsupported URL scheme.
    """

    def __init__(
        self,
        url: Any = "memory://",
        *,
        max_queue: int = DEFAULT_MAX_QUEUE,
        overflow: OverflowPolicy = "drop_oldest",
        **backend_options: Any,
    ) -> None:
        Subscription("", max_queue, overflow)  # validate the defaults now
        self.url = url
        self.max_queue = max_queue
        self.overflow: OverflowPolicy = overflow
        self._backend = _backend_for(url)
        for name, value in backend_options.items():
            if not hasattr(self._backend, name):
                raise TypeError(f"Unknown option {name!r} for {type(self._backend).__name__}")
            setattr(self._backend, name, value)
        self._subscriptions: dict[str, set[Subscription]] = {}
        self._backend_channels: set[str] = set()
        self._lock: anyio.Lock | None = None
        self._connected = False

    def __repr__(self) -> str:
        return f"Broadcast({self.url!r})"

    async def connect(self) -> None:
        """Connect the backend (a no-op when connected)."""
        if self._connected:
            return
        self._lock = anyio.Lock()
        await self._backend.connect(self)
        self._connected = True

    async def disconnect(self) -> None:
        """End every subscription and disconnect the backend."""
        if not self._connected:
            return
        self._connected = False
        for subscriptions in self._subscriptions.values():
            for subscription in subscriptions:
                subscription.close()
        self._backend_channels.clear()
        await self._backend.disconnect()

    async def __aenter__(self) -> Broadcast:
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.disconnect()

    def _check_connected(self) -> None:
        if not self._connected:
            raise HeronError(
                "The Broadcast is not connected: connect it in the app's lifespan "
                "(`async with broadcast:`) or call `await broadcast.connect()` first"
            )

    async def publish(self, channel: str, message: str) -> None:
        """Send ``message`` to every subscriber of ``channel``.

        Raises:
            HeronError: Not connected.
            BroadcastUnavailable: The backend (Redis) cannot be reached (a 503 when it
                escapes an HTTP endpoint).
        """
        self._check_connected()
        if not isinstance(message, str):
            raise TypeError(f"Broadcast messages are str, not {type(message).__name__}")
        await self._backend.publish(channel, message)

    @contextlib.asynccontextmanager
    async def subscribe(
        self,
        channel: str,
        *,
        max_queue: int | None = None,
        overflow: OverflowPolicy | None = None,
    ) -> AsyncIterator[Subscription]:
        """Receive ``channel``'s messages inside the ``async with`` block.

        On entry the subscription is live: what is published afterwards reaches it
        (once Redis confirmed it, for the Redis backend).

        Args:
            channel: The channel name.
            max_queue: This subscriber's queue size (the Broadcast's by default).
            overflow: This subscriber's overflow policy (the Broadcast's by default).

        Raises:
            HeronError: Not connected.
        """
        self._check_connected()
        subscription = Subscription(channel, max_queue or self.max_queue, overflow or self.overflow)
        self._subscriptions.setdefault(channel, set()).add(subscription)
        try:
            await self._sync_backend(channel)
            yield subscription
        finally:
            subscription.close()
            subscribers = self._subscriptions.get(channel)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._subscriptions[channel]
            # Shielded: this runs when the subscriber's task is being cancelled (a client
            # leaving), and the backend must still hear that nobody listens any more.
            with anyio.CancelScope(shield=True), anyio.move_on_after(_UNSUBSCRIBE_TIMEOUT):
                await self._sync_backend(channel)

    async def _sync_backend(self, channel: str) -> None:
        """Subscribe or unsubscribe the backend so it matches the local subscribers."""
        assert self._lock is not None
        async with self._lock:
            if not self._connected:
                return
            wanted = bool(self._subscriptions.get(channel))
            if wanted and channel not in self._backend_channels:
                self._backend_channels.add(channel)
                await self._backend.subscribe(channel)
            elif not wanted and channel in self._backend_channels:
                self._backend_channels.discard(channel)
                await self._backend.unsubscribe(channel)

    def subscribers(self, channel: str) -> int:
        """How many subscribers ``channel`` has in this process."""
        return len(self._subscriptions.get(channel, ()))

    # ------------------------------------------------------------ called by the backend

    def deliver(self, channel: str, message: str) -> None:
        """Queue a received message for the local subscribers of ``channel``."""
        subscribers = self._subscriptions.get(channel)
        if subscribers:
            event = Event(channel, message)
            for subscription in list(subscribers):
                subscription.put(event)

    def missed(self, channel: str | None = None) -> None:
        """Tell the local subscribers of ``channel`` that messages may have been lost.

        Each gets a :class:`Missed` marker without a count: how many is unknown.

        Args:
            channel: The channel; None for every channel.
        """
        for name, subscribers in list(self._subscriptions.items()):
            if channel is not None and name != channel:
                continue
            marker = Missed(name, None)
            for subscription in list(subscribers):
                subscription.put(marker)
