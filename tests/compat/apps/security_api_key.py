"""API keys in a header, a query parameter and a cookie, required and optional."""

from typing import Annotated

from fastapi import Depends, FastAPI, Security, WebSocket
from fastapi.security import APIKeyCookie, APIKeyHeader, APIKeyQuery

app = FastAPI()
header_scheme = APIKeyHeader(name="x-key")
query_scheme = APIKeyQuery(name="api_key", description="The key, in the query string")
cookie_scheme = APIKeyCookie(name="session", scheme_name="SessionCookie")
optional_header = APIKeyHeader(name="X-Token", auto_error=False)
optional_query = APIKeyQuery(name="token", auto_error=False)


@app.get("/header")
async def read_header(key: Annotated[str, Depends(header_scheme)]):
    return {"key": key}


@app.get("/query")
async def read_query(key: Annotated[str, Security(query_scheme)]):
    return {"key": key}


@app.get("/cookie")
def read_cookie(session: Annotated[str, Depends(cookie_scheme)]):
    return {"session": session}


@app.get("/either")
def read_either(
    header: Annotated[str | None, Depends(optional_header)],
    query: Annotated[str | None, Depends(optional_query)],
):
    return {"key": header or query, "from": "header" if header else "query" if query else None}


@app.websocket("/ws")
async def websocket_endpoint(
    websocket: WebSocket, token: Annotated[str | None, Depends(optional_query)]
):
    if token is None:
        await websocket.close(code=1008)
        return
    await websocket.accept()
    await websocket.send_json({"token": token})
    await websocket.close()


REQUESTS = [
    ("GET", "/header", {"headers": {"X-Key": "abc"}}),
    ("GET", "/header", {"headers": {"x-key": ""}}),
    ("GET", "/header", {}),
    ("GET", "/query?api_key=abc", {}),
    ("GET", "/query?api_key=a&api_key=b", {}),
    ("GET", "/query?api_key=", {}),
    ("GET", "/query?API_KEY=abc", {}),
    ("GET", "/cookie", {"cookies": {"session": "s1"}}),
    ("GET", "/cookie", {"cookies": {"other": "s1"}}),
    ("GET", "/cookie", {}),
    ("GET", "/either", {}),
    ("GET", "/either?token=q", {}),
    ("GET", "/either?token=q", {"headers": {"X-Token": "h"}}),
]
WS_SESSIONS: list[tuple[str, dict[str, object], list[tuple[object, ...]]]] = [
    ("/ws?token=t", {}, [("receive_json",)]),
    ("/ws", {}, [("receive_json",)]),
]
