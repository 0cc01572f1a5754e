"""``request.url_for`` and ``app.url_path_for`` with path parameters, across routers."""

from fastapi import APIRouter, FastAPI, Request

app = FastAPI()
router = APIRouter(prefix="/users")


@router.get("/{user_id}/items/{item_id}", name="user_item")
def user_item(user_id: int, item_id: str):
    return {"user_id": user_id, "item_id": item_id}


app.include_router(router)


@app.get("/links/{item_id}")
def links(request: Request, item_id: str):
    return {
        "self": str(request.url_for("links", item_id=item_id)),
        "user_item": str(request.url_for("user_item", user_id=1, item_id=item_id)),
        "path": app.url_path_for("user_item", user_id=2, item_id="x"),
        "url": str(request.url),
        "base_url": str(request.base_url),
    }


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/links/abc", {}),
    ("GET", "/links/a%20b?q=1", {}),
    ("GET", "/users/1/items/abc", {}),
]
