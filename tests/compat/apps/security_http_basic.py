"""HTTP Basic with ``secrets.compare_digest`` and a realm, and every way a header can be bad."""

import secrets
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import HTTPBasic, HTTPBasicCredentials

app = FastAPI()
security = HTTPBasic(realm="simple")
optional = HTTPBasic(auto_error=False)


def get_current_username(credentials: Annotated[HTTPBasicCredentials, Depends(security)]):
    right_username = secrets.compare_digest(credentials.username.encode("utf8"), b"stanleyjobson")
    right_password = secrets.compare_digest(credentials.password.encode("utf8"), b"swordfish")
    if not (right_username and right_password):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Incorrect username or password",
            headers={"WWW-Authenticate": "Basic"},
        )
    return credentials.username


@app.get("/users/me")
def read_current_user(username: Annotated[str, Depends(get_current_username)]):
    return {"username": username}


@app.get("/optional")
def read_optional(credentials: Annotated[HTTPBasicCredentials | None, Depends(optional)]):
    return {"credentials": credentials}


def basic(raw: bytes) -> dict:
    import base64

    return {"headers": {"Authorization": "Basic " + base64.b64encode(raw).decode()}}


GOOD = "c3RhbmxleWpvYnNvbjpzd29yZGZpc2g="  # stanleyjobson:swordfish
REQUESTS = [
    ("GET", "/users/me", basic(b"stanleyjobson:swordfish")),
    ("GET", "/users/me", basic(b"stanleyjobson:wrong")),
    ("GET", "/users/me", basic(b"stanleyjobson")),
    ("GET", "/users/me", basic(b":")),
    ("GET", "/users/me", basic("stanleyjobson:sw\u00f6rdfish".encode())),
    ("GET", "/users/me", basic(b"\xff\xfe:\x80")),
    ("GET", "/users/me", {"headers": {"Authorization": "Basic " + GOOD[:8] + " " + GOOD[8:]}}),
    ("GET", "/users/me", {"headers": {"Authorization": "basic " + GOOD}}),
    ("GET", "/users/me", {"headers": {"Authorization": "Basic   " + GOOD + "  "}}),
    ("GET", "/users/me", {"headers": {"Authorization": "Basic " + GOOD[:-1]}}),
    ("GET", "/users/me", {"headers": {"Authorization": "Basic !!!"}}),
    ("GET", "/users/me", {"headers": {"Authorization": "Basic"}}),
    ("GET", "/users/me", {"headers": {"Authorization": "Bearer abc"}}),
    ("GET", "/users/me", {"headers": {"Authorization": "Basic " + "A" * 20000}}),
    ("GET", "/users/me", {}),
    ("GET", "/optional", {}),
    ("GET", "/optional", {"headers": {"Authorization": "Bearer abc"}}),
    ("GET", "/optional", {"headers": {"Authorization": "Basic !!!"}}),
    ("GET", "/optional", basic(b"a:b:c")),
]
