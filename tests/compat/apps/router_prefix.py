"""APIRouter with prefix, tags, dependencies and responses, included with extra options."""

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException


async def get_token_header(x_token: Annotated[str, Header()]):
    if x_token != "fake-super-secret-token":
        raise HTTPException(status_code=400, detail="X-Token header invalid")


router = APIRouter(
    prefix="/items",
    tags=["items"],
    dependencies=[Depends(get_token_header)],
    responses={404: {"description": "Not found"}},
)

fake_items_db = {"plumbus": {"name": "Plumbus"}, "gun": {"name": "Portal Gun"}}


@router.get("/")
async def read_items():
    return fake_items_db


@router.get("/{item_id}")
async def read_item(item_id: str):
    if item_id not in fake_items_db:
        raise HTTPException(status_code=404, detail="Item not found")
    return {"name": fake_items_db[item_id]["name"], "item_id": item_id}


@router.put("/{item_id}", tags=["custom"], responses={403: {"description": "Forbidden"}})
async def update_item(item_id: str):
    if item_id != "plumbus":
        raise HTTPException(status_code=403, detail="You can only update the item: plumbus")
    return {"item_id": item_id, "name": "The great Plumbus"}


app = FastAPI()
app.include_router(router, prefix="/api")

H = {"headers": {"X-Token": "fake-super-secret-token"}}
REQUESTS = [
    ("GET", "/api/items/", H),
    ("GET", "/api/items/gun", H),
    ("GET", "/api/items/nope", H),
    ("PUT", "/api/items/gun", H),
    ("PUT", "/api/items/plumbus", H),
    ("GET", "/api/items/", {}),
    ("GET", "/items/", H),
]
