"""``deprecated`` and ``include_in_schema`` on routes, routers, includes and parameters."""

from typing import Annotated

from fastapi import APIRouter, FastAPI, Header, Query

app = FastAPI()
old = APIRouter(prefix="/old", deprecated=True)
hidden = APIRouter(prefix="/hidden", include_in_schema=False)
partly = APIRouter(prefix="/partly")


@app.get("/elements/", deprecated=True)
async def read_elements():
    return [{"item_id": "Foo"}]


@app.get("/items/")
async def read_items(
    q: Annotated[str | None, Query(deprecated=True, description="Old query")] = None,
    secret: Annotated[str | None, Query(include_in_schema=False)] = None,
    x_hidden: Annotated[str | None, Header(include_in_schema=False)] = None,
):
    return {"q": q, "secret": secret, "x_hidden": x_hidden}


@app.get("/internal/", include_in_schema=False)
async def internal():
    return {"internal": True}


@old.get("/")
async def old_root():
    return {"old": True}


@hidden.get("/")
async def hidden_root():
    return {"hidden": True}


@partly.get("/shown")
async def shown():
    return {}


@partly.get("/gone")
async def gone():
    return {}


app.include_router(old)
app.include_router(hidden)
app.include_router(partly, deprecated=True)
app.include_router(partly, prefix="/v2", include_in_schema=False)

REQUESTS = [
    ("GET", "/items/?secret=s", {"headers": {"x-hidden": "h"}}),
    ("GET", "/hidden/", {}),
    ("GET", "/v2/partly/shown", {}),
]
