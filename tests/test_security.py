"""Security schemes (``heron.security``): what a client gets back, and what OpenAPI sees.

The request table below is run against Heron and, unchanged, against FastAPI: the expected
answers are written out for the reader, and FastAPI agreeing with them proves they are
FastAPI's behaviour rather than a guess.
"""

import base64
import importlib
import itertools
import warnings
from collections.abc import Iterator
from typing import Annotated, Any

import fastapi.security
import pytest
from fastapi.openapi import models as fastapi_models

import heron.security
from heron import Depends, Heron, HTTPException, Security, WebSocket
from heron.exceptions import WebSocketDisconnect
from heron.openapi import models as heron_models
from heron.security import (
    APIKeyQuery,
    HTTPBasic,
    HTTPBearer,
    OAuth2PasswordBearer,
    OAuth2PasswordRequestForm,
    OAuth2PasswordRequestFormStrict,
    SecurityScopes,
)
from heron.security.utils import get_authorization_scheme_param
from heron.testclient import TestClient
from servers import exchange, serve


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


# --- The names and modules are FastAPI's ----------------------------------------------------


def test_exports_are_fastapis() -> None:
    public = {name for name in vars(fastapi.security) if name[0].isupper()}
    assert sorted(heron.security.__all__) == sorted(public)


@pytest.mark.parametrize(
    ("module", "names"),
    [
        ("api_key", ["APIKeyCookie", "APIKeyHeader", "APIKeyQuery"]),
        ("http", ["HTTPBase", "HTTPBasic", "HTTPBearer", "HTTPDigest", "HTTPBasicCredentials"]),
        ("http", ["HTTPAuthorizationCredentials"]),
        ("oauth2", ["OAuth2", "OAuth2PasswordBearer", "OAuth2AuthorizationCodeBearer"]),
        ("oauth2", ["OAuth2PasswordRequestForm", "OAuth2PasswordRequestFormStrict"]),
        ("oauth2", ["SecurityScopes"]),
        ("open_id_connect_url", ["OpenIdConnect"]),
        ("utils", ["get_authorization_scheme_param"]),
        ("base", ["SecurityBase"]),
    ],
)
def test_submodules_are_fastapis(module: str, names: list[str]) -> None:
    ours = importlib.import_module(f"heron.security.{module}")
    theirs = importlib.import_module(f"fastapi.security.{module}")
    for name in names:
        assert hasattr(theirs, name), name
        assert name in ours.__all__, name


# --- OpenAPI models: equal to FastAPI's for every option combination ----------------------


def _flows(models: Any) -> Any:
    return models.OAuthFlows(
        clientCredentials={"tokenUrl": "/t", "scopes": {"a": "A"}},
        implicit={"authorizationUrl": "/auth", "refreshUrl": "/r"},
    )


# Per class: the required arguments, then every optional one (all subsets are tried).
SCHEME_OPTIONS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("APIKeyHeader", {"name": "X-Key"}, {"scheme_name": "Key", "description": "d"}),
    ("APIKeyQuery", {"name": "key"}, {"scheme_name": "Key", "description": "d"}),
    ("APIKeyCookie", {"name": "session"}, {"scheme_name": "Key", "description": "d"}),
    ("HTTPBase", {"scheme": "custom"}, {"scheme_name": "Custom", "description": "d"}),
    ("HTTPBasic", {}, {"scheme_name": "B", "realm": "r", "description": "d"}),
    ("HTTPBearer", {}, {"bearerFormat": "JWT", "scheme_name": "B", "description": "d"}),
    ("HTTPDigest", {}, {"scheme_name": "D", "description": "d"}),
    ("OAuth2", {}, {"scheme_name": "O", "description": "d", "flows": _flows}),
    (
        "OAuth2",
        {"flows": {"password": {"tokenUrl": "token", "scopes": {"me": "Me"}}}},
        {"description": "d"},
    ),
    (
        "OAuth2PasswordBearer",
        {"tokenUrl": "token"},
        {"scheme_name": "P", "scopes": {"me": "Me", "items": "Items"}, "description": "d"}
        | {"refreshUrl": "/refresh"},
    ),
    (
        "OAuth2AuthorizationCodeBearer",
        {"authorizationUrl": "/authorize", "tokenUrl": "/token"},
        {"refreshUrl": "/refresh", "scheme_name": "C", "scopes": {"r": "Read"}}
        | {"description": "d"},
    ),
    (
        "OpenIdConnect",
        {"openIdConnectUrl": "/.well-known/openid-configuration"},
        {"scheme_name": "OIDC", "description": "d"},
    ),
]


