"""OpenAPI object models (``heron.openapi.models``): FastAPI's names, shapes and dumps."""

import sys
import warnings
from pathlib import Path
from typing import Annotated, Any, cast

import pytest
from fastapi.openapi import models as fastapi_models
from pydantic import BaseModel, TypeAdapter, ValidationError

from heron import Depends, Heron
from heron.openapi import models
from heron.openapi.models import (
    APIKey,
    Contact,
    HTTPBearer,
    Info,
    OAuthFlows as OAuthFlowsModel,
    OpenAPI,
    Reference,
    Schema,
    ServerVariable,
)
from heron.requests import Request
from heron.security import OAuth2
from heron.testclient import TestClient

COMPAT_DIR = Path(__file__).resolve().parent / "compat"
if str(COMPAT_DIR) not in sys.path:
    sys.path.insert(0, str(COMPAT_DIR))

import compat_harness as harness  # noqa: E402

DUMP: dict[str, Any] = {"mode": "json", "by_alias": True, "exclude_none": True}

# FastAPI's public names in ``fastapi.openapi.models``: its classes and its type aliases.
FASTAPI_NAMES = sorted(
    name
    for name, value in vars(fastapi_models).items()
    if not name.startswith("_")
    and (
        getattr(value, "__module__", None) == fastapi_models.__name__
        or name in {"SchemaOrBool", "SchemaType", "SecurityScheme"}
    )
)


def test_every_fastapi_name_is_here() -> None:
    assert "OAuthFlows" in FASTAPI_NAMES and "OpenAPI" in FASTAPI_NAMES
    assert sorted(models.__all__) == FASTAPI_NAMES


def _without_descriptions(value: Any) -> Any:
    # Docstrings become JSON Schema descriptions; Heron's are its own words.
    if isinstance(value, dict):
        return {k: _without_descriptions(v) for k, v in value.items() if k != "description"}
    if isinstance(value, list):
        return [_without_descriptions(v) for v in value]
    return value


@pytest.mark.parametrize("name", [n for n in FASTAPI_NAMES if n != "EmailStr"])
def test_json_schema_equals_fastapis(name: str) -> None:
    # The JSON Schema of a model spells out every field, type, alias, default and
    # constraint: equal schemas mean the models accept and dump the same documents.
    ours = TypeAdapter(getattr(models, name)).json_schema(by_alias=True)
    theirs = TypeAdapter(getattr(fastapi_models, name)).json_schema(by_alias=True)
    assert _without_descriptions(ours) == _without_descriptions(theirs)


def _fastapi_documents() -> list[Any]:
    params = []
    for app_name in harness.app_names():
        if harness.unsupported_reason(app_name):
            continue
        loaded = harness.load(app_name, "fastapi")
        assert loaded.module is not None, loaded.error
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. duplicate operation ids: not ours to judge
            document = loaded.module.app.openapi()
        params.append(pytest.param(document, id=app_name))
    return params


@pytest.mark.parametrize("document", _fastapi_documents())
def test_fastapi_documents_round_trip_identically(document: dict[str, Any]) -> None:
    # Each corpus app's document, as FastAPI generated it, validated and dumped by both
    # model sets: the same JSON, in the same key order.
    ours = OpenAPI.model_validate(document).model_dump(**DUMP)
    theirs = fastapi_models.OpenAPI.model_validate(document).model_dump(**DUMP)
    assert ours == theirs
    assert list(ours) == list(theirs)


