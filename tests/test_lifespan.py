"""heron.lifespan: the ASGI lifespan protocol of a ``Heron`` app.

``on_startup`` handlers, then the ``lifespan=`` context manager, then ``on_shutdown``
handlers; the mapping the context manager yields reaches every request's ``request.state``
through the server's ``scope["state"]``. Failures are reported to the server as
``lifespan.startup.failed`` / ``lifespan.shutdown.failed`` with the traceback, then raised.
Driven over a raw ASGI exchange (what a server sees) and through the test client's ``with``.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from asgi_calls import http_scope, record
from heron import Heron, Request
from heron.exceptions import HeronError
from heron.responses import PlainTextResponse, Response
from heron.routing import Route, Router
from heron.testclient import AsyncTestClient, TestClient
from heron.types import ASGIApp, Message, Scope

pytestmark = pytest.mark.anyio

Between = Callable[[], Awaitable[None]]


class FakeServer:
    """Drives the lifespan protocol as a server does and records what the app sent.

    ``state`` is the server's ``scope["state"]`` (``None``: a server without state
    support). ``between`` runs after ``lifespan.startup.complete``, before the server asks
    for the shutdown: while the app is serving.
    """

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        self.state = state
        self.sent: list[Message] = []

    async def run(self, app: ASGIApp, between: Between | None = None) -> None:
        scope: Scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
        if self.state is not None:
            scope["state"] = self.state
        asked = 0

        async def receive() -> Message:
            nonlocal asked
            asked += 1
            if asked == 1:
                return {"type": "lifespan.startup"}
            assert self.sent == [{"type": "lifespan.startup.complete"}], self.sent
            if between is not None:
                await between()
            return {"type": "lifespan.shutdown"}

        async def send(message: Message) -> None:
            self.sent.append(message)

        await app(scope, receive, send)


COMPLETE = [{"type": "lifespan.startup.complete"}, {"type": "lifespan.shutdown.complete"}]


async def get(app: ASGIApp, path: str, state: dict[str, Any]) -> bytes:
    """A GET as a server makes it during the app's life: a shallow copy of the state."""
    sent = await record(app, http_scope(path, state=dict(state)))
    assert sent[0]["status"] == 200, sent
    return b"".join(m.get("body", b"") for m in sent[1:])


