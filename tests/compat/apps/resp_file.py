"""FileResponse: a whole file, a download name, a byte range (the app serves its own source)."""

from fastapi import FastAPI
from fastapi.responses import FileResponse

app = FastAPI()

# Both copies of the app have the same __file__: the original source file.
SOURCE = __file__


@app.get("/source", response_class=FileResponse)
def source():
    return SOURCE


@app.get("/download")
def download():
    return FileResponse(SOURCE, filename="app source.py", media_type="text/x-python")


@app.get("/missing")
def missing():
    return FileResponse(SOURCE + ".does-not-exist")


REQUESTS = [
    ("GET", "/source", {}),
    ("GET", "/download", {}),
    ("GET", "/download", {"headers": {"Range": "bytes=0-9"}}),
    ("GET", "/download", {"headers": {"Range": "bytes=9999999-"}}),
    ("HEAD", "/download", {}),
    ("GET", "/missing", {}),
]
