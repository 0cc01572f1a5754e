"""Exception handlers registered by status code (404, 405, 500) at construction."""

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse


async def not_found(request: Request, exc: Exception):
    return JSONResponse({"missing": request.url.path}, status_code=404)


async def not_allowed(request: Request, exc: Exception):
    return JSONResponse({"method": request.method}, status_code=405, headers={"X-Handler": "405"})


app = FastAPI(exception_handlers={404: not_found, 405: not_allowed})


@app.get("/items/{item_id}")
def read_item(item_id: int):
    if item_id == 0:
        raise HTTPException(status_code=404, detail="zero")
    return {"item_id": item_id}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/1", {}),
    ("GET", "/items/0", {}),
    ("GET", "/nowhere", {}),
    ("POST", "/items/1", {}),
    ("GET", "/items/x", {}),
]
