"""Nested models, lists and sets of submodels, dicts of models, HttpUrl."""

from fastapi import FastAPI
from pydantic import BaseModel, HttpUrl


class Image(BaseModel):
    url: HttpUrl
    name: str


class Item(BaseModel):
    name: str
    price: float
    tags: set[str] = set()
    images: list[Image] | None = None


class Offer(BaseModel):
    name: str
    items: list[Item]
    by_code: dict[str, Image] = {}


app = FastAPI()


@app.post("/offers/")
async def create_offer(offer: Offer):
    return offer


IMG = {"url": "http://example.com/baz.jpg", "name": "The Foo live"}
BAD_IMG = {"url": "not a url", "name": "n"}


def offer(items, **extra):
    return {"json": {"name": "o", "items": items, **extra}}


REQUESTS = [
    ("POST", "/offers/", offer([{"name": "i", "price": 1, "tags": ["a"]}])),
    ("POST", "/offers/", offer([{"name": "i", "price": 1, "images": [IMG]}], by_code={"x": IMG})),
    ("POST", "/offers/", offer([{"name": "i", "price": 1, "images": [BAD_IMG]}])),
    ("POST", "/offers/", offer([{"price": "x"}, {"name": "j"}])),
    ("POST", "/offers/", offer({"name": "i"})),
    ("POST", "/offers/", offer([], by_code={"x": "y"})),
]
