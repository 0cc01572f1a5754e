"""Typed-decorator benchmark app.

The sibling module for the other framework must be textually identical apart from the
framework import and the app class (bench/run.py checks this).
"""

from pathlib import Path

import jinja2
from pydantic import BaseModel

from heron import Heron
from heron.responses import HTMLResponse, PlainTextResponse

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


app = Heron()


@app.get("/plaintext", response_class=PlainTextResponse)
async def plaintext():
    return "Hello, World!"


@app.get("/json")
async def json_endpoint():
    return {"message": "Hello, World!"}


@app.get("/items/{item_id}")
async def get_item(item_id: int, q: str | None = None, limit: int = 10):
    return {"item_id": item_id, "q": q, "limit": limit}


@app.post("/items")
async def create_item(item: Item) -> Item:
    return item


@app.get("/html")
async def html():
    return HTMLResponse(template.render(title="Items & prices", items=ITEMS))
