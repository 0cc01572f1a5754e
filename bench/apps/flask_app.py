"""Flask (WSGI) app, served by gunicorn's sync worker; pydantic used by hand for the POST body."""

from pathlib import Path

import jinja2
from flask import Flask, Response, jsonify, request
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


app = Flask(__name__)


@app.get("/plaintext")
def plaintext():
    return Response("Hello, World!", mimetype="text/plain")


@app.get("/json")
def json_endpoint():
    return jsonify(message="Hello, World!")


@app.get("/items/<int:item_id>")
def get_item(item_id):
    q = request.args.get("q")
    limit = request.args.get("limit")
    if limit is None:
        limit = 10
    else:
        try:
            limit = int(limit)
        except ValueError:
            return jsonify(detail="limit must be an integer"), 422
    return jsonify(item_id=item_id, q=q, limit=limit)


@app.post("/items")
def create_item():
    try:
        item = Item.model_validate_json(request.get_data())
    except ValidationError as exc:
        return Response(exc.json(), status=422, mimetype="application/json")
    return Response(item.model_dump_json(), mimetype="application/json")


@app.get("/html")
def html():
    return Response(template.render(title="Items & prices", items=ITEMS), mimetype="text/html")
