"""Security schemes (FastAPI's ``fastapi.security``); grows with the OpenAPI layer."""

from heron.security.oauth2 import SecurityScopes

__all__ = ["SecurityScopes"]
