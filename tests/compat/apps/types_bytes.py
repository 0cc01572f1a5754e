"""``bytes`` in query and body fields, echoed back."""

from typing import Annotated

from fastapi import Body, FastAPI
from pydantic import BaseModel

app = FastAPI()


class Blob(BaseModel):
    name: str
    data: bytes


@app.get("/echo")
def echo(raw: bytes):
    return {"raw": raw, "length": len(raw)}


@app.post("/blobs")
def create_blob(blob: Blob):
    return {"name": blob.name, "length": len(blob.data), "data": blob.data}


@app.post("/raw")
def raw_body(payload: Annotated[bytes, Body()]):
    return {"length": len(payload)}


REQUESTS = [
    ("GET", "/echo?raw=hello", {}),
    ("GET", "/echo?raw=caf%C3%A9", {}),
    ("GET", "/echo", {}),
    ("POST", "/blobs", {"json": {"name": "a", "data": "xyz"}}),
    ("POST", "/blobs", {"json": {"name": "a", "data": 5}}),
    ("POST", "/raw", {"json": "some text"}),
    ("POST", "/raw", {"json": ["not", "bytes"]}),
]
