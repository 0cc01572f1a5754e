"""OpenID Connect: the scheme is discovered at a URL; gives the ``Authorization`` header."""

from heron.openapi.models import OpenIdConnect as OpenIdConnectModel
from heron.requests import HTTPConnection
from heron.security.base import SecurityBase

__all__ = ["OpenIdConnect"]


class OpenIdConnect(SecurityBase):
    """OpenID Connect; gives the whole ``Authorization`` header, which you verify.

    Args:
        openIdConnectUrl: The provider's discovery document
            (``.../.well-known/openid-configuration``).
        scheme_name: The name in the OpenAPI document (default: the class name).
        description: Shown in the OpenAPI document.
        auto_error: Answer 401 without an ``Authorization`` header (else give ``None``).
    """

    model: OpenIdConnectModel

    def __init__(
        self,
        *,
        openIdConnectUrl: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = OpenIdConnectModel(openIdConnectUrl=openIdConnectUrl, description=description)
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    async def __call__(self, request: HTTPConnection) -> str | None:
        """The ``Authorization`` header of this request, as sent.

        Raises:
            HTTPException: 401 when it is missing and ``auto_error`` is on.
        """
        return self._authorization(request)
