"""Parameter models (query, header, cookie) flattened into the operation's parameters."""

from typing import Annotated, Literal

from fastapi import Cookie, FastAPI, Header, Query
from pydantic import BaseModel, Field


class FilterParams(BaseModel):
    model_config = {"extra": "forbid"}

    limit: int = Field(100, gt=0, le=100, description="How many")
    offset: int = Field(0, ge=0)
    order_by: Literal["created_at", "updated_at"] = "created_at"
    tags: list[str] = []


class CommonHeaders(BaseModel):
    host: str
    save_data: bool
    if_modified_since: str | None = None
    traceparent: str | None = Field(None, alias="x-trace")


class Cookies(BaseModel):
    session_id: str
    fatebook_tracker: str | None = None


app = FastAPI()


@app.get("/items/")
async def read_items(filter_query: Annotated[FilterParams, Query()]):
    return filter_query


@app.get("/headers/")
async def read_headers(headers: Annotated[CommonHeaders, Header()]):
    return headers


@app.get("/cookies/")
async def read_cookies(cookies: Annotated[Cookies, Cookie()]):
    return cookies


REQUESTS = [
    ("GET", "/items/?limit=5&tags=a&tags=b", {}),
    ("GET", "/items/?limit=500", {}),
    ("GET", "/cookies/", {"cookies": {"session_id": "s"}}),
]
