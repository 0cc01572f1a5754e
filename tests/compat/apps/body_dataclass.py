"""Standard-library dataclasses as request bodies and response models."""

from dataclasses import dataclass, field

from fastapi import FastAPI


@dataclass
class Item:
    name: str
    price: float
    description: str | None = None
    tags: list[str] = field(default_factory=list)


@dataclass
class Author:
    name: str
    items: list[Item] = field(default_factory=list)


app = FastAPI()


@app.post("/items/")
async def create_item(item: Item):
    return item


@app.get("/authors/{name}", response_model=Author)
def read_author(name: str):
    return {"name": name, "items": [{"name": "Island", "price": 3, "tags": ["x"]}]}


@app.post("/authors/")
def create_author(author: Author) -> Author:
    return author


REQUESTS = [
    ("POST", "/items/", {"json": {"name": "Foo", "price": 1.5}}),
    ("POST", "/items/", {"json": {"name": "Foo", "price": "x", "tags": "a"}}),
    ("POST", "/items/", {"json": {"price": 1}}),
    ("GET", "/authors/ann", {}),
    ("POST", "/authors/", {"json": {"name": "A", "items": [{"name": "I", "price": 2}]}}),
    ("POST", "/authors/", {"json": {"name": "A", "items": [{"name": "I"}]}}),
]
