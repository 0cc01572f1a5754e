"""Unions of form models: each member reads the form its own way; errors name the member."""

from typing import Annotated, Literal

from fastapi import FastAPI, Form
from pydantic import BaseModel


class Card(BaseModel):
    method: Literal["card"]
    number: str
    save: bool = False


class Transfer(BaseModel):
    method: Literal["transfer"]
    iban: str
    refs: list[str] = []


app = FastAPI()


@app.post("/pay/")
def pay(payment: Annotated[Card | Transfer, Form()]):
    return {"payment": payment}


@app.post("/donate/")
def donate(
    amount: Annotated[int, Form()],
    payment: Annotated[Card | Transfer | None, Form()] = None,
):
    return {"amount": amount, "payment": payment}


REQUESTS = [
    ("POST", "/pay/", {"data": {"method": "card", "number": "4242", "save": "yes"}}),
    ("POST", "/pay/", {"data": {"method": "transfer", "iban": "NO93", "refs": ["a", "b"]}}),
    ("POST", "/pay/", {"data": {"method": "cash"}}),
    ("POST", "/pay/", {}),
    ("POST", "/donate/", {"data": {"amount": "5"}}),
    ("POST", "/donate/", {"data": {"amount": "5", "method": "card", "number": "1"}}),
    ("POST", "/donate/", {"data": {"amount": "5", "iban": "NO93"}}),
]
