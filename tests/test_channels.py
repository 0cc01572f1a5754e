"""Tests for heron.channels: Broadcast over memory://, a real Redis, and broadcaster.

Each Redis test starts its own ``redis-server`` (the ``redis_server`` fixture); two
``Broadcast`` objects on one Redis stand for two worker processes.
"""

import contextlib
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, cast

import anyio
import broadcaster
import pytest

from heron import Heron, WebSocket
from heron.channels import (
    DEFAULT_MAX_QUEUE,
    OVERFLOW_CLOSE_CODE,
    Broadcast,
    Event,
    Missed,
    Subscription,
    channel_events,
    missed_json,
    sse_fan_out,
    websocket_fan_out,
)
from heron.exceptions import BroadcastUnavailable, HeronError, SubscriberOverflow
from heron.sse import EventSourceResponse, ServerSentEvent, format_sse
from heron.testclient import TestClient
from redis_server import RedisServer

pytestmark = pytest.mark.anyio

# The redis:// backend is redis-py's asyncio client (redis.asyncio) and broadcaster.Broadcast
# is built on asyncio (asyncio.Queue, asyncio tasks): tests of those two run on asyncio only;
# the other ones run on every backend.
redis_asyncio_only = pytest.mark.parametrize("anyio_backend", ["asyncio"])
broadcaster_asyncio_only = pytest.mark.parametrize("anyio_backend", ["asyncio"])

TIMEOUT = 10.0


async def next_item(subscription: Subscription) -> Event | Missed:
    with anyio.fail_after(TIMEOUT):
        return await anext(subscription)


def fast_reconnect(url: str, **options: Any) -> Broadcast:
    return Broadcast(
        url, reconnect_delay=0.02, max_reconnect_delay=0.2, subscribe_timeout=0.5, **options
    )


# ---------------------------------------------------------------- memory://


async def test_publish_reaches_every_subscriber_of_the_channel_in_order() -> None:
    async with Broadcast() as broadcast:
        async with (
            broadcast.subscribe("a") as first,
            broadcast.subscribe("a") as second,
            broadcast.subscribe("b") as other,
        ):
            assert (broadcast.subscribers("a"), broadcast.subscribers("b")) == (2, 1)
            for text in ("1", "2"):
                await broadcast.publish("a", text)
            await broadcast.publish("b", "x")
            for subscription in (first, second):
                assert [await next_item(subscription) for _ in range(2)] == [
                    Event("a", "1"),
                    Event("a", "2"),
                ]
            assert await next_item(other) == Event("b", "x")
            assert other.queued == first.queued == 0
        assert broadcast.subscribers("a") == 0


async def test_publishing_to_a_channel_nobody_listens_to_is_fine() -> None:
    async with Broadcast("memory://") as broadcast, broadcast.subscribe("other") as other:
        await broadcast.publish("void", "hello")
        assert broadcast.subscribers("void") == 0
        assert other.queued == 0  # no other channel got it
        # Not kept for later: a subscriber arriving afterwards gets only what follows.
        async with broadcast.subscribe("void") as late:
            await broadcast.publish("void", "after")
            assert await next_item(late) == Event("void", "after")
            assert late.queued == 0


async def test_a_slow_subscriber_loses_the_oldest_and_is_told_how_many() -> None:
    async with Broadcast(max_queue=3) as broadcast, broadcast.subscribe("c") as messages:
        for index in range(10):
            await broadcast.publish("c", str(index))
        assert messages.queued == 3
        assert messages.dropped == 7
        items = [await next_item(messages) for _ in range(4)]
        assert items == [Missed("c", 7), Event("c", "7"), Event("c", "8"), Event("c", "9")]
        await broadcast.publish("c", "10")  # after catching up: no marker
        assert await next_item(messages) == Event("c", "10")


