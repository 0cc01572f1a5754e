"""Files and form fields together in one multipart request."""

from typing import Annotated

from fastapi import FastAPI, File, Form, UploadFile

app = FastAPI()


@app.post("/files/")
async def create_file(
    file: Annotated[bytes, File()],
    fileb: Annotated[UploadFile, File()],
    token: Annotated[str, Form()],
    count: Annotated[int, Form()] = 1,
):
    return {
        "file_size": len(file),
        "token": token,
        "count": count,
        "fileb_content_type": fileb.content_type,
    }


FILES = {"file": ("a.bin", b"abc"), "fileb": ("b.txt", b"hello", "text/plain")}
REQUESTS = [
    ("POST", "/files/", {"data": {"token": "t", "count": "3"}, "files": FILES}),
    ("POST", "/files/", {"data": {"token": "t"}, "files": {"file": ("a.bin", b"abc")}}),
    ("POST", "/files/", {"data": {"count": "x"}, "files": FILES}),
    ("POST", "/files/", {"data": {"token": "t"}}),
    ("POST", "/files/", {"json": {"token": "t"}}),
]
