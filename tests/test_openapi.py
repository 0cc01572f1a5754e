"""The OpenAPI document: generation, caching, overriding, serving, and its errors.

Equality with FastAPI's document for the same app is tested app by app in
``tests/compat/test_openapi_differential.py``; this file tests what a user of Heron sees.
"""

import warnings
from enum import Enum
from typing import Annotated, Any

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel, ConfigDict

from heron import APIRouter, Body, Depends, Form, Header, Heron, Query
from heron.exceptions import HeronError
from heron.openapi.utils import get_openapi
from heron.routing import APIRoute
from heron.testclient import TestClient
from heron.utils import generate_unique_id


class Item(BaseModel):
    name: str
    price: float = 0


class Opaque:
    """A class pydantic can check with isinstance but cannot describe in JSON Schema."""


class WithOpaque(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    thing: Opaque


def _app() -> Heron:
    app = Heron(title="Shop", version="2.0")

    @app.get("/items/{item_id}", tags=["items"])
    def read_item(item_id: int, q: str | None = None) -> Item:
        """Read one item.

        \f
        Not documented.
        """
        return Item(name=str(item_id))

    @app.post("/items/", status_code=201)
    def create_item(item: Item) -> Item:
        return item

    return app


def test_document_of_a_small_app() -> None:
    document = _app().openapi()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["info"] == {"title": "Shop", "version": "2.0"}
    read = document["paths"]["/items/{item_id}"]["get"]
    assert read["summary"] == "Read Item"
    assert read["description"] == "Read one item."
    assert read["operationId"] == "read_item_items__item_id__get"
    assert read["tags"] == ["items"]
    assert [(p["name"], p["in"], p["required"]) for p in read["parameters"]] == [
        ("item_id", "path", True),
        ("q", "query", False),
    ]
    assert read["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Item"
    }
    assert "422" in read["responses"]
    create = document["paths"]["/items/"]["post"]
    assert create["requestBody"] == {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
    }
    assert set(create["responses"]) == {"201", "422"}
    assert set(document["components"]["schemas"]) == {
        "HTTPValidationError",
        "Item",
        "ValidationError",
    }


def test_head_answered_by_get_routes_is_not_documented() -> None:
    app = _app()
    client = TestClient(app)
    assert client.head("/items/3").status_code == 200
    assert list(app.openapi()["paths"]["/items/{item_id}"]) == ["get"]


def test_served_at_openapi_url_and_cached() -> None:
    app = _app()
    client = TestClient(app)
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == app.openapi()
    assert app.openapi() is app.openapi_schema
    assert app.openapi() is app.openapi()  # generated once


def test_regenerated_when_routes_are_added() -> None:
    app = _app()
    first = app.openapi()

    @app.get("/later")
    def later() -> dict[str, int]:
        return {}

    second = app.openapi()
    assert second is not first
    assert "/later" in second["paths"]


def test_openapi_url_none_serves_nothing() -> None:
    app = Heron(openapi_url=None)

    @app.get("/")
    def root() -> dict[str, str]:
        return {}

    assert TestClient(app).get("/openapi.json").status_code == 404
    assert "/" in app.openapi()["paths"]  # still available to code


def test_custom_openapi_replaces_the_served_document() -> None:
    # FastAPI's "Extending OpenAPI" recipe, as written there.
    app = _app()

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        openapi_schema = get_openapi(
            title="Custom title", version="2.5.0", summary="Custom", routes=app.routes
        )
        openapi_schema["info"]["x-logo"] = {"url": "https://example.com/logo.png"}
        app.openapi_schema = openapi_schema
        return app.openapi_schema

    app.openapi = custom_openapi  # type: ignore[method-assign]
    document = TestClient(app).get("/openapi.json").json()
    assert document["info"] == {
        "title": "Custom title",
        "version": "2.5.0",
        "summary": "Custom",
        "x-logo": {"url": "https://example.com/logo.png"},
    }


def test_assigned_openapi_schema_is_served() -> None:
    app = _app()
    app.openapi()
    app.openapi_schema = {"openapi": "3.1.0", "info": {"title": "Fixed", "version": "1"}}
    assert TestClient(app).get("/openapi.json").json()["info"]["title"] == "Fixed"


def test_root_path_is_the_first_server() -> None:
    app = Heron(servers=[{"url": "https://example.com"}])

    @app.get("/app")
    def read() -> dict[str, str]:
        return {}

    client = TestClient(app, root_path="/api/v1")
    assert client.get("/openapi.json").json()["servers"] == [
        {"url": "/api/v1"},
        {"url": "https://example.com"},
    ]
    assert app.openapi()["servers"] == [{"url": "https://example.com"}]  # the cache is unchanged
    hidden = Heron(root_path_in_servers=False)
    assert "servers" not in TestClient(hidden, root_path="/api").get("/openapi.json").json()


def test_unsupported_type_names_the_route_and_the_type() -> None:
    app = Heron()

    @app.get("/fine")
    def fine() -> dict[str, int]:
        return {}

    @app.post("/things/{thing_id}", response_model=None)
    def make(thing_id: int, body: Annotated[WithOpaque, Body()]) -> None:
        return None

    with pytest.raises(HeronError) as caught:
        app.openapi()
    message = str(caught.value)
    assert "POST /things/{thing_id}" in message
    assert "Opaque" in message or "WithOpaque" in message
    assert app.openapi_schema is None  # never a half document
    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/openapi.json").status_code == 500
    assert client.get("/fine").status_code == 200  # the app itself keeps serving


def test_unsupported_response_model_names_the_route() -> None:
    app = Heron()

    @app.get("/opaque", response_model=WithOpaque)
    def opaque() -> Any:
        return None

    with pytest.raises(HeronError, match=r"GET /opaque .*WithOpaque"):
        app.openapi()


def test_generate_unique_id_function_and_operation_id() -> None:
    def by_tag(route: APIRoute) -> str:
        return f"{route.tags[0]}-{route.name}"

    app = Heron(generate_unique_id_function=by_tag)
    router = APIRouter(tags=["users"])

    @router.post("/users/")
    def create_user(name: Annotated[str, Body()], age: Annotated[int, Body()]) -> None:
        return None

    @app.get("/fixed", tags=["x"], operation_id="the_fixed_one")
    def fixed() -> None:
        return None

    app.include_router(router)
    document = app.openapi()
    create = document["paths"]["/users/"]["post"]
    assert create["operationId"] == "users-create_user"
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Body_users-create_user"
    }
    assert document["paths"]["/fixed"]["get"]["operationId"] == "the_fixed_one"


