"""Webhooks: routes of ``app.webhooks`` documented under the document's ``webhooks``."""

from datetime import datetime

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Subscription(BaseModel):
    username: str
    monthly_fee: float
    start_date: datetime


@app.webhooks.post("new-subscription")
def new_subscription(body: Subscription):
    """
    When a new user subscribes to your service we'll send you a POST request with this
    data to the URL that you register for the event `new-subscription` in the dashboard.
    """


@app.webhooks.post("cancelled", tags=["billing"], deprecated=True)
def cancelled(username: str):
    pass


@app.get("/users/")
def read_users():
    return ["Rick", "Morty"]


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/users/", {}),
    ("POST", "/new-subscription", {}),
]
