"""Sub-dependencies: a chain of sync and async dependencies reading query and cookies."""

from typing import Annotated

from fastapi import Cookie, Depends, FastAPI, Header

app = FastAPI()


def query_extractor(q: str | None = None):
    return q


async def query_or_cookie_extractor(
    q: Annotated[str, Depends(query_extractor)],
    last_query: Annotated[str | None, Cookie()] = None,
):
    if not q:
        return last_query
    return q


def client_info(agent: Annotated[str, Header(alias="x-agent")], query=Depends(query_extractor)):
    return {"agent": agent, "query": query}


@app.get("/items/")
async def read_query(query_or_default: Annotated[str, Depends(query_or_cookie_extractor)]):
    return {"q_or_cookie": query_or_default}


@app.get("/info/")
def info(client: Annotated[dict, Depends(client_info)], page: int = 1):
    return {"client": client, "page": page}


REQUESTS = [
    ("GET", "/items/?q=foo", {}),
    ("GET", "/items/", {"cookies": {"last_query": "from-cookie"}}),
    ("GET", "/items/", {}),
    ("GET", "/info/?q=x&page=2", {"headers": {"x-agent": "007"}}),
    ("GET", "/info/?page=two", {}),
]
