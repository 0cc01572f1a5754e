"""``Body(embed=True)`` for a single model and for a single scalar."""

from typing import Annotated

from fastapi import Body, FastAPI
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    name: str
    price: float


@app.put("/items/{item_id}")
async def update_item(item_id: int, item: Annotated[Item, Body(embed=True)]):
    return {"item_id": item_id, "item": item}


@app.post("/names/")
def set_name(name: str = Body(embed=True, min_length=2)):
    return {"name": name}


@app.post("/plain/")
def plain_scalar(count: Annotated[int, Body()]):
    return {"count": count}


REQUESTS = [
    ("PUT", "/items/1", {"json": {"item": {"name": "Foo", "price": 1}}}),
    ("PUT", "/items/1", {"json": {"name": "Foo", "price": 1}}),
    ("PUT", "/items/1", {"json": {"item": {"name": "Foo"}}}),
    ("POST", "/names/", {"json": {"name": "Al"}}),
    ("POST", "/names/", {"json": {"name": "A"}}),
    ("POST", "/names/", {"json": "Al"}),
    ("POST", "/plain/", {"json": 3}),
    ("POST", "/plain/", {"json": {"count": 3}}),
    ("POST", "/plain/", {"json": "3"}),
]
