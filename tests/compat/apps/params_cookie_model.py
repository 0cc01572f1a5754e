"""Cookie parameter models, forbidding extra cookies."""

from typing import Annotated

from fastapi import Cookie, FastAPI
from pydantic import BaseModel

app = FastAPI()


class Cookies(BaseModel):
    model_config = {"extra": "forbid"}

    session_id: str
    fatebook_tracker: str | None = None
    googall_tracker: str | None = None


class LooseCookies(BaseModel):
    theme: str = "light"
    count: int = 0


@app.get("/items/")
async def read_items(cookies: Annotated[Cookies, Cookie()]):
    return cookies


@app.get("/prefs/")
async def read_prefs(cookies: Annotated[LooseCookies, Cookie()]):
    return cookies


REQUESTS = [
    ("GET", "/items/", {"cookies": {"session_id": "123", "fatebook_tracker": "456"}}),
    ("GET", "/items/", {"cookies": {"session_id": "123", "santa_tracker": "good-list"}}),
    ("GET", "/items/", {}),
    ("GET", "/prefs/", {}),
    ("GET", "/prefs/", {"cookies": {"theme": "dark", "count": "2", "other": "x"}}),
    ("GET", "/prefs/", {"cookies": {"count": "lots"}}),
]
