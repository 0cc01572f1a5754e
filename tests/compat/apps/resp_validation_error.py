"""Return values that fail the response model: a 500, not the data."""

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    name: str
    price: float


@app.get("/bad-model/", response_model=Item)
def bad_model():
    return {"name": "Foo", "price": "not a number"}


@app.get("/bad-annotation/")
def bad_annotation() -> Item:
    return {"name": "Foo"}  # type: ignore[return-value]  # the case: it fails the model


@app.get("/bad-list/", response_model=list[int])
def bad_list():
    return [1, "two"]


@app.get("/good/", response_model=Item)
def good():
    return {"name": "Foo", "price": "3.5"}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/bad-model/", {}),
    ("GET", "/bad-annotation/", {}),
    ("GET", "/bad-list/", {}),
    ("GET", "/good/", {}),
]
