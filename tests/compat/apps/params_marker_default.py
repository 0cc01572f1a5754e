"""A marker given as the default (``x: T = Query()``): the ``Annotated`` metadata is not applied."""

from typing import Annotated

from fastapi import FastAPI, Query
from pydantic import Field, Json

app = FastAPI()


@app.get("/ids/")
def read_ids(ids: Json[list[int]] = Query(default=[0])):
    # Not parsed as JSON: a repeated query parameter, like list[int].
    return {"ids": ids}


@app.get("/pages/")
def read_page(
    page: Annotated[int, Field(gt=0)] = Query(default=1),
    size: Annotated[int, Field(le=50, description="Page size")] = Query(default=10),
):
    return {"page": page, "size": size}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/ids/", {}),
    ("GET", "/ids/?ids=1&ids=2", {}),
    ("GET", "/ids/?ids=[1]", {}),
    ("GET", "/pages/?page=0&size=99", {}),
    ("GET", "/pages/?page=x", {}),
]
