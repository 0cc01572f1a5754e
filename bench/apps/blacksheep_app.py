"""BlackSheep app (pydantic model bound with FromJSON)."""

from pathlib import Path

import jinja2
from blacksheep import Application, FromJSON, html as html_response, json, text
from pydantic import BaseModel

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


app = Application()
router = app.router


@router.get("/plaintext")
async def plaintext():
    return text("Hello, World!")


@router.get("/json")
async def json_endpoint():
    return json({"message": "Hello, World!"})


@router.get("/items/{int:item_id}")
async def get_item(item_id: int, q: str | None = None, limit: int = 10):
    return json({"item_id": item_id, "q": q, "limit": limit})


@router.post("/items")
async def create_item(item: FromJSON[Item]):
    return json(item.value.model_dump())


@router.get("/html")
async def html():
    return html_response(template.render(title="Items & prices", items=ITEMS))
