"""Sample apps whose docs pages the browser tests drive (served by a real uvicorn).

``app``: a shop with a public operation, the OAuth2 password flow (``/token``) and a
protected operation. ``code_app``: the OAuth2 authorization code flow, with a toy
authorization server on the same origin, to exercise Swagger UI's redirect page.

No ``from __future__ import annotations``: Heron reads these annotations at start-up.
"""

from typing import Annotated
from urllib.parse import urlencode

from pydantic import BaseModel

from heron import Depends, Form, Heron, HTTPException, Query
from heron.responses import RedirectResponse
from heron.security import (
    OAuth2AuthorizationCodeBearer,
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
)

__all__ = ["app", "code_app"]

USERS = {"alice": "wonderland"}
TOKEN = "token-for-alice"


class Item(BaseModel):
    name: str
    price: float


class User(BaseModel):
    username: str


ITEMS = {1: Item(name="Heron T-shirt", price=19.5), 2: Item(name="Heron mug", price=9.0)}

app = Heron(title="Heron Shop", version="1.0.0")
password_scheme = OAuth2PasswordBearer(tokenUrl="token")


@app.get("/items/{item_id}", tags=["items"], summary="Read an item")
async def read_item(item_id: int) -> Item:
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="No such item")
    return ITEMS[item_id]


@app.post("/token", tags=["auth"], summary="Log in")
async def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict[str, str]:
    if USERS.get(form.username) != form.password:
        raise HTTPException(status_code=400, detail="Incorrect username or password")
    return {"access_token": TOKEN, "token_type": "bearer"}


def current_user(token: Annotated[str, Depends(password_scheme)]) -> User:
    if token != TOKEN:
        raise HTTPException(
            status_code=401, detail="Invalid token", headers={"WWW-Authenticate": "Bearer"}
        )
    return User(username="alice")


@app.get("/users/me", tags=["auth"], summary="Who am I")
async def read_me(user: Annotated[User, Depends(current_user)]) -> User:
    return user


code_app = Heron(title="Heron Code Flow")
code_scheme = OAuth2AuthorizationCodeBearer(authorizationUrl="authorize", tokenUrl="code-token")


@code_app.get("/authorize", include_in_schema=False)
async def authorize(
    redirect_uri: Annotated[str, Query()], state: Annotated[str, Query()]
) -> RedirectResponse:
    # A consenting user, at once: back to Swagger UI's redirect page with a code.
    query = urlencode({"code": "code-for-alice", "state": state})
    return RedirectResponse(f"{redirect_uri}?{query}", status_code=302)


@code_app.post("/code-token", include_in_schema=False)
async def code_token(
    grant_type: Annotated[str, Form()], code: Annotated[str, Form()]
) -> dict[str, str]:
    if grant_type != "authorization_code" or code != "code-for-alice":
        raise HTTPException(status_code=400, detail="invalid_grant")
    return {"access_token": TOKEN, "token_type": "bearer"}


@code_app.get("/me", summary="Who am I")
async def code_me(token: Annotated[str, Depends(code_scheme)]) -> User:
    if token != TOKEN:
        raise HTTPException(status_code=401, detail="Invalid token")
    return User(username="alice")
