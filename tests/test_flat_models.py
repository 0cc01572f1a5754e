"""Json parameters, validation aliases, parameter and form models, route-class cleanup.

The FastAPI-identical answers are pinned by the differential corpus (tests/compat/apps:
params_json, form_json, params_alias_choices, body_alias_choices, params_model_aliases,
form_model_nullable, form_model_union, router_route_class_yield, dep_yield_swallow); these
tests cover what the corpus cannot: hostile input, Heron's own errors, the pure helpers.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import AliasChoices, BaseModel, Field, Json

from heron import APIRouter, Depends, Form, Header, Heron, Query, Request, Response
from heron.dependencies.flat_models import fill, form_models, model_source
from heron.exceptions import HeronError
from heron.routing import APIRoute
from heron.testclient import TestClient


def test_deeply_nested_json_parameter_is_a_422() -> None:
    app = Heron()

    @app.get("/q")
    def read(data: Annotated[Json[Any], Query()]) -> dict[str, bool]:
        return {"ok": True}

    @app.post("/f")
    def post(data: Annotated[Json[Any], Form()]) -> dict[str, bool]:
        return {"ok": True}

    client = TestClient(app)
    deep = "[" * 5000 + "]" * 5000
    for response in (
        client.get("/q", params={"data": deep}),
        client.post("/f", data={"data": deep}),
    ):
        assert response.status_code == 422
        assert response.json()["detail"][0]["type"] == "json_invalid"


def test_json_header_is_one_value_not_a_list() -> None:
    app = Heron()

    @app.get("/")
    def read(x_ids: Annotated[Json[list[int]], Header()]) -> list[int]:
        return x_ids

    client = TestClient(app)
    assert client.get("/", headers=[("x-ids", "[1, 2]"), ("x-ids", "[3]")]).json() == [1, 2]


class _Headers(BaseModel):
    user_agent: str | None = None
    token: str = Field(validation_alias=AliasChoices("x-token", "x_auth"))


def test_fill_reads_the_first_name_present_and_keeps_the_rest_as_extra() -> None:
    source = model_source([_Headers], header=True, convert=True)
    values = {
        "user-agent": ["curl"],
        "user_agent": ["ignored"],  # the field's own name is not an extra header
        "x_auth": ["k1"],
        "accept": ["a", "b"],
    }
    assert fill(source, values) == {"user_agent": "curl", "x_auth": "k1", "accept": ["a", "b"]}
    assert source.renames == {"user_agent": "user-agent"}


def test_fill_of_a_form_skips_empty_values_and_tries_the_next_name() -> None:
    class Login(BaseModel):
        username: str = Field(validation_alias=AliasChoices("username", "login"))

    source = model_source([Login])
    values = {"username": [""], "login": ["ann"], "remember": [""]}
    # The empty name is not an extra either; an unknown empty field is (FastAPI's input).
    assert fill(source, values, form=True) == {"login": "ann", "remember": ""}


def test_form_models_recognises_models_optional_models_and_unions() -> None:
    class A(BaseModel):
        a: int

    class B(BaseModel):
        b: int

    assert form_models(A) == ([A], False)
    assert form_models(A | None) == ([A], True)
    both: list[type[BaseModel]] = [A, B]
    assert form_models(A | B | None) == (both, True)
    assert form_models(A | int) == ([], False)
    assert form_models(list[A]) == ([], False)


def test_optional_header_model_is_none_when_none_of_its_headers_is_sent() -> None:
    class Trace(BaseModel):
        trace_id: str

    app = Heron()

    @app.get("/")
    def read(trace: Annotated[Trace | None, Header()] = None) -> Any:
        return trace

    client = TestClient(app)
    assert client.get("/").json() is None
    assert client.get("/", headers={"trace-id": "t1"}).json() == {"trace_id": "t1"}


class _PassThrough(APIRoute):
    def get_route_handler(self) -> Callable[..., Any]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            return await original(request)

        return handler


def test_a_dependency_swallowing_the_error_is_a_500_naming_the_mistake() -> None:
    def swallow() -> Any:
        try:
            yield "db"
        except ValueError:
            pass

    router = APIRouter(route_class=_PassThrough)

    @router.get("/wrapped")
    def wrapped(db: Annotated[str, Depends(swallow)]) -> None:
        raise ValueError("lost")

    app = Heron()

    @app.get("/plain")
    def plain(db: Annotated[str, Depends(swallow)]) -> None:
        raise ValueError("lost")

    app.include_router(router)
    for path in ("/plain", "/wrapped"):
        assert TestClient(app, raise_server_exceptions=False).get(path).status_code == 500
        with pytest.raises(HeronError, match="yield dependency caught the endpoint's exception"):
            TestClient(app).get(path)


def test_form_template_refuses_an_optional_form_model(tmp_path: Path) -> None:
    class Profile(BaseModel):
        name: str

    (tmp_path / "profile.html").write_text("{{ form }}")
    app = Heron(template_folder=str(tmp_path))
    with pytest.raises(HeronError, match="not a union or an optional"):

        @app.post("/profile", form_template="profile.html")
        def profile(data: Annotated[Profile | None, Form()] = None) -> Any:
            return data
