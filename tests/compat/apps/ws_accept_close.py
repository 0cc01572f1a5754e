"""WebSocket handshakes: subprotocols, closing before accept, custom close codes, bytes."""

from fastapi import FastAPI, WebSocket, WebSocketException, status

app = FastAPI()


@app.websocket("/chat")
async def chat(websocket: WebSocket):
    offered = websocket.scope.get("subprotocols", [])
    await websocket.accept(subprotocol="chat.v2" if "chat.v2" in offered else None)
    await websocket.send_json({"offered": offered})
    data = await websocket.receive_bytes()
    await websocket.send_bytes(data[::-1])
    await websocket.close(code=4000, reason="done")


@app.websocket("/closed")
async def closed(websocket: WebSocket):
    await websocket.close(code=status.WS_1008_POLICY_VIOLATION)


@app.websocket("/refused")
async def refused(websocket: WebSocket):
    raise WebSocketException(code=4003, reason="go away")


REQUESTS: list[tuple[str, str, dict[str, object]]] = []
WS_SESSIONS = [
    (
        "/chat",
        {},
        [("receive_json",), ("send_bytes", b"abc"), ("receive_bytes",), ("receive_text",)],
    ),
    (
        "/chat",
        {"subprotocols": ["chat.v1", "chat.v2"]},
        [("receive_json",), ("send_bytes", b"xy"), ("receive_bytes",), ("receive_text",)],
    ),
    ("/closed", {}, [("receive_text",)]),
    ("/refused", {}, [("receive_text",)]),
]
