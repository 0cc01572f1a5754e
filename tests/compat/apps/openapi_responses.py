"""``responses=`` extras (models, ranges, ``default``, other media types) and status codes."""

from fastapi import FastAPI, status
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel


class Item(BaseModel):
    id: str
    value: str


class Message(BaseModel):
    message: str


app = FastAPI(responses={418: {"description": "I'm a teapot, everywhere"}})


@app.get("/items/{item_id}", response_model=Item, responses={404: {"model": Message}})
async def read_item(item_id: str):
    if item_id == "foo":
        return {"id": "foo", "value": "there goes my hero"}
    return JSONResponse(status_code=404, content={"message": "Item not found"})


@app.get(
    "/image/{item_id}",
    response_model=Item,
    responses={
        200: {"content": {"image/png": {}}, "description": "Return the JSON item or an image."},
        "4XX": {"model": Message, "description": "Client trouble"},
        "default": {"description": "Anything else"},
    },
)
async def read_image(item_id: str, img: bool | None = None):
    if img:
        return FileResponse(__file__, media_type="image/png")
    return {"id": "foo", "value": "there goes my hero"}


@app.post("/items/", status_code=status.HTTP_201_CREATED, response_model=Item)
async def create_item(item: Item):
    return item


@app.delete("/items/{item_id}", status_code=204, responses={403: {"description": "Forbidden"}})
async def delete_item(item_id: str):
    return None


@app.get("/redirected", responses={302: {"description": "Moved"}, 500: {}})
async def other():
    return {}


REQUESTS = [
    ("GET", "/items/foo", {}),
    ("GET", "/items/bar", {}),
    ("POST", "/items/", {"json": {"id": "a", "value": "b"}}),
    ("DELETE", "/items/a", {}),
]
