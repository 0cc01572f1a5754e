"""The OpenAPI 3.1 document as pydantic models (FastAPI's ``fastapi.openapi.models``).

Used by ``heron.openapi.utils`` to validate and dump the generated document, by the
security schemes (``heron.security``) for their ``model``, and by users who write parts of
the document by hand (``OAuthFlows`` for a custom OAuth2 scheme, ``openapi_extra``...).

One class per object of the specification (https://spec.openapis.org/oas/v3.1.0), with the
specification's field names. Python keywords and names taken by pydantic get a trailing
underscore and the real name as alias (``in_`` → ``in``, ``schema_`` → ``schema``,
``ref`` → ``$ref``): dump with ``by_alias=True, exclude_none=True``.

COMPAT(fastapi): the field types, defaults and configuration are FastAPI's, because they
decide the dumped document (``Schema.maximum`` is a ``float``, so ``le=5`` dumps ``5.0``;
every object except ``Reference`` and ``Discriminator`` keeps unknown keys, which carries
the ``x-*`` extensions) and what users may pass in. As in FastAPI, aliased fields are
filled by alias only (``Reference(**{"$ref": ...})``); the field order is the
specification's, which is also the key order of the dumped document.
"""

from __future__ import annotations

import importlib.util
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AnyUrl, BaseModel, ConfigDict, Field, WithJsonSchema, with_config
from typing_extensions import TypedDict

__all__ = [
    "XML",
    "APIKey",
    "APIKeyIn",
    "BaseModelWithConfig",
    "Components",
    "Contact",
    "Discriminator",
    "EmailStr",
    "Encoding",
    "Example",
    "ExternalDocumentation",
    "HTTPBase",
    "HTTPBearer",
    "Header",
    "Info",
    "License",
    "Link",
    "MediaType",
    "OAuth2",
    "OAuthFlow",
    "OAuthFlowAuthorizationCode",
    "OAuthFlowClientCredentials",
    "OAuthFlowImplicit",
    "OAuthFlowPassword",
    "OAuthFlows",
    "OpenAPI",
    "OpenIdConnect",
    "Operation",
    "Parameter",
    "ParameterBase",
    "ParameterInType",
    "PathItem",
    "Reference",
    "RequestBody",
    "Response",
    "Schema",
    "SchemaOrBool",
    "SchemaType",
    "SecurityBase",
    "SecurityScheme",
    "SecuritySchemeType",
    "Server",
    "ServerVariable",
    "Tag",
]

# NOTE: pydantic's EmailStr needs the optional ``email-validator`` package. Without it the
# contact e-mail is kept as given, still described as an e-mail (FastAPI does the same,
# after logging a warning).
if TYPE_CHECKING or importlib.util.find_spec("email_validator") is not None:
    from pydantic import EmailStr
else:
    EmailStr = Annotated[str, WithJsonSchema({"type": "string", "format": "email"})]


class BaseModelWithConfig(BaseModel):
    """The base of every object that accepts specification extensions (``x-...`` keys)."""

    model_config = ConfigDict(extra="allow")


# --- Metadata: info, contact, license, servers, external docs ---------------------------


class Contact(BaseModelWithConfig):
    """Who to contact about the API (``info.contact``)."""

    name: str | None = None
    url: AnyUrl | None = None
    email: EmailStr | None = None


class License(BaseModelWithConfig):
    """The API's license (``info.license``): an SPDX ``identifier`` or a ``url``."""

    name: str
    identifier: str | None = None
    url: AnyUrl | None = None


class Info(BaseModelWithConfig):
    """The document's ``info`` object: title, version and descriptions of the API."""

    title: str
    summary: str | None = None
    description: str | None = None
    termsOfService: str | None = None
    contact: Contact | None = None
    license: License | None = None
    version: str


class ServerVariable(BaseModelWithConfig):
    """A ``{variable}`` of a server URL template."""

    enum: Annotated[list[str] | None, Field(min_length=1)] = None
    default: str
    description: str | None = None


class Server(BaseModelWithConfig):
    """A server the API is served from (absolute URL, relative path or template)."""

    url: AnyUrl | str
    description: str | None = None
    variables: dict[str, ServerVariable] | None = None