async def test_queue_memory_is_bounded_whatever_is_published() -> None:
    async with Broadcast(max_queue=5) as broadcast, broadcast.subscribe("c") as messages:
        for _ in range(10_000):
            await broadcast.publish("c", "x" * 1000)
        assert messages.queued == 5
        assert await next_item(messages) == Missed("c", 9_995)


async def test_an_unknown_gap_stays_unknown_when_it_is_dropped_too() -> None:
    async with Broadcast(max_queue=2) as broadcast, broadcast.subscribe("c") as messages:
        broadcast.missed("c")
        await broadcast.publish("c", "1")
        await broadcast.publish("c", "2")  # pushes the unknown-gap marker out
        assert await next_item(messages) == Missed("c", None)
        assert await next_item(messages) == Event("c", "1")


async def test_missed_is_per_channel_or_for_all() -> None:
    async with Broadcast() as broadcast:
        async with broadcast.subscribe("a") as a, broadcast.subscribe("b") as b:
            broadcast.missed("a")
            broadcast.missed()
            assert [await next_item(a), await next_item(a)] == [Missed("a", None)] * 2
            assert await next_item(b) == Missed("b", None)


async def test_the_disconnect_policy_ends_a_slow_subscriber() -> None:
    async with Broadcast(overflow="disconnect", max_queue=2) as broadcast:
        async with (
            broadcast.subscribe("c") as slow,
            broadcast.subscribe("c", overflow="drop_oldest") as lenient,
        ):
            for index in range(3):
                await broadcast.publish("c", str(index))
            assert slow.overflowed
            with anyio.fail_after(TIMEOUT):
                await slow.wait_overflow()  # returns at once: it already overflowed
            with pytest.raises(SubscriberOverflow) as info:
                await next_item(slow)
            assert (info.value.channel, info.value.max_queue) == ("c", 2)
            assert str(info.value) == "The subscriber of 'c' fell more than 2 messages behind"
            assert await next_item(lenient) == Missed("c", 1)


async def test_wait_overflow_wakes_a_blocked_consumer() -> None:
    async with Broadcast(overflow="disconnect", max_queue=1) as broadcast:
        async with broadcast.subscribe("c") as messages, anyio.create_task_group() as tg:
            woken = anyio.Event()

            async def consumer() -> None:
                await messages.wait_overflow()
                woken.set()

            tg.start_soon(consumer)
            await anyio.sleep(0)
            await broadcast.publish("c", "1")
            assert not woken.is_set()
            await broadcast.publish("c", "2")
            with anyio.fail_after(TIMEOUT):
                await woken.wait()


async def test_disconnect_ends_the_iteration_after_the_queued_items() -> None:
    broadcast = Broadcast()
    await broadcast.connect()
    await broadcast.connect()  # a no-op
    async with broadcast.subscribe("c") as messages:
        await broadcast.publish("c", "last")
        await broadcast.disconnect()
        await broadcast.disconnect()  # a no-op
        assert [item async for item in messages] == [Event("c", "last")]


async def test_using_it_unconnected_is_an_error() -> None:
    broadcast = Broadcast()
    with pytest.raises(HeronError, match="not connected: connect it in the app's lifespan"):
        await broadcast.publish("c", "x")
    with pytest.raises(HeronError, match="not connected"):
        async with broadcast.subscribe("c"):
            pass


