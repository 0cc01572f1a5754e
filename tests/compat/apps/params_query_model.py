"""Query parameter models: ``Annotated[Model, Query()]`` with Field constraints and Literal."""

from typing import Annotated, Literal

from fastapi import FastAPI, Query
from pydantic import BaseModel, Field

app = FastAPI()


class FilterParams(BaseModel):
    model_config = {"extra": "forbid"}

    limit: int = Field(100, gt=0, le=100)
    offset: int = Field(0, ge=0)
    order_by: Literal["created_at", "updated_at"] = "created_at"
    tags: list[str] = []


class Paging(BaseModel):
    page: int = 1
    q: str | None = None


@app.get("/items/")
async def read_items(filter_query: Annotated[FilterParams, Query()]):
    return filter_query


@app.get("/pages/")
def read_pages(paging: Annotated[Paging, Query()], extra: str = "none"):
    return {"paging": paging, "extra": extra}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/", {}),
    ("GET", "/items/?limit=10&offset=5&order_by=updated_at&tags=a&tags=b", {}),
    ("GET", "/items/?limit=0", {}),
    ("GET", "/items/?limit=101&offset=-1", {}),
    ("GET", "/items/?order_by=name", {}),
    ("GET", "/items/?tool=plumbus", {}),
    ("GET", "/pages/?page=2&q=x&extra=y&unknown=z", {}),
    ("GET", "/pages/?page=two", {}),
]
