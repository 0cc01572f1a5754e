"""Server-Sent Events from yield endpoints (``fastapi.sse``): models, ServerSentEvent."""

# requires fastapi >= 0.135

from collections.abc import AsyncIterable, Iterable

from fastapi import FastAPI
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    name: str
    price: float


@app.get("/items/stream", response_class=EventSourceResponse)
async def stream_items() -> AsyncIterable[Item]:
    for name, price in [("Plumbus", 3.5), ("Gun", 2)]:
        yield Item(name=name, price=price)


@app.get("/events", response_class=EventSourceResponse)
def events() -> Iterable[ServerSentEvent]:
    yield ServerSentEvent(data={"hello": "world"}, event="greeting", id="1")
    yield ServerSentEvent(raw_data="plain text", retry=5000)
    yield ServerSentEvent(comment="just a comment")


@app.post("/echo", response_class=EventSourceResponse)
async def echo(item: Item):
    yield item
    yield {"done": True}


REQUESTS = [
    ("GET", "/items/stream", {}),
    ("GET", "/events", {}),
    ("POST", "/echo", {"json": {"name": "x", "price": 1}}),
    ("POST", "/echo", {"json": {"name": "x"}}),
]
