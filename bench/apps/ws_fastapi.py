"""WebSocket benchmark app, FastAPI: echo, and a channel fanned out with `broadcaster`."""

from contextlib import asynccontextmanager

from broadcaster import Broadcast
from fastapi import FastAPI, WebSocket, WebSocketDisconnect

broadcast = Broadcast("memory://")


@asynccontextmanager
async def lifespan(app):
    await broadcast.connect()
    yield
    await broadcast.disconnect()


app = FastAPI(lifespan=lifespan)


@app.websocket("/echo")
async def echo(websocket: WebSocket):
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_text(text)


@app.websocket("/sub")
async def sub(websocket: WebSocket):
    async with broadcast.subscribe("bench") as subscriber:
        await websocket.accept()
        try:
            async for event in subscriber:
                await websocket.send_text(event.message)
        except WebSocketDisconnect:
            pass


@app.websocket("/pub")
async def pub(websocket: WebSocket):
    await websocket.accept()
    async for text in websocket.iter_text():
        await broadcast.publish("bench", text)
