"""``Depends(..., scope="function")``: teardown before the response is sent (FastAPI 0.121)."""

# requires fastapi >= 0.121

from typing import Annotated

from fastapi import Depends, FastAPI

app = FastAPI()
log: list[str] = []


def per_request():
    log.append("request open")
    yield "r"
    log.append("request close")


def per_function():
    log.append("function open")
    yield "f"
    log.append("function close")


@app.get("/both")
def both(
    r: Annotated[str, Depends(per_request)],
    f: Annotated[str, Depends(per_function, scope="function")],
):
    log.append("handler")
    return {"r": r, "f": f}


@app.get("/log")
def read_log():
    entries = list(log)
    log.clear()
    return entries


REQUESTS: list[tuple[str, str, dict[str, object]]] = [("GET", "/both", {}), ("GET", "/log", {})]
