"""Falcon ASGI app; pydantic used by hand for the POST body."""

from pathlib import Path

import falcon
import falcon.asgi
import jinja2
from pydantic import BaseModel, ValidationError

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


class PlainText:
    async def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = "Hello, World!"


class Json:
    async def on_get(self, req, resp):
        resp.media = {"message": "Hello, World!"}


class ItemResource:
    async def on_get(self, req, resp, item_id):
        q = req.get_param("q")
        limit = req.get_param_as_int("limit", default=10)
        resp.media = {"item_id": item_id, "q": q, "limit": limit}


class Items:
    async def on_post(self, req, resp):
        body = await req.stream.read()
        try:
            item = Item.model_validate_json(body)
        except ValidationError as exc:
            resp.status = 422
            resp.content_type = falcon.MEDIA_JSON
            resp.text = exc.json()
            return
        resp.content_type = falcon.MEDIA_JSON
        resp.text = item.model_dump_json()


class Html:
    async def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_HTML
        resp.text = template.render(title="Items & prices", items=ITEMS)


app = falcon.asgi.App()
app.add_route("/plaintext", PlainText())
app.add_route("/json", Json())
app.add_route("/items/{item_id:int}", ItemResource())
app.add_route("/items", Items())
app.add_route("/html", Html())
