"""Lifespan state reaching requests through ``request.state``; app.state."""

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

events: list[str] = []


@asynccontextmanager
async def lifespan(app: FastAPI):
    events.append("startup")
    yield {"models": {"answer": 42}}
    events.append("shutdown")


app = FastAPI(lifespan=lifespan)
app.state.greeting = "hi"


@app.get("/predict")
async def predict(request: Request, x: int = 1):
    return {"result": request.state.models["answer"] * x, "greeting": request.app.state.greeting}


@app.get("/events")
def read_events():
    return events


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/predict?x=2", {}),
    ("GET", "/predict?x=y", {}),
    ("GET", "/events", {}),
]
