"""``@app.middleware("http")`` adding headers, plus CORS and GZip middleware."""

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware

app = FastAPI()
app.add_middleware(GZipMiddleware, minimum_size=100)
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://example.com"],
    allow_credentials=True,
    allow_methods=["GET", "POST"],
    allow_headers=["X-Custom"],
)


@app.middleware("http")
async def add_process_header(request: Request, call_next):
    response = await call_next(request)
    response.headers["X-Process"] = "done"
    return response


@app.get("/")
def main():
    return {"message": "Hello World"}


@app.get("/large")
def large():
    return {"data": "x" * 500}


ORIGIN = {"Origin": "https://example.com"}
REQUESTS = [
    ("GET", "/", {"headers": ORIGIN}),
    ("GET", "/", {"headers": {"Origin": "https://evil.com"}}),
    (
        "OPTIONS",
        "/",
        {
            "headers": {
                **ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "X-Custom",
            }
        },
    ),
    ("OPTIONS", "/", {"headers": {**ORIGIN, "Access-Control-Request-Method": "DELETE"}}),
    ("GET", "/large", {"headers": {"Accept-Encoding": "gzip"}}),
    ("GET", "/nowhere", {}),
]
