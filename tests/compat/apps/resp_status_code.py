"""``status_code=`` on path operations, including 204 without a body."""

from fastapi import FastAPI, status

app = FastAPI()


@app.post("/items/", status_code=201)
async def create_item(name: str):
    return {"name": name}


@app.delete("/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_item(item_id: int):
    return None


@app.put("/accepted/", status_code=status.HTTP_202_ACCEPTED)
def accept():
    return "queued"


@app.get("/teapot/", status_code=418)
def teapot():
    return {"short": "stout"}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("POST", "/items/?name=foo", {}),
    ("POST", "/items/", {}),
    ("DELETE", "/items/3", {}),
    ("DELETE", "/items/x", {}),
    ("PUT", "/accepted/", {}),
    ("GET", "/teapot/", {}),
]
