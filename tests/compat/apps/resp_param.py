"""A ``Response`` parameter setting headers, cookies and the status code."""

from fastapi import FastAPI, Response, status

app = FastAPI()
tasks = {"foo": "Listen to the Bar Fighters"}


@app.put("/get-or-create-task/{task_id}", status_code=200)
def get_or_create_task(task_id: str, response: Response):
    if task_id not in tasks:
        tasks[task_id] = "This didn't exist before"
        response.status_code = status.HTTP_201_CREATED
    return tasks[task_id]


@app.get("/headers-and-object/")
def get_headers(response: Response):
    response.headers["X-Cat-Dog"] = "alone in the world"
    response.headers["Cache-Control"] = "no-store"
    return {"message": "Hello World"}


@app.post("/cookie-and-object/")
def create_cookie(response: Response):
    response.set_cookie(key="fakesession", value="fake-cookie-session-value")
    response.set_cookie("prefs", "dark", max_age=60, httponly=True, samesite="strict", path="/p")
    return {"message": "Come to the dark side, we have cookies"}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("PUT", "/get-or-create-task/foo", {}),
    ("PUT", "/get-or-create-task/bar", {}),
    ("PUT", "/get-or-create-task/bar", {}),
    ("GET", "/headers-and-object/", {}),
    ("POST", "/cookie-and-object/", {}),
]
