"""Repeated query keys into lists, sets and tuples, with defaults."""

from typing import Annotated

from fastapi import FastAPI, Query

app = FastAPI()


@app.get("/items/")
async def read_items(q: Annotated[list[str] | None, Query()] = None):
    return {"q": q}


@app.get("/defaults/")
async def read_defaults(q: Annotated[list[str], Query()] = ["foo", "bar"]):  # noqa: B006
    return {"q": q}


@app.get("/ints/")
def read_ints(ids: list[int] = Query(), tags: set[str] = Query(default=set())):
    return {"ids": ids, "tags": sorted(tags)}


@app.get("/limited/")
def read_limited(ids: Annotated[list[int], Query(max_length=2)]):
    return {"ids": ids}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/?q=foo&q=bar", {}),
    ("GET", "/items/", {}),
    ("GET", "/items/?q=", {}),
    ("GET", "/defaults/", {}),
    ("GET", "/defaults/?q=baz", {}),
    ("GET", "/ints/?ids=1&ids=2&tags=a&tags=a", {}),
    ("GET", "/ints/?ids=1&ids=x", {}),
    ("GET", "/ints/", {}),
    ("GET", "/ints/?ids=1,2", {}),
    ("GET", "/limited/?ids=1&ids=2", {}),
    ("GET", "/limited/?ids=1&ids=2&ids=3", {}),
]
