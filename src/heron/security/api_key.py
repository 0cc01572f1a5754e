"""API keys sent in a query parameter, a header or a cookie.

Each scheme gives the key as a string (``None`` when missing and ``auto_error=False``); it
does not check the key: the application does, in its own dependency.
"""

from heron.openapi.models import APIKey, APIKeyIn
from heron.requests import HTTPConnection
from heron.security.base import SecurityBase

__all__ = ["APIKeyBase", "APIKeyCookie", "APIKeyHeader", "APIKeyQuery"]


class APIKeyBase(SecurityBase):
    """What the three API key schemes share: the OpenAPI model and the missing-key rule.

    Args:
        location: Where the key is sent.
        name: The name of the query parameter, header or cookie.
        description: Shown in the OpenAPI document.
        scheme_name: The name in the OpenAPI document (default: the class name).
        auto_error: Answer 401 when the key is missing (else give ``None``).
    """

    model: APIKey
    # COMPAT(fastapi): API keys have no registered HTTP authentication scheme; FastAPI
    # sends this custom challenge so that its 401 carries the WWW-Authenticate RFC 9110
    # requires.
    challenge = "APIKey"

    def __init__(
        self,
        location: APIKeyIn,
        name: str,
        description: str | None,
        scheme_name: str | None,
        auto_error: bool,
    ) -> None:
        self.model = APIKey.model_validate(
            {"in": location, "name": name, "description": description}
        )
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    def check_api_key(self, api_key: str | None) -> str | None:
        """The key, or the missing-key outcome when it is absent or empty.

        Raises:
            HTTPException: 401 when the key is missing and ``auto_error`` is on.
        """
        if not api_key:
            self._not_authenticated()
            return None
        return api_key


class _NamedKey(APIKeyBase):
    """An API key scheme whose location is fixed by the class: only the name varies."""

    location: APIKeyIn

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(self.location, name, description, scheme_name, auto_error)

    def read_key(self, request: HTTPConnection) -> str | None:
        """The key as sent, or ``None``."""
        raise NotImplementedError

    async def __call__(self, request: HTTPConnection) -> str | None:
        """The key of this request.

        Raises:
            HTTPException: 401 when the key is missing or empty and ``auto_error`` is on.
        """
        return self.check_api_key(self.read_key(request))


class APIKeyQuery(_NamedKey):
    """An API key in the query parameter ``name`` (``?api_key=...``).

    Args:
        name: The query parameter.
        scheme_name: The name in the OpenAPI document (default: the class name).
        description: Shown in the OpenAPI document.
        auto_error: Answer 401 when the key is missing (else give ``None``).
    """

    location = APIKeyIn.query

    def read_key(self, request: HTTPConnection) -> str | None:
        """The parameter's last value, when it is repeated."""
        return request.query_params.get(self.model.name)


class APIKeyHeader(_NamedKey):
    """An API key in the header ``name`` (case-insensitive).

    Args:
        name: The header.
        scheme_name: The name in the OpenAPI document (default: the class name).
        description: Shown in the OpenAPI document.
        auto_error: Answer 401 when the key is missing (else give ``None``).
    """

    location = APIKeyIn.header

    def read_key(self, request: HTTPConnection) -> str | None:
        """The header's first value, when it is repeated."""
        return request.headers.get(self.model.name)


class APIKeyCookie(_NamedKey):
    """An API key in the cookie ``name``.

    Args:
        name: The cookie.
        scheme_name: The name in the OpenAPI document (default: the class name).
        description: Shown in the OpenAPI document.
        auto_error: Answer 401 when the key is missing (else give ``None``).
    """

    location = APIKeyIn.cookie

    def read_key(self, request: HTTPConnection) -> str | None:
        """The cookie's value."""
        return request.cookies.get(self.model.name)
