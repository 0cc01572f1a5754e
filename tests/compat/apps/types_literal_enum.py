"""Literal and Enum query parameters and body fields."""

from enum import StrEnum
from typing import Literal

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Color(StrEnum):
    red = "red"
    green = "green"


class Paint(BaseModel):
    color: Color
    finish: Literal["matte", "gloss"] = "matte"
    coats: Literal[1, 2, 3] = 1


@app.get("/sort")
def sort(order: Literal["asc", "desc"] = "asc", color: Color | None = None):
    return {"order": order, "color": color}


@app.post("/paints")
def create_paint(paint: Paint):
    return paint


REQUESTS = [
    ("GET", "/sort", {}),
    ("GET", "/sort?order=desc&color=green", {}),
    ("GET", "/sort?order=random", {}),
    ("GET", "/sort?color=blue", {}),
    ("POST", "/paints", {"json": {"color": "red", "finish": "gloss", "coats": 2}}),
    ("POST", "/paints", {"json": {"color": "blue", "finish": "satin", "coats": 5}}),
    ("POST", "/paints", {"json": {"color": "red", "coats": "2"}}),
]
