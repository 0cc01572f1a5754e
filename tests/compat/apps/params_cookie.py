"""Cookie parameters: optional, required, typed, with constraints and alias."""

from typing import Annotated

from fastapi import Cookie, FastAPI

app = FastAPI()


@app.get("/items/")
async def read_items(ads_id: Annotated[str | None, Cookie()] = None):
    return {"ads_id": ads_id}


@app.get("/session/")
def read_session(session_id: str = Cookie(min_length=4), visits: int = Cookie(default=0)):
    return {"session_id": session_id, "visits": visits}


@app.get("/aliased/")
def read_aliased(tracker: Annotated[str, Cookie(alias="track-id")]):
    return {"tracker": tracker}


REQUESTS = [
    ("GET", "/items/", {}),
    ("GET", "/items/", {"cookies": {"ads_id": "abc"}}),
    ("GET", "/session/", {"cookies": {"session_id": "abcd", "visits": "3"}}),
    ("GET", "/session/", {"cookies": {"session_id": "ab"}}),
    ("GET", "/session/", {"cookies": {"session_id": "abcd", "visits": "many"}}),
    ("GET", "/session/", {}),
    ("GET", "/aliased/", {"cookies": {"track-id": "t1"}}),
    ("GET", "/aliased/", {"cookies": {"tracker": "t1"}}),
]
