"""Yield dependencies that see the endpoint's exception, and that raise before yielding."""

from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException

app = FastAPI()
log: list[str] = []


class OwnerError(Exception):
    pass


def get_username():
    try:
        yield "Rick"
    except OwnerError as e:
        log.append(f"caught {e}")
        raise HTTPException(status_code=400, detail=f"Owner error: {e}") from None


def require_key(x_key: Annotated[str | None, Header()] = None):
    if x_key != "secret":
        log.append("refused")
        raise HTTPException(status_code=403, detail="Bad key")
    yield x_key
    log.append("key released")


@app.get("/items/{item_id}")
def get_item(item_id: str, username: Annotated[str, Depends(get_username)]):
    if item_id == "portal-gun":
        raise OwnerError(username)
    return {"item_id": item_id, "owner": username}


@app.get("/guarded")
def guarded(key: Annotated[str, Depends(require_key)]):
    return {"key": key}


@app.get("/log")
def read_log():
    entries = list(log)
    log.clear()
    return entries


REQUESTS = [
    ("GET", "/items/plumbus", {}),
    ("GET", "/items/portal-gun", {}),
    ("GET", "/log", {}),
    ("GET", "/guarded", {}),
    ("GET", "/guarded", {"headers": {"x-key": "secret"}}),
    ("GET", "/log", {}),
]
