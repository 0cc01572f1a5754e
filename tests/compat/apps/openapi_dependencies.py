"""Parameters and bodies of dependencies appear in the operation, each dependency once."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, FastAPI, Header, Query
from pydantic import BaseModel


class Item(BaseModel):
    name: str


async def common(q: str | None = None, skip: int = 0, limit: int = 100):
    return {"q": q, "skip": skip, "limit": limit}


async def verify_token(x_token: Annotated[str, Header()]):
    return x_token


def query_extractor(q: str | None = None):
    return q


def query_or_cookie(q: Annotated[str, Depends(query_extractor)], last: str | None = Query(None)):
    return q or last


async def extra_body(note: Annotated[str, Body()]):
    return note


app = FastAPI(dependencies=[Depends(verify_token)])
router = APIRouter(prefix="/r", dependencies=[Depends(common)])


@app.get("/items/")
async def read_items(commons: Annotated[dict, Depends(common)], q: str | None = None):
    return commons


@app.get("/sub/")
async def read_sub(
    value: Annotated[str, Depends(query_or_cookie)], again: Annotated[str, Depends(query_extractor)]
):
    return {"value": value}


@app.post("/items/")
async def create_item(item: Item, note: Annotated[str, Depends(extra_body)]):
    return {"item": item, "note": note}


@router.get("/{item_id}")
async def in_router(item_id: int, limit: int = 5):
    return {"item_id": item_id}


app.include_router(router)

REQUESTS = [
    ("GET", "/items/?q=a", {"headers": {"x-token": "t"}}),
    ("GET", "/items/", {}),
    (
        "POST",
        "/items/",
        {"json": {"item": {"name": "a"}, "note": "n"}, "headers": {"x-token": "t"}},
    ),
]
