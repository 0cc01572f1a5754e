"""The app ``tests/test_scale_out.py`` serves with ``heron run --workers 2``.

Every response says which worker process answered (``x-worker-pid`` header, or the
``pid`` field), so the test can tell the workers apart. ``REDIS_URL`` (set by the test)
points the broadcast and the session store at the test's redis-server.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from heron import Heron, Request, WebSocket
from heron.channels import Broadcast, forward_to_websocket, sse_fan_out
from heron.middleware.sessions import SessionMiddleware
from heron.responses import Response
from heron.sessions import RedisSessionStore, Session

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def pid() -> str:
    """This worker's pid, read per request: granian forks its workers after the import."""
    return str(os.getpid())


# Short reconnection waits: the test restarts Redis and waits for fan-out to resume.
broadcast = Broadcast(REDIS_URL, reconnect_delay=0.05, max_reconnect_delay=0.5)


@asynccontextmanager
async def lifespan(app: Heron) -> AsyncIterator[None]:
    async with broadcast:
        yield


app = Heron(lifespan=lifespan)
app.add_middleware(
    SessionMiddleware,
    secret_key="scale-out test key",
    store=RedisSessionStore(REDIS_URL, prefix="scale-out:"),
)


@app.middleware("http")
async def worker_header(request: Request, call_next: Any) -> Response:
    response: Response = await call_next(request)
    response.headers["x-worker-pid"] = pid()
    return response


@app.get("/pid")
async def worker_pid() -> dict[str, str]:
    return {"pid": pid()}


@app.post("/publish/{channel}")
async def publish(channel: str, request: Request) -> dict[str, str]:
    await broadcast.publish(channel, (await request.body()).decode())
    return {"pid": pid()}


@app.websocket("/ws/{channel}")
async def fan_out(websocket: WebSocket, channel: str) -> None:
    # Subscribe, then accept and say which worker this is (granian drops accept headers,
    # so the pid goes in a first frame), then forward the channel.
    async with broadcast.subscribe(channel) as messages:
        await websocket.accept()
        await websocket.send_json({"pid": pid()})
        await forward_to_websocket(websocket, messages)


@app.get("/sse/{channel}")
async def stream(channel: str) -> Response:
    return sse_fan_out(broadcast, channel, headers={"x-worker-pid": pid()})


@app.post("/login")
async def login(request: Request) -> dict[str, str]:
    cast(Session, request.session).regenerate()
    request.session["user"] = (await request.json())["user"]
    return {"pid": pid()}


@app.get("/me")
async def me(request: Request) -> dict[str, Any]:
    return {"pid": pid(), "user": request.session.get("user")}
