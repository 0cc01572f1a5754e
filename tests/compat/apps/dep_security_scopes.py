"""``Security`` with scopes and ``SecurityScopes`` collecting them along the chain."""

from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Security
from fastapi.security import SecurityScopes

app = FastAPI()


def get_current_user(security_scopes: SecurityScopes, x_scopes: Annotated[str, Header()] = ""):
    granted = set(x_scopes.split())
    for scope in security_scopes.scopes:
        if scope not in granted:
            raise HTTPException(
                status_code=401,
                detail="Not enough permissions",
                headers={"WWW-Authenticate": f'Bearer scope="{security_scopes.scope_str}"'},
            )
    return {"user": "alice", "needed": security_scopes.scopes}


def get_active_user(user: Annotated[dict, Security(get_current_user, scopes=["me"])]):
    return user


@app.get("/users/me/items/")
async def read_own_items(user: Annotated[dict, Security(get_active_user, scopes=["items"])]):
    return user


@app.get("/status/")
async def read_status(user: Annotated[dict, Depends(get_current_user)]):
    return user


REQUESTS = [
    ("GET", "/users/me/items/", {"headers": {"x-scopes": "me items"}}),
    ("GET", "/users/me/items/", {"headers": {"x-scopes": "me"}}),
    ("GET", "/users/me/items/", {}),
    ("GET", "/status/", {}),
]
