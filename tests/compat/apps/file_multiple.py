"""Lists of files: ``list[UploadFile]`` and ``list[bytes]`` with ``File()``."""

from typing import Annotated

from fastapi import FastAPI, File, UploadFile

app = FastAPI()


@app.post("/files/")
async def create_files(files: Annotated[list[bytes], File()]):
    return {"file_sizes": [len(file) for file in files]}


@app.post("/uploadfiles/")
async def create_upload_files(files: list[UploadFile]):
    return {"filenames": [file.filename for file in files]}


REQUESTS = [
    ("POST", "/files/", {"files": [("files", ("a", b"1")), ("files", ("b", b"22"))]}),
    ("POST", "/files/", {"files": [("files", ("a", b"1"))]}),
    ("POST", "/files/", {}),
    ("POST", "/uploadfiles/", {"files": [("files", ("a.txt", b"1")), ("files", ("b.txt", b"2"))]}),
    ("POST", "/uploadfiles/", {"files": [("other", ("a.txt", b"1"))]}),
    ("POST", "/uploadfiles/", {"data": {"files": "x"}, "files": [("files", ("a.txt", b"1"))]}),
]
