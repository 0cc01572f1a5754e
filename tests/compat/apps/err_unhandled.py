"""Unhandled exceptions: the plain 500; a handler for ``Exception``; errors in dependencies."""

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

app = FastAPI()


class Boom(Exception):
    pass


@app.exception_handler(Boom)
async def boom_handler(request: Request, exc: Boom):
    return JSONResponse({"boom": str(exc)}, status_code=500)


def broken_dependency():
    raise RuntimeError("dependency failed")


@app.get("/value-error")
def value_error():
    raise ValueError("nope")


@app.get("/boom")
async def boom():
    raise Boom("handled")


@app.get("/dep")
def dep(value: Annotated[None, Depends(broken_dependency)]):
    return {"unreachable": True}


@app.get("/ok")
def ok():
    return {"ok": True}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/value-error", {}),
    ("GET", "/boom", {}),
    ("GET", "/dep", {}),
    ("GET", "/ok", {}),
]
