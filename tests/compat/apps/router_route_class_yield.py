"""``yield`` dependencies under a custom ``route_class``: when each closes, what it sees."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute

log: list[str] = []


class LoggedRoute(APIRoute):
    def get_route_handler(self) -> Callable:
        original_route_handler = super().get_route_handler()

        async def custom_route_handler(request: Request) -> Response:
            log.append("route class: before")
            try:
                response = await original_route_handler(request)
            except ValueError as exc:
                log.append("route class: ValueError answered")
                return JSONResponse({"error": str(exc)}, status_code=418)
            log.append("route class: after")
            return response

        return custom_route_handler


async def session():
    state = {"open": True}
    log.append("session open")
    try:
        yield state
    except Exception as exc:
        log.append(f"session saw {type(exc).__name__}")
        raise
    finally:
        state["open"] = False
        log.append("session close")


def transaction():
    log.append("transaction open")
    yield
    log.append("transaction close")


app = FastAPI()
router = APIRouter(route_class=LoggedRoute)
Session = Annotated[dict, Depends(session)]


@router.post("/jobs/{name}")
async def create_job(
    name: str,
    background_tasks: BackgroundTasks,
    db: Session,
    tx: Annotated[None, Depends(transaction, scope="function")],
):
    background_tasks.add_task(lambda: log.append(f"task {name}: session open {db['open']}"))
    log.append("handler")
    if name == "missing":
        raise HTTPException(status_code=404, detail="No such job")
    if name == "bad":
        raise ValueError("bad job")
    return {"queued": name}


@router.get("/stream")
async def stream(db: Session):
    async def lines():
        yield f"session open while streaming: {db['open']}\n"

    return StreamingResponse(lines(), media_type="text/plain")


@app.get("/log")
def read_log():
    entries = list(log)
    log.clear()
    return entries


app.include_router(router)

REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("POST", "/jobs/a", {}),
    ("GET", "/log", {}),
    ("POST", "/jobs/missing", {}),  # the dependencies see the error, then the app answers
    ("GET", "/log", {}),
    ("POST", "/jobs/bad", {}),  # answered by the route class: the dependencies see no error
    ("GET", "/log", {}),
    ("GET", "/stream", {}),
    ("GET", "/log", {}),
]
