"""Boolean query parameters: every spelling pydantic accepts, and refusals."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/items/{item_id}")
async def read_item(item_id: str, short: bool = False, flag: bool | None = None):
    return {"item_id": item_id, "short": short, "flag": flag}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/a?short=1", {}),
    ("GET", "/items/a?short=True", {}),
    ("GET", "/items/a?short=true", {}),
    ("GET", "/items/a?short=on", {}),
    ("GET", "/items/a?short=yes", {}),
    ("GET", "/items/a?short=off", {}),
    ("GET", "/items/a?short=0", {}),
    ("GET", "/items/a?short=maybe", {}),
    ("GET", "/items/a?short=", {}),
    ("GET", "/items/a?flag=no", {}),
    ("GET", "/items/a?flag=2", {}),
]
