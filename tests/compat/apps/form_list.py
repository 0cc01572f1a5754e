"""Repeated form keys into ``list[str]`` / ``list[int]`` ``Form()`` parameters."""

from typing import Annotated

from fastapi import FastAPI, Form

app = FastAPI()


@app.post("/tags/")
def tags(tag: Annotated[list[str], Form()], weight: Annotated[list[int], Form()] = []):  # noqa: B006
    return {"tag": tag, "weight": weight}


@app.post("/maybe/")
def maybe(tag: Annotated[list[str] | None, Form()] = None):
    return {"tag": tag}


REQUESTS = [
    ("POST", "/tags/", {"data": {"tag": ["a", "b"], "weight": ["1", "2"]}}),
    ("POST", "/tags/", {"data": {"tag": "a"}}),
    ("POST", "/tags/", {"data": {"tag": ["a"], "weight": ["x"]}}),
    ("POST", "/tags/", {"data": {"weight": "1"}}),
    ("POST", "/maybe/", {}),
    ("POST", "/maybe/", {"data": {"tag": ["z", "y"]}}),
]
