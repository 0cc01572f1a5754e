"""``heron.flask.steps``: the request steps' edges, called by requests or by user code.

Each test runs on Flask 3.1 and on ``heron.flask`` (see ``tests/flask_differential.py``),
except the one about Heron's own responses: an error that is not an ``Exception``, an
error the teardown functions are told to ignore, the return values ``make_response``
refuses or takes as a status, and the steps an extension calls outside a request.
"""

from __future__ import annotations

import sys
from typing import Any, cast

import pytest

from flask_differential import MODULES, FlaskModule
from heron.flask import Flask as HeronFlask
from heron.responses import Response as HeronResponse


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


class Stop(BaseException):
    """Not an ``Exception``: no handler answers it, it leaves the request as it is."""


def test_a_base_exception_leaves_the_request_after_the_teardowns(fl: FlaskModule) -> None:
    app = fl.Flask("steps_app")
    log: list[str] = []
    app.teardown_request(lambda error: log.append(f"request {error!r}"))
    app.teardown_appcontext(lambda error: log.append(f"app {error!r}"))
    app.register_error_handler(Exception, lambda error: ("handled", 500))

    @app.route("/")
    def index() -> str:
        raise Stop("stop")

    with pytest.raises(Stop):
        app.test_client().get("/")
    assert log == ["request Stop('stop')", "app Stop('stop')"]
    assert not fl.has_request_context()


def test_should_ignore_error_hides_the_error_from_teardowns(fl: FlaskModule) -> None:
    class QuietApp(fl.Flask):  # type: ignore[misc, name-defined]
        def should_ignore_error(self, error: BaseException | None) -> bool:
            return isinstance(error, KeyError)

    app: Any = QuietApp("steps_app")
    log: list[str] = []
    app.teardown_request(lambda error: log.append(repr(error)))

    def fail(kind: str) -> str:
        raise KeyError(kind) if kind == "key" else ValueError(kind)

    app.add_url_rule("/<kind>", "fail", fail)

    client = app.test_client()
    assert client.get("/key").status_code == 500
    assert client.get("/value").status_code == 500
    assert log == ["None", "ValueError('value')"]


# ------------------------------------------------------------------ make_response


def status_app(fl: FlaskModule) -> Any:
    app = fl.Flask("steps_app")
    app.testing = True

    @app.route("/text-status")
    def text_status() -> Any:
        return "created", "201 CREATED"

    @app.route("/response-status")
    def response_status() -> Any:
        # A response object's status is set after it is made.
        return fl.Response("teapot"), "418 I'M A TEAPOT", {"X-Kind": "response"}

    @app.route("/not-wsgi")
    def not_wsgi() -> Any:
        return lambda: "not a WSGI callable"

    return app


def test_a_status_given_as_text(fl: FlaskModule) -> None:
    client = status_app(fl).test_client()
    text = client.get("/text-status")
    assert (text.status, text.text) == ("201 CREATED", "created")
    teapot = client.get("/response-status")
    assert (teapot.status, teapot.text, teapot.headers["X-Kind"]) == (
        "418 I'M A TEAPOT",
        "teapot",
        "response",
    )


def test_a_callable_that_is_not_a_wsgi_app(fl: FlaskModule) -> None:
    with pytest.raises(TypeError) as error:
        status_app(fl).test_client().get("/not-wsgi")
    first, second = str(error.value).split("\n")
    assert "takes 0 positional arguments but 2 were given" in first
    assert second == (
        "The view function did not return a valid response. The return type must be a"
        " string, dict, list, tuple with headers or status, Response instance, or WSGI"
        " callable, but it was a function."
    )


def test_a_heron_response_from_a_flask_view() -> None:
    app = HeronFlask("steps_app")

    @app.route("/")
    def index() -> Any:
        return HeronResponse(b"raw", status_code=202, headers={"X-From": "heron"})

    response = app.test_client().get("/")
    assert (response.status_code, response.data, response.headers["X-From"]) == (
        202,
        b"raw",
        "heron",
    )


# ------------------------------------------------------------------ steps called directly


def test_teardown_steps_called_directly_see_the_error_being_handled(fl: FlaskModule) -> None:
    app = fl.Flask("steps_app")
    log: list[str] = []
    app.teardown_request(lambda error: log.append(f"request {error!r}"))
    app.teardown_appcontext(lambda error: log.append(f"app {error!r}"))
    with app.test_request_context():
        try:
            raise LookupError("current")
        except LookupError:
            app.do_teardown_request()
            app.do_teardown_appcontext()
        app.do_teardown_request()
    assert log[:3] == [
        "request LookupError('current')",
        "app LookupError('current')",
        "request None",
    ]


def test_handle_exception_called_directly_raises_it_when_testing(fl: FlaskModule) -> None:
    app = fl.Flask("steps_app")
    app.testing = True
    error = ValueError("passed in")
    with app.test_request_context(), pytest.raises(ValueError) as raised:
        app.handle_exception(error)
    assert raised.value is error
    assert sys.exc_info() == (None, None, None)
