"""Response models that are unions, lists and dicts, declared by annotation or argument."""

from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class CarItem(BaseModel):
    type: Literal["car"] = "car"
    description: str


class PlaneItem(BaseModel):
    type: Literal["plane"] = "plane"
    description: str
    size: int


items: dict[str, Any] = {
    "item1": {"description": "All my friends drive a low rider", "type": "car"},
    "item2": {"description": "Music is my aeroplane", "type": "plane", "size": 5, "x": 1},
}


@app.get("/items/{item_id}", response_model=PlaneItem | CarItem)
async def read_item(item_id: str):
    return items[item_id]


@app.get("/keyword-weights/", response_model=dict[str, float])
async def read_keyword_weights():
    return {"foo": 2.3, "bar": 3}


@app.get("/all")
def read_all() -> list[CarItem | PlaneItem]:
    return list(items.values())


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/item1", {}),
    ("GET", "/items/item2", {}),
    ("GET", "/keyword-weights/", {}),
    ("GET", "/all", {}),
]
