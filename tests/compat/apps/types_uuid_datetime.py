"""Extra data types: UUID, datetime, date, time, timedelta in path, query and body."""

from datetime import date, datetime, time, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import Body, FastAPI

app = FastAPI()


@app.get("/items/{item_id}")
def read_item(item_id: UUID, day: date | None = None, at: time | None = None):
    return {"item_id": item_id, "day": day, "at": at}


@app.put("/items/{item_id}")
async def put_item(
    item_id: UUID,
    start_datetime: Annotated[datetime, Body()],
    end_datetime: Annotated[datetime, Body()],
    process_after: Annotated[timedelta, Body()],
    repeat_at: Annotated[time | None, Body()] = None,
):
    start_process = start_datetime + process_after
    duration = end_datetime - start_process
    return {
        "item_id": item_id,
        "start_datetime": start_datetime,
        "repeat_at": repeat_at,
        "start_process": start_process,
        "duration": duration,
    }


UID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
BODY = {
    "start_datetime": "2024-01-02T03:04:05",
    "end_datetime": "2024-01-03T00:00:00",
    "process_after": 3600,
}
REQUESTS = [
    ("GET", f"/items/{UID}?day=2024-02-29&at=12:30:00", {}),
    ("GET", f"/items/{UID.replace('-', '')}", {}),
    ("GET", "/items/not-a-uuid", {}),
    ("GET", f"/items/{UID}?day=2023-02-29", {}),
    ("GET", f"/items/{UID}?at=25:00", {}),
    (
        "PUT",
        f"/items/{UID}",
        {
            "json": {
                **BODY,
                "start_datetime": "2024-01-02T03:04:05Z",
                "end_datetime": "2024-01-03T00:00:00+01:00",
            }
        },
    ),
    ("PUT", f"/items/{UID}", {"json": {**BODY, "process_after": "PT1H30M", "repeat_at": "09:00"}}),
    ("PUT", f"/items/{UID}", {"json": BODY}),
    ("PUT", f"/items/{UID}", {"json": {"start_datetime": "yesterday"}}),
]
