"""Bodies that are dicts and lists at the top level."""

from fastapi import FastAPI
from pydantic import BaseModel


class Image(BaseModel):
    url: str
    name: str


app = FastAPI()


@app.post("/index-weights/")
async def create_index_weights(weights: dict[int, float]):
    return weights


@app.post("/images/multiple/")
async def create_multiple_images(images: list[Image]):
    return {"count": len(images), "names": [image.name for image in images]}


@app.post("/raw/")
def create_raw(payload: dict):
    return {"keys": sorted(payload)}


REQUESTS = [
    ("POST", "/index-weights/", {"json": {"1": 2.5, "3": 4}}),
    ("POST", "/index-weights/", {"json": {"a": 1}}),
    ("POST", "/index-weights/", {"json": [1, 2]}),
    ("POST", "/images/multiple/", {"json": [{"url": "u", "name": "n"}, {"url": "v", "name": "m"}]}),
    ("POST", "/images/multiple/", {"json": [{"url": "u"}]}),
    ("POST", "/images/multiple/", {"json": {"url": "u", "name": "n"}}),
    ("POST", "/images/multiple/", {"json": []}),
    ("POST", "/raw/", {"json": {"b": 1, "a": 2}}),
    ("POST", "/raw/", {"json": "text"}),
]
