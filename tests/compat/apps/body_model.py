"""A pydantic model body: valid, missing fields, wrong types, bad JSON, empty, non-object."""

from fastapi import FastAPI
from pydantic import BaseModel


class Item(BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float | None = None


app = FastAPI()


@app.post("/items/")
async def create_item(item: Item):
    item_dict = item.model_dump()
    if item.tax is not None:
        item_dict.update({"price_with_tax": item.price + item.tax})
    return item_dict


@app.put("/items/{item_id}")
async def update_item(item_id: int, item: Item, q: str | None = None):
    return {"item_id": item_id, **item.model_dump(), "q": q}


REQUESTS = [
    ("POST", "/items/", {"json": {"name": "Foo", "price": 50.5, "tax": 1.5}}),
    ("POST", "/items/", {"json": {"name": "Foo", "price": "50.5"}}),
    ("POST", "/items/", {"json": {"name": "Foo"}}),
    ("POST", "/items/", {"json": {"name": 3, "price": "cheap"}}),
    ("POST", "/items/", {"json": {}}),
    ("POST", "/items/", {"json": ["Foo", 50]}),
    ("POST", "/items/", {"json": None}),
    ("POST", "/items/", {}),
    (
        "POST",
        "/items/",
        {"content": b'{"name": "Foo", ', "headers": {"content-type": "application/json"}},
    ),
    ("PUT", "/items/5?q=x", {"json": {"name": "Foo", "price": 1}}),
    ("PUT", "/items/x", {"json": {"name": "Foo"}}),
    ("GET", "/items/", {}),
]