class ExternalDocumentation(BaseModelWithConfig):
    """A link to documentation outside the document."""

    description: str | None = None
    url: AnyUrl


class Reference(BaseModel):
    """A ``{"$ref": "..."}`` pointer to another part of the document."""

    ref: str = Field(alias="$ref")


# --- Schemas (JSON Schema 2020-12, as OpenAPI 3.1 uses it) -------------------------------


class Discriminator(BaseModel):
    """Which property tells the members of a ``oneOf``/``anyOf`` apart."""

    propertyName: str
    mapping: dict[str, str] | None = None


class XML(BaseModelWithConfig):
    """How a schema is represented in XML."""

    name: str | None = None
    namespace: str | None = None
    prefix: str | None = None
    attribute: bool | None = None
    wrapped: bool | None = None


SchemaType = Literal["array", "boolean", "integer", "null", "number", "object", "string"]


class Schema(BaseModelWithConfig):
    """A JSON Schema: the core and applicator keywords, validation, then annotations."""

    # Core vocabulary
    schema_: str | None = Field(default=None, alias="$schema")
    vocabulary: str | None = Field(default=None, alias="$vocabulary")
    id: str | None = Field(default=None, alias="$id")
    anchor: str | None = Field(default=None, alias="$anchor")
    dynamicAnchor: str | None = Field(default=None, alias="$dynamicAnchor")
    ref: str | None = Field(default=None, alias="$ref")
    dynamicRef: str | None = Field(default=None, alias="$dynamicRef")
    defs: dict[str, SchemaOrBool] | None = Field(default=None, alias="$defs")
    comment: str | None = Field(default=None, alias="$comment")
    # Applicators: combining schemas
    allOf: list[SchemaOrBool] | None = None
    anyOf: list[SchemaOrBool] | None = None
    oneOf: list[SchemaOrBool] | None = None
    not_: SchemaOrBool | None = Field(default=None, alias="not")
    if_: SchemaOrBool | None = Field(default=None, alias="if")
    then: SchemaOrBool | None = None
    else_: SchemaOrBool | None = Field(default=None, alias="else")
    dependentSchemas: dict[str, SchemaOrBool] | None = None
    # Applicators: arrays and objects
    prefixItems: list[SchemaOrBool] | None = None
    items: SchemaOrBool | None = None
    contains: SchemaOrBool | None = None
    properties: dict[str, SchemaOrBool] | None = None
    patternProperties: dict[str, SchemaOrBool] | None = None
    additionalProperties: SchemaOrBool | None = None
    propertyNames: SchemaOrBool | None = None
    unevaluatedItems: SchemaOrBool | None = None
    unevaluatedProperties: SchemaOrBool | None = None
    # Validation
    type: SchemaType | list[SchemaType] | None = None
    enum: list[Any] | None = None
    const: Any | None = None
    multipleOf: float | None = Field(default=None, gt=0)
    maximum: float | None = None
    exclusiveMaximum: float | None = None
    minimum: float | None = None
    exclusiveMinimum: float | None = None
    maxLength: int | None = Field(default=None, ge=0)
    minLength: int | None = Field(default=None, ge=0)
    pattern: str | None = None
    maxItems: int | None = Field(default=None, ge=0)
    minItems: int | None = Field(default=None, ge=0)
    uniqueItems: bool | None = None
    maxContains: int | None = Field(default=None, ge=0)
    minContains: int | None = Field(default=None, ge=0)
    maxProperties: int | None = Field(default=None, ge=0)
    minProperties: int | None = Field(default=None, ge=0)
    required: list[str] | None = None
    dependentRequired: dict[str, set[str]] | None = None
    # Format and content
    format: str | None = None
    contentEncoding: str | None = None
    contentMediaType: str | None = None
    contentSchema: SchemaOrBool | None = None
    # Annotations
    title: str | None = None
    description: str | None = None
    default: Any | None = None
    deprecated: bool | None = None
    readOnly: bool | None = None
    writeOnly: bool | None = None
    examples: list[Any] | None = None
    # OpenAPI's additions
    discriminator: Discriminator | None = None
    xml: XML | None = None
    externalDocs: ExternalDocumentation | None = None
    example: Any | None = Field(
        default=None,
        deprecated="Deprecated in OpenAPI 3.1.0 that now uses JSON Schema 2020-12, "
        "although still supported. Use examples instead.",
    )