def _combinations() -> Iterator[Any]:
    for name, required, optional in SCHEME_OPTIONS:
        for size in range(len(optional) + 1):
            for keys in itertools.combinations(optional, size):
                kwargs = {**required, **{key: optional[key] for key in keys}}
                for flag in (True, False):
                    label = f"{name}-{'+'.join(keys) or 'defaults'}-auto_error={flag}"
                    yield pytest.param(name, {**kwargs, "auto_error": flag}, id=label)


def _resolve(kwargs: dict[str, Any], models: Any) -> dict[str, Any]:
    return {key: value(models) if callable(value) else value for key, value in kwargs.items()}


@pytest.mark.parametrize(("name", "kwargs"), list(_combinations()))
def test_scheme_model_equals_fastapis(name: str, kwargs: dict[str, Any]) -> None:
    ours = getattr(heron.security, name, None) or getattr(heron.security.http, name)
    theirs = getattr(fastapi.security, name, None) or fastapi.security.http.HTTPBase
    scheme = ours(**_resolve(kwargs, heron_models))
    reference = theirs(**_resolve(kwargs, fastapi_models))
    # JSON mode: the enums are each package's own classes, equal only by value.
    dump: dict[str, Any] = {"by_alias": True, "exclude_none": True, "mode": "json"}
    assert scheme.model.model_dump(**dump) == reference.model.model_dump(**dump)
    assert scheme.scheme_name == reference.scheme_name
    assert scheme.auto_error is reference.auto_error
    assert isinstance(scheme.model, getattr(heron_models, type(reference.model).__name__))
    assert getattr(scheme, "realm", None) == getattr(reference, "realm", None)


def test_defaults_dump_as_in_the_openapi_document() -> None:
    dump: dict[str, Any] = {"by_alias": True, "exclude_none": True, "mode": "json"}
    assert OAuth2PasswordBearer(tokenUrl="token").model.model_dump(**dump) == {
        "type": "oauth2",
        "flows": {"password": {"scopes": {}, "tokenUrl": "token"}},
    }
    assert HTTPBasic().model.model_dump(**dump) == {"type": "http", "scheme": "basic"}
    assert APIKeyQuery(name="k").model.model_dump(**dump) == {
        "type": "apiKey",
        "in": "query",
        "name": "k",
    }
    assert HTTPBearer().scheme_name == "HTTPBearer"


# --- The request table: Heron and FastAPI give these answers -------------------------------

NOT_AUTH = {"detail": "Not authenticated"}


def _schemes(sec: Any) -> dict[str, Any]:
    return {
        "api-header": sec.APIKeyHeader(name="X-Key"),
        "api-header-optional": sec.APIKeyHeader(name="X-Key", auto_error=False),
        "api-query": sec.APIKeyQuery(name="key"),
        "api-cookie": sec.APIKeyCookie(name="session"),
        "http": sec.http.HTTPBase(scheme="custom"),
        "basic": sec.HTTPBasic(),
        "basic-realm": sec.HTTPBasic(realm="my realm"),
        "basic-optional": sec.HTTPBasic(auto_error=False),
        "bearer": sec.HTTPBearer(),
        "bearer-optional": sec.HTTPBearer(auto_error=False),
        "digest": sec.HTTPDigest(),
        "password": sec.OAuth2PasswordBearer(tokenUrl="token"),
        "password-optional": sec.OAuth2PasswordBearer(tokenUrl="token", auto_error=False),
        "code": sec.OAuth2AuthorizationCodeBearer(authorizationUrl="a", tokenUrl="t"),
        "oauth2": sec.OAuth2(),
        "oidc": sec.OpenIdConnect(openIdConnectUrl="/oidc"),
        "oidc-optional": sec.OpenIdConnect(openIdConnectUrl="/oidc", auto_error=False),
    }