FULL_DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "x-generator": "hand",
    "info": {
        "title": "Pets",
        "summary": "s",
        "version": "1.0",
        "termsOfService": "https://example.com/terms",
        "contact": {"name": "Ann", "url": "https://example.com", "email": "ann@example.com"},
        "license": {"name": "MIT", "identifier": "MIT"},
        "x-logo": {"url": "/logo.png"},
    },
    "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
    "servers": [
        {"url": "/api"},
        {"url": "https://{env}.example.com", "variables": {"env": {"default": "prod"}}},
    ],
    "paths": {
        "/pets/{id}": {
            "summary": "A pet",
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "get": {
                "tags": ["pets"],
                "operationId": "get_pet",
                "parameters": [
                    {
                        "name": "fields",
                        "in": "query",
                        "style": "form",
                        "explode": False,
                        "schema": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
                        "examples": {"two": {"summary": "Two", "value": ["a", "b"], "x-k": 1}},
                    },
                    {"$ref": "#/components/parameters/Trace"},
                ],
                "responses": {
                    "200": {
                        "description": "OK",
                        "headers": {"X-Rate": {"schema": {"type": "integer"}}},
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
                        },
                        "links": {
                            "owner": {
                                "operationId": "get_owner",
                                "parameters": {"id": "$response.body#/owner"},
                            }
                        },
                    },
                    "default": {"$ref": "#/components/responses/Error"},
                },
                "callbacks": {
                    "onEvent": {
                        "{$request.query.url}": {
                            "post": {"responses": {"200": {"description": "ok"}}}
                        }
                    }
                },
                "security": [{"bearer": []}, {"oauth": ["read"]}],
                "deprecated": True,
                "x-internal": True,
            },
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "photo": {"type": "string", "contentMediaType": "image/png"}
                                },
                            },
                            "encoding": {
                                "photo": {
                                    "contentType": "image/png",
                                    "headers": {"X-Size": {"schema": {"type": "integer"}}},
                                }
                            },
                        }
                    },
                },
                "responses": {"201": {"description": "Created"}},
            },
        }
    },
    "webhooks": {"newPet": {"post": {"responses": {"200": {"description": "ok"}}}}},
    "components": {
        "schemas": {
            "Pet": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "minLength": 1, "pattern": "^[a-z]+$"},
                    "age": {"type": ["integer", "null"], "minimum": 0, "exclusiveMaximum": 100},
                    "weight": {"type": "number", "multipleOf": 0.5, "maximum": 5},
                    "kind": {"enum": ["cat", "dog"], "default": "cat"},
                    "tag": {"const": "pet", "readOnly": True, "examples": ["pet"]},
                    "tuple": {"prefixItems": [{"type": "integer"}, True], "items": False},
                    "either": {
                        "oneOf": [{"$ref": "#/$defs/A"}, {"$ref": "#/$defs/B"}],
                        "discriminator": {"propertyName": "t", "mapping": {"a": "#/$defs/A"}},
                    },
                    "maybe": {
                        "if": {"type": "string"},
                        "then": {"minLength": 2},
                        "else": {"not": {"type": "null"}},
                    },
                    "extra": {
                        "additionalProperties": {"type": "string"},
                        "dependentRequired": {"a": ["b"]},
                    },
                    "xml": {"type": "string", "xml": {"name": "x", "attribute": True}},
                    "old": {"type": "string", "example": "legacy"},
                },
                "$defs": {"A": {"type": "object"}, "B": {"type": "object"}},
                "externalDocs": {"url": "https://example.com/pet"},
                "x-extra": [1, 2],
            }
        },
        "responses": {
            "Error": {
                "description": "Error",
                "content": {"application/json": {"example": {"detail": "x"}}},
            }
        },
        "parameters": {"Trace": {"name": "X-Trace", "in": "header", "deprecated": True}},
        "examples": {"cat": {"value": {"name": "tom"}}},
        "requestBodies": {"Pet": {"content": {"application/json": {}}}},
        "headers": {"X-Rate": {"description": "rate", "schema": {"type": "integer"}}},
        "securitySchemes": {
            "key": {"type": "apiKey", "in": "cookie", "name": "session"},
            "basic": {"type": "http", "scheme": "basic"},
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "oauth": {
                "type": "oauth2",
                "flows": {
                    "implicit": {"authorizationUrl": "/auth", "scopes": {"read": "Read"}},
                    "password": {"tokenUrl": "/token", "refreshUrl": "/refresh"},
                    "clientCredentials": {"tokenUrl": "/token", "x-audience": "api"},
                    "authorizationCode": {"authorizationUrl": "/auth", "tokenUrl": "/token"},
                },
            },
            "oidc": {
                "type": "openIdConnect",
                "openIdConnectUrl": "/.well-known/openid-configuration",
            },
            "shared": {"$ref": "#/components/securitySchemes/basic"},
        },
        "links": {"self": {"operationRef": "#/paths/~1pets~1{id}/get"}},
        "callbacks": {"hook": {"/cb": {"post": {"responses": {"200": {"description": "ok"}}}}}},
        "pathItems": {"Ping": {"get": {"responses": {"200": {"description": "pong"}}}}},
    },
    "security": [{}],
    "tags": [
        {"name": "pets", "description": "Pets", "externalDocs": {"url": "https://example.com"}}
    ],
    "externalDocs": {"description": "More", "url": "https://example.com/docs"},
}


