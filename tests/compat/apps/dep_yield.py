"""Dependencies with ``yield``: setup/cleanup order, observable through a log endpoint."""

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException

app = FastAPI()
log: list[str] = []


async def get_db():
    log.append("db open")
    try:
        yield "db"
    finally:
        log.append("db close")


def get_repo(db: Annotated[str, Depends(get_db)]):
    log.append("repo open")
    yield f"repo({db})"
    log.append("repo close")


@app.get("/items/{item_id}")
def read_item(item_id: int, repo: Annotated[str, Depends(get_repo)]):
    log.append(f"handler {item_id}")
    if item_id == 0:
        raise HTTPException(status_code=404, detail="Item not found")
    return {"repo": repo, "item_id": item_id}


@app.get("/log")
def read_log():
    entries = list(log)
    log.clear()
    return entries


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/1", {}),
    ("GET", "/log", {}),
    ("GET", "/items/0", {}),
    ("GET", "/log", {}),
    ("GET", "/items/x", {}),
    ("GET", "/log", {}),
]
