"""The app served by real servers in ``test_bad_input.py`` and ``test_security_advisories.py``.

Written against Heron's public API only. ``hits`` counts the requests that reached an
endpoint, so a raw-socket test can check that a smuggled second request never did
(``GET /hits`` reads it; it is per process, so read it from the same server).
``items_read`` lists the ``item_id`` of every ``GET /items/{item_id}`` that reached the app
(``GET /items-read``), so a test can tell one smuggled request from any other.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from heron import Heron, Request
from heron.responses import FileResponse, PlainTextResponse, RedirectResponse

THIS_FILE = Path(__file__).resolve()
SMALL_LIMIT = 1024

app = Heron()
hits: dict[str, int] = {"count": 0}
items_read: list[int] = []


class Item(BaseModel):
    name: str
    price: float = 0.0
    tags: list[str] = []


class Tree(BaseModel):
    """Recursive model: a deeply nested body recurses into the validator."""

    value: int = 0
    children: list[Tree] = []


@app.get("/")
async def root() -> dict[str, bool]:
    return {"ok": True}


@app.get("/items/{item_id}")
async def read_item(item_id: int, q: str | None = None) -> dict[str, Any]:
    hits["count"] += 1
    items_read.append(item_id)
    return {"item_id": item_id, "q": q}


@app.post("/items")
async def create_item(item: Item) -> Item:
    hits["count"] += 1
    return item


@app.post("/trees")
async def create_tree(tree: Tree) -> dict[str, int]:
    return {"value": tree.value}


@app.post("/any-json")
async def any_json(payload: Any) -> dict[str, str]:
    return {"type": type(payload).__name__}


@app.route("/hello/<name>")
def hello(name: str) -> str:
    return f"<p>Hello {html.escape(name)}</p>"


@app.get("/echo")
async def echo(request: Request) -> dict[str, Any]:
    """What Heron parsed from the request: cookies, headers, query, paths."""
    hits["count"] += 1
    return {
        "cookies": request.cookies,
        "headers": request.headers.items(),
        "query": request.query_params.multi_items(),
        "path": request.url.path,
        "scope_path": request.scope["path"],
        "method": request.method,
    }


@app.post("/body")
async def body(request: Request) -> dict[str, int]:
    hits["count"] += 1
    data = await request.body()
    return {"length": len(data)}


@app.post("/json")
async def json_body(request: Request) -> dict[str, str]:
    data = await request.json()
    return {"type": type(data).__name__}


@app.get("/ints/{n:int}")
async def ints(n: int) -> dict[str, int]:
    return {"n": n}


@app.get("/header")
async def header(value: str = "") -> PlainTextResponse:
    """Reflects user input into a response header (SECURITY.md G1)."""
    return PlainTextResponse("ok", headers={"x-echo": value})


@app.get("/hits")
async def get_hits() -> dict[str, int]:
    return {"count": hits["count"]}


@app.get("/items-read")
async def get_items_read() -> list[int]:
    return items_read


@app.get("/file")
async def file() -> FileResponse:
    """This module's own source: tests read the same file to know the expected bytes."""
    return FileResponse(THIS_FILE, media_type="text/plain")


@app.get("/plain")
async def plain() -> PlainTextResponse:
    return PlainTextResponse("plain")


# Only the slash-terminated form exists: `/dir` and `//evil.com/dir`-style requests hit the
# redirect_slashes machinery (SECURITY.md F1).
@app.get("/dir/")
async def directory() -> dict[str, str]:
    return {"dir": "yes"}


# A catch-all with a trailing slash: `GET //evil.com` is redirected to `//evil.com/` if
# redirect_slashes builds a scheme-relative Location.
@app.get("/catch/{rest:path}/")
async def catch(rest: str) -> dict[str, str]:
    return {"rest": rest}


@app.get("/go")
async def go(to: str = "/") -> RedirectResponse:
    return RedirectResponse(to)


small = Heron(max_body_size=SMALL_LIMIT)


@small.post("/body")
async def small_body(request: Request) -> dict[str, int]:
    data = await request.body()
    return {"length": len(data)}


@small.post("/items")
async def small_items(item: Item) -> Item:
    return item


app.mount("/small", small)
