"""Differential tests (see ``tests/flask_differential.py``): errors and their handlers.

Handlers by code and by class, which one wins, ``abort``, errors raised by handlers, the
500 page and its log, ``PROPAGATE_EXCEPTIONS`` and the ``TRAP_*`` settings.
"""

from __future__ import annotations

import logging
from typing import Any, cast

import pytest
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    InternalServerError,
    NotFound,
)

from flask_differential import MODULES, FlaskModule


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


@pytest.mark.parametrize(
    ("key", "path", "expected"),
    [
        (404, "/missing", (404, "handled NotFound")),
        (NotFound, "/missing", (404, "handled NotFound")),
        (HTTPException, "/missing", (404, "handled NotFound")),
        (Exception, "/missing", (404, "handled NotFound")),
        (405, "/post-only", (405, "handled MethodNotAllowed")),
        (HTTPException, "/post-only", (405, "handled MethodNotAllowed")),
        (400, "/bad", (400, "handled BadRequest")),
        (400, "/bad-key", (400, "handled BadRequestKeyError")),
        (500, "/boom", (500, "handled InternalServerError")),
        (InternalServerError, "/boom", (500, "handled InternalServerError")),
        (ZeroDivisionError, "/boom", (500, "handled ZeroDivisionError")),
        (ArithmeticError, "/boom", (500, "handled ZeroDivisionError")),
        (Exception, "/boom", (500, "handled ZeroDivisionError")),
        (418, "/teapot", (418, "handled ImATeapot")),
    ],
)
def test_error_handler_by_code_and_class(
    fl: FlaskModule, key: int | type[Exception], path: str, expected: tuple[int, str]
) -> None:
    app = fl.Flask(__name__)

    @app.errorhandler(key)
    def handle(error: Exception) -> tuple[str, int]:
        code = getattr(error, "code", None) or 500
        return f"handled {type(error).__name__}", code

    @app.post("/post-only")
    def post_only() -> str:
        return "post"

    @app.route("/bad")
    def bad() -> str:
        raise BadRequest()

    @app.post("/bad-key")
    @app.route("/bad-key")
    def bad_key() -> str:
        return str(fl.request.form["nope"])

    @app.route("/boom")
    def boom() -> str:
        return str(1 / 0)

    @app.route("/teapot")
    def teapot() -> str:
        fl.abort(418)

    response = app.test_client().get(path)
    assert (response.status_code, response.text) == expected


def test_most_specific_handler_wins(fl: FlaskModule) -> None:
    class AppError(Exception):
        pass

    class NotYours(AppError):
        pass

    app = fl.Flask(__name__)
    app.register_error_handler(Exception, lambda e: ("exception", 500))
    app.register_error_handler(AppError, lambda e: ("app error", 400))
    app.register_error_handler(NotYours, lambda e: ("not yours", 403))

    def raiser(exc: type[Exception]) -> Any:
        def view() -> str:
            raise exc()

        return view

    app.add_url_rule("/base", "base", raiser(AppError))
    app.add_url_rule("/sub", "sub", raiser(NotYours))
    app.add_url_rule("/other", "other", raiser(LookupError))
    client = app.test_client()
    assert [(r.status_code, r.text) for r in map(client.get, ("/base", "/sub", "/other"))] == [
        (400, "app error"),
        (403, "not yours"),
        (500, "exception"),
    ]


