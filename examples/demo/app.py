"""A small app showing Heron's core: both route styles, parameters, errors, middleware.

Run it with ``make demo`` (or ``heron run examples.demo.app:app``) and open
http://127.0.0.1:8000.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from pydantic import BaseModel

from heron import APIRouter, BackgroundTasks, Heron, HTTPException, Request, Response
from heron.middleware.gzip import GZipMiddleware
from heron.responses import PlainTextResponse, StreamingResponse


class Item(BaseModel):
    """An item of the in-memory store."""

    name: str
    price: float
    quantity: int = 1
    tags: list[str] = []


@asynccontextmanager
async def lifespan(app: Heron) -> AsyncIterator[dict[str, Any]]:
    """Create the store at startup; it reaches handlers as ``request.state.items``."""
    yield {"items": {1: Item(name="Heron T-shirt", price=19.5, tags=["clothes"])}, "log": []}


app = Heron(title="Heron demo", lifespan=lifespan)
app.add_middleware(GZipMiddleware, minimum_size=1000)


@app.middleware("http")
async def timing(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Add the handling time to every response."""
    started = time.perf_counter()
    response = await call_next(request)
    response.headers["x-process-time"] = f"{(time.perf_counter() - started) * 1000:.3f}ms"
    return response


@app.route("/")
def index() -> str:
    """Flask style: a ``str`` is HTML."""
    links = ["/items", "/items/1", "/items/1?verbose=true", "/hello/World", "/stream"]
    items = "".join(f'<li><a href="{link}">{link}</a></li>' for link in links)
    return f"<h1>Heron demo</h1><p>Try:</p><ul>{items}</ul>"


@app.route("/hello/<name>")
def hello(name: str) -> tuple[str, int, dict[str, str]]:
    """Flask style: ``(body, status, headers)``."""
    return f"<p>Hello, {name}!</p>", 200, {"x-greeting": "yes"}


api = APIRouter(prefix="/items", tags=["items"])


@api.get("")
async def list_items(request: Request, limit: int = 10) -> list[Item]:
    """FastAPI style: typed query parameters, a typed list as the response."""
    return list(request.state.items.values())[:limit]


@api.get("/{item_id}")
async def get_item(request: Request, item_id: int, verbose: bool = False) -> dict[str, Any]:
    """Path and query parameters validated by pydantic; 404 by exception."""
    item = request.state.items.get(item_id)
    if item is None:
        raise HTTPException(404, f"Item {item_id} not found")
    return {"id": item_id, **item.model_dump()} if verbose else {"id": item_id, "name": item.name}


@api.post("", status_code=201)
async def create_item(request: Request, item: Item, tasks: BackgroundTasks) -> dict[str, Any]:
    """A validated JSON body; a background task runs after the response."""
    items = request.state.items
    item_id = max(items, default=0) + 1
    items[item_id] = item
    tasks.add_task(request.state.log.append, f"created {item_id}")
    return {"id": item_id, **item.model_dump()}


app.include_router(api)


@app.get("/stream", response_class=PlainTextResponse)
async def stream() -> StreamingResponse:
    """A streamed response."""

    async def numbers() -> AsyncIterator[str]:
        for number in range(1, 6):
            yield f"{number}\n"

    return StreamingResponse(numbers(), media_type="text/plain")


if __name__ == "__main__":
    app.run()
