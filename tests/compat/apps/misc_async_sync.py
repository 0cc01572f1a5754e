"""Sync and async endpoints and dependencies mixed, ``async def`` classes' ``__call__``."""

from typing import Annotated

from fastapi import Depends, FastAPI

app = FastAPI()


def sync_dep(a: int = 1):
    return a * 2


async def async_dep(b: int = 1, doubled: int = Depends(sync_dep)):
    return b + doubled


class AsyncCallable:
    async def __call__(self, c: str = "c"):
        return c.upper()


@app.get("/sync")
def sync_endpoint(value: Annotated[int, Depends(async_dep)]):
    return {"value": value}


@app.get("/async")
async def async_endpoint(value: Annotated[int, Depends(async_dep)], c=Depends(AsyncCallable())):
    return {"value": value, "c": c}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/sync?a=2&b=3", {}),
    ("GET", "/async?c=x", {}),
    ("GET", "/async?a=x&b=y", {}),
]
