"""Parameter types in the document: Enum, UUID, datetime, date, Decimal, lists, constraints."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Annotated, Literal
from uuid import UUID

from fastapi import Cookie, FastAPI, Header, Path, Query


class ModelName(str, Enum):  # noqa: UP042 - FastAPI's documented style
    alexnet = "alexnet"
    resnet = "resnet"
    lenet = "lenet"


app = FastAPI()


@app.get("/models/{model_name}")
async def get_model(model_name: ModelName):
    return {"model_name": model_name}


@app.get("/items/{item_id}")
async def read_items(
    item_id: UUID,
    start_datetime: datetime,
    end_datetime: datetime | None = None,
    process_after: timedelta | None = None,
    repeat_at: time | None = None,
    day: date | None = None,
    price: Decimal | None = None,
    order: Literal["asc", "desc"] = "asc",
    tags: Annotated[list[str], Query()] = [],  # noqa: B006
    ids: Annotated[list[int] | None, Query(alias="id", max_length=3)] = None,
):
    return {"item_id": item_id, "order": order, "tags": tags, "ids": ids}


@app.get("/files/{size}/{file_path:path}")
async def read_file(
    file_path: str,
    size: Annotated[int, Path(title="Size in bytes", ge=1)],
    user_agent: Annotated[str | None, Header()] = None,
    x_token: Annotated[list[str] | None, Header(convert_underscores=False)] = None,
    session: Annotated[str | None, Cookie(description="The session id")] = None,
):
    return {"file_path": file_path, "user_agent": user_agent}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/models/alexnet", {}),
    ("GET", "/models/bad", {}),
    ("GET", "/items/5b1a5c8e-2f6c-4b8e-9c7e-1d2b3c4d5e6f?start_datetime=2024-01-01T00:00:00", {}),
]
