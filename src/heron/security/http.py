"""HTTP authentication schemes: ``Authorization: <scheme> <credentials>``.

``HTTPBasic`` decodes the user name and password; ``HTTPBearer``, ``HTTPDigest`` and the
generic ``HTTPBase`` give the scheme and the raw credentials, which the application checks.
"""

from base64 import b64decode

from pydantic import BaseModel

from heron.openapi.models import HTTPBase as HTTPBaseModel, HTTPBearer as HTTPBearerModel
from heron.requests import HTTPConnection
from heron.security.base import SecurityBase
from heron.security.utils import get_authorization_scheme_param

__all__ = [
    "HTTPAuthorizationCredentials",
    "HTTPBase",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "HTTPDigest",
]


class HTTPBasicCredentials(BaseModel):
    """The user name and password of an HTTP Basic ``Authorization`` header."""

    username: str
    password: str


class HTTPAuthorizationCredentials(BaseModel):
    """An ``Authorization`` header split into its scheme (as sent) and its credentials."""

    scheme: str
    credentials: str


class HTTPBase(SecurityBase):
    """HTTP authentication with any scheme; the base of the other HTTP schemes.

    Gives the scheme and credentials of the ``Authorization`` header, whatever the scheme.

    Args:
        scheme: The scheme named in the OpenAPI document (``"basic"``, ``"bearer"``...).
        scheme_name: The name in the OpenAPI document (default: the class name).
        description: Shown in the OpenAPI document.
        auto_error: Answer 401 without usable credentials (else give ``None``).
    """

    model: HTTPBaseModel
    # The scheme the header must use (lower-case); ``None`` accepts any.
    required_scheme: str | None = None

    def __init__(
        self,
        *,
        scheme: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self._setup(HTTPBaseModel(scheme=scheme, description=description), scheme_name, auto_error)

    def _setup(self, model: HTTPBaseModel, scheme_name: str | None, auto_error: bool) -> None:
        self.model = model
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    def make_authenticate_headers(self) -> dict[str, str]:
        """The challenge of the 401: the scheme, capitalised (``Bearer``, ``Digest``)."""
        return {"WWW-Authenticate": self.model.scheme.title()}

    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        """The credentials of this request.

        Raises:
            HTTPException: 401 when the header is missing, has no credentials, or uses
                another scheme than ``required_scheme``, and ``auto_error`` is on.
        """
        scheme, credentials = get_authorization_scheme_param(request.headers.get("Authorization"))
        if not (scheme and credentials):
            self._not_authenticated()
            return None
        if self.required_scheme is not None and scheme.lower() != self.required_scheme:
            self._not_authenticated()
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)


class HTTPBasic(HTTPBase):
    """HTTP Basic authentication: gives the :class:`HTTPBasicCredentials` sent.

    Args:
        scheme_name: The name in the OpenAPI document (default: the class name).
        realm: Sent in the challenge (``WWW-Authenticate: Basic realm="..."``).
        description: Shown in the OpenAPI document.
        auto_error: Answer 401 when the header is missing or is not Basic (else give
            ``None``). Credentials that are not valid Basic credentials always get the 401.
    """

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        realm: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self._setup(HTTPBaseModel(scheme="basic", description=description), scheme_name, auto_error)
        self.realm = realm

    def make_authenticate_headers(self) -> dict[str, str]:
        """The challenge of the 401, with the realm when there is one."""
        if self.realm:
            return {"WWW-Authenticate": f'Basic realm="{self.realm}"'}
        return {"WWW-Authenticate": "Basic"}

    async def __call__(  # type: ignore[override]  # gives the decoded credentials
        self, request: HTTPConnection
    ) -> HTTPBasicCredentials | None:
        """The user name and password of this request.

        Raises:
            HTTPException: 401 when the header is missing or not Basic (with ``auto_error``
                on), and always when its credentials are not base64 of ASCII
                ``user:password``.
        """
        authorization = request.headers.get("Authorization")
        scheme, param = get_authorization_scheme_param(authorization)
        if not authorization or scheme.lower() != "basic":
            self._not_authenticated()
            return None
        # COMPAT(fastapi): lenient base64 (characters outside the alphabet are skipped)
        # and ASCII only; credentials that cannot be decoded are an error even with
        # ``auto_error=False``, since the client did try to authenticate.
        try:
            decoded = b64decode(param).decode("ascii")
        except ValueError as exc:  # binascii.Error and UnicodeDecodeError are ValueErrors
            raise self.make_not_authenticated_error() from exc
        username, colon, password = decoded.partition(":")
        if not colon:
            raise self.make_not_authenticated_error()
        return HTTPBasicCredentials(username=username, password=password)


class HTTPBearer(HTTPBase):
    """HTTP bearer authentication: gives the token as :class:`HTTPAuthorizationCredentials`.

    Args:
        bearerFormat: A hint of the token's format for the OpenAPI document (``"JWT"``).
        scheme_name: The name in the OpenAPI document (default: the class name).
        description: Shown in the OpenAPI document.
        auto_error: Answer 401 without a bearer token (else give ``None``).
    """

    model: HTTPBearerModel
    required_scheme = "bearer"

    def __init__(
        self,
        *,
        bearerFormat: str | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        model = HTTPBearerModel(bearerFormat=bearerFormat, description=description)
        self._setup(model, scheme_name, auto_error)


class HTTPDigest(HTTPBase):
    """HTTP Digest authentication: gives the raw digest response to check.

    Args:
        scheme_name: The name in the OpenAPI document (default: the class name).
        description: Shown in the OpenAPI document.
        auto_error: Answer 401 without Digest credentials (else give ``None``).
    """

    required_scheme = "digest"

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        model = HTTPBaseModel(scheme="digest", description=description)
        self._setup(model, scheme_name, auto_error)
