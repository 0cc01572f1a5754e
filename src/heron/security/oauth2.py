"""OAuth2: the password and authorization code flows, their token form, and scopes.

The bearer schemes give the token sent in ``Authorization: Bearer <token>``; the
application decodes and checks it. ``OAuth2PasswordRequestForm`` is the dependency of the
token endpoint itself. ``SecurityScopes`` is injected by the dependency solver
(``heron.dependencies``) with the scopes of every ``Security(...)`` above a dependency.
"""

from collections.abc import Sequence
from typing import Annotated, Any

from heron.openapi.models import OAuth2 as OAuth2Model, OAuthFlows as OAuthFlowsModel
from heron.param_functions import Form
from heron.requests import HTTPConnection
from heron.security.base import SecurityBase
from heron.security.utils import get_authorization_scheme_param

__all__ = [
    "OAuth2",
    "OAuth2AuthorizationCodeBearer",
    "OAuth2PasswordBearer",
    "OAuth2PasswordRequestForm",
    "OAuth2PasswordRequestFormStrict",
    "SecurityScopes",
]


class OAuth2PasswordRequestForm:
    """The form a client posts to the token endpoint of the OAuth2 password flow.

    Use it as a dependency (``Depends()``): its arguments are form fields. The spec
    requires ``grant_type=password``; this class lets it be left out (use
    :class:`OAuth2PasswordRequestFormStrict` to require it).

    Args:
        grant_type: ``"password"`` when sent.
        username: The user name.
        password: The password.
        scope: Space-separated scopes, available split as ``scopes``.
        client_id: The client's id, when the client authenticates in the form.
        client_secret: The client's secret, when the client authenticates in the form.
    """

    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        username: Annotated[str, Form()],
        password: Annotated[str, Form(json_schema_extra={"format": "password"})],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
    ) -> None:
        self.grant_type = grant_type
        self.username = username
        self.password = password
        self.scopes = scope.split()
        self.client_id = client_id
        self.client_secret = client_secret


class OAuth2PasswordRequestFormStrict(OAuth2PasswordRequestForm):
    """:class:`OAuth2PasswordRequestForm` with the ``grant_type=password`` the spec requires.

    Args:
        grant_type: Must be ``"password"``.
        username: The user name.
        password: The password.
        scope: Space-separated scopes, available split as ``scopes``.
        client_id: The client's id, when the client authenticates in the form.
        client_secret: The client's secret, when the client authenticates in the form.
    """

    # COMPAT(fastapi): positional-or-keyword here, and the secrets without
    # ``format: password`` in the OpenAPI document, as in FastAPI.
    def __init__(
        self,
        grant_type: Annotated[str, Form(pattern="^password$")],
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )


class OAuth2(SecurityBase):
    """OAuth2 with any flows; gives the whole ``Authorization`` header.

    The base of the bearer schemes below; use it directly to describe other flows.

    Args:
        flows: The flows, as an ``OAuthFlows`` model or the equivalent dict
            (default: none).
        scheme_name: The name in the OpenAPI document (default: the class name).
        description: Shown in the OpenAPI document.
        auto_error: Answer 401 without an ``Authorization`` header (else give ``None``).
    """

    model: OAuth2Model

    def __init__(
        self,
        *,
        flows: OAuthFlowsModel | dict[str, dict[str, Any]] | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = OAuth2Model.model_validate(
            {"flows": OAuthFlowsModel() if flows is None else flows, "description": description}
        )
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    async def __call__(self, request: HTTPConnection) -> str | None:
        """The ``Authorization`` header of this request, as sent.

        Raises:
            HTTPException: 401 when it is missing and ``auto_error`` is on.
        """
        return self._authorization(request)


class _OAuth2Bearer(OAuth2):
    """An OAuth2 flow whose access token is sent as ``Authorization: Bearer <token>``."""

    async def __call__(self, request: HTTPConnection) -> str | None:
        """The bearer token of this request.

        Raises:
            HTTPException: 401 when the header is missing or not Bearer, and
                ``auto_error`` is on.
        """
        authorization = request.headers.get("Authorization")
        scheme, token = get_authorization_scheme_param(authorization)
        if not authorization or scheme.lower() != "bearer":
            self._not_authenticated()
            return None
        # COMPAT(fastapi): "Bearer" alone gives an empty token rather than a 401.
        return token


class OAuth2PasswordBearer(_OAuth2Bearer):
    """The OAuth2 password flow: clients get a token at ``tokenUrl``, then send it.

    Args:
        tokenUrl: Where the client posts the username and password (relative URLs are
            relative to the API's root); the token endpoint itself is yours to write.
        scheme_name: The name in the OpenAPI document (default: the class name).
        scopes: The available scopes and their descriptions.
        description: Shown in the OpenAPI document.
        auto_error: Answer 401 without a bearer token (else give ``None``).
        refreshUrl: Where tokens are refreshed, if anywhere.
    """

    def __init__(
        self,
        tokenUrl: str,
        scheme_name: str | None = None,
        scopes: dict[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
        refreshUrl: str | None = None,
    ) -> None:
        flow = {"tokenUrl": tokenUrl, "refreshUrl": refreshUrl, "scopes": scopes or {}}
        super().__init__(
            flows={"password": flow},
            scheme_name=scheme_name,
            description=description,
            auto_error=auto_error,
        )


class OAuth2AuthorizationCodeBearer(_OAuth2Bearer):
    """The OAuth2 authorization code flow, whose token is then sent as a bearer token.

    Args:
        authorizationUrl: Where the user grants access.
        tokenUrl: Where the client exchanges the code for a token.
        refreshUrl: Where tokens are refreshed, if anywhere.
        scheme_name: The name in the OpenAPI document (default: the class name).
        scopes: The available scopes and their descriptions.
        description: Shown in the OpenAPI document.
        auto_error: Answer 401 without a bearer token (else give ``None``).
    """

    def __init__(
        self,
        authorizationUrl: str,
        tokenUrl: str,
        refreshUrl: str | None = None,
        scheme_name: str | None = None,
        scopes: dict[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        flow = {
            "authorizationUrl": authorizationUrl,
            "tokenUrl": tokenUrl,
            "refreshUrl": refreshUrl,
            "scopes": scopes or {},
        }
        super().__init__(
            flows={"authorizationCode": flow},
            scheme_name=scheme_name,
            description=description,
            auto_error=auto_error,
        )


class SecurityScopes:
    """The OAuth2 scopes required by every ``Security(...)`` above a dependency.

    Declare a parameter of this type in a dependency to receive them.

    Args:
        scopes: The scopes, outermost first.
    """

    def __init__(self, scopes: Sequence[str] | None = None) -> None:
        self.scopes: list[str] = list(scopes or [])
        self.scope_str: str = " ".join(self.scopes)

    def __repr__(self) -> str:
        return f"SecurityScopes({self.scopes!r})"
