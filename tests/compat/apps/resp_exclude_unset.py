"""``response_model_exclude_unset``/``exclude_defaults``/``exclude_none``."""

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float = 10.5
    tags: list[str] = []


items: dict[str, dict[str, Any]] = {
    "foo": {"name": "Foo", "price": 50.2},
    "bar": {"name": "Bar", "description": "The bartenders", "price": 62, "tax": 20.2},
    "baz": {"name": "Baz", "description": None, "price": 50.2, "tax": 10.5, "tags": []},
}


@app.get("/unset/{item_id}", response_model=Item, response_model_exclude_unset=True)
async def read_unset(item_id: str):
    return items[item_id]


@app.get("/defaults/{item_id}", response_model=Item, response_model_exclude_defaults=True)
async def read_defaults(item_id: str):
    return items[item_id]


@app.get("/none/{item_id}", response_model=Item, response_model_exclude_none=True)
async def read_none(item_id: str):
    return items[item_id]


@app.get("/model/{item_id}", response_model_exclude_unset=True)
async def read_model(item_id: str) -> Item:
    return Item(**items[item_id])


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/unset/foo", {}),
    ("GET", "/unset/baz", {}),
    ("GET", "/defaults/bar", {}),
    ("GET", "/defaults/baz", {}),
    ("GET", "/none/baz", {}),
    ("GET", "/model/foo", {}),
]
