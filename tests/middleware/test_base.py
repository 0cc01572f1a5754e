"""BaseHTTPMiddleware and ``@app.middleware("http")``: ``dispatch(request, call_next)``.

Unlike Starlette's: the body the middleware read is replayed to the app, contextvars set
before ``call_next`` reach the endpoint, streaming responses stream (chunk by chunk, with
back-pressure), background tasks run after the body is sent, and a client disconnect
reaches the app. Errors: the app's exception reaches the middleware's caller as itself
(no ExceptionGroup); an app that sends nothing is "No response returned.".
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import anyio
import pytest

from asgi_calls import http_scope
from heron import BackgroundTasks, Heron, Request
from heron.middleware.base import BaseHTTPMiddleware
from heron.responses import PlainTextResponse, Response, StreamingResponse
from heron.testclient import AsyncTestClient
from heron.types import ASGIApp, Message, Receive, Scope, Send

pytestmark = pytest.mark.anyio

CallNext = Callable[[Request], Awaitable[Response]]
TIMEOUT = 5.0


class Boom(Exception):
    pass


async def passthrough(request: Request, call_next: CallNext) -> Response:
    return await call_next(request)


async def call(
    app: ASGIApp,
    incoming: Sequence[Message] = ({"type": "http.request", "body": b""},),
    on_send: Callable[[Message], Awaitable[None]] | None = None,
    scope: Scope | None = None,
) -> list[Message]:
    """A raw exchange. After ``incoming``, ``receive`` waits as a client does: it says
    ``http.disconnect`` once the response is complete."""
    pending = list(incoming)
    sent: list[Message] = []
    complete = anyio.Event()

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        await complete.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            complete.set()
        if on_send is not None:
            await on_send(message)

    with anyio.fail_after(TIMEOUT):
        await app(scope or http_scope(method="POST"), receive, send)
    return sent


def body_of(sent: Sequence[Message]) -> bytes:
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


async def respond(send: Send, body: bytes = b"ok", status: int = 200) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": body})


# ---------------------------------------------------------------- the request body


async def test_a_body_read_by_the_middleware_is_still_there_for_the_endpoint() -> None:
    app = Heron()
    seen: list[str] = []

    @app.middleware("http")
    async def audit(request: Request, call_next: CallNext) -> Response:
        seen.append((await request.body()).decode())
        return await call_next(request)

    @app.post("/form")
    async def form(request: Request) -> dict[str, Any]:
        data = await request.form()
        return {"name": data["name"]}

    @app.post("/raw")
    async def raw(request: Request) -> dict[str, Any]:
        return {"body": (await request.body()).decode()}

    async def chunks() -> AsyncIterator[bytes]:
        yield b"name=he"
        yield b"ron"

    client = AsyncTestClient(app)
    form_type = {"content-type": "application/x-www-form-urlencoded"}
    response = await client.post("/form", content=chunks(), headers=form_type)
    assert response.json() == {"name": "heron"}
    response = await client.post("/raw", content=chunks(), headers=form_type)
    assert response.json() == {"body": "name=heron"}
    assert seen == ["name=heron", "name=heron"]


async def test_an_unread_body_streams_to_the_app_chunk_by_chunk() -> None:
    received: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            received.append(message)
            if not message.get("more_body", False):
                break
        await respond(send)

    incoming: list[Message] = [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"cd", "more_body": False},
    ]
    sent = await call(BaseHTTPMiddleware(app, dispatch=passthrough), incoming)
    assert received == incoming
    assert body_of(sent) == b"ok"


async def test_a_body_replayed_to_the_app_is_one_final_message() -> None:
    received: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        received.append(await receive())
        await respond(send)

    async def reads(request: Request, call_next: CallNext) -> Response:
        assert await request.body() == b"abcd"
        return await call_next(request)

    incoming: list[Message] = [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"cd", "more_body": False},
    ]
    await call(BaseHTTPMiddleware(app, dispatch=reads), incoming)
    assert received == [{"type": "http.request", "body": b"abcd", "more_body": False}]


async def test_a_stream_consumed_without_keeping_it_is_an_error_for_the_app() -> None:
    async def drains(request: Request, call_next: CallNext) -> Response:
        async for _ in request.stream():
            pass
        return await call_next(request)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await respond(send)

    with pytest.raises(RuntimeError, match="consumed the request stream without keeping it"):
        await call(BaseHTTPMiddleware(app, dispatch=drains))


# ---------------------------------------------------------------- context and order


async def test_contextvars_set_before_call_next_reach_the_endpoint() -> None:
    user: contextvars.ContextVar[str] = contextvars.ContextVar("user", default="anonymous")
    app = Heron()

    @app.middleware("http")
    async def authenticate(request: Request, call_next: CallNext) -> Response:
        user.set(request.headers.get("x-user", "anonymous"))
        return await call_next(request)

    @app.get("/async")
    async def async_endpoint() -> str:
        return user.get()

    @app.get("/sync")
    def sync_endpoint() -> str:
        return user.get()

    client = AsyncTestClient(app)
    assert (await client.get("/async", headers={"x-user": "ada"})).json() == "ada"
    assert (await client.get("/sync", headers={"x-user": "grace"})).json() == "grace"
    assert (await client.get("/async")).json() == "anonymous"


async def test_a_subclass_dispatch_wraps_the_app_and_may_change_the_response() -> None:
    events: list[str] = []

    class Timing(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next: CallNext) -> Response:
            events.append("before")
            response = await call_next(request)
            events.append(f"after {response.status_code}")
            response.headers["x-timing"] = "1ms"
            response.status_code = 202
            return response

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        events.append("app")
        await respond(send, b"made", status=201)

    sent = await call(Timing(app))
    assert events == ["before", "app", "after 201"]
    assert sent[0]["status"] == 202
    assert (b"x-timing", b"1ms") in sent[0]["headers"]
    assert body_of(sent) == b"made"


async def test_the_base_class_needs_a_dispatch() -> None:
    with pytest.raises(NotImplementedError):
        await call(BaseHTTPMiddleware(PlainTextResponse("never")))


# ---------------------------------------------------------------- streaming and background


async def test_chunks_pass_through_as_the_app_sends_them() -> None:
    first_chunk_out = anyio.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"first", "more_body": True})
        # A buffering middleware would hold "first" until the body ends: a deadlock here,
        # stopped by call()'s timeout.
        await first_chunk_out.wait()
        await send({"type": "http.response.body", "body": b"second", "more_body": False})

    async def on_send(message: Message) -> None:
        if message.get("body") == b"first":
            first_chunk_out.set()

    sent = await call(BaseHTTPMiddleware(app, dispatch=passthrough), on_send=on_send)
    assert [m.get("body") for m in sent[1:] if m.get("body")] == [b"first", b"second"]
    assert sent[-1] == {"type": "http.response.body", "body": b""}


async def test_background_tasks_run_after_the_whole_body_was_sent() -> None:
    events: list[str] = []
    app = Heron()

    @app.middleware("http")
    async def logs(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        events.append("middleware has the response")
        return response

    @app.get("/report")
    async def report(tasks: BackgroundTasks) -> StreamingResponse:
        async def lines() -> AsyncIterator[str]:
            for n in range(2):
                events.append(f"chunk {n}")
                yield f"line {n}\n"

        tasks.add_task(events.append, "background task")
        return StreamingResponse(lines(), background=tasks)

    async def on_send(message: Message) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            events.append("body sent")

    sent = await call(app, on_send=on_send, scope=http_scope("/report", "GET"))
    assert body_of(sent) == b"line 0\nline 1\n"
    assert events.index("middleware has the response") < events.index("chunk 1")
    assert events[-2:] == ["body sent", "background task"]


async def test_a_response_of_the_middleware_own_drops_the_apps_body() -> None:
    finished: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        try:
            for n in range(100):
                await send({"type": "http.response.body", "body": b"x%d" % n, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            finished.append("app done")

    async def replace(request: Request, call_next: CallNext) -> Response:
        await call_next(request)
        return PlainTextResponse("replaced", status_code=418)

    sent = await call(BaseHTTPMiddleware(app, dispatch=replace))
    assert sent[0]["status"] == 418
    assert body_of(sent) == b"replaced"
    assert finished == ["app done"]  # the app was not left hanging on its send


# ---------------------------------------------------------------- errors


async def test_an_exception_before_the_response_reaches_the_caller_as_itself() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise Boom("no response")

    sent: list[Message] = []

    async def on_send(message: Message) -> None:
        sent.append(message)

    with pytest.raises(Boom, match="no response") as info:
        await call(BaseHTTPMiddleware(app, dispatch=passthrough), on_send=on_send)
    assert type(info.value) is Boom  # not wrapped in an ExceptionGroup
    assert sent == []


async def test_the_middleware_can_catch_the_apps_exception_from_call_next() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise Boom("handled by the middleware")

    async def rescue(request: Request, call_next: CallNext) -> Response:
        try:
            return await call_next(request)
        except Boom as exc:
            return PlainTextResponse(f"rescued: {exc}", status_code=502)

    sent = await call(BaseHTTPMiddleware(app, dispatch=rescue))
    assert sent[0]["status"] == 502
    assert body_of(sent) == b"rescued: handled by the middleware"


async def test_an_exception_mid_stream_is_raised_after_what_was_sent() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        raise Boom("mid-stream")

    sent: list[Message] = []

    async def on_send(message: Message) -> None:
        sent.append(message)

    with pytest.raises(Boom, match="mid-stream") as info:
        await call(BaseHTTPMiddleware(app, dispatch=passthrough), on_send=on_send)
    assert type(info.value) is Boom
    assert sent[0]["status"] == 200
    assert body_of(sent) == b"partial"


async def test_an_error_in_the_dispatch_function_reaches_the_caller() -> None:
    async def broken(request: Request, call_next: CallNext) -> Response:
        await call_next(request)
        raise Boom("in dispatch")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send)

    with pytest.raises(Boom, match="in dispatch") as info:
        await call(BaseHTTPMiddleware(app, dispatch=broken))
    assert type(info.value) is Boom


async def test_an_app_sending_no_response_is_an_error() -> None:
    async def silent(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()

    with pytest.raises(RuntimeError, match=r"^No response returned\.$"):
        await call(BaseHTTPMiddleware(silent, dispatch=passthrough))


async def test_a_heron_app_behind_function_middleware_answers_500_and_raises() -> None:
    app = Heron()
    app.middleware("http")(passthrough)

    @app.get("/boom")
    async def boom() -> None:
        raise Boom("endpoint failed")

    client = AsyncTestClient(app, raise_server_exceptions=False)
    response = await client.get("/boom")
    assert (response.status_code, response.text) == (500, "Internal Server Error")
    with pytest.raises(Boom, match="endpoint failed"):
        await AsyncTestClient(app).get("/boom")


# ---------------------------------------------------------------- disconnects and other scopes


async def test_a_client_disconnect_reaches_the_app() -> None:
    received: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        received.append((await receive())["type"])
        received.append((await receive())["type"])  # the client left
        await respond(send, b"nobody listens")

    incoming: list[Message] = [{"type": "http.request", "body": b""}, {"type": "http.disconnect"}]
    await call(BaseHTTPMiddleware(app, dispatch=passthrough), incoming)
    assert received == ["http.request", "http.disconnect"]


async def test_a_streaming_endpoint_sees_the_disconnect_through_the_middleware() -> None:
    app = Heron()
    app.middleware("http")(passthrough)
    produced: list[int] = []

    @app.get("/events")
    async def events(request: Request) -> StreamingResponse:
        async def ticks() -> AsyncIterator[str]:
            for n in range(1000):
                if await request.is_disconnected():
                    return
                produced.append(n)
                yield f"{n}\n"

        return StreamingResponse(ticks())

    gone = anyio.Event()
    pending: list[Message] = [{"type": "http.request", "body": b""}]

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        await gone.wait()  # the client leaves once it has read "2"
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message.get("body") == b"2\n":
            gone.set()

    with anyio.fail_after(TIMEOUT):
        await app(http_scope("/events", "GET"), receive, send)
    assert produced[:3] == [0, 1, 2]
    assert len(produced) < 1000


async def test_websocket_scopes_bypass_the_dispatch_function() -> None:
    dispatched: list[str] = []
    seen: list[tuple[Scope, Receive, Send]] = []

    async def dispatch(request: Request, call_next: CallNext) -> Response:
        dispatched.append("dispatch")
        return await call_next(request)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append((scope, receive, send))
        await send({"type": "websocket.close", "code": 1000})

    scope: Scope = {"type": "websocket", "path": "/ws", "headers": []}
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await BaseHTTPMiddleware(app, dispatch=dispatch)(scope, receive, send)
    assert dispatched == []
    assert seen == [(scope, receive, send)]
    assert sent == [{"type": "websocket.close", "code": 1000}]
