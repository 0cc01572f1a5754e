"""OAuth2 scopes: ``Security(..., scopes=[...])`` on a bearer scheme, read via SecurityScopes."""

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Security, status
from fastapi.security import (
    OAuth2PasswordBearer,
    OAuth2PasswordRequestFormStrict,
    SecurityScopes,
)

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="token",
    scopes={"me": "Read information about the current user.", "items": "Read items."},
)


@app.post("/token")
async def login(form_data: Annotated[OAuth2PasswordRequestFormStrict, Depends()]):
    return {"access_token": form_data.username + ":" + ",".join(form_data.scopes)}


async def get_current_user(
    security_scopes: SecurityScopes, token: Annotated[str, Depends(oauth2_scheme)]
):
    if security_scopes.scopes:
        authenticate_value = f'Bearer scope="{security_scopes.scope_str}"'
    else:
        authenticate_value = "Bearer"
    username, _, granted = token.partition(":")
    for scope in security_scopes.scopes:
        if scope not in granted.split(","):
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail="Not enough permissions",
                headers={"WWW-Authenticate": authenticate_value},
            )
    return {"username": username, "required": security_scopes.scopes}


async def get_current_active_user(
    user: Annotated[dict, Security(get_current_user, scopes=["me"])],
):
    return user


@app.get("/users/me/")
async def read_users_me(user: Annotated[dict, Depends(get_current_active_user)]):
    return user


@app.get("/users/me/items/")
async def read_own_items(
    user: Annotated[dict, Security(get_current_active_user, scopes=["items"])],
):
    return user


@app.get("/status/")
async def read_system_status(user: Annotated[dict, Depends(get_current_user)]):
    return user


@app.get("/token-scopes/")
async def read_token(token: Annotated[str, Security(oauth2_scheme, scopes=["items"])]):
    return {"token": token}


FORM = {"grant_type": "password", "username": "bob", "password": "pw", "scope": "me items"}
REQUESTS = [
    ("POST", "/token", {"data": FORM}),
    ("POST", "/token", {"data": {"username": "bob", "password": "pw"}}),
    ("POST", "/token", {"data": {**FORM, "grant_type": "implicit"}}),
    ("GET", "/users/me/", {"headers": {"Authorization": "Bearer bob:me"}}),
    ("GET", "/users/me/", {"headers": {"Authorization": "Bearer bob:items"}}),
    ("GET", "/users/me/items/", {"headers": {"Authorization": "Bearer bob:me,items"}}),
    ("GET", "/users/me/items/", {"headers": {"Authorization": "Bearer bob:me"}}),
    ("GET", "/users/me/items/", {}),
    ("GET", "/status/", {"headers": {"Authorization": "Bearer bob:"}}),
    ("GET", "/token-scopes/", {"headers": {"Authorization": "Bearer t"}}),
    ("GET", "/token-scopes/", {"headers": {"Authorization": "Token t"}}),
]
