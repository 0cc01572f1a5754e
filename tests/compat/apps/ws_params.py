"""WebSocket endpoints with Header/Cookie/Query params, dependencies, WebSocketException."""

from typing import Annotated

from fastapi import (
    Cookie,
    Depends,
    FastAPI,
    Header,
    Query,
    WebSocket,
    WebSocketException,
    status,
)

app = FastAPI()


async def get_cookie_or_token(
    session: Annotated[str | None, Cookie()] = None,
    token: Annotated[str | None, Query()] = None,
):
    if session is None and token is None:
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="no credentials")
    return session or token


@app.websocket("/items/{item_id}/ws")
async def websocket_endpoint(
    websocket: WebSocket,
    item_id: str,
    cookie_or_token: Annotated[str, Depends(get_cookie_or_token)],
    q: int | None = None,
    x_client: Annotated[str, Header()] = "anonymous",
):
    await websocket.accept()
    text = await websocket.receive_text()
    await websocket.send_json(
        {"item_id": item_id, "auth": cookie_or_token, "q": q, "client": x_client, "text": text}
    )


REQUESTS: list[tuple[str, str, dict[str, object]]] = []
WS_SESSIONS = [
    ("/items/foo/ws?token=t", {}, [("send_text", "hello"), ("receive_json",)]),
    (
        "/items/foo/ws?q=3",
        {"cookies": {"session": "s"}, "headers": {"x-client": "c"}},
        [("send_text", "x"), ("receive_json",)],
    ),
    ("/items/foo/ws", {}, [("send_text", "x"), ("receive_json",)]),
    ("/items/foo/ws?token=t&q=notint", {}, [("send_text", "x"), ("receive_json",)]),
]
