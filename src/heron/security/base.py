"""The base class of security schemes: a dependency that also describes itself to OpenAPI.

Subclassed by every scheme of ``heron.security``; read by the OpenAPI generator, which only
needs ``model`` and ``scheme_name``.
"""

from typing import Any

from heron.exceptions import HTTPException
from heron.requests import HTTPConnection
from heron.status import HTTP_401_UNAUTHORIZED

__all__ = ["SecurityBase"]


class SecurityBase:
    """A security scheme usable with ``Depends``/``Security``.

    The OpenAPI layer finds instances of this class in a route's dependency tree and lists
    them under ``components.securitySchemes`` (``model``, dumped by alias without ``None``)
    and in the operation's ``security`` (by ``scheme_name``, with the ``Security`` scopes).

    Subclasses read the credentials in ``__call__``. When they are missing or unusable they
    raise :meth:`make_not_authenticated_error` (a 401), or return ``None`` when
    ``auto_error`` is off. Override :meth:`make_not_authenticated_error` to answer
    differently, for example with the 403 that older FastAPI versions answered.

    Attributes:
        model: The OpenAPI security scheme object (a pydantic model).
        scheme_name: The key under ``components.securitySchemes``.
        auto_error: Raise when credentials are missing (else the dependency gives ``None``).
    """

    model: Any
    scheme_name: str
    auto_error: bool = True
    # The WWW-Authenticate challenge of the 401; RFC 9110 requires one on every 401.
    challenge: str = "Bearer"

    def make_authenticate_headers(self) -> dict[str, str]:
        """The headers of the 401: the scheme's ``WWW-Authenticate`` challenge."""
        return {"WWW-Authenticate": self.challenge}

    def make_not_authenticated_error(self) -> HTTPException:
        """The error raised when credentials are missing or unusable.

        Returns:
            A 401 ``Not authenticated`` with :meth:`make_authenticate_headers`.
        """
        return HTTPException(
            status_code=HTTP_401_UNAUTHORIZED,
            detail="Not authenticated",
            headers=self.make_authenticate_headers(),
        )

    def _not_authenticated(self) -> None:
        """Fail without credentials: raise when ``auto_error`` is on, else return.

        The caller then gives ``None`` as the dependency's value.

        Raises:
            HTTPException: :meth:`make_not_authenticated_error`, when ``auto_error`` is on.
        """
        if self.auto_error:
            raise self.make_not_authenticated_error()

    def _authorization(self, request: HTTPConnection) -> str | None:
        """The whole ``Authorization`` header, or the missing-credentials outcome.

        Raises:
            HTTPException: 401 when the header is missing or empty and ``auto_error`` is on.
        """
        authorization = request.headers.get("Authorization")
        if not authorization:
            self._not_authenticated()
            return None
        return authorization