def build_app(framework: str) -> Any:
    """One route per scheme answering ``{"value": <the dependency's value>}``."""
    root = importlib.import_module(framework)
    sec = importlib.import_module(f"{framework}.security")
    importlib.import_module(f"{framework}.security.http")
    app = getattr(root, "Heron" if framework == "heron" else "FastAPI")()

    def add(path: str, scheme: Any) -> None:
        def endpoint(value: Annotated[Any, root.Depends(scheme)]) -> Any:
            return {"value": value}

        app.get(f"/{path}")(endpoint)

    for path, scheme in _schemes(sec).items():
        add(path, scheme)
    return app


def auth(value: str | bytes) -> dict[str, Any]:
    return {"headers": {"Authorization": value}}


GOOD_BASIC = b64(b"alice:s3cret:with:colons")
# (path, request kwargs, status, body, WWW-Authenticate)
TABLE: list[tuple[str, dict[str, Any], int, Any, str | None]] = [
    ("api-header", {"headers": {"x-key": "k1"}}, 200, {"value": "k1"}, None),
    ("api-header", {"headers": {"X-Key": ""}}, 401, NOT_AUTH, "APIKey"),
    ("api-header", {}, 401, NOT_AUTH, "APIKey"),
    ("api-header-optional", {}, 200, {"value": None}, None),
    ("api-query", {"params": {"key": "q1"}}, 200, {"value": "q1"}, None),
    ("api-query", {"params": [("key", "a"), ("key", "b")]}, 200, {"value": "b"}, None),
    ("api-query", {"params": {"KEY": "q1"}}, 401, NOT_AUTH, "APIKey"),
    ("api-cookie", {"headers": {"Cookie": "session=c1"}}, 200, {"value": "c1"}, None),
    ("api-cookie", {"headers": {"Cookie": "other=c1"}}, 401, NOT_AUTH, "APIKey"),
    ("http", auth("Custom abc"), 200, {"value": {"scheme": "Custom", "credentials": "abc"}}, None),
    ("http", auth("Other  x y "), 200, {"value": {"scheme": "Other", "credentials": "x y"}}, None),
    ("http", auth("Custom"), 401, NOT_AUTH, "Custom"),
    ("http", {}, 401, NOT_AUTH, "Custom"),
    (
        "basic",
        auth("Basic " + GOOD_BASIC),
        200,
        {"value": {"username": "alice", "password": "s3cret:with:colons"}},
        None,
    ),
    (
        "basic",
        auth("bAsIc   " + GOOD_BASIC + "  "),
        200,
        {"value": {"username": "alice", "password": "s3cret:with:colons"}},
        None,
    ),
    ("basic", auth("Basic " + b64(b":")), 200, {"value": {"username": "", "password": ""}}, None),
    ("basic", auth("Basic " + b64(b"no-colon")), 401, NOT_AUTH, "Basic"),
    ("basic", auth("Basic " + b64("h\u00e9:pw".encode())), 401, NOT_AUTH, "Basic"),
    ("basic", auth("Basic " + b64(b"\xff\xfe:\x00")), 401, NOT_AUTH, "Basic"),
    ("basic", auth("Basic " + GOOD_BASIC[:-2]), 401, NOT_AUTH, "Basic"),
    ("basic", auth("Basic %%%"), 401, NOT_AUTH, "Basic"),
    ("basic", auth("Basic"), 401, NOT_AUTH, "Basic"),
    ("basic", auth("Bearer " + GOOD_BASIC), 401, NOT_AUTH, "Basic"),
    ("basic", {}, 401, NOT_AUTH, "Basic"),
    ("basic-realm", {}, 401, NOT_AUTH, 'Basic realm="my realm"'),
    ("basic-optional", {}, 200, {"value": None}, None),
    ("basic-optional", auth("Bearer x"), 200, {"value": None}, None),
    ("basic-optional", auth("Basic %%%"), 401, NOT_AUTH, "Basic"),
    ("bearer", auth("Bearer t1"), 200, {"value": {"scheme": "Bearer", "credentials": "t1"}}, None),
    (
        "bearer",
        auth("bearer  t1 "),
        200,
        {"value": {"scheme": "bearer", "credentials": "t1"}},
        None,
    ),
    ("bearer", auth("Bearer"), 401, NOT_AUTH, "Bearer"),
    ("bearer", auth("Basic t1"), 401, NOT_AUTH, "Bearer"),
    ("bearer", auth("t1"), 401, NOT_AUTH, "Bearer"),
    ("bearer", {}, 401, NOT_AUTH, "Bearer"),
    ("bearer-optional", {}, 200, {"value": None}, None),
    ("bearer-optional", auth("Basic t1"), 200, {"value": None}, None),
    (
        "digest",
        auth("Digest a=1"),
        200,
        {"value": {"scheme": "Digest", "credentials": "a=1"}},
        None,
    ),
    ("digest", auth("Bearer a=1"), 401, NOT_AUTH, "Digest"),
    ("digest", {}, 401, NOT_AUTH, "Digest"),
    ("password", auth("Bearer t1"), 200, {"value": "t1"}, None),
    ("password", auth("BEARER  t1  "), 200, {"value": "t1"}, None),
    ("password", auth("Bearer"), 200, {"value": ""}, None),
    ("password", auth("Basic t1"), 401, NOT_AUTH, "Bearer"),
    ("password", {}, 401, NOT_AUTH, "Bearer"),
    ("password-optional", {}, 200, {"value": None}, None),
    ("password-optional", auth("Basic t1"), 200, {"value": None}, None),
    ("code", auth("Bearer c1"), 200, {"value": "c1"}, None),
    ("code", {}, 401, NOT_AUTH, "Bearer"),
    ("oauth2", auth("Anything at all"), 200, {"value": "Anything at all"}, None),
    ("oauth2", {}, 401, NOT_AUTH, "Bearer"),
    ("oidc", auth("Whatever x"), 200, {"value": "Whatever x"}, None),
    ("oidc", {}, 401, NOT_AUTH, "Bearer"),
    ("oidc-optional", {}, 200, {"value": None}, None),
]
TABLE_IDS = [f"{i}-{row[0]}" for i, row in enumerate(TABLE)]