def state_app(
    events: list[str], *, middleware: bool = False, fail: str | None = None, **options: Any
) -> Heron:
    """An app whose lifespan yields ``{"db": ..., "pool": [...]}`` and logs, in order."""

    @asynccontextmanager
    async def lifespan(app: Heron) -> AsyncIterator[dict[str, Any]]:
        events.append(f"enter {type(app).__name__}")
        if fail == "enter":
            raise RuntimeError("cannot connect")
        try:
            yield {"db": "connected", "pool": []}
        finally:
            events.append("exit")
        if fail == "exit":
            raise RuntimeError("cannot disconnect")

    app = Heron(lifespan=lifespan, **options)

    @app.get("/use")
    async def use(request: Request) -> str:
        request.state.pool.append("used")
        request.state.db = "replaced in this request only"
        return str(request.state.db)

    @app.get("/state")
    async def state(request: Request) -> dict[str, Any]:
        return {"db": request.state.db, "pool": request.state.pool}

    if middleware:

        @app.middleware("http")
        async def passthrough(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            return await call_next(request)

    return app


# ---------------------------------------------------------------- the protocol, raw


@pytest.mark.parametrize("middleware", [False, True], ids=["bare", "with-middleware"])
async def test_startup_then_shutdown_with_the_state_reaching_requests(middleware: bool) -> None:
    events: list[str] = []
    app = state_app(events, middleware=middleware)
    server = FakeServer({})
    seen: list[bytes] = []

    async def serve() -> None:
        assert events == ["enter Heron"]
        assert server.state == {"db": "connected", "pool": []}
        seen.append(await get(app, "/state", server.state))
        seen.append(await get(app, "/use", server.state))
        seen.append(await get(app, "/state", server.state))

    await server.run(app, serve)
    assert server.sent == COMPLETE
    assert events == ["enter Heron", "exit"]
    # Each request gets a shallow copy: a value set on request.state stays in that request,
    # a shared object (the pool) is the lifespan's own.
    assert seen == [
        b'{"db":"connected","pool":[]}',
        b'"replaced in this request only"',
        b'{"db":"connected","pool":["used"]}',
    ]
    assert server.state == {"db": "connected", "pool": ["used"]}


async def test_handlers_and_the_context_manager_run_in_order_sync_ones_in_a_thread() -> None:
    events: list[str] = []
    loop_thread = threading.get_ident()

    def where() -> str:
        return "thread" if threading.get_ident() != loop_thread else "loop"

    def sync_handler(name: str) -> Callable[[], None]:
        def handler() -> None:
            events.append(f"{name} ({where()})")

        return handler

    def async_handler(name: str) -> Callable[[], Awaitable[None]]:
        async def handler() -> None:
            events.append(f"{name} ({where()})")

        return handler

    @asynccontextmanager
    async def lifespan(app: Heron) -> AsyncIterator[None]:
        events.append(f"lifespan enter ({where()})")
        yield
        events.append("lifespan exit")

    app = Heron(
        lifespan=lifespan,
        on_startup=[sync_handler("startup 1"), async_handler("startup 2")],
        on_shutdown=[async_handler("shutdown 1")],
    )
    app.add_event_handler("startup", sync_handler("startup 3"))
    app.on_event("shutdown")(sync_handler("shutdown 2"))

    async def serve() -> None:
        events.append("serving")

    await FakeServer({}).run(app, serve)
    assert events == [
        "startup 1 (thread)",
        "startup 2 (loop)",
        "startup 3 (thread)",
        "lifespan enter (loop)",
        "serving",
        "lifespan exit",
        "shutdown 1 (loop)",
        "shutdown 2 (thread)",
    ]


async def test_no_lifespan_and_no_handlers_still_completes_both_phases() -> None:
    server = FakeServer({})
    await server.run(Heron())
    assert server.sent == COMPLETE
    assert server.state == {}


async def test_a_lifespan_yielding_nothing_needs_no_state_support() -> None:
    @asynccontextmanager
    async def lifespan(app: Heron) -> AsyncIterator[None]:
        yield

    server = FakeServer(state=None)
    await server.run(Heron(lifespan=lifespan))
    assert server.sent == COMPLETE


async def test_a_state_without_server_support_fails_the_startup() -> None:
    events: list[str] = []
    server = FakeServer(state=None)
    with pytest.raises(RuntimeError, match='does not support "state"'):
        await server.run(state_app(events))
    [failed] = server.sent
    assert failed["type"] == "lifespan.startup.failed"
    assert (
        failed["message"]
        .rstrip()
        .endswith('RuntimeError: The server does not support "state" in the lifespan scope.')
    )
    assert events == ["enter Heron", "exit"]  # the context manager was left


# ---------------------------------------------------------------- failures, raw


@pytest.mark.parametrize("middleware", [False, True], ids=["bare", "with-middleware"])
async def test_a_failing_startup_is_reported_with_its_traceback_then_raised(
    middleware: bool,
) -> None:
    events: list[str] = []
    app = state_app(
        events,
        middleware=middleware,
        fail="enter",
        on_shutdown=[lambda: events.append("shutdown handler")],
    )
    server = FakeServer({})
    with pytest.raises(RuntimeError, match="cannot connect"):
        await server.run(app)
    [failed] = server.sent
    assert failed["type"] == "lifespan.startup.failed"
    assert failed["message"].startswith("Traceback (most recent call last):")
    assert failed["message"].rstrip().endswith("RuntimeError: cannot connect")
    assert events == ["enter Heron"]  # no shutdown handler after a failed startup


async def test_a_failing_startup_handler_stops_the_startup() -> None:
    events: list[str] = []

    def broken() -> None:
        raise ValueError("missing setting")

    app = Heron(on_startup=[lambda: events.append("first"), broken, lambda: events.append("third")])
    server = FakeServer({})
    with pytest.raises(ValueError, match="missing setting"):
        await server.run(app)
    [failed] = server.sent
    assert failed["type"] == "lifespan.startup.failed"
    assert failed["message"].rstrip().endswith("ValueError: missing setting")
    assert events == ["first"]


@pytest.mark.parametrize("middleware", [False, True], ids=["bare", "with-middleware"])
async def test_a_failing_shutdown_is_reported_with_its_traceback_then_raised(
    middleware: bool,
) -> None:
    events: list[str] = []
    server = FakeServer({})
    with pytest.raises(RuntimeError, match="cannot disconnect"):
        await server.run(state_app(events, middleware=middleware, fail="exit"))
    complete, failed = server.sent
    assert complete == {"type": "lifespan.startup.complete"}
    assert failed["type"] == "lifespan.shutdown.failed"
    assert failed["message"].rstrip().endswith("RuntimeError: cannot disconnect")
    assert events == ["enter Heron", "exit"]


async def test_a_failing_async_shutdown_handler_is_reported() -> None:
    async def broken() -> None:
        raise OSError("disk gone")

    server = FakeServer({})
    with pytest.raises(OSError, match="disk gone"):
        await server.run(Heron(on_shutdown=[broken]))
    complete, failed = server.sent
    assert complete == {"type": "lifespan.startup.complete"}
    assert failed["type"] == "lifespan.shutdown.failed"
    assert failed["message"].rstrip().endswith("OSError: disk gone")


async def test_a_bare_router_refuses_the_lifespan_scope() -> None:
    async def home(request: Request) -> PlainTextResponse:
        return PlainTextResponse("home")

    server = FakeServer({})
    with pytest.raises(HeronError, match="Router does not handle lifespan"):
        await server.run(Router([Route("/", home)]))
    assert server.sent == []


def test_an_unknown_event_type_is_refused() -> None:
    app = Heron()
    with pytest.raises(HeronError, match="Unknown event type 'startp'"):
        app.add_event_handler("startp", lambda: None)
    with pytest.raises(HeronError, match="Unknown event type 'teardown'"):
        app.on_event("teardown")(lambda: None)


# ---------------------------------------------------------------- through the test clients


def test_test_client_with_block_runs_the_lifespan_around_the_requests() -> None:
    events: list[str] = []
    app = state_app(events)
    client = TestClient(app)
    assert events == []
    with client:
        assert events == ["enter Heron"]
        assert client.get("/state").json() == {"db": "connected", "pool": []}
        assert client.get("/use").json() == "replaced in this request only"
        assert client.get("/state").json() == {"db": "connected", "pool": ["used"]}
    assert events == ["enter Heron", "exit"]
    assert client.app_state == {"db": "connected", "pool": ["used"]}


def test_test_client_raises_a_failed_shutdown_after_the_block() -> None:
    events: list[str] = []
    client = TestClient(state_app(events, fail="exit"))
    with pytest.raises(RuntimeError, match="cannot disconnect"), client:
        assert client.get("/state").status_code == 200
    assert events == ["enter Heron", "exit"]


async def test_async_test_client_runs_the_lifespan_on_this_loop() -> None:
    events: list[str] = []
    async with AsyncTestClient(state_app(events, middleware=True)) as client:
        assert (await client.get("/state")).json() == {"db": "connected", "pool": []}
        assert events == ["enter Heron"]
    assert events == ["enter Heron", "exit"]
    with pytest.raises(RuntimeError, match="cannot connect"):
        async with AsyncTestClient(state_app([], fail="enter")):
            pass
