"""Starlette app; pydantic used by hand for the POST body."""

from pathlib import Path

import jinja2
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

TEMPLATES = Path(__file__).parent / "templates"
env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
template = env.get_template("items.html")
ITEMS = [{"id": i, "name": f"Item {i}", "price": i * 1.25, "tags": ["a", "b"]} for i in range(20)]


class Item(BaseModel):
    name: str
    price: float
    quantity: int
    tags: list[str]
    active: bool


async def plaintext(request):
    return PlainTextResponse("Hello, World!")


async def json_endpoint(request):
    return JSONResponse({"message": "Hello, World!"})


async def get_item(request):
    item_id = request.path_params["item_id"]
    params = request.query_params
    q = params.get("q")
    limit = params.get("limit")
    if limit is None:
        limit = 10
    else:
        try:
            limit = int(limit)
        except ValueError:
            return JSONResponse({"detail": "limit must be an integer"}, status_code=422)
    return JSONResponse({"item_id": item_id, "q": q, "limit": limit})


async def create_item(request):
    body = await request.body()
    try:
        item = Item.model_validate_json(body)
    except ValidationError as exc:
        return Response(exc.json(), status_code=422, media_type="application/json")
    return Response(item.model_dump_json(), media_type="application/json")


async def html(request):
    return HTMLResponse(template.render(title="Items & prices", items=ITEMS))


app = Starlette(
    routes=[
        Route("/plaintext", plaintext, methods=["GET"]),
        Route("/json", json_endpoint, methods=["GET"]),
        Route("/items/{item_id:int}", get_item, methods=["GET"]),
        Route("/items", create_item, methods=["POST"]),
        Route("/html", html, methods=["GET"]),
    ]
)
