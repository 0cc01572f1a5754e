"""Several body parameters (models and a singular ``Body()``) mixed with path and query."""

from typing import Annotated

from fastapi import Body, FastAPI
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    name: str
    price: float


class User(BaseModel):
    username: str
    full_name: str | None = None


@app.put("/items/{item_id}")
async def update_item(
    item_id: int,
    item: Item,
    user: User,
    importance: Annotated[int, Body(gt=0)],
    q: str | None = None,
):
    return {"item_id": item_id, "item": item, "user": user, "importance": importance, "q": q}


GOOD = {"item": {"name": "Foo", "price": 42}, "user": {"username": "dave"}, "importance": 5}
REQUESTS = [
    ("PUT", "/items/5", {"json": GOOD}),
    ("PUT", "/items/5?q=z", {"json": {**GOOD, "importance": 0}}),
    ("PUT", "/items/5", {"json": {"item": {"name": "Foo", "price": 42}}}),
    ("PUT", "/items/5", {"json": {"name": "Foo", "price": 42}}),
    ("PUT", "/items/5", {}),
    ("PUT", "/items/5", {"json": [GOOD]}),
]
