"""A second app mounted under a path, with its own routes and exception handlers."""

from fastapi import FastAPI, HTTPException, Request

app = FastAPI()


@app.get("/app")
def read_main(request: Request):
    return {"message": "Hello World from main app", "root_path": request.scope.get("root_path")}


subapi = FastAPI()


@subapi.get("/sub")
def read_sub(request: Request, n: int = 0):
    return {"message": "Hello from sub API", "n": n, "root_path": request.scope.get("root_path")}


@subapi.get("/fail")
def fail():
    raise HTTPException(status_code=418, detail="sub teapot")


app.mount("/subapi", subapi)

REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/app", {}),
    ("GET", "/subapi/sub?n=2", {}),
    ("GET", "/subapi/sub?n=x", {}),
    ("GET", "/subapi/fail", {}),
    ("GET", "/subapi/nothing", {}),
    ("GET", "/subapi", {}),
]
