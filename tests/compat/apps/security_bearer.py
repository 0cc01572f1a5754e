"""HTTPBearer (optional too), HTTPDigest, the authorization code flow, OpenID Connect and a
scheme answering 403 through ``make_not_authenticated_error``, as FastAPI's docs show."""

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import (
    HTTPAuthorizationCredentials,
    HTTPBearer,
    HTTPDigest,
    OAuth2AuthorizationCodeBearer,
    OpenIdConnect,
)

app = FastAPI()
bearer = HTTPBearer(bearerFormat="JWT", description="A JWT")
optional_bearer = HTTPBearer(auto_error=False)
digest = HTTPDigest()
code_flow = OAuth2AuthorizationCodeBearer(
    authorizationUrl="authorize", tokenUrl="token", refreshUrl="refresh", scopes={"read": "Read"}
)
oidc = OpenIdConnect(openIdConnectUrl="/.well-known/openid-configuration", auto_error=False)


class HTTPBearer403(HTTPBearer):
    def make_not_authenticated_error(self) -> HTTPException:
        return HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Not authenticated")


legacy_bearer = HTTPBearer403()


@app.get("/bearer")
def read_bearer(credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]):
    return {"scheme": credentials.scheme, "credentials": credentials.credentials}


@app.get("/optional")
def read_optional(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(optional_bearer)],
):
    if credentials is None:
        return {"msg": "anonymous"}
    return {"msg": "hello", "credentials": credentials.credentials}


@app.get("/digest")
def read_digest(credentials: Annotated[HTTPAuthorizationCredentials, Depends(digest)]):
    return credentials


@app.get("/code")
def read_code(token: Annotated[str, Depends(code_flow)]):
    return {"token": token}


@app.get("/oidc")
def read_oidc(authorization: Annotated[str | None, Depends(oidc)]):
    return {"authorization": authorization}


@app.get("/legacy")
def read_legacy(credentials: Annotated[HTTPAuthorizationCredentials, Depends(legacy_bearer)]):
    return {"credentials": credentials.credentials}


REQUESTS = [
    ("GET", "/bearer", {"headers": {"Authorization": "Bearer abc.def"}}),
    ("GET", "/bearer", {"headers": {"Authorization": "bEaReR   abc  "}}),
    ("GET", "/bearer", {"headers": {"Authorization": "Bearer a b c"}}),
    ("GET", "/bearer", {"headers": {"Authorization": "Bearer"}}),
    ("GET", "/bearer", {"headers": {"Authorization": "Basic abc"}}),
    ("GET", "/bearer", {"headers": {"Authorization": "abc"}}),
    ("GET", "/bearer", {"headers": {"Authorization": "Bearer " + "x" * 30000}}),
    ("GET", "/bearer", {}),
    ("GET", "/optional", {}),
    ("GET", "/optional", {"headers": {"Authorization": "Token abc"}}),
    ("GET", "/optional", {"headers": {"Authorization": "Bearer abc"}}),
    ("GET", "/digest", {"headers": {"Authorization": 'Digest username="a", nonce="n"'}}),
    ("GET", "/digest", {"headers": {"Authorization": "Bearer abc"}}),
    ("GET", "/digest", {}),
    ("GET", "/code", {"headers": {"Authorization": "Bearer code-token"}}),
    ("GET", "/code", {"headers": {"Authorization": "Basic abc"}}),
    ("GET", "/code", {}),
    ("GET", "/oidc", {"headers": {"Authorization": "Anything goes"}}),
    ("GET", "/oidc", {}),
    ("GET", "/legacy", {}),
    ("GET", "/legacy", {"headers": {"Authorization": "Bearer ok"}}),
]
