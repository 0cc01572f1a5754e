"""``default_response_class`` on routers and routes overriding the app's."""

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

app = FastAPI(default_response_class=HTMLResponse)
text_router = APIRouter(prefix="/text", default_response_class=PlainTextResponse)
inner = APIRouter(prefix="/inner")


@app.get("/")
def root():
    return "<p>root</p>"


@text_router.get("/")
def text_root():
    return "plain"


@text_router.get("/json", response_class=JSONResponse)
def text_json():
    return {"json": True}


@inner.get("/")
def inner_root():
    return "inherits"


text_router.include_router(inner)
app.include_router(text_router)

REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/", {}),
    ("GET", "/text/", {}),
    ("GET", "/text/json", {}),
    ("GET", "/text/inner/", {}),
]