def test_code_handler_beats_class_handler(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.register_error_handler(HTTPException, lambda e: ("http", e.code))
    app.register_error_handler(404, lambda e: ("code 404", 404))
    client = app.test_client()
    assert client.get("/missing").text == "code 404"


def test_handler_returning_the_error_keeps_its_headers(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.errorhandler(405)
    def not_allowed(error: HTTPException) -> Any:
        return error

    @app.post("/p")
    def p() -> str:
        return "p"

    response = app.test_client().get("/p")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}


def test_custom_http_exception_subclass(fl: FlaskModule) -> None:
    class PaymentRequired(HTTPException):
        code = 402
        description = "Pay up."

    app = fl.Flask(__name__)

    @app.errorhandler(PaymentRequired)
    def pay(error: PaymentRequired) -> tuple[str, int]:
        return f"handled {error.description}", 402

    @app.route("/")
    def index() -> str:
        raise PaymentRequired()

    @app.route("/plain")
    def plain() -> str:
        fl.abort(402)

    client = app.test_client()
    response = client.get("/")
    assert (response.status_code, response.text) == (402, "handled Pay up.")
    # abort() knows Werkzeug's codes only: abort(402) is a LookupError, a 500.
    assert client.get("/plain").status_code == 500


def test_unhandled_http_exception_without_code(fl: FlaskModule) -> None:
    class NoCode(HTTPException):
        pass

    app = fl.Flask(__name__)
    handled: list[str] = []

    def handler(error: HTTPException) -> tuple[str, int]:
        handled.append("h")
        return "h", 400

    app.register_error_handler(HTTPException, handler)

    @app.route("/")
    def index() -> str:
        raise NoCode(response=fl.Response("from the exception", 299))

    response = app.test_client().get("/")
    assert (response.status_code, response.text, handled) == (299, "from the exception", [])


def test_error_handler_returning_invalid_value(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.testing = True
    app.register_error_handler(404, lambda e: None)
    with pytest.raises(TypeError) as error:
        app.test_client().get("/missing")
    assert str(error.value).startswith("The view function for None did not return a valid")


def test_handler_for_unknown_code_is_an_error(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    with pytest.raises(ValueError) as error:
        app.register_error_handler(999, lambda e: "x")
    assert str(error.value) == (
        "'999' is not a recognized HTTP error code. Use a subclass of HTTPException with that"
        " code instead."
    )


def test_handler_for_an_instance_is_an_error(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    with pytest.raises(TypeError) as error:
        app.register_error_handler(NotFound(), lambda e: "x")
    assert str(error.value).startswith("<NotFound '404: Not Found'> is an instance, not a class.")


# ------------------------------------------------------------------ abort


def test_abort_variants(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/code")
    def code() -> str:
        fl.abort(403)

    @app.route("/description")
    def description() -> str:
        fl.abort(404, description="No such thing")

    @app.route("/response")
    def response_view() -> str:
        fl.abort(fl.Response("custom body", 422, {"X-Abort": "1"}))

    @app.route("/json")
    def json_view() -> str:
        fl.abort(fl.make_response(fl.jsonify(error="nope"), 409))

    client = app.test_client()
    forbidden = client.get("/code")
    assert (forbidden.status_code, b"Forbidden" in forbidden.data) == (403, True)
    described = client.get("/description")
    assert (described.status_code, b"No such thing" in described.data) == (404, True)
    custom = client.get("/response")
    assert (custom.status_code, custom.text, custom.headers["X-Abort"]) == (
        422,
        "custom body",
        "1",
    )
    json_abort = client.get("/json")
    assert (json_abort.status_code, json_abort.json) == (409, {"error": "nope"})


def test_abort_with_description_and_headers(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.add_url_rule("/", "index", lambda: fl.abort(400, "bad thing <x>"))
    challenge = WWWAuthenticate("basic", {"realm": "site"})
    app.add_url_rule("/auth", "auth", lambda: fl.abort(401, www_authenticate=challenge))
    client = app.test_client()
    bad = client.get("/")
    assert bad.text == BadRequest("bad thing <x>").get_body()
    auth = client.get("/auth")
    assert (auth.status_code, auth.headers["WWW-Authenticate"]) == (401, "Basic realm=site")


def test_abort_response_is_not_passed_to_handlers(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.register_error_handler(HTTPException, lambda e: ("handled", 500))

    @app.route("/")
    def index() -> str:
        fl.abort(fl.Response("as is", 400))

    response = app.test_client().get("/")
    assert (response.status_code, response.text) == (400, "as is")


def test_abort_unknown_code(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.testing = True

    @app.route("/")
    def index() -> str:
        fl.abort(599)

    with pytest.raises(LookupError) as error:
        app.test_client().get("/")
    assert str(error.value) == "no exception for 599"


def test_custom_aborter_mapping(fl: FlaskModule) -> None:
    class PaymentRequired(HTTPException):
        code = 402
        description = "Pay up."

    app = fl.Flask(__name__)
    app.aborter.mapping[402] = PaymentRequired
    app.add_url_rule("/", "index", lambda: fl.abort(402))
    response = app.test_client().get("/")
    assert (response.status_code, response.text) == (402, PaymentRequired().get_body())


def test_abort_outside_app_context(fl: FlaskModule) -> None:
    with pytest.raises(NotFound):
        fl.abort(404)


# ------------------------------------------------------------------ 500 and propagation


def test_error_raised_in_handler_is_500(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    seen: list[str] = []

    @app.errorhandler(ValueError)
    def broken(error: ValueError) -> str:
        raise KeyError("in handler")

    @app.errorhandler(500)
    def server_error(error: InternalServerError) -> tuple[str, int]:
        original = error.original_exception
        seen.append(type(original).__name__)
        return f"500 handler saw {type(original).__name__}", 500

    @app.route("/")
    def index() -> str:
        raise ValueError("view")

    response = app.test_client().get("/")
    assert (response.status_code, response.text) == (500, "500 handler saw KeyError")
    assert seen == ["KeyError"]


def test_http_error_raised_in_handler_is_not_handled_again(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.errorhandler(ValueError)
    def to_404(error: ValueError) -> str:
        fl.abort(404)

    @app.errorhandler(404)
    def not_found(error: NotFound) -> tuple[str, int]:
        return "404 handler", 404

    @app.route("/")
    def index() -> str:
        raise ValueError()

    response = app.test_client().get("/")
    assert response.status_code == 500


def test_after_request_error_reaches_the_500_handler(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    seen: list[str] = []

    @app.after_request
    def fail(response: Any) -> Any:
        raise ValueError("after")

    @app.errorhandler(500)
    def server_error(error: InternalServerError) -> tuple[str, int]:
        seen.append(repr(error.original_exception))
        return "500 page", 500

    @app.route("/")
    def index() -> str:
        return "index"

    response = app.test_client().get("/")
    # The handler's response goes through after_request again; its failure is logged.
    assert (response.status_code, response.text) == (500, "500 page")
    assert seen == ["ValueError('after')"]


def test_error_in_the_500_handler_propagates(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.errorhandler(500)
    def server_error(error: InternalServerError) -> str:
        raise KeyError("again")

    @app.route("/")
    def index() -> str:
        raise ValueError("view")

    with pytest.raises(KeyError, match="again"):
        app.test_client().get("/")


def test_default_500_page(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/")
    def index() -> str:
        raise RuntimeError("secret detail")

    response = app.test_client().get("/")
    body = InternalServerError().get_body()
    assert (response.status, response.text, response.headers["Content-Type"]) == (
        "500 INTERNAL SERVER ERROR",
        body,
        "text/html; charset=utf-8",
    )


def test_500_is_logged(fl: FlaskModule, caplog: pytest.LogCaptureFixture) -> None:
    app = fl.Flask("heron_differential_logger")

    @app.post("/path")
    def index() -> str:
        raise RuntimeError("logged")

    with caplog.at_level(logging.ERROR, logger="heron_differential_logger"):
        app.test_client().post("/path")
    records = [r for r in caplog.records if r.name == "heron_differential_logger"]
    assert [(r.levelname, r.getMessage()) for r in records] == [
        ("ERROR", "Exception on /path [POST]")
    ]
    assert records[0].exc_info is not None
    assert repr(records[0].exc_info[1]) == "RuntimeError('logged')"


@pytest.mark.parametrize(
    ("config", "propagates"),
    [
        ({}, False),
        ({"TESTING": True}, True),
        ({"DEBUG": True}, True),
        ({"TESTING": True, "PROPAGATE_EXCEPTIONS": False}, False),
        ({"PROPAGATE_EXCEPTIONS": True}, True),
    ],
)
def test_propagate_exceptions(fl: FlaskModule, config: dict[str, Any], propagates: bool) -> None:
    app = fl.Flask(__name__)
    app.config.update(config)
    signalled: list[str] = []

    def on_exception(sender: Any, exception: Exception, **extra: Any) -> None:
        signalled.append(type(exception).__name__)

    @app.route("/")
    def index() -> str:
        raise OSError("disk")

    with fl.got_request_exception.connected_to(on_exception, app):
        if propagates:
            with pytest.raises(OSError, match="disk"):
                app.test_client().get("/")
        else:
            assert app.test_client().get("/").status_code == 500
    assert signalled == ["OSError"]


def test_exception_propagates_in_testing(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.testing = True

    @app.route("/")
    def index() -> str:
        raise KeyError("gone")

    with pytest.raises(KeyError):
        app.test_client().get("/")


def test_http_exceptions_are_not_propagated_in_testing(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.testing = True

    @app.route("/")
    def index() -> str:
        fl.abort(409)

    assert app.test_client().get("/").status_code == 409


@pytest.mark.parametrize(
    ("config", "raises"),
    [
        ({"TRAP_HTTP_EXCEPTIONS": True, "TESTING": True}, NotFound),
        ({"TRAP_BAD_REQUEST_ERRORS": True, "TESTING": True}, None),
    ],
)
def test_trap_settings(
    fl: FlaskModule, config: dict[str, Any], raises: type[Exception] | None
) -> None:
    app = fl.Flask(__name__)
    app.config.update(config)
    client = app.test_client()
    if raises is not None:
        with pytest.raises(raises):
            client.get("/missing")
    else:
        assert client.get("/missing").status_code == 404


def test_trap_bad_request_errors(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.config.update(TRAP_BAD_REQUEST_ERRORS=True, TESTING=True)

    @app.post("/")
    def index() -> str:
        return str(fl.request.form["missing"])

    with pytest.raises(KeyError) as error:
        app.test_client().post("/", data={})
    assert "missing" in str(error.value)
