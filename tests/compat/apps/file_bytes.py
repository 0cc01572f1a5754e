"""``File()`` as bytes: required, optional, with a description."""

from typing import Annotated

from fastapi import FastAPI, File

app = FastAPI()


@app.post("/files/")
async def create_file(file: Annotated[bytes, File()]):
    return {"file_size": len(file)}


@app.post("/optional/")
async def optional_file(file: Annotated[bytes | None, File(description="maybe")] = None):
    if not file:
        return {"message": "No file sent"}
    return {"file_size": len(file), "head": file[:3].decode()}


REQUESTS = [
    ("POST", "/files/", {"files": {"file": ("a.txt", b"hello world", "text/plain")}}),
    ("POST", "/files/", {"files": {"file": ("empty.bin", b"")}}),
    ("POST", "/files/", {"files": {"other": ("a.txt", b"x")}}),
    ("POST", "/files/", {}),
    ("POST", "/files/", {"data": {"file": "not a file"}}),
    ("POST", "/optional/", {}),
    ("POST", "/optional/", {"files": {"file": ("a.txt", b"abcdef")}}),
]