# A subschema may also be ``true`` (anything) or ``false`` (nothing).
SchemaOrBool = Schema | bool


# --- Parameters, bodies, media types, responses ------------------------------------------


@with_config(ConfigDict(extra="allow"))
class Example(TypedDict, total=False):
    """A named example of a parameter or media type (a dict, as users write it)."""

    summary: str | None
    description: str | None
    value: Any | None
    externalValue: AnyUrl | None


class ParameterInType(Enum):
    """Where a parameter is sent."""

    query = "query"
    header = "header"
    path = "path"
    cookie = "cookie"


class Encoding(BaseModelWithConfig):
    """How one property of a multipart or form body is encoded."""

    contentType: str | None = None
    headers: dict[str, Header | Reference] | None = None
    style: str | None = None
    explode: bool | None = None
    allowReserved: bool | None = None


class MediaType(BaseModelWithConfig):
    """The schema and examples of one content type."""

    schema_: Schema | Reference | None = Field(default=None, alias="schema")
    example: Any | None = None
    examples: dict[str, Example | Reference] | None = None
    encoding: dict[str, Encoding] | None = None


class ParameterBase(BaseModelWithConfig):
    """What parameters and headers have in common."""

    description: str | None = None
    required: bool | None = None
    deprecated: bool | None = None
    # Serialisation through a schema...
    style: str | None = None
    explode: bool | None = None
    allowReserved: bool | None = None
    schema_: Schema | Reference | None = Field(default=None, alias="schema")
    example: Any | None = None
    examples: dict[str, Example | Reference] | None = None
    # ...or through a media type.
    content: dict[str, MediaType] | None = None


class Parameter(ParameterBase):
    """An operation parameter, identified by ``name`` and ``in``."""

    name: str
    in_: ParameterInType = Field(alias="in")


class Header(ParameterBase):
    """A response or encoding header (a parameter whose name is the map's key)."""


class RequestBody(BaseModelWithConfig):
    """An operation's request body, by content type."""

    description: str | None = None
    content: dict[str, MediaType]
    required: bool | None = None


class Link(BaseModelWithConfig):
    """A design-time link from a response to another operation."""

    operationRef: str | None = None
    operationId: str | None = None
    parameters: dict[str, Any | str] | None = None
    requestBody: Any | str | None = None
    description: str | None = None
    server: Server | None = None


class Response(BaseModelWithConfig):
    """One response of an operation."""

    description: str
    headers: dict[str, Header | Reference] | None = None
    content: dict[str, MediaType] | None = None
    links: dict[str, Link | Reference] | None = None


# --- Operations and paths -----------------------------------------------------------------


class Operation(BaseModelWithConfig):
    """One method on one path."""

    tags: list[str] | None = None
    summary: str | None = None
    description: str | None = None
    externalDocs: ExternalDocumentation | None = None
    operationId: str | None = None
    parameters: list[Parameter | Reference] | None = None
    requestBody: RequestBody | Reference | None = None
    # Keys are status codes or "default"; values stay open for hand-written responses.
    responses: dict[str, Response | Any] | None = None
    callbacks: dict[str, dict[str, PathItem] | Reference] | None = None
    deprecated: bool | None = None
    security: list[dict[str, list[str]]] | None = None
    servers: list[Server] | None = None


class PathItem(BaseModelWithConfig):
    """The operations of one path."""

    ref: str | None = Field(default=None, alias="$ref")
    summary: str | None = None
    description: str | None = None
    get: Operation | None = None
    put: Operation | None = None
    post: Operation | None = None
    delete: Operation | None = None
    options: Operation | None = None
    head: Operation | None = None
    patch: Operation | None = None
    trace: Operation | None = None
    servers: list[Server] | None = None
    parameters: list[Parameter | Reference] | None = None


# --- Security schemes --------------------------------------------------------------------


class SecuritySchemeType(Enum):
    """The kinds of security scheme."""

    apiKey = "apiKey"
    http = "http"
    oauth2 = "oauth2"
    openIdConnect = "openIdConnect"


class SecurityBase(BaseModelWithConfig):
    """What every security scheme object has: its ``type`` and a description."""

    type_: SecuritySchemeType = Field(alias="type")
    description: str | None = None


