"""Numeric validation: gt, ge, lt, le, multiple_of on ints, floats and query/path."""

from typing import Annotated

from fastapi import FastAPI, Path, Query

app = FastAPI()


@app.get("/items/{item_id}")
async def read_items(
    item_id: Annotated[int, Path(ge=1)],
    size: Annotated[float, Query(gt=0, lt=10.5)],
    step: Annotated[int, Query(multiple_of=5, le=100)] = 5,
    ratio: float = Query(default=0.5, ge=0, le=1),
):
    return {"item_id": item_id, "size": size, "step": step, "ratio": ratio}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/1?size=1", {}),
    ("GET", "/items/0?size=1", {}),
    ("GET", "/items/1?size=0", {}),
    ("GET", "/items/1?size=10.5", {}),
    ("GET", "/items/1?size=1&step=15", {}),
    ("GET", "/items/1?size=1&step=7", {}),
    ("GET", "/items/1?size=1&step=105", {}),
    ("GET", "/items/1?size=1&ratio=1.5", {}),
    ("GET", "/items/1?size=1&ratio=-0.1", {}),
    ("GET", "/items/1?size=inf", {}),
    ("GET", "/items/1?size=1e1", {}),
    ("GET", "/items/1", {}),
]
