"""``openapi_extra``: extensions and a hand-written request body merged into the operation."""

from fastapi import FastAPI, Request
from pydantic import BaseModel, ValidationError


class Item(BaseModel):
    name: str
    tags: list[str]


app = FastAPI()


@app.get("/items/", openapi_extra={"x-aperture-labs-portal": "blue"})
async def read_items():
    return [{"item_id": "portal-gun"}]


@app.post(
    "/items/",
    openapi_extra={
        "requestBody": {
            "content": {"application/x-yaml": {"schema": Item.model_json_schema()}},
            "required": True,
        },
    },
)
async def create_item(request: Request):
    raw_body = await request.body()
    try:
        item = Item.model_validate_json(raw_body)
    except ValidationError as e:
        return {"errors": len(e.errors())}
    return item


@app.get(
    "/merged/",
    responses={200: {"description": "Merged"}},
    openapi_extra={
        "responses": {"200": {"x-extra": True}},
        "parameters": [{"name": "raw", "in": "query", "schema": {"type": "string"}}],
    },
)
async def merged(q: int = 0):
    return {"q": q}


REQUESTS = [
    ("GET", "/items/", {}),
    ("POST", "/items/", {"content": b'{"name": "n", "tags": []}'}),
    ("POST", "/items/", {"content": b'{"name": 3}'}),
]
