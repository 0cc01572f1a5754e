"""Dependency caching within one request, and ``use_cache=False``."""

from typing import Annotated

from fastapi import Depends, FastAPI

app = FastAPI()
calls = {"count": 0}


def counter():
    calls["count"] += 1
    return calls["count"]


def first(value: Annotated[int, Depends(counter)]):
    return value


def second(value: Annotated[int, Depends(counter)]):
    return value


@app.get("/cached")
def cached(a: Annotated[int, Depends(first)], b: Annotated[int, Depends(second)]):
    return {"a": a, "b": b, "same": a == b}


@app.get("/uncached")
def uncached(
    a: Annotated[int, Depends(counter)],
    b: Annotated[int, Depends(counter, use_cache=False)],
):
    return {"a": a, "b": b, "same": a == b}


@app.get("/reset")
def reset():
    calls["count"] = 0
    return calls


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/reset", {}),
    ("GET", "/cached", {}),
    ("GET", "/cached", {}),
    ("GET", "/reset", {}),
    ("GET", "/uncached", {}),
]
