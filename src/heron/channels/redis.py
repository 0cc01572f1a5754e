"""The ``redis://`` backend: Redis Pub/Sub through redis-py's asyncio client.

Called by ``channels.broadcast.Broadcast``. One connection per process publishes (a
redis-py client, whose pool reconnects on its own); one dedicated connection listens,
read by a background task that hands each message to the hub without waiting on any
subscriber. That task owns the listening connection's life: when it breaks (Redis
restarted, network cut, no answer to a PING) it reconnects with exponential backoff and
jitter, subscribes again to every channel that still has subscribers and, once Redis
has confirmed them, tells every subscriber that it may have missed messages (Pub/Sub
keeps nothing for absent listeners). redis-py's own ``PubSub`` is not used for that
connection because it reconnects and resubscribes silently, which would hide the gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import TYPE_CHECKING, Any

from heron.exceptions import BroadcastUnavailable, HeronError

if TYPE_CHECKING:
    from redis.asyncio import ConnectionPool, Redis
    from redis.asyncio.connection import AbstractConnection

    from heron.channels.broadcast import Hub

__all__ = ["RedisBackend"]

logger = logging.getLogger("heron.channels")


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class RedisBackend:
    """Redis Pub/Sub, resilient to Redis restarts.

    Args:
        url: ``redis://[[user]:password@]host[:port][/db]``, ``rediss://…`` or
            ``unix://…``, as redis-py reads it.

    Attributes:
        reconnect_delay: First wait before reconnecting, in seconds (doubles each try).
        max_reconnect_delay: Longest wait between two tries, in seconds.
        ping_interval: Seconds of silence on the listening connection before a PING;
            no answer within as long again means the connection is dead.
        subscribe_timeout: How long ``subscribe`` waits for Redis to confirm.

    Raises:
        HeronError: redis-py is not installed.
    """

    reconnect_delay = 0.1
    max_reconnect_delay = 5.0
    ping_interval = 30.0
    subscribe_timeout = 5.0

    def __init__(self, url: str) -> None:
        try:
            import redis.asyncio  # noqa: F401
        except ImportError:  # pragma: no cover - redis is a test dependency
            raise HeronError(
                "The redis:// broadcast backend needs redis-py: pip install 'heron[redis]'"
            ) from None
        self.url = url
        self._hub: Hub | None = None
        self._publisher: Redis | None = None
        self._pool: ConnectionPool | None = None
        self._listener: asyncio.Task[None] | None = None
        self._conn: AbstractConnection | None = None
        self._channels: set[str] = set()
        self._confirmations: dict[str, asyncio.Future[bool]] = {}
        self._lost = False  # the listening connection broke since subscribers last knew

    async def connect(self, hub: Hub) -> None:
        """Create the publishing client and start the task that listens and reconnects.

        Received messages go to ``hub.deliver``; nothing waits for Redis here.
        """
        from redis.asyncio import ConnectionPool, Redis
        from redis.asyncio.retry import Retry
        from redis.backoff import ExponentialBackoff
        from redis.exceptions import (
            ConnectionError as RedisConnectionError,
            TimeoutError as RedisTimeoutError,
        )

        self._hub = hub
        # A pooled connection is stale after a Redis restart: the first PUBLISH on it
        # fails; retried on a new connection it goes through (3 tries within ~0.5 s).
        self._publisher = Redis.from_url(
            self.url,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), 3),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
        # RESP2: Pub/Sub messages arrive as plain replies on the listening connection.
        self._pool = ConnectionPool.from_url(self.url, protocol=2)
        self._listener = asyncio.create_task(self._listen(), name="heron-broadcast-redis")

    async def disconnect(self) -> None:
        """Stop the listening task and close the publishing and listening connections."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
        if self._publisher is not None:
            await self._publisher.aclose()
        if self._pool is not None:
            await self._pool.disconnect()
        self._publisher = self._pool = None
        self._channels.clear()

    async def publish(self, channel: str, message: str) -> None:
        """Publish ``message`` on ``channel`` to every process connected to this Redis.

        Raises:
            BroadcastUnavailable: Redis could not be reached, after redis-py's retries.
        """
        from redis.exceptions import RedisError

        assert self._publisher is not None
        try:
            await self._publisher.publish(channel, message)
        except (RedisError, OSError) as exc:
            logger.warning("Could not publish to Redis (%s): %s", self.url, exc)
            raise BroadcastUnavailable() from exc

    async def subscribe(self, channel: str) -> None:
        """Subscribe to ``channel``; returns once Redis confirms it, or after a timeout.

        While Redis is away the channel is subscribed on reconnection, and its subscribers
        are then told that they may have missed messages.
        """
        from redis.exceptions import RedisError

        self._channels.add(channel)
        if self._conn is None and self._lost:
            # Redis is away: no confirmation will come soon; this channel is subscribed
            # with the others on reconnection, and its subscribers told (``_lost``).
            return
        confirmed = asyncio.get_running_loop().create_future()
        self._confirmations[channel] = confirmed
        try:
            conn = self._conn
            if conn is not None:
                await conn.send_command("SUBSCRIBE", channel, check_health=False)
            # Without a connection, the listener subscribes to every wanted channel when
            # it connects: wait for that confirmation all the same (bounded).
            live = await asyncio.wait_for(confirmed, self.subscribe_timeout)
        except (TimeoutError, OSError, RedisError):
            live = False
        finally:
            if self._confirmations.get(channel) is confirmed:
                del self._confirmations[channel]
        if not live:
            # Not confirmed in time (Redis is away): once the listener is back and has
            # subscribed, it tells the subscribers that they may have missed messages.
            self._lost = True

    async def unsubscribe(self, channel: str) -> None:
        """Unsubscribe from ``channel``; errors are ignored (a broken connection has none)."""
        from redis.exceptions import RedisError

        self._channels.discard(channel)
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(RedisError, OSError):
                await conn.send_command("UNSUBSCRIBE", channel, check_health=False)

    # ------------------------------------------------------------ the listening task

    async def _listen(self) -> None:
        from redis.exceptions import RedisError

        delay = self.reconnect_delay
        while True:
            assert self._pool is not None
            conn = self._pool.make_connection()  # type: ignore[no-untyped-call]
            try:
                await conn.connect()
                delay = self.reconnect_delay  # connected: a new outage starts over
                await self._serve(conn)
            except (RedisError, OSError) as exc:
                if not self._lost:
                    logger.warning(
                        "Lost the Redis Pub/Sub connection (%s): %s; reconnecting", self.url, exc
                    )
            except Exception:  # a bug must not end the listener: log it and reconnect
                logger.exception("Error in the Redis Pub/Sub listener (%s)", self.url)
            finally:
                self._lost = True
                self._conn = None
                self._release_confirmations()
                with contextlib.suppress(Exception):
                    await conn.disconnect(nowait=True)
            # Jitter, so the workers of every machine do not all reconnect at once.
            await asyncio.sleep(delay * random.uniform(1.0, 1.5))
            delay = min(delay * 2, self.max_reconnect_delay)

    async def _serve(self, conn: AbstractConnection) -> None:
        """Subscribe to the wanted channels and read messages until the connection breaks."""
        from redis.exceptions import ConnectionError as RedisConnectionError

        self._conn = conn
        unconfirmed = set(self._channels)
        if unconfirmed:
            await conn.send_command("SUBSCRIBE", *sorted(unconfirmed), check_health=False)
        self._resume_if_confirmed(unconfirmed)
        awaiting_pong = False
        while True:
            reply = await conn.read_response(timeout=self.ping_interval, disconnect_on_error=False)
            if reply is None:  # silence: is anybody there?
                if awaiting_pong:
                    raise RedisConnectionError("Redis did not answer a PING")
                await conn.send_command("PING", check_health=False)
                awaiting_pong = True
                continue
            awaiting_pong = False
            kind = _text(reply[0]) if isinstance(reply, list) and reply else ""
            if kind == "message" and self._hub is not None:
                self._hub.deliver(_text(reply[1]), _text(reply[2]))
            elif kind == "subscribe":
                channel = _text(reply[1])
                unconfirmed.discard(channel)
                confirmed = self._confirmations.pop(channel, None)
                if confirmed is not None and not confirmed.done():
                    confirmed.set_result(True)
                self._resume_if_confirmed(unconfirmed)

    def _resume_if_confirmed(self, unconfirmed: set[str]) -> None:
        """After a reconnection, once Redis confirmed every channel, tell the subscribers."""
        if self._lost and not unconfirmed:
            self._lost = False
            logger.warning("Redis Pub/Sub connection restored (%s)", self.url)
            if self._hub is not None:
                self._hub.missed()

    def _release_confirmations(self) -> None:
        """The connection broke: no confirmation will come on it."""
        for confirmed in self._confirmations.values():
            if not confirmed.done():
                confirmed.set_result(False)
        self._confirmations.clear()
