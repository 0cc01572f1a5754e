"""``Json[...]`` form fields: each field's text is parsed as JSON, then validated."""

from typing import Annotated

from fastapi import FastAPI, File, Form, UploadFile
from pydantic import BaseModel, Json


class Point(BaseModel):
    x: int
    y: int


app = FastAPI()


@app.post("/tags/")
def create_tags(name: Annotated[str, Form()], tags: Annotated[Json[list[str]], Form()]):
    return {"name": name, "tags": tags}


@app.post("/points/")
def create_point(label: Annotated[str, Form()], point: Annotated[Json[Point], Form()]):
    return {"label": label, "point": point}


@app.post("/upload/")
async def upload(file: Annotated[UploadFile, File()], meta: Annotated[Json[dict], Form()]):
    return {"filename": file.filename, "meta": meta}


REQUESTS = [
    ("POST", "/tags/", {"data": {"name": "a", "tags": '["x", "y"]'}}),
    ("POST", "/tags/", {"data": {"name": "a", "tags": ['["x"]', '["y"]']}}),  # the last wins
    ("POST", "/tags/", {"data": {"name": "a", "tags": "[1]"}}),
    ("POST", "/tags/", {"data": {"name": "a", "tags": '["x",'}}),  # json_invalid
    ("POST", "/tags/", {"data": {"name": "a", "tags": ""}}),  # empty: missing
    ("POST", "/tags/", {"data": {"name": "a"}}),
    ("POST", "/points/", {"data": {"label": "p", "point": '{"x": 1, "y": 2}'}}),
    ("POST", "/points/", {"data": {"label": "p", "point": '{"x": 1}'}}),
    ("POST", "/points/", {"data": {"label": "p", "point": "(1, 2)"}}),
    (
        "POST",
        "/upload/",
        {"files": {"file": ("a.txt", b"hi")}, "data": {"meta": '{"kind": "note"}'}},
    ),
    ("POST", "/upload/", {"files": {"file": ("a.txt", b"hi")}, "data": {"meta": "[]"}}),
]