def test_operation_id_changed_after_registration() -> None:
    # FastAPI's recipe: use each function's name as its operationId.
    app = _app()
    for route in app.routes:
        if isinstance(route, APIRoute):
            route.operation_id = route.name
    assert app.openapi()["paths"]["/items/"]["post"]["operationId"] == "create_item"


def test_default_unique_id() -> None:
    route = APIRoute("/items/{item_id}", lambda item_id: None, methods=["PUT"], name="put_it")
    assert generate_unique_id(route) == "put_it_items__item_id__put"
    assert route.unique_id == "put_it_items__item_id__put"


def test_router_options_flow_to_routes() -> None:
    class Tag(Enum):
        admin = "admin"

    router = APIRouter(
        prefix="/r",
        tags=[Tag.admin],
        responses={404: {"description": "Not here"}},
        deprecated=True,
    )

    @router.get("/one", responses={200: {"description": "Found"}})
    def one() -> None:
        return None

    app = Heron(responses={418: {"description": "Teapot"}})
    app.include_router(router, tags=["outer"], responses={409: {"description": "Conflict"}})
    operation = app.openapi()["paths"]["/r/one"]["get"]
    assert operation["tags"] == ["outer", "admin"]
    assert operation["deprecated"] is True
    assert {code: r["description"] for code, r in operation["responses"].items()} == {
        "200": "Found",
        "404": "Not here",
        "409": "Conflict",
        "418": "Teapot",
    }


def test_include_in_schema_false_on_include_and_param() -> None:
    router = APIRouter()

    @router.get("/x")
    def x(secret: Annotated[str | None, Header(include_in_schema=False)] = None) -> None:
        return None

    app = Heron()
    app.include_router(router)
    app.include_router(router, prefix="/hidden", include_in_schema=False)
    document = app.openapi()
    assert set(document["paths"]) == {"/x"}
    assert "parameters" not in document["paths"]["/x"]["get"]
    # Hidden from the document, still served.
    assert TestClient(app).get("/hidden/x").status_code == 200


def test_dependencies_parameters_and_security_free_operations() -> None:
    def paging(skip: int = 0, limit: Annotated[int, Query(le=100)] = 10) -> dict[str, int]:
        return {"skip": skip, "limit": limit}

    app = Heron()

    @app.get("/items/")
    def items(page: Annotated[dict[str, int], Depends(paging)], q: str = "") -> dict[str, int]:
        return page

    parameters = app.openapi()["paths"]["/items/"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == ["q", "skip", "limit"]
    assert parameters[2]["schema"] == {
        "type": "integer",
        "maximum": 100,
        "default": 10,
        "title": "Limit",
    }


def test_forms_and_files_are_body_models() -> None:
    from heron import UploadFile

    app = Heron()

    @app.post("/upload")
    def upload(file: UploadFile, note: Annotated[str, Form()] = "") -> None:
        return None

    document = app.openapi()
    body = document["paths"]["/upload"]["post"]["requestBody"]
    assert body == {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"$ref": "#/components/schemas/Body_upload_upload_post"}
            }
        },
    }
    model = document["components"]["schemas"]["Body_upload_upload_post"]
    assert model["properties"]["file"] == {
        "type": "string",
        "contentMediaType": "application/octet-stream",
        "title": "File",
    }


def test_webhooks_are_documented_not_served() -> None:
    app = Heron()

    @app.webhooks.post("new-subscription")
    def new_subscription(body: Item) -> None:
        """A subscription was made."""

    document = app.openapi()
    validate(document)
    assert document["paths"] == {}
    assert document["webhooks"]["new-subscription"]["post"]["description"] == (
        "A subscription was made."
    )
    assert TestClient(app).post("/new-subscription", json={}).status_code == 404


def test_duplicate_operation_id_warns() -> None:
    app = Heron()

    @app.get("/a", operation_id="same")
    def a() -> None:
        return None

    @app.get("/b", operation_id="same")
    def b() -> None:
        return None

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app.openapi()
    assert any("Duplicate Operation ID same" in str(w.message) for w in caught)


def test_bad_query_on_the_document_url_is_ignored() -> None:
    client = TestClient(_app())
    response = client.get("/openapi.json?x=%ff&" + "a=b&" * 200)
    assert response.status_code == 200
    assert client.post("/openapi.json").status_code == 405
