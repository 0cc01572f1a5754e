"""Ordering of yield-dependency teardown, background tasks and the response."""

from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI

app = FastAPI()
log: list[str] = []


async def session():
    log.append("session open")
    yield {"id": 1}
    log.append("session close")


@app.post("/jobs/{name}")
async def create_job(
    name: str, background_tasks: BackgroundTasks, db: Annotated[dict, Depends(session)]
):
    background_tasks.add_task(log.append, f"task {name} (db {db['id']})")
    log.append("handler")
    return {"queued": name}


@app.get("/log")
def read_log():
    entries = list(log)
    log.clear()
    return entries


REQUESTS: list[tuple[str, str, dict[str, object]]] = [("POST", "/jobs/a", {}), ("GET", "/log", {})]
