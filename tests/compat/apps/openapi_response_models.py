"""``response_model`` variations: lists, unions, dicts, return annotations, None, dataclasses."""

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from pydantic import BaseModel


class BaseUser(BaseModel):
    username: str
    email: str
    full_name: str | None = None


class UserIn(BaseUser):
    password: str


class Cat(BaseModel):
    kind: str = "cat"
    lives: int = 9


class Dog(BaseModel):
    kind: str = "dog"
    good: bool = True


@dataclass
class Point:
    x: int
    y: int = 0


app = FastAPI()


@app.post("/user/")
async def create_user(user: UserIn) -> BaseUser:
    return user


@app.get("/users/", response_model=list[BaseUser])
async def read_users() -> Any:
    return [{"username": "a", "email": "a@example.com"}]


@app.get("/pets/{name}", response_model=Cat | Dog)
async def read_pet(name: str):
    return Cat() if name == "cat" else Dog()


@app.get("/weights/", response_model=dict[str, float])
async def read_weights():
    return {"foo": 2.3}


@app.get("/point/")
async def read_point() -> Point:
    return Point(1)


@app.get("/none/", response_model=None)
async def no_model() -> dict[str, int] | JSONResponse:
    return {"a": 1}


@app.get("/teleport")
async def teleport() -> RedirectResponse:
    return RedirectResponse(url="/point/")


@app.get("/html/", response_class=HTMLResponse)
async def html():
    return "<p>hi</p>"


@app.get("/text/", response_class=PlainTextResponse)
async def text():
    return "hi"


@app.get("/unset/", response_model=BaseUser, response_model_exclude_unset=True)
async def unset():
    return {"username": "u", "email": "u@example.com"}


REQUESTS = [
    ("POST", "/user/", {"json": {"username": "u", "email": "e", "password": "p"}}),
    ("GET", "/pets/cat", {}),
    ("GET", "/point/", {}),
    ("GET", "/teleport", {}),
]
