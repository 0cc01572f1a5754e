"""Differential tests (see ``tests/flask_differential.py``): request hooks.

The order the hooks run in and what they see: ``before_request`` (and its short-circuit),
``after_request``, ``after_this_request``, ``teardown_request``, ``teardown_appcontext``,
URL value preprocessors, URL defaults and context processors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
from werkzeug.exceptions import (
    HTTPException,
)

from flask_differential import MODULES, FlaskModule, Scaffold


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


def logged_app(fl: FlaskModule, log: list[Any]) -> Scaffold:
    """An app whose every hook appends what it saw to ``log``."""
    app = fl.Flask(__name__)

    @app.url_value_preprocessor
    def preprocess(endpoint: str | None, values: dict[str, Any] | None) -> None:
        log.append(("url_value_preprocessor", endpoint, dict(values or {})))

    @app.before_request
    def before_1() -> None:
        log.append("before_request 1")

    @app.before_request
    def before_2() -> None:
        log.append("before_request 2")

    @app.after_request
    def after_1(response: Any) -> Any:
        log.append(("after_request 1", response.status_code))
        response.headers["X-After-1"] = "1"
        return response

    @app.after_request
    def after_2(response: Any) -> Any:
        log.append(("after_request 2", response.status_code))
        return response

    @app.teardown_request
    def teardown_1(error: BaseException | None) -> None:
        log.append(("teardown_request 1", type(error).__name__))

    @app.teardown_request
    def teardown_2(error: BaseException | None) -> None:
        log.append(("teardown_request 2", type(error).__name__))

    @app.teardown_appcontext
    def teardown_app(error: BaseException | None) -> None:
        log.append(("teardown_appcontext", type(error).__name__))

    return app


def test_hooks_order(fl: FlaskModule) -> None:
    log: list[Any] = []
    app = logged_app(fl, log)

    @app.route("/item/<int:n>")
    def item(n: int) -> str:
        log.append(("view", n))

        @fl.after_this_request
        def this_one(response: Any) -> Any:
            log.append(("after_this_request", response.status_code))
            response.headers["X-This"] = "yes"
            return response

        return "item"

    response = app.test_client().get("/item/7")
    assert (response.text, response.headers["X-This"], response.headers["X-After-1"]) == (
        "item",
        "yes",
        "1",
    )
    assert log == [
        ("url_value_preprocessor", "item", {"n": 7}),
        "before_request 1",
        "before_request 2",
        ("view", 7),
        ("after_this_request", 200),
        ("after_request 2", 200),
        ("after_request 1", 200),
        ("teardown_request 2", "NoneType"),
        ("teardown_request 1", "NoneType"),
        ("teardown_appcontext", "NoneType"),
    ]


def test_before_request_short_circuit(fl: FlaskModule) -> None:
    log: list[Any] = []
    app = logged_app(fl, log)

    @app.before_request
    def stop() -> Any:
        log.append("stop")
        return "stopped", 403

    @app.before_request
    def never() -> None:
        log.append("never")

    @app.route("/")
    def index() -> str:
        log.append("view")
        return "index"

    response = app.test_client().get("/")
    assert (response.status_code, response.text) == (403, "stopped")
    assert log == [
        ("url_value_preprocessor", "index", {}),
        "before_request 1",
        "before_request 2",
        "stop",
        ("after_request 2", 403),
        ("after_request 1", 403),
        ("teardown_request 2", "NoneType"),
        ("teardown_request 1", "NoneType"),
        ("teardown_appcontext", "NoneType"),
    ]


def test_blueprint_before_request_short_circuit_runs_all_after_request(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    bp = fl.Blueprint("bp", __name__)
    log: list[str] = []
    bp.before_request(lambda: "stopped by bp")

    @app.after_request
    def app_after(response: Any) -> Any:
        log.append("app after")
        return response

    @bp.after_request
    def bp_after(response: Any) -> Any:
        log.append("bp after")
        return response

    bp.add_url_rule("/x", "x", lambda: "view")
    app.register_blueprint(bp)
    assert app.test_client().get("/x").text == "stopped by bp"
    assert log == ["bp after", "app after"]


def test_hooks_run_for_404(fl: FlaskModule) -> None:
    log: list[Any] = []
    app = logged_app(fl, log)
    response = app.test_client().get("/missing")
    assert response.status_code == 404
    assert log == [
        ("url_value_preprocessor", None, {}),
        "before_request 1",
        "before_request 2",
        ("after_request 2", 404),
        ("after_request 1", 404),
        ("teardown_request 2", "NoneType"),
        ("teardown_request 1", "NoneType"),
        ("teardown_appcontext", "NoneType"),
    ]
    assert response.headers["X-After-1"] == "1"


def test_hooks_for_an_unhandled_error(fl: FlaskModule) -> None:
    log: list[Any] = []
    app = logged_app(fl, log)

    @app.route("/")
    def index() -> str:
        raise ZeroDivisionError("boom")

    response = app.test_client().get("/")
    assert response.status_code == 500
    assert log[3:] == [
        ("after_request 2", 500),
        ("after_request 1", 500),
        ("teardown_request 2", "ZeroDivisionError"),
        ("teardown_request 1", "ZeroDivisionError"),
        ("teardown_appcontext", "ZeroDivisionError"),
    ]


def test_hooks_for_a_handled_error(fl: FlaskModule) -> None:
    log: list[Any] = []
    app = logged_app(fl, log)

    @app.errorhandler(ZeroDivisionError)
    def handle(error: ZeroDivisionError) -> tuple[str, int]:
        log.append(("handler", str(error)))
        return "handled", 409

    @app.route("/")
    def index() -> str:
        raise ZeroDivisionError("boom")

    response = app.test_client().get("/")
    assert (response.status_code, response.text) == (409, "handled")
    assert log[3:] == [
        ("handler", "boom"),
        ("after_request 2", 409),
        ("after_request 1", 409),
        ("teardown_request 2", "NoneType"),
        ("teardown_request 1", "NoneType"),
        ("teardown_appcontext", "NoneType"),
    ]


def test_before_request_error_goes_to_handler(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    views: list[str] = []

    @app.before_request
    def check() -> None:
        fl.abort(401)

    @app.errorhandler(401)
    def unauthorized(error: HTTPException) -> tuple[str, int, dict[str, str]]:
        return f"login first ({error.code})", 401, {"WWW-Authenticate": "Basic"}

    @app.route("/")
    def index() -> str:
        views.append("index")
        return "index"

    response = app.test_client().get("/")
    assert (response.status_code, response.text, response.headers["WWW-Authenticate"]) == (
        401,
        "login first (401)",
        "Basic",
    )
    assert views == []


def test_after_request_can_replace_the_response(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.after_request
    def replace(response: Any) -> Any:
        return fl.Response(f"replaced {response.status_code}", 202)

    @app.route("/")
    def index() -> str:
        return "index"

    response = app.test_client().get("/")
    assert (response.status_code, response.text) == (202, "replaced 200")


def test_after_this_request_order_and_outside_request(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    order: list[str] = []

    @app.after_request
    def app_after(response: Any) -> Any:
        order.append("app")
        return response

    def after_this(name: str) -> Callable[[Any], Any]:
        def after(response: Any) -> Any:
            order.append(name)
            return response

        return after

    @app.before_request
    def before() -> None:
        fl.after_this_request(after_this("from before"))

    @app.route("/")
    def index() -> str:
        fl.after_this_request(after_this("from view"))
        return "index"

    app.test_client().get("/")
    assert order == ["from before", "from view", "app"]
    with pytest.raises(RuntimeError) as error:
        fl.after_this_request(lambda response: response)
    assert str(error.value).startswith("'after_this_request' can only be used when")


def test_teardown_runs_when_after_request_fails(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    seen: list[str] = []

    @app.after_request
    def fail(response: Any) -> Any:
        raise ValueError("after failed")

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        seen.append(type(error).__name__)

    @app.route("/")
    def index() -> str:
        return "index"

    response = app.test_client().get("/")
    assert response.status_code == 500
    assert seen == ["ValueError"]


def test_teardown_error_propagates_after_the_others_ran(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    log: list[str] = []

    @app.teardown_request
    def first(error: BaseException | None) -> None:
        log.append("first")

    @app.teardown_request
    def failing(error: BaseException | None) -> None:
        raise ValueError("teardown")

    @app.teardown_appcontext
    def app_teardown(error: BaseException | None) -> None:
        log.append(f"appcontext {error!r}")

    app.add_url_rule("/", "index", lambda: "index")
    with pytest.raises(ValueError, match="teardown"):
        app.test_client().get("/")
    # Teardown functions run last registered first: "failing" stops the others.
    assert log == ["appcontext None"]


def test_url_value_preprocessor_and_url_defaults(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
        assert values is not None
        fl.g.lang = values.pop("lang", None)

    @app.url_defaults
    def add_lang(endpoint: str, values: dict[str, Any]) -> None:
        if "lang" in values or not fl.has_request_context():
            return
        if app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = fl.g.lang

    @app.route("/<lang>/about")
    def about() -> str:
        return f"{fl.g.lang} {fl.url_for('about')} {fl.url_for('about', lang='de')}"

    assert app.test_client().get("/fr/about").text == "fr /fr/about /de/about"


def test_url_value_preprocessor_can_add_view_arguments(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.url_value_preprocessor
    def add(endpoint: str | None, values: dict[str, Any] | None) -> None:
        assert values is not None
        values["extra"] = values.pop("n") * 2

    app.add_url_rule("/<int:n>", "index", lambda extra: f"extra {extra}")
    assert app.test_client().get("/21").text == "extra 42"


def test_url_defaults_sees_endpoint_and_values(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    calls: list[tuple[str, dict[str, Any]]] = []

    @app.url_defaults
    def record(endpoint: str, values: dict[str, Any]) -> None:
        calls.append((endpoint, dict(values)))
        values.setdefault("page", 1)

    @app.route("/list/<int:page>")
    def listing(page: int) -> str:
        return str(fl.url_for("listing", q="x"))

    assert app.test_client().get("/list/3").text == "/list/1?q=x"
    assert calls == [("listing", {"q": "x"})]


def test_context_processor(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.context_processor
    def site() -> dict[str, Any]:
        return {"site": "Heron", "who": "processor"}

    @app.route("/")
    def index() -> str:
        return cast(str, fl.render_template_string("{{ site }} {{ who }}", who="explicit"))

    assert app.test_client().get("/").text == "Heron explicit"
