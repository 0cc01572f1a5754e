"""WebSocket routes with path and query parameters, text and JSON echo."""

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()


@app.websocket("/ws/{client_id}")
async def websocket_endpoint(websocket: WebSocket, client_id: int, prefix: str = "echo"):
    await websocket.accept()
    try:
        while True:
            data = await websocket.receive_text()
            if data == "bye":
                await websocket.close(code=1000, reason="bye")
                return
            await websocket.send_text(f"{prefix} {client_id}: {data}")
    except WebSocketDisconnect:
        pass


@app.websocket("/json")
async def json_endpoint(websocket: WebSocket):
    await websocket.accept()
    message = await websocket.receive_json()
    await websocket.send_json({"got": message, "keys": sorted(message)})
    await websocket.close()


REQUESTS: list[tuple[str, str, dict[str, object]]] = []
WS_SESSIONS: list[tuple[str, dict[str, object], list[tuple[object, ...]]]] = [
    (
        "/ws/7",
        {},
        [("send_text", "hi"), ("receive_text",), ("send_text", "bye"), ("receive_text",)],
    ),
    ("/ws/7?prefix=re", {}, [("send_text", "x"), ("receive_text",)]),
    ("/ws/abc", {}, [("send_text", "x"), ("receive_text",)]),
    ("/json", {}, [("send_json", {"b": 1, "a": 2}), ("receive_json",), ("receive_text",)]),
    ("/nowhere", {}, [("receive_text",)]),
]
