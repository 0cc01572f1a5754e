"""Unmarked collection parameters are read from the body; ``Query()`` makes them query ones."""

from collections import deque
from collections.abc import Mapping, Sequence
from typing import Annotated

from fastapi import FastAPI, Query

app = FastAPI()


@app.post("/ids/")
def sum_ids(ids: list[int]):
    return {"ids": ids, "total": sum(ids)}


@app.get("/tags/")
def read_tags(tags: set[str], limit: int = 10):
    return {"tags": sorted(tags), "limit": limit}


@app.post("/both/")
def both(ids: list[int], weights: dict[str, float], note: str = ""):
    return {"ids": ids, "weights": weights, "note": note}


@app.post("/abc/")
def abstract(items: Sequence[str], extra: Mapping[str, int] | None = None):
    return {"items": list(items), "extra": dict(extra or {})}


@app.post("/queue/")
def queue(jobs: deque[int], pairs: tuple[int, int] | None = None):
    return {"jobs": list(jobs), "pairs": pairs}


@app.get("/query/")
def explicit(ids: Annotated[list[int], Query()], word: str = "x"):
    return {"ids": ids, "word": word}


REQUESTS = [
    ("POST", "/ids/", {"json": [1, 2, 3]}),
    ("POST", "/ids/?ids=1&ids=2", {}),  # not a query parameter: the body is missing
    ("POST", "/ids/", {"json": [1, "x"]}),
    ("POST", "/ids/", {"json": {"ids": [1]}}),
    ("GET", "/tags/", {"json": ["b", "a", "b"]}),
    ("GET", "/tags/?limit=3", {"json": ["a"]}),
    ("GET", "/tags/?tags=a", {}),
    ("POST", "/both/", {"json": {"ids": [1, 2], "weights": {"a": 0.5}}}),
    ("POST", "/both/?note=hi", {"json": {"ids": [], "weights": {}}}),
    ("POST", "/both/", {"json": {"ids": [1]}}),
    ("POST", "/both/", {"json": [1, 2]}),
    ("POST", "/abc/", {"json": {"items": ["x", "y"], "extra": {"n": 1}}}),
    ("POST", "/abc/", {"json": {"items": "xy"}}),
    ("POST", "/queue/", {"json": {"jobs": [3, 1], "pairs": [1, 2]}}),
    ("POST", "/queue/", {"json": {"jobs": [3], "pairs": [1, 2, 3]}}),
    ("GET", "/query/?ids=1&ids=2&word=y", {}),
    ("GET", "/query/", {"json": [1]}),
]
