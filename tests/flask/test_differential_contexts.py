"""Differential tests (see ``tests/flask_differential.py``): contexts, streams and signals.

The application and request contexts (``g``, ``test_request_context``, ``with client:``),
``stream_with_context``, ``copy_current_request_context``, async views and hooks, the
request signals, and the app as a WSGI application.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import threading
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.test import create_environ, run_wsgi_app

from flask_differential import MODULES, FlaskModule


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


# ------------------------------------------------------------------ contexts


def test_app_context(fl: FlaskModule) -> None:
    app = fl.Flask("my_app")
    assert not fl.has_app_context()
    with app.app_context():
        assert (fl.has_app_context(), fl.has_request_context()) == (True, False)
        assert fl.current_app.name == "my_app"
        fl.g.value = 1
        assert (fl.g.get("value"), fl.g.get("missing", "d"), "value" in fl.g) == (1, "d", True)
        assert fl.g.pop("value") == 1
        assert fl.g.setdefault("x", 2) == 2
        assert list(fl.g) == ["x"]
        with pytest.raises(RuntimeError) as error:
            _ = fl.request.path
    assert str(error.value).startswith("Working outside of request context.")
    with pytest.raises(RuntimeError) as app_error:
        _ = fl.current_app.name
    assert str(app_error.value).startswith("Working outside of application context.")


def test_g_is_per_app_context(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    with app.app_context():
        fl.g.a = 1
        with app.app_context():
            assert "a" not in fl.g
        assert fl.g.a == 1


def test_g_lives_for_the_request(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    seen: list[Any] = []

    @app.before_request
    def before() -> None:
        fl.g.user = "ann"

    @app.route("/")
    def index() -> str:
        return str(fl.g.user)

    @app.teardown_appcontext
    def teardown(error: BaseException | None) -> None:
        seen.append(fl.g.get("user"))

    client = app.test_client()
    assert [client.get("/").text, client.get("/").text] == ["ann", "ann"]
    assert seen == ["ann", "ann"]


def test_test_request_context(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/items/<int:n>", methods=["GET", "POST"])
    def item(n: int) -> str:
        return "item"

    with app.test_request_context(
        "/items/3?x=1", method="POST", data={"f": "v"}, headers={"X-H": "h"}
    ):
        assert fl.has_request_context()
        request = fl.request
        assert [
            request.method,
            request.path,
            request.args["x"],
            request.form["f"],
            request.headers["X-H"],
            request.endpoint,
            request.view_args,
            request.url,
        ] == ["POST", "/items/3", "1", "v", "h", "item", {"n": 3}, "http://localhost/items/3?x=1"]
    assert not fl.has_request_context()


def test_test_request_context_runs_teardown(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    log: list[str] = []
    app.teardown_request(lambda error: log.append(f"request {error!r}"))
    app.teardown_appcontext(lambda error: log.append(f"app {error!r}"))
    with app.test_request_context():
        pass
    with pytest.raises(ValueError), app.test_request_context():
        raise ValueError("inside")
    assert log == [
        "request None",
        "app None",
        "request ValueError('inside')",
        "app ValueError('inside')",
    ]


def test_with_client_preserves_the_last_request(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.secret_key = "differential"
    teardowns: list[str] = []
    app.teardown_request(lambda error: teardowns.append(fl.request.path))

    @app.route("/<name>")
    def index(name: str) -> str:
        fl.g.name = name
        fl.session["name"] = name
        return name

    client = app.test_client()
    with client:
        client.get("/first?x=1")
        assert (fl.request.path, fl.request.args["x"], fl.g.name, fl.session["name"]) == (
            "/first",
            "1",
            "first",
            "first",
        )
        client.get("/second")
        assert (fl.request.path, fl.g.name) == ("/second", "second")
        with pytest.raises(RuntimeError) as error, client:
            pass
        assert str(error.value) == "Cannot nest client invocations"
    assert not fl.has_request_context()
    client.get("/third")
    assert not fl.has_request_context()
    # A preserved context runs its teardown functions again when it is popped.
    assert teardowns == ["/first", "/first", "/second", "/second", "/third"]


def test_with_client_follow_redirects_keeps_the_final_request(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.add_url_rule("/start", "start", lambda: fl.redirect("/end"))
    app.add_url_rule("/end", "end", lambda: "end")
    client = app.test_client()
    with client:
        response = client.get("/start", follow_redirects=True)
        assert (response.text, fl.request.path) == ("end", "/end")


def test_copy_current_request_context(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.secret_key = "differential"
    seen: list[Any] = []

    @app.route("/")
    def index() -> str:
        fl.session["s"] = "v"

        @fl.copy_current_request_context
        def work() -> None:
            seen.append((fl.request.path, fl.request.args["q"], fl.session["s"]))

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        return "done"

    assert app.test_client().get("/?q=1").text == "done"
    assert seen == [("/", "1", "v")]
    with pytest.raises(RuntimeError) as error:
        fl.copy_current_request_context(lambda: None)
    assert str(error.value).startswith("'copy_current_request_context' can only be used when")


# ------------------------------------------------------------------ streaming


def test_stream_with_context_reads_the_request(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/")
    def index() -> Any:
        def generate() -> Iterator[str]:
            yield "Hello "
            yield fl.request.args["name"]
            yield "!"

        return fl.Response(fl.stream_with_context(generate()))

    @app.route("/decorated")
    def decorated() -> Any:
        @fl.stream_with_context
        def generate() -> Iterator[str]:
            yield fl.request.path

        return generate()

    client = app.test_client()
    assert client.get("/?name=Ann").text == "Hello Ann!"
    assert client.get("/decorated").text == "/decorated"


def test_generator_without_context_cannot_read_the_request(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.testing = True

    @app.route("/")
    def index() -> Any:
        def generate() -> Iterator[str]:
            yield "start"
            yield fl.request.path

        return generate()

    with pytest.raises(RuntimeError) as error:
        app.test_client().get("/").get_data()
    assert str(error.value).startswith("Working outside of request context.")


def test_stream_with_context_outside_request(fl: FlaskModule) -> None:
    with pytest.raises(RuntimeError) as error:
        fl.stream_with_context(iter(["x"]))
    assert str(error.value).startswith("'stream_with_context' can only be used when a request")


def test_stream_with_context_teardown(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    log: list[str] = []
    app.teardown_request(lambda error: log.append("teardown_request"))
    app.teardown_appcontext(lambda error: log.append("teardown_appcontext"))

    @app.route("/")
    def index() -> Any:
        def generate() -> Iterator[str]:
            log.append("body")
            yield "x"

        return fl.stream_with_context(generate())

    app.test_client().get("/").get_data()
    assert log == [
        "teardown_request",
        "teardown_appcontext",
        "body",
        "teardown_request",
        "teardown_appcontext",
    ]


# ------------------------------------------------------------------ async views and hooks


def test_async_view_and_hooks(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    log: list[str] = []

    @app.before_request
    async def before() -> None:
        await asyncio.sleep(0)
        log.append("before")

    @app.after_request
    async def after(response: Any) -> Any:
        log.append("after")
        return response

    @app.teardown_request
    async def teardown(error: BaseException | None) -> None:
        log.append("teardown")

    @app.errorhandler(ValueError)
    async def handle(error: ValueError) -> tuple[str, int]:
        return f"handled {error}", 400

    @app.post("/")
    async def index() -> str:
        await asyncio.sleep(0)
        return f"{fl.request.form['a']} {fl.request.args['q']}"

    @app.route("/fail")
    async def fail() -> str:
        raise ValueError("async")

    client = app.test_client()
    assert client.post("/?q=2", data={"a": "1"}).text == "1 2"
    failed = client.get("/fail")
    assert (failed.status_code, failed.text) == (400, "handled async")
    assert log == ["before", "after", "teardown"] * 2


def in_own_context(call: Callable[[], str]) -> str:
    """``call()`` (or its error) in a copy of the context, what it leaves behind collected there.

    A failing run may leave a half-run generator holding pushed contexts; collecting it here
    keeps the contexts it pops (or leaks) out of the tests that follow.
    """

    def run() -> str:
        try:
            result = call()
        except Exception as error:
            # Described, not raised: its traceback would keep the generator alive.
            result = f"raised {error!r}"
        gc.collect()
        return result

    return contextvars.copy_context().run(run)


def test_stream_with_context_in_async_view(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/")
    async def index() -> Any:
        def generate() -> Iterator[str]:
            yield fl.request.args["q"]

        return fl.stream_with_context(generate())

    assert in_own_context(lambda: app.test_client().get("/?q=streamed").text) == "streamed"


def test_stream_template_in_async_view(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/")
    async def index() -> Any:
        return fl.stream_template_string("{{ request.args.q }}")

    assert in_own_context(lambda: app.test_client().get("/?q=streamed").text) == "streamed"


# ------------------------------------------------------------------ signals


def test_appcontext_signals(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    log: list[str] = []

    def pushed(sender: Any, **extra: Any) -> None:
        log.append("pushed")

    def popped(sender: Any, **extra: Any) -> None:
        log.append("popped")

    def tearing(sender: Any, **extra: Any) -> None:
        log.append(f"tearing {extra}")

    def index() -> str:
        log.append("view")
        return "x"

    app.add_url_rule("/", "index", index)
    with (
        fl.appcontext_pushed.connected_to(pushed, app),
        fl.appcontext_popped.connected_to(popped, app),
        fl.appcontext_tearing_down.connected_to(tearing, app),
    ):
        app.test_client().get("/")
    assert log == ["pushed", "view", "tearing {'exc': None}", "popped"]


def test_request_signals(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    log: list[Any] = []

    def started(sender: Any, **extra: Any) -> None:
        log.append(("started", sender is app, sorted(extra), fl.request.path))

    def finished(sender: Any, response: Any, **extra: Any) -> None:
        log.append(("finished", response.status_code, response.get_data()))

    def tearing(sender: Any, exc: BaseException | None, **extra: Any) -> None:
        log.append(("tearing_down", exc))

    def exception(sender: Any, exception: Exception, **extra: Any) -> None:
        log.append(("exception", repr(exception)))

    app.add_url_rule("/", "index", lambda: "ok")
    app.add_url_rule("/boom", "boom", lambda: 1 / 0)
    with (
        fl.request_started.connected_to(started, app),
        fl.request_finished.connected_to(finished, app),
        fl.request_tearing_down.connected_to(tearing, app),
        fl.got_request_exception.connected_to(exception, app),
    ):
        client = app.test_client()
        client.get("/")
        client.get("/boom")
    assert log[:3] == [
        ("started", True, [], "/"),
        ("finished", 200, b"ok"),
        ("tearing_down", None),
    ]
    assert log[3] == ("started", True, [], "/boom")
    assert log[4] == ("exception", "ZeroDivisionError('division by zero')")
    assert log[5][:2] == ("finished", 500)
    assert log[6][0] == "tearing_down"
    assert repr(log[6][1]) == "ZeroDivisionError('division by zero')"


# ------------------------------------------------------------------ the WSGI application


def test_the_app_is_a_wsgi_app(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.add_url_rule("/", "index", lambda: "hi")
    body, status, headers = run_wsgi_app(app, create_environ("/"))
    assert (b"".join(body), status, list(headers)) == (
        b"hi",
        "200 OK",
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "2")],
    )


def test_wsgi_middleware_around_wsgi_app(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.add_url_rule(
        "/",
        "index",
        lambda: f"{fl.request.remote_addr} {fl.request.url} {fl.url_for('index', _external=True)}",
    )
    response = app.test_client().get(
        "/",
        headers={
            "X-Forwarded-For": "9.9.9.9",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "public.test",
        },
    )
    assert response.text == "9.9.9.9 https://public.test/ https://public.test/"
