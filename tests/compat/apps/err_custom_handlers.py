"""Custom exception classes with handlers; handlers by status code; HTTPException override."""

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse


class UnicornException(Exception):
    def __init__(self, name: str):
        self.name = name


class SpecialUnicorn(UnicornException):
    pass


app = FastAPI()


@app.exception_handler(UnicornException)
async def unicorn_exception_handler(request: Request, exc: UnicornException):
    return JSONResponse(
        status_code=418,
        content={"message": f"Oops! {exc.name} did something. There goes a rainbow..."},
    )


@app.exception_handler(HTTPException)
async def http_exception_handler(request: Request, exc: HTTPException):
    return PlainTextResponse(f"custom: {exc.detail}", status_code=exc.status_code)


@app.get("/unicorns/{name}")
async def read_unicorn(name: str):
    if name == "yolo":
        raise UnicornException(name=name)
    if name == "special":
        raise SpecialUnicorn(name=name)
    if name == "http":
        raise HTTPException(status_code=402, detail="pay up")
    return {"unicorn_name": name}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/unicorns/ok", {}),
    ("GET", "/unicorns/yolo", {}),
    ("GET", "/unicorns/special", {}),
    ("GET", "/unicorns/http", {}),
    ("GET", "/no-such-route", {}),
]
