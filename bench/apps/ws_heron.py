"""WebSocket benchmark app, Heron: echo, and a channel fanned out with heron.channels."""

from contextlib import asynccontextmanager

from heron import Heron, WebSocket
from heron.channels import Broadcast, websocket_fan_out

broadcast = Broadcast("memory://", max_queue=1000)


@asynccontextmanager
async def lifespan(app):
    async with broadcast:
        yield


app = Heron(lifespan=lifespan)


@app.websocket("/echo")
async def echo(websocket: WebSocket):
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_text(text)


@app.websocket("/sub")
async def sub(websocket: WebSocket):
    await websocket_fan_out(websocket, broadcast, "bench")


@app.websocket("/pub")
async def pub(websocket: WebSocket):
    await websocket.accept()
    async for text in websocket.iter_text():
        await broadcast.publish("bench", text)
