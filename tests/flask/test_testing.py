"""``heron.flask.testing``: the test client, ``session_transaction``, the environ builder.

Each test runs on Flask 3.1 and on ``heron.flask`` (see ``tests/flask_differential.py``):
the ways a request reaches ``client.open`` (arguments, an ``EnvironBuilder``, a WSGI
environ, a ``Request``), the errors of ``session_transaction``, and the builder's URL
defaults.
"""

from __future__ import annotations

from typing import Any, cast

import click
import pytest
from werkzeug.test import create_environ
from werkzeug.wrappers import Request as WerkzeugRequest

from flask_differential import MODULES, FlaskModule, Scaffold, submodule


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


def echo_app(fl: FlaskModule) -> Scaffold:
    """An app answering with what it received: method, path, query, form, client."""
    app = fl.Flask("testing_app")
    app.secret_key = "testing"

    @app.route("/echo", methods=["GET", "POST"])
    def echo() -> Any:
        return {
            "method": fl.request.method,
            "path": fl.request.path,
            "args": fl.request.args.to_dict(),
            "form": fl.request.form.to_dict(),
            "remote": fl.request.remote_addr,
            "agent": fl.request.user_agent.string.partition("/")[0],
            "url": fl.request.url,
        }

    return app


# ------------------------------------------------------------------ client.open


def test_open_with_an_environ_builder(fl: FlaskModule) -> None:
    app = echo_app(fl)
    testing = submodule(fl, "testing")
    builder = testing.EnvironBuilder(app, "/echo?q=1", method="POST", data={"f": "v"})
    response = app.test_client().open(builder)
    assert response.json == {
        "method": "POST",
        "path": "/echo",
        "args": {"q": "1"},
        "form": {"f": "v"},
        # The client's environ_base is added to the builder's.
        "remote": "127.0.0.1",
        "agent": "Werkzeug",
        "url": "http://localhost/echo?q=1",
    }
    # The builder is copied, not changed: it can be sent again.
    assert app.test_client().open(builder).json["form"] == {"f": "v"}


def test_open_with_a_wsgi_environ(fl: FlaskModule) -> None:
    app = echo_app(fl)
    environ = create_environ("/echo?a=b", "http://example.com/", method="PUT")
    response = app.test_client().open(environ)
    assert response.status_code == 405
    environ = create_environ("/echo?a=b", "http://example.com/")
    response = app.test_client().open(environ)
    assert response.json == {
        "method": "GET",
        "path": "/echo",
        "args": {"a": "b"},
        "form": {},
        "remote": "127.0.0.1",
        "agent": "Werkzeug",
        "url": "http://example.com/echo?a=b",
    }


def test_open_with_a_request(fl: FlaskModule) -> None:
    app = echo_app(fl)
    request = WerkzeugRequest(
        create_environ("/echo", method="POST", data={"k": "v"}, environ_base={"X": "1"})
    )
    response = app.test_client().open(request)
    assert response.json["form"] == {"k": "v"}
    assert response.json["remote"] == "127.0.0.1"


def test_open_with_builder_arguments_and_a_full_url(fl: FlaskModule) -> None:
    app = echo_app(fl)
    response = app.test_client().get("https://api.example.org/echo?x=1")
    assert response.json["url"] == "https://api.example.org/echo?x=1"


# ------------------------------------------------------------------ session_transaction


def test_session_transaction_needs_cookies(fl: FlaskModule) -> None:
    client = echo_app(fl).test_client(use_cookies=False)
    with pytest.raises(TypeError) as error, client.session_transaction():
        pass  # pragma: no cover - the transaction does not start
    assert str(error.value) == "Cookies are disabled. Create a client with 'use_cookies=True'."


