"""A ``Response`` parameter combined with a returned Response, status_code and errors."""

from fastapi import FastAPI, HTTPException, Response
from fastapi.responses import JSONResponse

app = FastAPI()


@app.get("/returned")
def returned(response: Response):
    response.headers["X-From-Param"] = "param"
    response.set_cookie("param-cookie", "1")
    return JSONResponse({"returned": True}, headers={"X-From-Return": "return"})


@app.get("/raised")
def raised(response: Response):
    response.headers["X-From-Param"] = "param"
    raise HTTPException(status_code=400, detail="nope", headers={"X-From-Exc": "exc"})


@app.post("/status", status_code=201)
def status(response: Response, fail: bool = False):
    response.headers["X-Status"] = "set"
    if fail:
        response.status_code = 409
    return {"fail": fail}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/returned", {}),
    ("GET", "/raised", {}),
    ("POST", "/status", {}),
    ("POST", "/status?fail=true", {}),
]
