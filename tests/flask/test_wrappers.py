"""``heron.flask.wrappers``: the request's limits, bad JSON, the response's cookie limit.

Each test runs on Flask 3.1 and on ``heron.flask`` (see ``tests/flask_differential.py``):
the body limits a view sets on its own request, their defaults inside and outside an
app, the 400 of a body that is not JSON in and out of debug mode, and ``MAX_COOKIE_SIZE``.
"""

from __future__ import annotations

import warnings
from typing import Any, cast

import pytest
from werkzeug.test import create_environ

from flask_differential import MODULES, FlaskModule, Scaffold


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


# ------------------------------------------------------------------ body limits


def limits_app(fl: FlaskModule) -> Scaffold:
    """Views that lower one limit on their own request, then read the form."""
    app = fl.Flask("wrappers_app")

    @app.post("/content")
    def content() -> Any:
        fl.request.max_content_length = 10
        return {"limit": fl.request.max_content_length, "form": fl.request.form.to_dict()}

    @app.post("/memory")
    def memory() -> Any:
        fl.request.max_form_memory_size = 1000
        return {"limit": fl.request.max_form_memory_size, "form": fl.request.form.to_dict()}

    @app.post("/parts")
    def parts() -> Any:
        fl.request.max_form_parts = 2
        return {"limit": fl.request.max_form_parts, "form": sorted(fl.request.form)}

    @app.post("/defaults")
    def defaults() -> Any:
        return [
            fl.request.max_content_length,
            fl.request.max_form_memory_size,
            fl.request.max_form_parts,
        ]

    return app


def test_a_view_lowers_max_content_length_for_its_request(fl: FlaskModule) -> None:
    client = limits_app(fl).test_client()
    small = client.post("/content", data={"a": "1"})
    assert small.json == {"limit": 10, "form": {"a": "1"}}
    large = client.post("/content", data={"a": "x" * 50})
    assert large.status_code == 413


def test_a_view_lowers_max_form_memory_size_for_its_request(fl: FlaskModule) -> None:
    client = limits_app(fl).test_client()
    small = client.post("/memory", data={"a": "1234"}, content_type="multipart/form-data")
    assert small.json == {"limit": 1000, "form": {"a": "1234"}}
    large = client.post("/memory", data={"a": "x" * 2000}, content_type="multipart/form-data")
    assert large.status_code == 413


def test_a_view_lowers_max_form_parts_for_its_request(fl: FlaskModule) -> None:
    client = limits_app(fl).test_client()
    two = client.post("/parts", data={"a": "1", "b": "2"}, content_type="multipart/form-data")
    assert two.json == {"limit": 2, "form": ["a", "b"]}
    three = client.post(
        "/parts", data={"a": "1", "b": "2", "c": "3"}, content_type="multipart/form-data"
    )
    assert three.status_code == 413


def test_the_limits_default_to_the_apps_config(fl: FlaskModule) -> None:
    app = limits_app(fl)
    client = app.test_client()
    assert client.post("/defaults").json == [None, 500_000, 1_000]
    app.config.update(MAX_CONTENT_LENGTH=100, MAX_FORM_MEMORY_SIZE=20, MAX_FORM_PARTS=3)
    assert client.post("/defaults").json == [100, 20, 3]


def test_the_limits_outside_an_app_are_werkzeugs(fl: FlaskModule) -> None:
    request = fl.Request(create_environ("/", method="POST"))
    assert (request.max_content_length, request.max_form_memory_size, request.max_form_parts) == (
        None,
        500_000,
        1_000,
    )
    request.max_content_length = 1
    request.max_form_memory_size = 2
    request.max_form_parts = 3
    assert (request.max_content_length, request.max_form_memory_size, request.max_form_parts) == (
        1,
        2,
        3,
    )


# ------------------------------------------------------------------ bad JSON


def json_app(fl: FlaskModule, debug: bool) -> Scaffold:
    app = fl.Flask("wrappers_app")
    app.debug = debug

    @app.post("/")
    def index() -> Any:
        return {"got": fl.request.get_json()}

    return app


def test_bad_json_is_a_plain_400_outside_debug(fl: FlaskModule) -> None:
    client = json_app(fl, debug=False).test_client()
    response = client.post("/", data="{nope", content_type="application/json")
    assert response.status_code == 400
    assert "Failed to decode JSON object" not in response.text
    assert "The browser (or proxy) sent a request that this server could not understand." in (
        response.text
    )


def test_bad_json_says_why_in_debug(fl: FlaskModule) -> None:
    client = json_app(fl, debug=True).test_client()
    response = client.post("/", data="{nope", content_type="application/json")
    assert response.status_code == 400
    assert "Failed to decode JSON object: Expecting property name enclosed in double quotes" in (
        response.text
    )


def test_bad_json_outside_an_app_is_a_plain_400(fl: FlaskModule) -> None:
    request = fl.Request(
        create_environ("/", method="POST", data="{nope", content_type="application/json")
    )
    with pytest.raises(Exception) as error:
        request.get_json()
    assert type(error.value).__name__ == "BadRequest"
    assert "Failed to decode" not in str(error.value)


def test_json_of_another_content_type_is_a_415(fl: FlaskModule) -> None:
    client = json_app(fl, debug=True).test_client()
    response = client.post("/", data="{}", content_type="text/plain")
    assert response.status_code == 415
    assert "Content-Type was not &#39;application/json&#39;" in response.text


# ------------------------------------------------------------------ cookie size


def test_max_cookie_size_outside_an_app_is_werkzeugs(fl: FlaskModule) -> None:
    assert fl.Response().max_cookie_size == 4093


def test_max_cookie_size_comes_from_the_apps_config(fl: FlaskModule) -> None:
    app = fl.Flask("wrappers_app")
    app.config["MAX_COOKIE_SIZE"] = 80

    @app.route("/")
    def index() -> Any:
        response = fl.make_response("ok")
        assert response.max_cookie_size == 80
        response.set_cookie("big", "x" * 100)
        return response

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = app.test_client().get("/")
    assert response.text == "ok"
    assert any("cookie is too large" in str(w.message) for w in caught)
