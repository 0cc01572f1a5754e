"""A ``yield`` dependency that swallows the endpoint's exception leaves no response: 500."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.routing import APIRoute

log: list[str] = []


class PassThroughRoute(APIRoute):
    def get_route_handler(self) -> Callable:
        original_route_handler = super().get_route_handler()

        async def custom_route_handler(request: Request) -> Response:
            return await original_route_handler(request)

        return custom_route_handler


def get_db():
    try:
        yield "db"
    except Exception as exc:  # no raise: the error is lost
        log.append(f"swallowed {exc}")


app = FastAPI()
router = APIRouter(route_class=PassThroughRoute)


@app.get("/plain/{fail}")
def plain(fail: bool, db: Annotated[str, Depends(get_db)]):
    if fail:
        raise ValueError("plain")
    return {"db": db}


@router.get("/wrapped/{fail}")
def wrapped(fail: bool, db: Annotated[str, Depends(get_db)]):
    if fail:
        raise ValueError("wrapped")
    return {"db": db}


app.include_router(router)


@app.get("/log")
def read_log():
    entries = list(log)
    log.clear()
    return entries


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/plain/false", {}),
    ("GET", "/plain/true", {}),
    ("GET", "/wrapped/false", {}),
    ("GET", "/wrapped/true", {}),
    ("GET", "/log", {}),
]
