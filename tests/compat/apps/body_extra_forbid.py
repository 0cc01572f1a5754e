"""A body model with ``extra="forbid"`` and one with aliases / populate_by_name."""

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

app = FastAPI()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str


class Aliased(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    item_name: str = Field(alias="itemName")
    count: int = 0


@app.post("/strict/")
def strict(item: Strict):
    return item


@app.post("/aliased/")
def aliased(item: Aliased):
    return {"item_name": item.item_name, "count": item.count, "dump": item}


REQUESTS = [
    ("POST", "/strict/", {"json": {"name": "a"}}),
    ("POST", "/strict/", {"json": {"name": "a", "extra": 1}}),
    ("POST", "/aliased/", {"json": {"itemName": "x"}}),
    ("POST", "/aliased/", {"json": {"item_name": "x", "count": 2}}),
    ("POST", "/aliased/", {"json": {"name": "x"}}),
]
