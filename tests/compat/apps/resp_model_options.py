"""``response_model_include``/``exclude``/``by_alias`` options."""

from fastapi import FastAPI
from pydantic import BaseModel, Field

app = FastAPI()


class Item(BaseModel):
    name: str
    description: str | None = None
    price: float
    tax: float = 10.5
    internal_code: str = Field(default="x1", alias="internalCode")


items = {
    "foo": {"name": "Foo", "price": 50.2},
    "bar": {"name": "Bar", "description": "The Bar fighters", "price": 62, "tax": 20.2},
}


@app.get(
    "/items/{item_id}/name", response_model=Item, response_model_include={"name", "description"}
)
async def read_item_name(item_id: str):
    return items[item_id]


@app.get("/items/{item_id}/public", response_model=Item, response_model_exclude={"tax"})
async def read_item_public_data(item_id: str):
    return items[item_id]


@app.get("/items/{item_id}/aliased", response_model=Item)
async def read_aliased(item_id: str):
    return items[item_id]


@app.get("/items/{item_id}/unaliased", response_model=Item, response_model_by_alias=False)
async def read_unaliased(item_id: str):
    return items[item_id]


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/bar/name", {}),
    ("GET", "/items/foo/public", {}),
    ("GET", "/items/bar/aliased", {}),
    ("GET", "/items/foo/unaliased", {}),
]
