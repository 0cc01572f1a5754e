"""Decimal in query and body, with max_digits/decimal_places, and in responses."""

from decimal import Decimal
from typing import Annotated

from fastapi import FastAPI, Query
from pydantic import BaseModel, Field

app = FastAPI()


class Price(BaseModel):
    amount: Decimal = Field(max_digits=6, decimal_places=2)
    currency: str = "EUR"


@app.get("/convert")
def convert(amount: Annotated[Decimal, Query(gt=0)], rate: Decimal = Decimal("1.10")):
    return {"amount": amount, "converted": amount * rate}


@app.post("/prices")
def create_price(price: Price) -> Price:
    return price


REQUESTS = [
    ("GET", "/convert?amount=10.5", {}),
    ("GET", "/convert?amount=0", {}),
    ("GET", "/convert?amount=abc", {}),
    ("GET", "/convert?amount=3&rate=2.000", {}),
    ("POST", "/prices", {"json": {"amount": "12.34"}}),
    ("POST", "/prices", {"json": {"amount": 12.5, "currency": "USD"}}),
    ("POST", "/prices", {"json": {"amount": "12.345"}}),
    ("POST", "/prices", {"json": {"amount": "12345.6"}}),
    ("POST", "/prices", {"json": {"amount": "NaN"}}),
]
