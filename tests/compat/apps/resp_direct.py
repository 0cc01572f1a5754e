"""Returning Response objects directly: JSONResponse with headers, raw Response, media types."""

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse, PlainTextResponse

app = FastAPI()


@app.get("/json/")
def json_direct():
    return JSONResponse(content={"message": "Hello"}, status_code=202, headers={"X-Extra": "1"})


@app.get("/legacy/")
def get_legacy_data():
    data = """<?xml version="1.0"?><shampoo><Header>Apply shampoo here.</Header></shampoo>"""
    return Response(content=data, media_type="application/xml")


@app.get("/bytes/")
def raw_bytes():
    return Response(b"\x00\x01binary", media_type="application/octet-stream")


@app.get("/empty/")
def empty():
    return Response(status_code=204)


@app.get("/text/", response_class=PlainTextResponse)
def text():
    return PlainTextResponse("caf\u00e9", headers={"Content-Language": "fr"})


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/json/", {}),
    ("GET", "/legacy/", {}),
    ("GET", "/bytes/", {}),
    ("GET", "/empty/", {}),
    ("GET", "/text/", {}),
]
