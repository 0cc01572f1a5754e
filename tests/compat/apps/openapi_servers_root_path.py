"""``servers`` and ``root_path``: the served document lists the proxy prefix first."""

from fastapi import FastAPI, Request

app = FastAPI(
    title="Behind a proxy",
    servers=[
        {"url": "https://stag.example.com", "description": "Staging environment"},
        {"url": "https://prod.example.com", "description": "Production environment"},
    ],
    root_path="/api/v1",
)


@app.get("/app")
def read_main(request: Request):
    return {"message": "Hello World", "root_path": request.scope.get("root_path")}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/openapi.json", {}),
    ("GET", "/app", {}),
    ("GET", "/api/v1/app", {}),
]
