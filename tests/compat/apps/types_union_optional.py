"""Optional and union types in query and body: ``int | str``, ``X | None``, smart unions."""

from typing import Annotated

from fastapi import Body, FastAPI
from pydantic import BaseModel

app = FastAPI()


class Cat(BaseModel):
    meows: int


class Dog(BaseModel):
    barks: float


@app.get("/value")
def value(v: int | str, limit: int | None = None, ratio: float | None = 1.0):
    return {"v": v, "type": type(v).__name__, "limit": limit, "ratio": ratio}


@app.post("/pets")
def create_pet(pet: Cat | Dog):
    return {"pet": pet, "kind": type(pet).__name__}


@app.post("/maybe")
def maybe(count: Annotated[int | None, Body(embed=True)] = None):
    return {"count": count}


REQUESTS = [
    ("GET", "/value?v=3", {}),
    ("GET", "/value?v=three&limit=2", {}),
    ("GET", "/value?v=3&limit=", {}),
    ("GET", "/value?v=3&ratio=x", {}),
    ("GET", "/value", {}),
    ("POST", "/pets", {"json": {"meows": 3}}),
    ("POST", "/pets", {"json": {"barks": 1.5}}),
    ("POST", "/pets", {"json": {"hisses": 1}}),
    ("POST", "/maybe", {"json": {"count": None}}),
    ("POST", "/maybe", {}),
    ("POST", "/maybe", {"json": {"count": "x"}}),
]
