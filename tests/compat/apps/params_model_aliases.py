"""Parameter models: nullable ones, aliases and alias choices of their fields, header names."""

from typing import Annotated

from fastapi import FastAPI, Header, Query
from pydantic import AliasChoices, BaseModel, ConfigDict, Field


class Filters(BaseModel):
    q: str
    limit: int = Field(10, validation_alias=AliasChoices("limit", "size"))
    order_by: str = Field("id", validation_alias="order")
    tags: list[str] = Field([], validation_alias=AliasChoices("tag", "t"))


class Client(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    trace_id: str = Field(alias="X-Trace-Id")
    user_agent: str | None = None
    save_data: bool = False


app = FastAPI()


@app.get("/items/")
def read_items(filters: Annotated[Filters | None, Query()] = None):
    return {"filters": filters}


@app.get("/required/")
def read_required(filters: Annotated[Filters | None, Query()]):
    return {"filters": filters}


@app.get("/client/")
def read_client(client: Annotated[Client, Header()]):
    return client


REQUESTS = [
    ("GET", "/items/", {}),
    ("GET", "/items/?other=1", {}),  # none of its names: None
    ("GET", "/items/?q=a&size=3&order=name&t=x&t=y", {}),
    ("GET", "/items/?limit=x", {}),  # one of its names: validated
    ("GET", "/required/", {}),
    ("GET", "/required/?q=b", {}),
    ("GET", "/client/", {"headers": {"x-trace-id": "t1", "save-data": "on"}}),
    ("GET", "/client/", {"headers": {"x-trace-id": "t1", "save_data": "on"}}),
    ("GET", "/client/", {"headers": {"save-data": "maybe"}}),
]
