"""WebSocket benchmark app, Starlette: echo, and a channel fanned out with `broadcaster`."""

from contextlib import asynccontextmanager

from broadcaster import Broadcast
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

broadcast = Broadcast("memory://")


@asynccontextmanager
async def lifespan(app):
    await broadcast.connect()
    yield
    await broadcast.disconnect()


async def echo(websocket: WebSocket):
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_text(text)


async def sub(websocket: WebSocket):
    async with broadcast.subscribe("bench") as subscriber:
        await websocket.accept()
        try:
            async for event in subscriber:
                await websocket.send_text(event.message)
        except WebSocketDisconnect:
            pass


async def pub(websocket: WebSocket):
    await websocket.accept()
    async for text in websocket.iter_text():
        await broadcast.publish("bench", text)


app = Starlette(
    routes=[
        WebSocketRoute("/echo", echo),
        WebSocketRoute("/sub", sub),
        WebSocketRoute("/pub", pub),
    ],
    lifespan=lifespan,
)
