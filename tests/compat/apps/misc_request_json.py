"""Reading the Request directly: ``await request.json()``/``body()``/``form()``."""

from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/raw")
async def raw(request: Request):
    data = await request.json()
    return {"type": type(data).__name__, "data": data}


@app.post("/body")
async def body(request: Request):
    content = await request.body()
    return {"length": len(content), "content_type": request.headers.get("content-type")}


@app.post("/form")
async def form(request: Request):
    async with request.form() as data:
        return {key: str(value) for key, value in data.items()}


REQUESTS = [
    ("POST", "/raw", {"json": {"a": [1, 2]}}),
    ("POST", "/raw", {"content": b"{not json"}),
    ("POST", "/body", {"content": b"12345", "headers": {"content-type": "application/x-thing"}}),
    ("POST", "/form", {"data": {"a": "1", "b": "2"}}),
]
