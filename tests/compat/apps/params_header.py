"""Header parameters: underscore conversion, ``convert_underscores=False``, lists, aliases."""

from typing import Annotated

from fastapi import FastAPI, Header

app = FastAPI()


@app.get("/items/")
async def read_items(user_agent: Annotated[str | None, Header()] = None):
    return {"User-Agent": user_agent}


@app.get("/strange/")
async def read_strange(
    strange_header: Annotated[str | None, Header(convert_underscores=False)] = None,
):
    return {"strange_header": strange_header}


@app.get("/tokens/")
async def read_tokens(x_token: Annotated[list[str] | None, Header()] = None):
    return {"X-Token values": x_token}


@app.get("/required/")
def read_required(x_key: str = Header(min_length=3), x_count: int = Header(default=1)):
    return {"x_key": x_key, "x_count": x_count}


REQUESTS = [
    ("GET", "/items/", {}),
    ("GET", "/items/", {"headers": {"User-Agent": "agent/1.0"}}),
    ("GET", "/strange/", {"headers": {"strange_header": "x"}}),
    ("GET", "/strange/", {"headers": {"strange-header": "x"}}),
    ("GET", "/tokens/", {"headers": [("X-Token", "foo"), ("X-Token", "bar")]}),
    ("GET", "/tokens/", {}),
    ("GET", "/required/", {"headers": {"X-Key": "abcd"}}),
    ("GET", "/required/", {"headers": {"X-Key": "ab", "X-Count": "x"}}),
    ("GET", "/required/", {}),
    ("GET", "/required/", {"headers": {"x_key": "abcd"}}),
]
