"""``dependencies=[...]`` on the app, a router, a path operation, and include_router."""

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException

seen: list[str] = []


async def verify_token(x_token: Annotated[str, Header()]):
    if x_token != "fake-super-secret-token":
        raise HTTPException(status_code=400, detail="X-Token header invalid")


async def verify_key(x_key: Annotated[str, Header()]):
    if x_key != "fake-super-secret-key":
        raise HTTPException(status_code=400, detail="X-Key header invalid")
    return x_key


def mark(tag: str):
    def dependency():
        seen.append(tag)

    return dependency


app = FastAPI(dependencies=[Depends(verify_token)])
router = APIRouter(dependencies=[Depends(mark("router"))])


@router.get("/items/", dependencies=[Depends(verify_key)])
async def read_items():
    return [{"item": "Foo"}, {"item": "Bar"}]


@app.get("/seen")
def read_seen():
    return seen


app.include_router(router, dependencies=[Depends(mark("include"))])

TOKEN = {"X-Token": "fake-super-secret-token"}
REQUESTS = [
    ("GET", "/items/", {"headers": {**TOKEN, "X-Key": "fake-super-secret-key"}}),
    ("GET", "/items/", {"headers": {**TOKEN, "X-Key": "wrong"}}),
    ("GET", "/items/", {"headers": {"X-Token": "wrong", "X-Key": "fake-super-secret-key"}}),
    ("GET", "/items/", {}),
    ("GET", "/seen", {"headers": TOKEN}),
    ("GET", "/seen", {}),
]
