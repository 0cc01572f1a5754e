"""Cookies set and deleted on returned responses, with all attributes."""

from fastapi import FastAPI
from fastapi.responses import JSONResponse

app = FastAPI()


@app.post("/login")
def login():
    response = JSONResponse(content={"ok": True})
    response.set_cookie(
        key="session",
        value="abc123",
        max_age=3600,
        path="/",
        domain="testserver.local",
        secure=True,
        httponly=True,
        samesite="none",
    )
    response.set_cookie("lang", "fr")
    return response


@app.post("/logout")
def logout():
    response = JSONResponse(content={"ok": False})
    response.delete_cookie("session", path="/", domain="testserver.local")
    return response


@app.get("/quoted")
def quoted():
    response = JSONResponse(content={})
    response.set_cookie("data", "a b;c")
    return response


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("POST", "/login", {}),
    ("POST", "/logout", {}),
    ("GET", "/quoted", {}),
]
