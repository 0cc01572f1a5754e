"""Injection of Request, Response and BackgroundTasks into endpoints and dependencies."""

from fastapi import BackgroundTasks, Depends, FastAPI, Request, Response

app = FastAPI()
log: list[str] = []


def write_log(message: str):
    log.append(message)


def client_path(request: Request, background_tasks: BackgroundTasks):
    background_tasks.add_task(write_log, f"dep saw {request.url.path}")
    return request.url.path


@app.post("/send/{email}")
async def send(email: str, background_tasks: BackgroundTasks, path=Depends(client_path)):
    background_tasks.add_task(write_log, f"notify {email}")
    return {"message": "sent", "path": path}


@app.get("/inspect")
def inspect(request: Request, response: Response):
    response.headers["X-Method"] = request.method
    return {"query": dict(request.query_params), "host": request.headers.get("host")}


@app.get("/log")
def read_log(request: Request):
    return {"log": log, "method": request.method}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("POST", "/send/a@example.com", {}),
    ("GET", "/log", {}),
    ("GET", "/inspect?a=1&b=2", {}),
]
