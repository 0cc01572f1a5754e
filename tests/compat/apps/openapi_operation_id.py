"""``operation_id``, ``generate_unique_id_function`` (app and router) and their model names."""

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel


def custom_generate_unique_id(route: APIRoute):
    return f"{route.tags[0]}-{route.name}"


def router_unique_id(route: APIRoute):
    return f"router-{route.name}"


app = FastAPI(generate_unique_id_function=custom_generate_unique_id)


class Item(BaseModel):
    name: str


@app.post("/items/", tags=["items"])
async def create_item(item: Item, importance: int = 0):
    return {"item": item, "importance": importance}


@app.get("/explicit/", tags=["x"], operation_id="some_specific_id_you_define")
async def explicit():
    return {}


router = APIRouter(tags=["users"], generate_unique_id_function=router_unique_id)


@router.post("/users/")
async def create_user(name: str, item: Item, other: Item):
    return {"name": name}


@router.get("/users/{user_id}", tags=["more"], generate_unique_id_function=lambda r: "own-id")
async def read_user(user_id: int):
    return {"user_id": user_id}


app.include_router(router)

REQUESTS = [
    ("POST", "/items/", {"json": {"name": "a"}}),
    ("GET", "/explicit/", {}),
    ("GET", "/users/3", {}),
]
