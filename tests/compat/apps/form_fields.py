"""``Form()`` fields: required, optional, constrained, typed; urlencoded and multipart."""

from typing import Annotated

from fastapi import FastAPI, Form

app = FastAPI()


@app.post("/login/")
async def login(username: Annotated[str, Form()], password: Annotated[str, Form(min_length=3)]):
    return {"username": username}


@app.post("/profile/")
def profile(age: int = Form(), nickname: str | None = Form(None), agree: bool = Form(False)):
    return {"age": age, "nickname": nickname, "agree": agree}


REQUESTS = [
    ("POST", "/login/", {"data": {"username": "john", "password": "secret"}}),
    ("POST", "/login/", {"data": {"username": "john", "password": "ab"}}),
    ("POST", "/login/", {"data": {"username": "john"}}),
    ("POST", "/login/", {}),
    ("POST", "/login/", {"json": {"username": "john", "password": "secret"}}),
    (
        "POST",
        "/login/",
        {"data": {"username": "john", "password": "secret"}, "files": {"f": ("a.txt", b"x")}},
    ),
    ("POST", "/profile/", {"data": {"age": "30", "agree": "on"}}),
    ("POST", "/profile/", {"data": {"age": "thirty"}}),
    ("POST", "/profile/", {"data": {"age": "3", "nickname": ""}}),
    (
        "POST",
        "/profile/",
        {
            "content": b"age=5&nickname=caf%C3%A9",
            "headers": {"content-type": "application/x-www-form-urlencoded"},
        },
    ),
]
