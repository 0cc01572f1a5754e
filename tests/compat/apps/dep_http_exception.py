"""A dependency raising HTTPException (with headers) stops the request before the endpoint."""

from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, status

app = FastAPI()


async def get_token(authorization: Annotated[str | None, Header()] = None):
    if authorization is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Not authenticated",
            headers={"WWW-Authenticate": "Bearer"},
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail={"reason": "bad scheme"})
    return token


@app.get("/me")
async def me(token: Annotated[str, Depends(get_token)]):
    return {"token": token}


REQUESTS = [
    ("GET", "/me", {"headers": {"Authorization": "Bearer abc"}}),
    ("GET", "/me", {}),
    ("GET", "/me", {"headers": {"Authorization": "Basic abc"}}),
]
