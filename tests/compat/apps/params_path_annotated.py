"""Path parameters with ``Path()`` constraints, ``Annotated`` and default-value styles."""

from typing import Annotated

from fastapi import FastAPI, Path

app = FastAPI()


@app.get("/items/{item_id}")
async def read_items(item_id: Annotated[int, Path(title="The ID", gt=0, le=1000)]):
    return {"item_id": item_id}


@app.get("/sizes/{size}")
def read_size(size: float = Path(ge=0.5, lt=10.5)):
    return {"size": size}


@app.get("/codes/{code}")
def read_code(code: Annotated[str, Path(min_length=2, max_length=4, pattern="^[A-Z]+$")]):
    return {"code": code}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/1", {}),
    ("GET", "/items/1000", {}),
    ("GET", "/items/0", {}),
    ("GET", "/items/1001", {}),
    ("GET", "/items/-5", {}),
    ("GET", "/sizes/0.5", {}),
    ("GET", "/sizes/0.4", {}),
    ("GET", "/sizes/10.5", {}),
    ("GET", "/codes/AB", {}),
    ("GET", "/codes/A", {}),
    ("GET", "/codes/ABCDE", {}),
    ("GET", "/codes/ab", {}),
]
