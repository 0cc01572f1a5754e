"""Query parameters in the default-value style: required, optional, defaults, ``Query()``."""

from fastapi import FastAPI, Query

app = FastAPI()

fake_items_db = [{"item_name": "Foo"}, {"item_name": "Bar"}, {"item_name": "Baz"}]


@app.get("/items/")
async def read_items(skip: int = 0, limit: int = 10):
    return fake_items_db[skip : skip + limit]


@app.get("/items/{item_id}")
async def read_item(item_id: str, needy: str, q: str | None = None, short: bool = False):
    item = {"item_id": item_id, "needy": needy, "q": q}
    if not short:
        item.update({"description": "This is an amazing item that has a long description"})
    return item


@app.get("/search")
def search(term: str = Query(default="all", max_length=8), page: int = Query(1, ge=1)):
    return {"term": term, "page": page}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/", {}),
    ("GET", "/items/?skip=1&limit=1", {}),
    ("GET", "/items/?skip=x", {}),
    ("GET", "/items/?skip=1&skip=2", {}),
    ("GET", "/items/foo?needy=sooo", {}),
    ("GET", "/items/foo?needy=sooo&q=bar&short=true", {}),
    ("GET", "/items/foo", {}),
    ("GET", "/items/foo?needy=", {}),
    ("GET", "/search", {}),
    ("GET", "/search?term=lamps&page=3", {}),
    ("GET", "/search?term=verylongterm&page=0", {}),
]
