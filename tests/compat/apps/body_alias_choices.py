"""``validation_alias`` on body and form fields: JSON keys and form names, first choice first."""

from typing import Annotated

from fastapi import Body, FastAPI, Form
from pydantic import AliasChoices, AliasPath, BaseModel, Field


class Item(BaseModel):
    name: str = Field(validation_alias=AliasChoices("name", "title"))
    price: float = Field(validation_alias=AliasPath("cost", "amount"))


app = FastAPI()


@app.post("/notes/")
def create_note(
    text: Annotated[str, Body(validation_alias=AliasChoices("text", "body"))],
    priority: Annotated[int, Body(validation_alias="prio")] = 0,
):
    return {"text": text, "priority": priority}


@app.post("/items/")
def create_item(item: Item):
    return item


@app.post("/signup/")
def signup(
    username: Annotated[str, Form(validation_alias=AliasChoices("username", "login"))],
    tags: Annotated[list[str], Form(validation_alias=AliasChoices("tag", "t"))] = [],  # noqa: B006
):
    return {"username": username, "tags": tags}


REQUESTS = [
    ("POST", "/notes/", {"json": {"body": "hello", "prio": 2}}),
    ("POST", "/notes/", {"json": {"text": "a", "body": "b"}}),
    ("POST", "/notes/", {"json": {"priority": 1}}),  # missing: under the first choice
    ("POST", "/notes/", {"json": {"body": ["x"], "prio": "high"}}),
    ("POST", "/items/", {"json": {"title": "Pen", "cost": {"amount": 1.5}}}),
    ("POST", "/items/", {"json": {"name": "Pen", "price": 1.5}}),
    ("POST", "/signup/", {"data": {"login": "ann", "t": ["a", "b"]}}),
    ("POST", "/signup/", {"data": {"username": "", "login": "bob"}}),  # empty: the next name
    ("POST", "/signup/", {"data": {"tag": "x"}}),
]