def test_session_transaction_when_no_session_opens(fl: FlaskModule) -> None:
    app = echo_app(fl)
    sessions = submodule(fl, "sessions")

    class NoSession(sessions.SecureCookieSessionInterface):  # type: ignore[misc, name-defined]
        def open_session(self, app: Any, request: Any) -> None:
            return None

    app.session_interface = NoSession()
    with pytest.raises(RuntimeError) as error, app.test_client().session_transaction():
        pass  # pragma: no cover - the transaction does not start
    assert str(error.value) == "Session backend did not open a session."


def test_session_transaction_with_a_null_session_saves_nothing(fl: FlaskModule) -> None:
    app = echo_app(fl)
    sessions = submodule(fl, "sessions")

    class NullSessions(sessions.SecureCookieSessionInterface):  # type: ignore[misc, name-defined]
        def open_session(self, app: Any, request: Any) -> Any:
            return self.make_null_session(app)

    app.session_interface = NullSessions()
    client = app.test_client()
    with client.session_transaction() as session:
        # The null session: readable, not writable.
        assert dict(session) == {}
        with pytest.raises(RuntimeError) as error:
            session["user"] = "ann"
    assert str(error.value).startswith("The session is unavailable because no secret key")
    assert client.get_cookie("session") is None


def test_session_transaction_round_trips(fl: FlaskModule) -> None:
    app = echo_app(fl)

    @app.route("/who")
    def who() -> str:
        return str(fl.session.get("user"))

    client = app.test_client()
    with client.session_transaction("/who", base_url="http://example.com/") as session:
        session["user"] = "ann"
    cookie = client.get_cookie("session", domain="example.com")
    assert cookie is not None
    assert client.get("/who", base_url="http://example.com/").text == "ann"
    with client.session_transaction("/who", base_url="http://example.com/") as session:
        assert session["user"] == "ann"


# ------------------------------------------------------------------ the environ builder


def test_builder_url_scheme_and_subdomain(fl: FlaskModule) -> None:
    app = echo_app(fl)
    app.config["SERVER_NAME"] = "example.com"
    app.config["APPLICATION_ROOT"] = "/root"
    with app.test_request_context("/echo?x=1", subdomain="api", url_scheme="https"):
        assert fl.request.url == "https://api.example.com/root/echo?x=1"
        assert (fl.request.script_root, fl.request.path) == ("/root", "/echo")
    with app.test_request_context("/echo"):
        assert fl.request.url == "http://example.com/root/echo"
    app.config["PREFERRED_URL_SCHEME"] = "https"
    with app.test_request_context("/echo"):
        assert fl.request.scheme == "https"


def test_builder_refuses_base_url_with_a_subdomain(fl: FlaskModule) -> None:
    app = echo_app(fl)
    with pytest.raises(AssertionError) as error:
        app.test_request_context("/", base_url="http://x.test/", subdomain="api")
    assert str(error.value) == 'Cannot pass "subdomain" or "url_scheme" with "base_url".'
    with pytest.raises(AssertionError):
        app.test_request_context("/", base_url="http://x.test/", url_scheme="https")


def test_builder_json_uses_the_apps_provider(fl: FlaskModule) -> None:
    app = echo_app(fl)
    app.json.sort_keys = False
    testing = submodule(fl, "testing")
    builder = testing.EnvironBuilder(app, "/", json={"b": 1, "a": 2})
    try:
        assert builder.get_request().get_data(as_text=True) == '{"b": 1, "a": 2}'
    finally:
        builder.close()


# ------------------------------------------------------------------ the CLI runner


def test_cli_runner_keeps_a_given_obj(fl: FlaskModule) -> None:
    app = echo_app(fl)

    @click.command()
    @click.pass_obj
    def show(obj: Any) -> None:
        click.echo(repr(obj))

    runner = app.test_cli_runner()
    assert runner.invoke(show, obj={"mine": 1}).output == "{'mine': 1}\n"
    # Without one, the obj is a ScriptInfo that loads this app.
    default = runner.invoke(show).output
    assert default.startswith(f"<{fl.__name__}.cli.ScriptInfo object at 0x")
