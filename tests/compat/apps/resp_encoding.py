"""JSON encoding of rich return values (no response model) and ``jsonable_encoder``."""

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from uuid import UUID

from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel

app = FastAPI()


class Kind(Enum):
    a = "alpha"


class Inner(BaseModel):
    when: datetime


@dataclasses.dataclass
class Point:
    x: int
    y: int


VALUES = {
    "dt": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    "naive": datetime(2024, 1, 2, 3, 4, 5, 600000),
    "d": date(2024, 2, 29),
    "t": time(12, 30),
    "td": timedelta(days=1, seconds=1.5),
    "dec": Decimal("1.10"),
    "uuid": UUID("3fa85f64-5717-4562-b3fc-2c963f66afa6"),
    "enum": Kind.a,
    "model": Inner(when=datetime(2020, 5, 6)),
    "point": Point(1, 2),
    "tuple": (1, 2),
    "bytes": b"raw",
    "float": 1e16,
}


@app.get("/values")
def values():
    return VALUES


@app.get("/encoded")
def encoded():
    return {"encoded": jsonable_encoder(VALUES, exclude_none=True)}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/values", {}),
    ("GET", "/encoded", {}),
]
