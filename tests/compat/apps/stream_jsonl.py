"""Yield endpoints streaming JSON Lines, typed and untyped, sync and async."""

# requires fastapi >= 0.134

from collections.abc import AsyncIterable, Iterable

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    name: str
    description: str | None = None


items = [Item(name="Plumbus", description="A multi-purpose household device."), Item(name="Gun")]


@app.get("/items/stream")
async def stream_items() -> AsyncIterable[Item]:
    for item in items:
        yield item


@app.get("/items/stream-sync")
def stream_sync() -> Iterable[Item]:
    yield from items


@app.get("/items/stream-untyped")
async def stream_untyped():
    for item in items:
        yield {"name": item.name}
    yield [1, 2]


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/stream", {}),
    ("GET", "/items/stream-sync", {}),
    ("GET", "/items/stream-untyped", {}),
]
