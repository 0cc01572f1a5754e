"""Routers with ``""`` paths under a prefix, ``redirect_slashes=False``, explicit methods."""

from fastapi import APIRouter, FastAPI

app = FastAPI(redirect_slashes=False)
router = APIRouter(prefix="/items")


@router.get("")
def list_items():
    return ["a", "b"]


@router.post("/")
def create_item():
    return {"created": True}


@app.head("/ping")
def ping_head():
    return None


@app.options("/ping")
def ping_options():
    return {"methods": ["HEAD", "OPTIONS"]}


app.include_router(router)

REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items", {}),
    ("GET", "/items/", {}),
    ("POST", "/items/", {}),
    ("POST", "/items", {}),
    ("HEAD", "/ping", {}),
    ("OPTIONS", "/ping", {}),
    ("GET", "/ping", {}),
]
