"""Form models: ``Annotated[Model, Form()]``, extra=forbid, lists in forms."""

from typing import Annotated

from fastapi import FastAPI, Form
from pydantic import BaseModel


class FormData(BaseModel):
    model_config = {"extra": "forbid"}

    username: str
    password: str
    remember: bool = False


class Survey(BaseModel):
    choices: list[str] = []
    rating: int


app = FastAPI()


@app.post("/login/")
async def login(data: Annotated[FormData, Form()]):
    return data


@app.post("/survey/")
async def survey(data: Annotated[Survey, Form()]):
    return data


REQUESTS = [
    ("POST", "/login/", {"data": {"username": "Foo", "password": "secret"}}),
    ("POST", "/login/", {"data": {"username": "Foo", "password": "secret", "remember": "true"}}),
    ("POST", "/login/", {"data": {"username": "Foo", "password": "secret", "extra": "x"}}),
    ("POST", "/login/", {"data": {"username": "Foo"}}),
    ("POST", "/survey/", {"data": {"choices": ["a", "b"], "rating": "4"}}),
    ("POST", "/survey/", {"data": {"rating": "four"}}),
    ("POST", "/survey/", {}),
]
