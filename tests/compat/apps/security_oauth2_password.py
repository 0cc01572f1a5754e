"""OAuth2 password flow as FastAPI's tutorial: a token endpoint and ``get_current_user``."""

from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel

app = FastAPI()
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

USERS: dict[str, dict[str, Any]] = {
    "johndoe": {"username": "johndoe", "password": "secret", "disabled": False},
    "alice": {"username": "alice", "password": "secret2", "disabled": True},
}


class User(BaseModel):
    username: str
    disabled: bool | None = None


async def get_current_user(token: Annotated[str, Depends(oauth2_scheme)]) -> User:
    user = USERS.get(token.removeprefix("fake-"))
    if user is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Invalid authentication credentials",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return User(**user)


async def get_current_active_user(user: Annotated[User, Depends(get_current_user)]) -> User:
    if user.disabled:
        raise HTTPException(status_code=400, detail="Inactive user")
    return user


@app.post("/token")
async def login(form_data: Annotated[OAuth2PasswordRequestForm, Depends()]):
    user = USERS.get(form_data.username)
    if not user or form_data.password != user["password"]:
        raise HTTPException(status_code=400, detail="Incorrect username or password")
    return {
        "access_token": "fake-" + form_data.username,
        "token_type": "bearer",
        "scopes": form_data.scopes,
        "grant_type": form_data.grant_type,
        "client": [form_data.client_id, form_data.client_secret],
    }


@app.get("/users/me", response_model=User)
async def read_users_me(current_user: Annotated[User, Depends(get_current_active_user)]):
    return current_user


FORM = {"username": "johndoe", "password": "secret"}
REQUESTS = [
    ("POST", "/token", {"data": FORM}),
    ("POST", "/token", {"data": {**FORM, "grant_type": "password", "scope": "me  items "}}),
    ("POST", "/token", {"data": {**FORM, "client_id": "c", "client_secret": "s"}}),
    ("POST", "/token", {"data": {**FORM, "grant_type": "client_credentials"}}),
    ("POST", "/token", {"data": {"username": "johndoe", "password": "wrong"}}),
    ("POST", "/token", {"data": {"username": "johndoe"}}),
    ("POST", "/token", {}),
    ("POST", "/token", {"json": FORM}),
    ("GET", "/users/me", {"headers": {"Authorization": "Bearer fake-johndoe"}}),
    ("GET", "/users/me", {"headers": {"Authorization": "bearer fake-johndoe"}}),
    ("GET", "/users/me", {"headers": {"Authorization": "Bearer   fake-johndoe  "}}),
    ("GET", "/users/me", {"headers": {"Authorization": "Bearer fake-alice"}}),
    ("GET", "/users/me", {"headers": {"Authorization": "Bearer nobody"}}),
    ("GET", "/users/me", {"headers": {"Authorization": "Bearer"}}),
    ("GET", "/users/me", {"headers": {"Authorization": "Basic am9objpzZWNyZXQ="}}),
    ("GET", "/users/me", {"headers": {"Authorization": ""}}),
    ("GET", "/users/me", {}),
]
