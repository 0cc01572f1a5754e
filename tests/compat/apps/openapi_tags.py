"""Tags: per route, per router and per include, Enum tags, and ``openapi_tags`` metadata."""

from enum import Enum
from typing import Any

from fastapi import APIRouter, FastAPI


class Tags(Enum):
    items = "items"
    users = "users"


tags_metadata: list[dict[str, Any]] = [
    {"name": "users", "description": "Operations with users. The **login** logic is here."},
    {
        "name": "items",
        "description": "Manage items.",
        "externalDocs": {"description": "Items external docs", "url": "https://example.com/"},
    },
]

app = FastAPI(openapi_tags=tags_metadata)
router = APIRouter(prefix="/users", tags=[Tags.users])
admin = APIRouter(tags=["admin"])


@app.get("/items/", tags=[Tags.items])
async def get_items():
    return ["Portal gun", "Plumbus"]


@app.get("/both/", tags=["items", "users"])
async def both():
    return "both"


@router.get("/")
async def read_users():
    return ["Rick", "Morty"]


@admin.post("/reset", tags=["danger"])
async def reset():
    return {"reset": True}


app.include_router(router)
app.include_router(admin, prefix="/admin", tags=["internal"])

REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/", {}),
    ("GET", "/users/", {}),
    ("POST", "/admin/reset", {}),
]
