"""``Json[...]`` query, header and cookie parameters: the text is parsed as JSON, then validated."""

from typing import Annotated, Any

from fastapi import Cookie, FastAPI, Header, Query
from pydantic import Json

app = FastAPI()


@app.get("/search/")
def search(filters: Annotated[Json[Any], Query()]):
    return {"filters": filters}


@app.get("/ids/")
def read_ids(ids: Annotated[Json[list[int]], Query()]):
    return {"ids": ids, "total": sum(ids)}


@app.get("/loose/")
def loose(data: Json[Any] = None):
    return {"data": data}


@app.get("/header/")
def read_header(x_filter: Annotated[Json[dict[str, int]], Header()]):
    return {"filter": x_filter}


@app.get("/cookie/")
def read_cookie(prefs: Annotated[Json[dict[str, Any]] | None, Cookie()] = None):
    return {"prefs": prefs}


REQUESTS = [
    ("GET", "/search/", {"params": {"filters": '{"color": "red", "size": [1, 2]}'}}),
    ("GET", "/search/", {"params": {"filters": "null"}}),
    ("GET", "/search/", {"params": {"filters": "{not json"}}),  # json_invalid
    ("GET", "/search/", {}),  # missing
    ("GET", "/ids/", {"params": {"ids": "[1, 2, 3]"}}),
    ("GET", "/ids/?ids=[1]&ids=[2,3]", {}),  # the last value is the JSON text
    ("GET", "/ids/?ids=1&ids=2", {}),  # not a repeated parameter: 2 is not a list
    ("GET", "/ids/", {"params": {"ids": '[1, "x"]'}}),  # the inner error's input is parsed
    ("GET", "/ids/", {"params": {"ids": "[1,"}}),
    ("GET", "/loose/", {}),
    ("GET", "/loose/", {"params": {"data": '[1, "two", {"three": 3}]'}}),
    ("GET", "/loose/", {"params": {"data": "nul"}}),
    ("GET", "/header/", {"headers": {"x-filter": '{"min": 1, "max": 9}'}}),
    ("GET", "/header/", {"headers": {"x-filter": '{"min": "low"}'}}),
    ("GET", "/header/", {"headers": {"x-filter": "oops"}}),
    ("GET", "/header/", {}),
    ("GET", "/cookie/", {"cookies": {"prefs": '{"theme":"dark"}'}}),
    ("GET", "/cookie/", {"cookies": {"prefs": "[1]"}}),
    ("GET", "/cookie/", {}),
]