class APIKeyIn(Enum):
    """Where an API key is sent."""

    query = "query"
    header = "header"
    cookie = "cookie"


class APIKey(SecurityBase):
    """An API key in a query parameter, header or cookie called ``name``."""

    type_: SecuritySchemeType = Field(default=SecuritySchemeType.apiKey, alias="type")
    in_: APIKeyIn = Field(alias="in")
    name: str


class HTTPBase(SecurityBase):
    """HTTP authentication with the ``Authorization`` scheme ``scheme`` (``basic``...)."""

    type_: SecuritySchemeType = Field(default=SecuritySchemeType.http, alias="type")
    scheme: str


class HTTPBearer(HTTPBase):
    """HTTP bearer authentication, with a hint of the token's format."""

    scheme: Literal["bearer"] = "bearer"
    bearerFormat: str | None = None


class OAuthFlow(BaseModelWithConfig):
    """What every OAuth2 flow has: a refresh URL and the available scopes."""

    refreshUrl: str | None = None
    scopes: dict[str, str] = {}  # pydantic copies mutable defaults


class OAuthFlowImplicit(OAuthFlow):
    """The implicit flow."""

    authorizationUrl: str


class OAuthFlowPassword(OAuthFlow):
    """The resource owner password flow."""

    tokenUrl: str


class OAuthFlowClientCredentials(OAuthFlow):
    """The client credentials flow."""

    tokenUrl: str


class OAuthFlowAuthorizationCode(OAuthFlow):
    """The authorization code flow."""

    authorizationUrl: str
    tokenUrl: str


class OAuthFlows(BaseModelWithConfig):
    """The OAuth2 flows a scheme supports, each optional."""

    implicit: OAuthFlowImplicit | None = None
    password: OAuthFlowPassword | None = None
    clientCredentials: OAuthFlowClientCredentials | None = None
    authorizationCode: OAuthFlowAuthorizationCode | None = None


class OAuth2(SecurityBase):
    """OAuth2 with the given flows."""

    type_: SecuritySchemeType = Field(default=SecuritySchemeType.oauth2, alias="type")
    flows: OAuthFlows


class OpenIdConnect(SecurityBase):
    """OpenID Connect discovery at ``openIdConnectUrl``."""

    type_: SecuritySchemeType = Field(default=SecuritySchemeType.openIdConnect, alias="type")
    openIdConnectUrl: str


SecurityScheme = APIKey | HTTPBase | OAuth2 | OpenIdConnect | HTTPBearer


# --- The document ------------------------------------------------------------------------


class Components(BaseModelWithConfig):
    """Reusable objects, referenced as ``#/components/<kind>/<name>``."""

    schemas: dict[str, Schema | Reference] | None = None
    responses: dict[str, Response | Reference] | None = None
    parameters: dict[str, Parameter | Reference] | None = None
    examples: dict[str, Example | Reference] | None = None
    requestBodies: dict[str, RequestBody | Reference] | None = None
    headers: dict[str, Header | Reference] | None = None
    securitySchemes: dict[str, SecurityScheme | Reference] | None = None
    links: dict[str, Link | Reference] | None = None
    # Callbacks stay open: hand-written ones need not be valid path items.
    callbacks: dict[str, dict[str, PathItem] | Reference | Any] | None = None
    pathItems: dict[str, PathItem | Reference] | None = None


class Tag(BaseModelWithConfig):
    """Metadata of a tag used by operations."""

    name: str
    description: str | None = None
    externalDocs: ExternalDocumentation | None = None


class OpenAPI(BaseModelWithConfig):
    """The root of the document."""

    openapi: str
    info: Info
    jsonSchemaDialect: str | None = None
    servers: list[Server] | None = None
    # Path items stay open: ``openapi_extra`` and overridden ``openapi()`` add anything.
    paths: dict[str, PathItem | Any] | None = None
    webhooks: dict[str, PathItem | Reference] | None = None
    components: Components | None = None
    security: list[dict[str, list[str]]] | None = None
    tags: list[Tag] | None = None
    externalDocs: ExternalDocumentation | None = None


# The recursive objects refer to names defined after them.
Schema.model_rebuild()
Encoding.model_rebuild()
Operation.model_rebuild()
