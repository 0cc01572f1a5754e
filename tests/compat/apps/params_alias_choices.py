"""``validation_alias`` on query, header, cookie and path parameters (AliasChoices, AliasPath)."""

from typing import Annotated

from fastapi import Cookie, FastAPI, Header, Path, Query
from pydantic import AliasChoices, AliasPath

app = FastAPI()


@app.get("/search/")
def search(
    term: Annotated[str, Query(validation_alias=AliasChoices("q", "search"))],
    size: Annotated[int, Query(alias="limit", validation_alias="page-size")] = 10,
    tags: Annotated[list[str], Query(validation_alias=AliasChoices("tag", "t"))] = [],  # noqa: B006
):
    return {"term": term, "size": size, "tags": tags}


@app.get("/path-alias/")
def path_alias(term: Annotated[str, Query(validation_alias=AliasPath("q", 0))] = "none"):
    # An AliasPath cannot pick from a query string: the parameter keeps its own name.
    return {"term": term}


@app.get("/items/{item_id}")
def read_item(item: Annotated[int, Path(validation_alias=AliasChoices("id", "item_id"))]):
    return {"item": item}


@app.get("/whoami/")
def whoami(
    token: Annotated[str, Header(validation_alias=AliasChoices("x-token", "x_auth"))],
    session: Annotated[str | None, Cookie(validation_alias=AliasChoices("sid", "session"))] = None,
):
    return {"token": token, "session": session}


REQUESTS = [
    ("GET", "/search/?q=red", {}),
    ("GET", "/search/?search=blue&q=red", {}),  # the first choice wins, wherever it is
    ("GET", "/search/?term=green", {}),  # the parameter's name is not a choice
    ("GET", "/search/", {}),  # missing: reported under the first choice
    ("GET", "/search/?q=a&page-size=x", {}),  # the error names the alias that was read
    ("GET", "/search/?q=a&limit=3", {}),
    ("GET", "/search/?q=a&tag=x&tag=y&t=z", {}),
    ("GET", "/search/?q=a&t=z", {}),
    ("GET", "/path-alias/?q=x", {}),
    ("GET", "/path-alias/?term=x", {}),
    ("GET", "/items/42", {}),
    ("GET", "/items/forty-two", {}),
    ("GET", "/whoami/", {"headers": {"x-token": "t1"}, "cookies": {"session": "s1"}}),
    ("GET", "/whoami/", {"headers": {"x_auth": "t2"}, "cookies": {"sid": "s2"}}),
    ("GET", "/whoami/", {}),
]
