"""``fastapi.security`` schemes: OAuth2 bearer, HTTP Basic, API key header, auto_error=False."""

from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.security import (
    APIKeyHeader,
    HTTPBasic,
    HTTPBasicCredentials,
    OAuth2PasswordBearer,
)

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
basic = HTTPBasic()
api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


@app.get("/items/")
async def read_items(token: Annotated[str, Depends(oauth2_scheme)]):
    return {"token": token}


@app.get("/users/me")
def read_current_user(credentials: Annotated[HTTPBasicCredentials, Depends(basic)]):
    return {"username": credentials.username, "password": credentials.password}


@app.get("/key")
def read_key(key: Annotated[str | None, Depends(api_key)]):
    return {"key": key}


REQUESTS = [
    ("GET", "/items/", {"headers": {"Authorization": "Bearer abc"}}),
    ("GET", "/items/", {}),
    ("GET", "/items/", {"headers": {"Authorization": "Basic abc"}}),
    ("GET", "/users/me", {"headers": {"Authorization": "Basic am9objpzZWNyZXQ="}}),
    ("GET", "/users/me", {"headers": {"Authorization": "Basic !!!"}}),
    ("GET", "/users/me", {}),
    ("GET", "/key", {}),
    ("GET", "/key", {"headers": {"X-API-Key": "k"}}),
]
