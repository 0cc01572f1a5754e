"""HTTPException: status, detail (str, dict, list), custom headers."""

from fastapi import FastAPI, HTTPException

app = FastAPI()

items = {"foo": "The Foo Wrestlers"}


@app.get("/items/{item_id}")
async def read_item(item_id: str):
    if item_id not in items:
        raise HTTPException(status_code=404, detail="Item not found")
    return {"item": items[item_id]}


@app.get("/items-header/{item_id}")
async def read_item_header(item_id: str):
    if item_id not in items:
        raise HTTPException(
            status_code=404, detail="Item not found", headers={"X-Error": "There goes my error"}
        )
    return {"item": items[item_id]}


@app.get("/structured/")
def structured():
    raise HTTPException(status_code=409, detail={"code": "conflict", "ids": [1, 2]})


@app.get("/nodetail/")
def nodetail():
    raise HTTPException(status_code=429)


@app.get("/nocontent/")
def nocontent():
    raise HTTPException(status_code=304)


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/foo", {}),
    ("GET", "/items/bar", {}),
    ("GET", "/items-header/bar", {}),
    ("GET", "/structured/", {}),
    ("GET", "/nodetail/", {}),
    ("GET", "/nocontent/", {}),
]
