"""Security schemes (FastAPI's ``fastapi.security``): dependencies that read credentials.

Each scheme is a dependency (``Depends(scheme)`` or ``Security(scheme, scopes=[...])``)
that reads the credentials of a request, and an OpenAPI security scheme (``model``, listed
under ``scheme_name``) for the document and the docs' "Authorize" dialog.
"""

from heron.security.api_key import APIKeyCookie, APIKeyHeader, APIKeyQuery
from heron.security.http import (
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    HTTPDigest,
)
from heron.security.oauth2 import (
    OAuth2,
    OAuth2AuthorizationCodeBearer,
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
    OAuth2PasswordRequestFormStrict,
    SecurityScopes,
)
from heron.security.open_id_connect_url import OpenIdConnect

__all__ = [
    "APIKeyCookie",
    "APIKeyHeader",
    "APIKeyQuery",
    "HTTPAuthorizationCredentials",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "HTTPDigest",
    "OAuth2",
    "OAuth2AuthorizationCodeBearer",
    "OAuth2PasswordBearer",
    "OAuth2PasswordRequestForm",
    "OAuth2PasswordRequestFormStrict",
    "OpenIdConnect",
    "SecurityScopes",
]