@pytest.fixture(scope="module")
def heron_client() -> Iterator[TestClient]:
    with TestClient(build_app("heron")) as client:
        yield client


@pytest.fixture(scope="module")
def fastapi_client() -> Iterator[Any]:
    with warnings.catch_warnings():
        # Starlette >= 1.10 warns once, at import, that it prefers ``httpx2``.
        warnings.filterwarnings("ignore", message=r"Using `httpx` with `starlette")
        from fastapi.testclient import TestClient as FastAPIClient

    with FastAPIClient(build_app("fastapi")) as client:
        yield client


def _check(client: Any, row: tuple[str, dict[str, Any], int, Any, str | None]) -> None:
    path, kwargs, status, body, challenge = row
    response = client.get(f"/{path}", **kwargs)
    assert (response.status_code, response.json()) == (status, body)
    assert response.headers.get("www-authenticate") == challenge


@pytest.mark.parametrize("row", TABLE, ids=TABLE_IDS)
def test_scheme_answers(heron_client: TestClient, row: Any) -> None:
    _check(heron_client, row)


@pytest.mark.parametrize("row", TABLE, ids=TABLE_IDS)
def test_fastapi_gives_the_same_answers(fastapi_client: Any, row: Any) -> None:
    _check(fastapi_client, row)


# --- Bad input: always a 4xx, never a 500 ----------------------------------------------------

GARBAGE = [
    "Basic " + "A" * 100_000,
    "Basic " + "=" * 50_000,
    "Basic " + b64(b"x" * 100_000),
    "Bearer " + "x" * 100_000,
    " " * 1000 + "Bearer x",
    "\u00ff\u00fe\u00fd",
    "Basic \u00e9\u00e8",
    "Bearer\tx",
]


