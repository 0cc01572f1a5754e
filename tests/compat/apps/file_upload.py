"""``UploadFile``: filename, content_type, size, read; optional upload."""

from typing import Annotated

from fastapi import FastAPI, File, UploadFile

app = FastAPI()


@app.post("/uploadfile/")
async def create_upload_file(file: UploadFile):
    content = await file.read()
    return {
        "filename": file.filename,
        "content_type": file.content_type,
        "size": file.size,
        "content": content.decode(),
    }


@app.post("/described/")
async def described(file: Annotated[UploadFile, File(description="A file read as UploadFile")]):
    return {"filename": file.filename, "headers": file.headers.get("content-type")}


@app.post("/maybe/")
async def maybe(file: UploadFile | None = None):
    if file is None:
        return {"message": "No upload file sent"}
    return {"filename": file.filename}


REQUESTS = [
    ("POST", "/uploadfile/", {"files": {"file": ("notes.txt", b"some notes", "text/plain")}}),
    ("POST", "/uploadfile/", {"files": {"file": ("data.json", b"{}", "application/json")}}),
    ("POST", "/uploadfile/", {}),
    ("POST", "/uploadfile/", {"data": {"file": "text"}}),
    ("POST", "/described/", {"files": {"file": ("x.csv", b"a,b", "text/csv")}}),
    ("POST", "/maybe/", {}),
    ("POST", "/maybe/", {"files": {"file": ("y.txt", b"y")}}),
]
