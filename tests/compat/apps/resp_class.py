"""``response_class``: HTML, plain text, redirects, ``default_response_class``."""

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse

app = FastAPI(default_response_class=PlainTextResponse)


@app.get("/html/", response_class=HTMLResponse)
async def read_html():
    return "<html><body><h1>Look ma! HTML!</h1></body></html>"


@app.get("/text/")
async def read_text():
    return "Hello World"


@app.get("/redirect/", response_class=RedirectResponse)
async def redirect_typer():
    return "https://typer.tiangolo.com"


@app.get("/redirect-302/", response_class=RedirectResponse, status_code=302)
async def redirect_302():
    return "/text/"


@app.get("/direct/")
async def direct():
    return RedirectResponse(url="/html/?from=direct", status_code=303)


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/html/", {}),
    ("GET", "/text/", {}),
    ("GET", "/redirect/", {}),
    ("GET", "/redirect-302/", {}),
    ("GET", "/direct/", {}),
]
