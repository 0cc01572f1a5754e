"""Custom handlers that log and delegate to FastAPI's default handlers."""

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError

app = FastAPI()
seen: list[str] = []


@app.exception_handler(HTTPException)
async def custom_http_exception_handler(request: Request, exc: HTTPException):
    seen.append(f"http {exc.status_code}")
    return await http_exception_handler(request, exc)


@app.exception_handler(RequestValidationError)
async def validation_exception_handler(request: Request, exc: RequestValidationError):
    seen.append("validation")
    return await request_validation_exception_handler(request, exc)


@app.get("/items/{item_id}")
async def read_item(item_id: int):
    if item_id == 3:
        raise HTTPException(status_code=418, detail="Nope! I don't like 3.", headers={"X-N": "3"})
    return {"item_id": item_id}


@app.get("/seen")
def read_seen():
    return seen


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/3", {}),
    ("GET", "/items/foo", {}),
    ("GET", "/items/2", {}),
    ("GET", "/seen", {}),
]
