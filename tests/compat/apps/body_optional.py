"""Optional bodies: ``Item | None = None``, defaults, and an empty request."""

from typing import Annotated

from fastapi import Body, FastAPI
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    name: str
    size: int = 1


@app.post("/optional/")
def optional(item: Item | None = None):
    return {"item": item}


@app.post("/defaulted/")
def defaulted(item: Annotated[Item, Body()] = Item(name="default")):
    return {"item": item}


@app.post("/two/")
def two(a: Item | None = None, b: Item | None = None):
    return {"a": a, "b": b}


REQUESTS = [
    ("POST", "/optional/", {}),
    ("POST", "/optional/", {"json": None}),
    ("POST", "/optional/", {"json": {"name": "x"}}),
    ("POST", "/optional/", {"json": {"size": 2}}),
    ("POST", "/defaulted/", {}),
    ("POST", "/defaulted/", {"json": {"name": "y", "size": 3}}),
    ("POST", "/two/", {}),
    ("POST", "/two/", {"json": {"b": {"name": "b"}}}),
    ("POST", "/two/", {"json": {"a": {"size": "x"}}}),
]
