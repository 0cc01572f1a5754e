"""Examples: ``openapi_examples`` on bodies and parameters, ``Field(examples=)``, model config."""

from typing import Annotated

from fastapi import Body, FastAPI, Path, Query
from pydantic import BaseModel, Field


class Item(BaseModel):
    name: str = Field(examples=["Foo"])
    description: str | None = Field(default=None, examples=["A very nice Item"])
    price: float = Field(examples=[35.4])
    tax: float | None = None

    model_config = {"json_schema_extra": {"examples": [{"name": "Foo", "price": 35.4, "tax": 3.2}]}}


app = FastAPI()


@app.put("/items/{item_id}")
async def update_item(
    item_id: Annotated[int, Path(examples=[1, 2])],
    item: Annotated[
        Item,
        Body(
            openapi_examples={
                "normal": {
                    "summary": "A normal example",
                    "description": "A **normal** item works correctly.",
                    "value": {"name": "Foo", "price": 35.4, "tax": 3.2},
                },
                "invalid": {"summary": "Invalid data is rejected", "value": {"name": "Baz"}},
            }
        ),
    ],
):
    return {"item_id": item_id, "item": item}


@app.get("/search/")
async def search(
    q: Annotated[
        str,
        Query(
            examples=["one"],
            openapi_examples={"short": {"summary": "short", "value": "ab"}},
            title="Query string",
        ),
    ],
):
    return {"q": q}


@app.post("/embedded/")
async def embedded(importance: Annotated[int, Body(examples=[5], gt=0)], name: str = Body()):
    return {"importance": importance, "name": name}


REQUESTS = [
    ("PUT", "/items/3", {"json": {"name": "Foo", "price": 35.4}}),
    ("GET", "/search/?q=abc", {}),
    ("POST", "/embedded/", {"json": {"importance": 5, "name": "n"}}),
]
