"""WebSocket apps for ``tests/test_websockets.py`` and ``tests/test_deployment.py``.

``make_app(**options)`` builds the app the in-process tests drive with TestClient; ``app``
is the one served by ``heron run`` (uvicorn) for bad input: its message limit is 1 KiB,
``/big`` lifts Heron's limit so that only the server's (``--ws-max-size``, set by the test)
applies there. ``/feed`` and ``/feed-strict`` fan the ``feed`` channel out (``drop_oldest``
and ``disconnect`` policies); ``/flood`` publishes many large messages to it, for the
slow-consumer tests; ``/whoami`` says what the app learns behind a proxy.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pydantic import BaseModel

from heron import Heron, Request, WebSocket
from heron.channels import Broadcast, websocket_fan_out
from heron.websockets import WebSocketOptions, websocket_options

broadcast = Broadcast(max_queue=20)


@asynccontextmanager
async def lifespan(app: Heron) -> AsyncIterator[None]:
    async with broadcast:
        yield


class Move(BaseModel):
    x: int
    y: int


def _mode(websocket: WebSocket) -> Any:
    return websocket.query_params.get("mode", "text")


def _add_echo_routes(app: Heron) -> None:
    @app.websocket("/echo")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(text)

    @app.websocket("/bytes")
    async def echo_bytes(websocket: WebSocket) -> None:
        await websocket.accept()
        async for data in websocket.iter_bytes():
            await websocket.send_bytes(data)

    @app.websocket("/big")
    @websocket_options(max_message_size=None)
    async def big(websocket: WebSocket) -> None:
        await websocket.accept()
        async for data in websocket.iter_bytes():
            await websocket.send_text(str(len(data)))

    @app.websocket("/json")
    async def echo_json(websocket: WebSocket) -> None:
        await websocket.accept()
        async for data in websocket.iter_json(mode=_mode(websocket)):
            await websocket.send_json(data)


def _add_model_routes(app: Heron) -> None:
    @app.websocket("/moves")
    async def moves(websocket: WebSocket) -> None:
        await websocket.accept()
        async for move in websocket.iter_model(Move):
            await websocket.send_model(move)

    @app.websocket("/moves-lenient")
    @websocket_options(invalid_message="error", max_message_size=64)
    async def moves_lenient(websocket: WebSocket) -> None:
        await websocket.accept()
        mode = _mode(websocket)
        async for move in websocket.iter_model(Move, mode=mode):
            await websocket.send_model(move, mode=mode)


def _add_channel_routes(app: Heron) -> None:
    @app.websocket("/feed")
    async def feed(websocket: WebSocket) -> None:
        await websocket_fan_out(websocket, broadcast, "feed")

    @app.websocket("/feed-strict")
    async def feed_strict(websocket: WebSocket) -> None:
        await websocket_fan_out(websocket, broadcast, "feed", overflow="disconnect")

    @app.post("/flood")
    async def flood(count: int, size: int) -> dict[str, int]:
        for index in range(count):
            await broadcast.publish("feed", f"{index:08d}".ljust(size, "."))
            await asyncio.sleep(0)  # let the subscribers' tasks run between messages
        return {"published": count}

    @app.get("/stats")
    async def stats() -> dict[str, int]:
        return {"pid": os.getpid(), "subscribers": broadcast.subscribers("feed")}


def _add_proxy_routes(app: Heron) -> None:
    @app.get("/whoami")
    async def whoami(request: Request) -> dict[str, Any]:
        return {
            "url": str(request.url),
            "client": request.client.host if request.client else None,
            "root_path": request.scope.get("root_path"),
            "url_for": str(request.url_for("whoami")),
        }

    @app.websocket("/whoami")
    async def whoami_ws(websocket: WebSocket) -> None:
        await websocket.accept()
        client = websocket.client.host if websocket.client else None
        await websocket.send_json({"url": str(websocket.url), "client": client})
        await websocket.close()


def make_app(**options: Any) -> Heron:
    """Every route above on a new ``Heron(**options)``."""
    app = Heron(**options)
    for add_routes in (_add_echo_routes, _add_model_routes, _add_channel_routes, _add_proxy_routes):
        add_routes(app)
    return app


app = make_app(lifespan=lifespan, websocket_options=WebSocketOptions(max_message_size=1024))