def test_a_document_using_every_object_dumps_as_fastapis() -> None:
    ours = OpenAPI.model_validate(FULL_DOCUMENT).model_dump(**DUMP)
    theirs = fastapi_models.OpenAPI.model_validate(FULL_DOCUMENT).model_dump(**DUMP)
    assert ours == theirs
    # Extensions survive, numbers declared as floats dump as floats.
    assert ours["x-generator"] == "hand" and ours["info"]["x-logo"] == {"url": "/logo.png"}
    pet = ours["components"]["schemas"]["Pet"]
    assert pet["x-extra"] == [1, 2]
    assert pet["properties"]["weight"]["maximum"] == 5.0
    assert isinstance(pet["properties"]["weight"]["maximum"], float)
    assert ours["servers"][1]["url"] == "https://{env}.example.com"


def test_aliased_fields_fill_by_alias_only() -> None:
    # COMPAT(fastapi): no populate_by_name, so the Python name lands in the extras.
    assert Reference.model_validate({"$ref": "#/x"}).ref == "#/x"
    schema = Schema.model_validate({"ref": "#/x"})
    assert schema.ref is None
    assert schema.model_dump(**DUMP) == {"ref": "#/x"}
    key = APIKey.model_validate({"in": "query", "name": "k"})
    assert key.model_dump(**DUMP) == {"type": "apiKey", "in": "query", "name": "k"}


def test_reference_drops_unknown_keys() -> None:
    assert Reference.model_validate({"$ref": "#/x", "x-k": 1}).model_dump(**DUMP) == {"$ref": "#/x"}


def test_invalid_objects_are_rejected() -> None:
    with pytest.raises(ValidationError):
        ServerVariable(enum=[], default="a")
    with pytest.raises(ValidationError):
        Schema.model_validate({"minLength": -1})
    with pytest.raises(ValidationError):
        Schema.model_validate({"type": "text"})
    with pytest.raises(ValidationError):
        HTTPBearer.model_validate({"scheme": "basic"})
    with pytest.raises(ValidationError):
        Info.model_validate({"title": "no version"})


def test_the_deprecated_schema_example_warns_when_read() -> None:
    schema = Schema.model_validate({"example": 1})
    with pytest.warns(DeprecationWarning, match="Use examples instead"):
        assert schema.example == 1


def test_contact_email_is_kept_without_email_validator() -> None:
    # email-validator is not a Heron dependency: the address is kept as written.
    assert Contact(email="ann@example.com").email == "ann@example.com"
    schema = TypeAdapter(Contact).json_schema()
    assert schema["properties"]["email"]["anyOf"][0] == {"type": "string", "format": "email"}


class OAuth2PasswordBearerWithCookie(OAuth2):
    """FastAPI's documented recipe: OAuth2 whose token travels in a cookie."""

    def __init__(self, tokenUrl: str, scopes: dict[str, str] | None = None) -> None:
        flows = OAuthFlowsModel(password=cast(Any, {"tokenUrl": tokenUrl, "scopes": scopes or {}}))
        super().__init__(flows=flows, scheme_name="cookie")

    # As the recipe writes it: a Request, where Heron's OAuth2 takes any HTTPConnection.
    async def __call__(self, request: Request) -> str | None:  # type: ignore[override]
        authorization = request.cookies.get("access_token")
        if not authorization or not authorization.startswith("Bearer "):
            self._not_authenticated()
            return None
        return authorization.removeprefix("Bearer ")


def test_oauth_flows_model_builds_a_custom_scheme() -> None:
    scheme = OAuth2PasswordBearerWithCookie(tokenUrl="token")
    assert scheme.model.model_dump(**DUMP) == {
        "type": "oauth2",
        "flows": {"password": {"scopes": {}, "tokenUrl": "token"}},
    }
    app = Heron()

    @app.get("/me")
    def me(token: Annotated[str, Depends(scheme)]) -> dict[str, str]:
        return {"token": token}

    client = TestClient(app)
    ok = client.get("/me", headers={"Cookie": 'access_token="Bearer abc"'})
    assert ok.json() == {"token": "abc"}
    refused = client.get("/me")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"


def test_models_are_pydantic_models() -> None:
    assert issubclass(models.OpenAPI, BaseModel)
    assert models.SecurityScheme == (
        models.APIKey | models.HTTPBase | models.OAuth2 | models.OpenIdConnect | models.HTTPBearer
    )