async def test_messages_are_text() -> None:
    async with Broadcast() as broadcast:
        with pytest.raises(TypeError, match="Broadcast messages are str, not bytes"):
            await broadcast.publish("c", b"x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "options", "error", "match"),
    [
        (("kafka://x",), {}, HeronError, "Unsupported broadcast URL 'kafka://x'"),
        ((), {"max_queue": 0}, ValueError, "max_queue must be at least 1"),
        ((), {"overflow": "block"}, ValueError, 'overflow must be "drop_oldest" or'),
        ((), {"reconnect_delay": 1}, TypeError, "Unknown option 'reconnect_delay'"),
        ((object(),), {}, TypeError, "takes a URL or a broadcaster.Broadcast"),
    ],
)
async def test_bad_settings_are_refused_at_construction(
    args: tuple[Any, ...], options: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        Broadcast(*args, **options)


async def test_repr() -> None:
    broadcast = Broadcast("memory://")
    assert repr(broadcast) == "Broadcast('memory://')"
    assert repr(Subscription("c", 5, "drop_oldest")) == "Subscription(channel='c', queued=0)"
    assert DEFAULT_MAX_QUEUE == broadcast.max_queue == 100


# ---------------------------------------------------------------- fan-out helpers


def chat_app(broadcast: Broadcast, **fan_out_options: Any) -> Heron:
    @contextlib.asynccontextmanager
    async def lifespan(app: Heron) -> AsyncIterator[None]:
        async with broadcast:
            yield

    app = Heron(lifespan=lifespan)

    @app.websocket("/ws/{room}")
    async def room(websocket: WebSocket, room: str) -> None:
        await websocket_fan_out(
            websocket, broadcast, room, headers=[(b"x-room", room.encode())], **fan_out_options
        )

    @app.post("/say/{room}")
    async def say(room: str, text: str) -> dict[str, int]:
        await broadcast.publish(room, text)
        return {"subscribers": broadcast.subscribers(room)}

    @app.post("/burst/{room}")
    async def burst(room: str, count: int) -> None:
        # Straight into the queues, no await in between: the forwarder cannot keep up.
        for n in range(1, count + 1):
            broadcast.deliver(room, str(n))

    @app.get("/stream/{room}")
    async def stream(room: str) -> Any:
        return sse_fan_out(broadcast, room, event="chat", headers={"x-room": room})

    return app


def test_websocket_fan_out() -> None:
    with TestClient(chat_app(Broadcast())) as client:
        with (
            client.websocket_connect("/ws/lobby") as first,
            client.websocket_connect("/ws/lobby") as second,
        ):
            assert first.extra_headers == [(b"x-room", b"lobby")]
            assert client.post("/say/lobby?text=hi").json() == {"subscribers": 2}
            first.send_text("ignored: the helper only forwards")
            assert first.receive_text() == second.receive_text() == "hi"
        # Both clients left: the subscriptions are gone.
        assert client.post("/say/lobby?text=anyone").json() == {"subscribers": 0}


def test_websocket_fan_out_sends_missed_markers() -> None:
    broadcast = Broadcast(max_queue=1)
    app = chat_app(broadcast)

    with TestClient(app) as client, client.websocket_connect("/ws/r") as ws:
        client.post("/burst/r?count=3")
        assert json.loads(ws.receive_text()) == {"type": "missed", "channel": "r", "count": 2}
        assert ws.receive_text() == "3"


def test_websocket_fan_out_closes_an_overflowing_client_with_1013() -> None:
    broadcast = Broadcast(max_queue=1, overflow="disconnect")
    app = chat_app(broadcast)

    with TestClient(app) as client, client.websocket_connect("/ws/r") as ws:
        client.post("/burst/r?count=2")
        assert ws.receive() == {
            "type": "websocket.close",
            "code": OVERFLOW_CLOSE_CODE,
            "reason": "Fell behind the channel",
        }


def test_missed_markers_can_be_formatted_or_dropped() -> None:
    assert json.loads(missed_json(Missed("c", None))) == {
        "type": "missed",
        "channel": "c",
        "count": None,
    }
    broadcast = Broadcast(max_queue=1)
    app = chat_app(broadcast, missed=None)

    with TestClient(app) as client, client.websocket_connect("/ws/r") as ws:
        client.post("/burst/r?count=2")
        assert ws.receive_text() == "2"


async def test_channel_events() -> None:
    async with Broadcast() as broadcast:
        events = channel_events(broadcast, "news", event="chat")
        assert await anext(events) == ServerSentEvent(comment="subscribed")
        assert broadcast.subscribers("news") == 1  # live once the first event is out
        await broadcast.publish("news", "line one\nline two")
        broadcast.missed("news")
        assert format_sse(await anext(events)) == b"event: chat\ndata: line one\ndata: line two\n\n"
        assert format_sse(await anext(events)) == b'event: missed\ndata: {"count": null}\n\n'
        # What the response does when the client leaves (an async generator: it has aclose).
        await cast(AsyncGenerator[ServerSentEvent, None], events).aclose()
        assert broadcast.subscribers("news") == 0


async def test_channel_events_end_when_the_client_falls_behind() -> None:
    async with Broadcast(max_queue=1, overflow="disconnect") as broadcast:
        events = channel_events(broadcast, "news")
        await anext(events)
        await broadcast.publish("news", "1")
        await broadcast.publish("news", "2")
        with pytest.raises(StopAsyncIteration):
            await anext(events)
        assert broadcast.subscribers("news") == 0


async def test_sse_fan_out_response() -> None:
    async with Broadcast() as broadcast:
        response = sse_fan_out(broadcast, "news", headers={"x-room": "news"}, ping=5)
        assert isinstance(response, EventSourceResponse)
        assert (response.ping, response.headers["x-room"]) == (5, "news")
        assert response.headers["cache-control"] == "no-cache"
        await response.body_iterator.aclose()  # type: ignore[attr-defined]


# ---------------------------------------------------------------- redis://


@redis_asyncio_only
async def test_redis_reaches_subscribers_of_other_processes(redis_server: RedisServer) -> None:
    async with Broadcast(redis_server.url) as worker_a, Broadcast(redis_server.url) as worker_b:
        async with worker_a.subscribe("news") as on_a, worker_b.subscribe("news") as on_b:
            await worker_a.publish("news", "héllo")
            assert await next_item(on_a) == await next_item(on_b) == Event("news", "héllo")
        # The last subscriber left: this process no longer listens to the channel.
        assert await _numsub(redis_server, "news") == 0


async def _numsub(server: RedisServer, channel: str) -> int:
    from redis.asyncio import Redis

    async with Redis.from_url(server.url) as client:
        for _ in range(100):  # UNSUBSCRIBE is sent without waiting for Redis's answer
            [(_, count)] = await client.pubsub_numsub(channel)
            if count == 0:
                break
            await anyio.sleep(0.02)
        return int(count)


@redis_asyncio_only
async def test_redis_restart_resumes_and_tells_subscribers(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "heron.channels")
    async with fast_reconnect(redis_server.url) as broadcast:
        async with broadcast.subscribe("a") as a, broadcast.subscribe("b") as b:
            await broadcast.publish("a", "before")
            assert await next_item(a) == Event("a", "before")

            redis_server.stop()
            with pytest.raises(BroadcastUnavailable) as info:
                await broadcast.publish("a", "lost")
            assert (info.value.status_code, info.value.detail) == (503, "Broadcast unavailable")
            redis_server.start()

            assert await next_item(a) == Missed("a", None)
            assert await next_item(b) == Missed("b", None)
            await broadcast.publish("a", "after")
            await broadcast.publish("b", "after")
            assert await next_item(a) == Event("a", "after")
            assert await next_item(b) == Event("b", "after")
    messages = [record.getMessage() for record in caplog.records]
    assert any(m.startswith("Lost the Redis Pub/Sub connection") for m in messages)
    assert any(m.startswith("Redis Pub/Sub connection restored") for m in messages)


@redis_asyncio_only
async def test_redis_subscribing_during_an_outage(redis_server: RedisServer) -> None:
    async with fast_reconnect(redis_server.url) as broadcast:
        redis_server.stop()
        async with broadcast.subscribe("late") as late:
            redis_server.start()
            # Subscribed while Redis was away: told once the subscription is live.
            assert await next_item(late) == Missed("late", None)
            await broadcast.publish("late", "hello")
            assert await next_item(late) == Event("late", "hello")


@redis_asyncio_only
async def test_redis_down_at_startup(redis_server: RedisServer) -> None:
    redis_server.stop()
    broadcast = fast_reconnect(redis_server.url)
    await broadcast.connect()  # does not fail: the listener keeps trying
    try:
        async with broadcast.subscribe("c") as messages:
            redis_server.start()
            assert await next_item(messages) == Missed("c", None)
            await broadcast.publish("c", "up")
            assert await next_item(messages) == Event("c", "up")
    finally:
        await broadcast.disconnect()


@redis_asyncio_only
async def test_redis_silent_connection_is_pinged(redis_server: RedisServer) -> None:
    broadcast = Broadcast(redis_server.url, ping_interval=0.05)
    async with broadcast, broadcast.subscribe("c") as messages:
        await anyio.sleep(0.3)  # several PING/PONG rounds, no false alarm
        await broadcast.publish("c", "still here")
        assert await next_item(messages) == Event("c", "still here")


def test_redis_publish_failure_is_a_503_response(redis_server: RedisServer) -> None:
    broadcast = fast_reconnect(redis_server.url)
    app = chat_app(broadcast)
    with TestClient(app) as client:
        assert client.post("/say/x?text=1").status_code == 200
        redis_server.stop()
        response = client.post("/say/x?text=2")
        assert (response.status_code, response.json()) == (503, {"detail": "Broadcast unavailable"})


# ---------------------------------------------------------------- broadcaster.Broadcast


@broadcaster_asyncio_only
async def test_an_existing_broadcaster_is_wrapped() -> None:
    # NOTE: broadcaster's memory backend; its Redis backend (0.3.1) receives nothing with
    # redis-py 8 (docs/channels.md says why), so Heron's own redis:// is the one tested.
    wrapped = broadcaster.Broadcast("memory://")
    async with Broadcast(wrapped, max_queue=2) as broadcast:
        async with broadcast.subscribe("c") as messages:
            await broadcast.publish("c", "1")
            assert await next_item(messages) == Event("c", "1")
            for text in ("2", "3", "4"):
                await wrapped.publish("c", text)  # published through broadcaster itself
            with anyio.fail_after(TIMEOUT):
                while messages.dropped < 1:
                    await anyio.sleep(0.01)
            assert [await next_item(messages) for _ in range(3)] == [
                Missed("c", 1),
                Event("c", "3"),
                Event("c", "4"),
            ]
        assert broadcast.subscribers("c") == 0


@broadcaster_asyncio_only
async def test_a_failed_broadcaster_subscription_is_retried_with_a_marker() -> None:
    class Flaky:
        """A broadcaster whose first subscription breaks after one event."""

        def __init__(self) -> None:
            self.inner = broadcaster.Broadcast("memory://")
            self.subscriptions = 0

        async def connect(self) -> None:
            await self.inner.connect()

        async def disconnect(self) -> None:
            await self.inner.disconnect()

        async def publish(self, channel: str, message: str) -> None:
            await self.inner.publish(channel, message)

        @contextlib.asynccontextmanager
        async def subscribe(self, channel: str) -> AsyncIterator[Any]:
            self.subscriptions += 1
            async with self.inner.subscribe(channel) as subscriber:
                yield self._events(subscriber, fail=self.subscriptions == 1)

        async def _events(self, subscriber: Any, fail: bool) -> AsyncIterator[Any]:
            async for event in subscriber:
                yield event
                if fail:
                    raise ConnectionError("backend went away")

    flaky = Flaky()
    broadcast = Broadcast(flaky)
    broadcast._backend.retry_delay = 0.01  # type: ignore[attr-defined]
    async with broadcast, broadcast.subscribe("c") as messages:
        await broadcast.publish("c", "1")
        assert await next_item(messages) == Event("c", "1")
        assert await next_item(messages) == Missed("c", None)
        await broadcast.publish("c", "2")
        assert await next_item(messages) == Event("c", "2")
    assert flaky.subscriptions == 2