@pytest.mark.parametrize("value", GARBAGE, ids=range(len(GARBAGE)))
@pytest.mark.parametrize("path", ["basic", "bearer", "password", "digest", "http"])
def test_garbage_authorization_is_a_client_error(
    heron_client: TestClient, path: str, value: str
) -> None:
    response = heron_client.get(f"/{path}", headers={b"Authorization": value.encode("latin-1")})
    assert response.status_code in (200, 401), response.text
    if response.status_code == 401:
        assert response.json() == NOT_AUTH


def test_non_ascii_header_bytes_reach_the_scheme_as_latin1(heron_client: TestClient) -> None:
    response = heron_client.get("/bearer", headers={b"Authorization": b"Bearer \xff\xfe"})
    assert response.json() == {"value": {"scheme": "Bearer", "credentials": "\u00ff\u00fe"}}
    response = heron_client.get("/basic", headers={b"Authorization": b"Basic \xff\xfe"})
    assert (response.status_code, response.headers["www-authenticate"]) == (401, "Basic")


# A module-level app, served by a real server below.
app = build_app("heron")


def test_oversized_and_binary_headers_through_a_real_server() -> None:
    with serve("test_security:app", kind="uvicorn", http="h11") as server:
        for value in (b"Basic \x80\x81\xff", b"Basic " + b"A" * 8000, b"Bearer " + b"\x01" * 10):
            raw = b"GET /basic HTTP/1.1\r\nHost: x\r\nAuthorization: " + value + b"\r\n\r\n"
            response = exchange(server.address, raw)
            assert 400 <= response.status < 500, (value[:20], response.status)
        huge = b"GET /basic HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + b"x" * 70_000
        response = exchange(server.address, huge + b"\r\n\r\n")
        assert response.status == 0 or 400 <= response.status < 500
        assert "Traceback" not in server.log()


# --- Customising the error --------------------------------------------------------------------


def test_make_not_authenticated_error_is_the_override_point() -> None:
    class LegacyBearer(HTTPBearer):
        def make_not_authenticated_error(self) -> HTTPException:
            return HTTPException(status_code=403, detail="Forbidden")

    class RealmKey(APIKeyQuery):
        def make_authenticate_headers(self) -> dict[str, str]:
            return {"WWW-Authenticate": 'APIKey realm="api"'}

    app = Heron()

    @app.get("/legacy")
    def legacy(credentials: Annotated[Any, Depends(LegacyBearer())]) -> Any:
        return credentials

    @app.get("/key")
    def key(value: Annotated[str, Depends(RealmKey(name="k"))]) -> str:
        return value

    client = TestClient(app)
    response = client.get("/legacy")
    assert (response.status_code, response.json()) == (403, {"detail": "Forbidden"})
    assert "www-authenticate" not in response.headers
    assert client.get("/legacy", headers={"Authorization": "Bearer t"}).status_code == 200
    assert client.get("/key").headers["www-authenticate"] == 'APIKey realm="api"'


def test_authorization_scheme_param() -> None:
    assert get_authorization_scheme_param(None) == ("", "")
    assert get_authorization_scheme_param("") == ("", "")
    assert get_authorization_scheme_param("Bearer") == ("Bearer", "")
    assert get_authorization_scheme_param("Bearer  a b  ") == ("Bearer", "a b")
    assert get_authorization_scheme_param(" x") == ("", "x")


# --- The token form ----------------------------------------------------------------------------


def _token_app(form_class: type[OAuth2PasswordRequestForm]) -> TestClient:
    app = Heron()

    @app.post("/token")
    def token(form: Annotated[OAuth2PasswordRequestForm, Depends(form_class)]) -> Any:
        return {
            "type": type(form).__name__,
            "grant_type": form.grant_type,
            "username": form.username,
            "password": form.password,
            "scopes": form.scopes,
            "client": [form.client_id, form.client_secret],
        }

    return TestClient(app)


