"""FastAPI's docs: override the HTTP error handler through Starlette's class (sees routing 404s).

The one corpus app importing from ``starlette``: FastAPI's "Handling Errors" page does, and the
rename a user does leaves that import as it is.
"""

from fastapi import FastAPI, HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

app = FastAPI()


@app.exception_handler(StarletteHTTPException)
async def http_exception_handler(request, exc):
    return PlainTextResponse(f"starlette-level: {exc.detail}", status_code=exc.status_code)


@app.exception_handler(RequestValidationError)
async def validation_exception_handler(request, exc: RequestValidationError):
    return PlainTextResponse(f"invalid: {len(exc.errors())} error(s)", status_code=400)


@app.get("/items/{item_id}")
async def read_item(item_id: int):
    if item_id == 3:
        raise HTTPException(status_code=418, detail="Nope! I don't like 3.")
    return {"item_id": item_id}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/1", {}),
    ("GET", "/items/3", {}),  # the app's own HTTPException: a subclass, handled too
    ("GET", "/items/foo", {}),  # validation error handler
    ("GET", "/nowhere", {}),  # routing 404 reaches the Starlette-class handler
    ("POST", "/items/1", {}),  # routing 405 too
]
