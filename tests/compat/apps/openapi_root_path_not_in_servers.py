"""``root_path_in_servers=False`` and ``openapi_url`` moved: the document as configured."""

from fastapi import FastAPI

app = FastAPI(
    title="Proxied",
    root_path="/api/v1",
    root_path_in_servers=False,
    openapi_url="/api/v1/openapi.json",
)


@app.get("/app")
def read_main():
    return {"message": "Hello World"}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/api/v1/openapi.json", {}),
    ("GET", "/openapi.json", {}),
]
