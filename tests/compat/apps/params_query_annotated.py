"""Query parameters with ``Annotated[..., Query(...)]`` string constraints and aliases."""

from typing import Annotated, Any

from fastapi import FastAPI, Query

app = FastAPI()


@app.get("/items/")
async def read_items(
    q: Annotated[str | None, Query(min_length=3, max_length=10, pattern="^fixed")] = None,
):
    results: dict[str, Any] = {"items": [{"item_id": "Foo"}, {"item_id": "Bar"}]}
    if q:
        results.update({"q": q})
    return results


@app.get("/aliased/")
async def read_aliased(q: Annotated[str, Query(alias="item-query")]):
    return {"q": q}


@app.get("/required/")
async def read_required(q: Annotated[str, Query(min_length=1)], n: Annotated[int, Query()] = 5):
    return {"q": q, "n": n}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/", {}),
    ("GET", "/items/?q=fixedquery", {}),
    ("GET", "/items/?q=fi", {}),
    ("GET", "/items/?q=nonfixedquery", {}),
    ("GET", "/items/?q=fixedqueryyyyyy", {}),
    ("GET", "/items/?q=wrong", {}),
    ("GET", "/aliased/?item-query=x", {}),
    ("GET", "/aliased/?q=x", {}),
    ("GET", "/required/", {}),
    ("GET", "/required/?q=", {}),
    ("GET", "/required/?q=a&n=2", {}),
    ("GET", "/required/?q=a&n=two", {}),
]
