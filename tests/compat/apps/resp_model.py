"""``response_model`` and return annotations filtering the returned data."""

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class UserIn(BaseModel):
    username: str
    password: str
    email: str
    full_name: str | None = None


class UserOut(BaseModel):
    username: str
    email: str
    full_name: str | None = None


@app.post("/user/", response_model=UserOut)
async def create_user(user: UserIn) -> Any:
    return user


@app.get("/user/{name}")
async def get_user(name: str) -> UserOut:
    # The case: FastAPI validates the returned UserIn into UserOut, which drops the password.
    return UserIn(username=name, password="secret", email=f"{name}@example.com")  # type: ignore[return-value]


@app.get("/users/", response_model=list[UserOut])
def list_users():
    return [{"username": "a", "email": "a@x", "password": "p", "extra": 1}]


@app.get("/plain/", response_model=dict[str, int])
def plain():
    return {"a": "1", "b": 2.0}


REQUESTS = [
    ("POST", "/user/", {"json": {"username": "u", "password": "p", "email": "u@x"}}),
    ("GET", "/user/bob", {}),
    ("GET", "/users/", {}),
    ("GET", "/plain/", {}),
]
