"""Litestar app (pydantic model for the POST body via Litestar's pydantic plugin)."""

from pathlib import Path

import jinja2
from litestar import Litestar, MediaType, get, post
from pydantic import BaseModel

TEMPLATES = Path(__file__).parent / "templates"
env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
template = env.get_template("items.html")
ITEMS = [{"id": i, "name": f"Item {i}", "price": i * 1.25, "tags": ["a", "b"]} for i in range(20)]


class Item(BaseModel):
    name: str
    price: float
    quantity: int
    tags: list[str]
    active: bool


@get("/plaintext", media_type=MediaType.TEXT)
async def plaintext() -> str:
    return "Hello, World!"


@get("/json")
async def json_endpoint() -> dict[str, str]:
    return {"message": "Hello, World!"}


@get("/items/{item_id:int}")
async def get_item(item_id: int, q: str | None = None, limit: int = 10) -> dict[str, object]:
    return {"item_id": item_id, "q": q, "limit": limit}


@post("/items", status_code=200)
async def create_item(data: Item) -> Item:
    return data


@get("/html", media_type=MediaType.HTML)
async def html() -> str:
    return template.render(title="Items & prices", items=ITEMS)


app = Litestar(route_handlers=[plaintext, json_endpoint, get_item, create_item, html])
