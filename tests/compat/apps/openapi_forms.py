"""Form and multipart bodies: fields, files, ``bytes``, lists of files, a form model."""

from typing import Annotated

from fastapi import FastAPI, File, Form, UploadFile
from pydantic import BaseModel


class FormData(BaseModel):
    username: str
    password: str
    model_config = {"extra": "forbid"}


app = FastAPI()


@app.post("/login/")
async def login(username: Annotated[str, Form()], password: Annotated[str, Form(min_length=3)]):
    return {"username": username}


@app.post("/model/")
async def login_model(data: Annotated[FormData, Form()]):
    return data


@app.post("/files/")
async def create_file(
    file: Annotated[bytes, File(description="A file read as bytes")],
    fileb: Annotated[UploadFile, File(description="A file read as UploadFile")],
    token: Annotated[str, Form()],
):
    return {"file_size": len(file), "token": token, "fileb_content_type": fileb.content_type}


@app.post("/uploadfiles/")
async def create_upload_files(files: list[UploadFile], note: str | None = Form(None)):
    return {"filenames": [file.filename for file in files], "note": note}


@app.post("/single/")
async def single(file: UploadFile | None = None):
    return {"filename": file.filename if file else None}


REQUESTS = [
    ("POST", "/login/", {"data": {"username": "a", "password": "abc"}}),
    ("POST", "/model/", {"data": {"username": "a", "password": "b"}}),
    ("POST", "/uploadfiles/", {"files": [("files", ("a.txt", b"A")), ("files", ("b.txt", b"B"))]}),
]
