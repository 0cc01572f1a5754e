"""A function dependency with query parameters, shared by two endpoints (Annotated alias)."""

from typing import Annotated

from fastapi import Depends, FastAPI

app = FastAPI()


async def common_parameters(q: str | None = None, skip: int = 0, limit: int = 100):
    return {"q": q, "skip": skip, "limit": limit}


CommonsDep = Annotated[dict, Depends(common_parameters)]


@app.get("/items/")
async def read_items(commons: CommonsDep):
    return commons


@app.get("/users/")
def read_users(commons: dict = Depends(common_parameters)):
    return {"users": [], **commons}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/", {}),
    ("GET", "/items/?q=foo&skip=5&limit=30", {}),
    ("GET", "/items/?skip=five", {}),
    ("GET", "/users/?limit=1", {}),
    ("GET", "/users/?limit=x&skip=y", {}),
]
