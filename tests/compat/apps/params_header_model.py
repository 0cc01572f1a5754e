"""Header parameter models: ``Annotated[Model, Header()]`` with and without extra=forbid."""

from typing import Annotated

from fastapi import FastAPI, Header
from pydantic import BaseModel


class CommonHeaders(BaseModel):
    host: str
    save_data: bool
    if_modified_since: str | None = None
    traceparent: str | None = None
    x_tag: list[str] = []


class StrictHeaders(BaseModel):
    model_config = {"extra": "forbid"}

    x_api_key: str


app = FastAPI()


@app.get("/items/")
async def read_items(headers: Annotated[CommonHeaders, Header()]):
    return headers


@app.get("/strict/")
async def read_strict(headers: Annotated[StrictHeaders, Header()]):
    return headers


REQUESTS = [
    ("GET", "/items/", {"headers": {"save-data": "true", "x-tag": "a"}}),
    ("GET", "/items/", {"headers": [("save-data", "no"), ("x-tag", "a"), ("x-tag", "b")]}),
    ("GET", "/items/", {}),
    ("GET", "/items/", {"headers": {"save-data": "perhaps", "traceparent": "123"}}),
    ("GET", "/strict/", {"headers": {"x-api-key": "k"}}),
    ("GET", "/strict/", {}),
]
