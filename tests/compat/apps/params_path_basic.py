"""Path parameters typed by annotation (default-value style, no markers)."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/items/{item_id}")
def read_item(item_id: int):
    return {"item_id": item_id}


@app.get("/prices/{price}")
async def read_price(price: float):
    return {"price": price}


@app.get("/flags/{flag}")
def read_flag(flag: bool):
    return {"flag": flag}


@app.get("/users/me")
def read_me():
    return {"user_id": "the current user"}


@app.get("/users/{user_id}")
def read_user(user_id: str):
    return {"user_id": user_id}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/3", {}),
    ("GET", "/items/foo", {}),
    ("GET", "/items/4.2", {}),
    ("GET", "/prices/4.5", {}),
    ("GET", "/prices/nan-ish", {}),
    ("GET", "/flags/yes", {}),
    ("GET", "/flags/0", {}),
    ("GET", "/flags/maybe", {}),
    ("GET", "/users/me", {}),
    ("GET", "/users/alice", {}),
    ("GET", "/users/caf%C3%A9", {}),
]
