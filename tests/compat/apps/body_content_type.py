"""The JSON content-type check on model bodies (strict by default) and its opt-out."""

# requires fastapi >= 0.132

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel


class Item(BaseModel):
    name: str


app = FastAPI()
lenient = APIRouter(strict_content_type=False)


@app.post("/strict/")
def strict(item: Item):
    return item


@lenient.post("/lenient/")
def loose(item: Item):
    return item


app.include_router(lenient)

RAW = b'{"name": "Foo"}'
REQUESTS = [
    ("POST", "/strict/", {"content": RAW, "headers": {"content-type": "application/json"}}),
    (
        "POST",
        "/strict/",
        {"content": RAW, "headers": {"content-type": "application/json; charset=utf-8"}},
    ),
    ("POST", "/strict/", {"content": RAW, "headers": {"content-type": "application/vnd.api+json"}}),
    ("POST", "/strict/", {"content": RAW, "headers": {"content-type": "text/plain"}}),
    ("POST", "/strict/", {"content": RAW}),
    (
        "POST",
        "/strict/",
        {"content": RAW, "headers": {"content-type": "application/x-www-form-urlencoded"}},
    ),
    ("POST", "/lenient/", {"content": RAW}),
    ("POST", "/lenient/", {"content": RAW, "headers": {"content-type": "text/plain"}}),
]
