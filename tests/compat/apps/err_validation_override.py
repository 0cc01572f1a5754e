"""Overriding the RequestValidationError handler: plain text and errors()+body variants."""

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

app = FastAPI()


@app.exception_handler(RequestValidationError)
async def validation_exception_handler(request: Request, exc: RequestValidationError):
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content=jsonable_encoder(
            {"detail": exc.errors(), "body": exc.body, "n": len(exc.errors())}
        ),
    )


class Item(BaseModel):
    title: str
    size: int


@app.post("/items/")
async def create_item(item: Item):
    return item


@app.get("/items/{item_id}")
async def read_item(item_id: int):
    return {"item_id": item_id}


REQUESTS = [
    ("POST", "/items/", {"json": {"title": "towel", "size": "XL"}}),
    ("POST", "/items/", {"json": {"title": "towel", "size": 3}}),
    ("GET", "/items/foo", {}),
    ("GET", "/items/3", {}),
]
