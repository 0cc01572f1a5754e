"""Routing errors: 404 body, 405 with Allow, HEAD/OPTIONS, trailing-slash redirects."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/items/")
def list_items():
    return ["a"]


@app.post("/items/")
def create_item():
    return {"created": True}


@app.get("/exact")
def exact():
    return {"exact": True}


@app.api_route("/multi", methods=["GET", "PATCH"])
def multi():
    return {"multi": True}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/missing", {}),
    ("DELETE", "/items/", {}),
    ("PUT", "/exact", {}),
    ("HEAD", "/exact", {}),
    ("OPTIONS", "/items/", {}),
    ("GET", "/items", {}),
    ("GET", "/exact/", {}),
    ("GET", "/items/?x=1", {}),
    ("PATCH", "/multi", {}),
    ("POST", "/multi", {}),
]