def test_password_form_reads_every_field() -> None:
    client = _token_app(OAuth2PasswordRequestForm)
    data = {"username": "u", "password": "p", "scope": " me  items ", "client_id": "c"}
    assert client.post("/token", data={**data, "client_secret": "s"}).json() == {
        "type": "OAuth2PasswordRequestForm",
        "grant_type": None,
        "username": "u",
        "password": "p",
        "scopes": ["me", "items"],
        "client": ["c", "s"],
    }
    response = client.post("/token", data={"username": "u", "password": "p", "grant_type": "x"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "grant_type"]
    assert response.json()["detail"][0]["type"] == "string_pattern_mismatch"
    response = client.post("/token", data={"username": "u"})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "password"]]


def test_strict_password_form_requires_the_grant_type() -> None:
    client = _token_app(OAuth2PasswordRequestFormStrict)
    response = client.post("/token", data={"username": "u", "password": "p"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "grant_type"]
    response = client.post(
        "/token", data={"username": "u", "password": "p", "grant_type": "password"}
    )
    assert response.json()["grant_type"] == "password"
    assert response.json()["type"] == "OAuth2PasswordRequestFormStrict"


def test_password_forms_can_be_built_directly() -> None:
    form = OAuth2PasswordRequestForm(username="u", password="p", scope="a b")
    assert (form.scopes, form.grant_type, form.client_id) == (["a", "b"], None, None)
    strict = OAuth2PasswordRequestFormStrict("password", "u", "p")
    assert (strict.grant_type, strict.scopes) == ("password", [])
    with pytest.raises(TypeError):
        OAuth2PasswordRequestForm("password", "u", "p")  # type: ignore[call-arg]


# --- Scopes through Security(...) --------------------------------------------------------------


def test_scopes_compose_with_the_bearer_scheme() -> None:
    oauth2 = OAuth2PasswordBearer(tokenUrl="token", scopes={"me": "Me", "items": "Items"})
    calls: list[str] = []

    def current_user(
        security_scopes: SecurityScopes, token: Annotated[str, Security(oauth2)]
    ) -> dict[str, Any]:
        calls.append(token)
        granted = token.split(",")
        missing = [scope for scope in security_scopes.scopes if scope not in granted]
        if missing:
            raise HTTPException(
                status_code=401,
                detail="Not enough permissions",
                headers={"WWW-Authenticate": f'Bearer scope="{security_scopes.scope_str}"'},
            )
        return {"scopes": security_scopes.scopes}

    def active_user(user: Annotated[dict[str, Any], Security(current_user, scopes=["me"])]) -> Any:
        return user

    app = Heron()

    @app.get("/items")
    def items(
        user: Annotated[dict[str, Any], Security(active_user, scopes=["items"])],
        again: Annotated[dict[str, Any], Security(current_user, scopes=["items", "me"])],
    ) -> Any:
        return {"user": user, "again": again}

    client = TestClient(app)
    response = client.get("/items", headers={"Authorization": "Bearer me,items"})
    assert response.json() == {
        "user": {"scopes": ["items", "me"]},
        "again": {"scopes": ["items", "me"]},
    }
    response = client.get("/items", headers={"Authorization": "Bearer me"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer scope="items me"'
    response = client.get("/items")
    assert (response.status_code, response.json()) == (401, NOT_AUTH)


# --- WebSockets: the schemes read the handshake ------------------------------------------------


def test_schemes_work_on_websockets() -> None:
    token_scheme = APIKeyQuery(name="token", auto_error=False)
    bearer = HTTPBearer(auto_error=False)
    app = Heron()

    @app.websocket("/ws")
    async def ws(
        websocket: WebSocket,
        token: Annotated[str | None, Depends(token_scheme)],
        credentials: Annotated[Any, Depends(bearer)],
    ) -> None:
        if token is None and credentials is None:
            await websocket.close(code=1008)
            return
        await websocket.accept()
        await websocket.send_json(
            {"token": token, "bearer": credentials and credentials.credentials}
        )
        await websocket.close()

    client = TestClient(app)
    with client.websocket_connect("/ws?token=t") as session:
        assert session.receive_json() == {"token": "t", "bearer": None}
    with client.websocket_connect("/ws", headers={"Authorization": "Bearer b"}) as session:
        assert session.receive_json() == {"token": None, "bearer": "b"}
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/ws") as session:
        session.receive_json()
    assert info.value.code == 1008
