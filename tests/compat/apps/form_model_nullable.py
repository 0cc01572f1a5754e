"""Nullable form models: ``Annotated[Model | None, Form()]``, sent or left out."""

from typing import Annotated

from fastapi import FastAPI, Form
from pydantic import BaseModel


class Address(BaseModel):
    street: str
    city: str
    zip_code: str | None = None


class Coupon(BaseModel):
    model_config = {"extra": "forbid"}

    code: str


app = FastAPI()


@app.post("/orders/")
def create_order(
    item: Annotated[str, Form()],
    address: Annotated[Address | None, Form()] = None,
):
    return {"item": item, "address": address}


@app.post("/shipping/")
def set_shipping(address: Annotated[Address | None, Form()]):
    return {"address": address}


@app.post("/coupons/")
def apply_coupon(coupon: Annotated[Coupon | None, Form()] = None):
    return {"coupon": coupon}


REQUESTS = [
    ("POST", "/orders/", {"data": {"item": "pen", "street": "Main", "city": "Oslo"}}),
    ("POST", "/orders/", {"data": {"item": "pen"}}),  # no field of the model: None
    ("POST", "/orders/", {"data": {"item": "pen", "city": "Oslo"}}),  # one is: validated
    ("POST", "/orders/", {"data": {"item": "pen", "street": "", "city": ""}}),
    ("POST", "/shipping/", {"data": {"street": "Main", "city": "Oslo", "zip_code": "0150"}}),
    ("POST", "/shipping/", {}),  # required: the whole model is missing
    ("POST", "/coupons/", {}),
    ("POST", "/coupons/", {"data": {"code": "SAVE"}}),
    ("POST", "/coupons/", {"data": {"other": "x"}}),  # extra=forbid: any field sends it
    ("POST", "/coupons/", {"data": {"code": "SAVE", "note": ""}}),
]
