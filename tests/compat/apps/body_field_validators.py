"""Field constraints and validators in body models: the error bodies they produce."""

from fastapi import FastAPI
from pydantic import BaseModel, Field, field_validator, model_validator

app = FastAPI()


class Signup(BaseModel):
    username: str = Field(min_length=3, max_length=8, pattern=r"^[a-z]+$")
    age: int = Field(gt=0, lt=150)
    score: float = Field(default=0, multiple_of=0.5)
    password: str
    password2: str

    @field_validator("username")
    @classmethod
    def not_admin(cls, value: str) -> str:
        if value == "admin":
            raise ValueError("reserved name")
        return value

    @model_validator(mode="after")
    def passwords_match(self):
        if self.password != self.password2:
            raise ValueError("passwords do not match")
        return self


@app.post("/signup")
def signup(data: Signup):
    return {"username": data.username, "age": data.age}


OK = {"username": "bob", "age": 30, "password": "x", "password2": "x"}
REQUESTS = [
    ("POST", "/signup", {"json": OK}),
    ("POST", "/signup", {"json": {**OK, "username": "Bo"}}),
    ("POST", "/signup", {"json": {**OK, "username": "averylongname", "age": 0}}),
    ("POST", "/signup", {"json": {**OK, "username": "admin"}}),
    ("POST", "/signup", {"json": {**OK, "password2": "y"}}),
    ("POST", "/signup", {"json": {**OK, "score": 0.3}}),
    ("POST", "/signup", {"json": {**OK, "age": 1.5}}),
]
