"""``heron.flask.blueprints``: registration options, nesting, app-wide URL hooks.

Each test runs on Flask 3.1 and on ``heron.flask`` (see ``tests/flask_differential.py``):
subdomains given at registration and combined when blueprints nest, URL prefixes of a
parent or a child alone, rule defaults over the blueprint's URL defaults, a view given
by endpoint, the command group named at registration, and the app-wide URL hooks.
"""

from __future__ import annotations

from typing import Any, cast

import click
import pytest

from flask_differential import MODULES, FlaskModule, Scaffold


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


def where(fl: FlaskModule) -> dict[str, Any]:
    return {"endpoint": fl.request.endpoint, "url": fl.request.url}


def subdomain_app(fl: FlaskModule) -> Scaffold:
    app = fl.Flask("bp_app", subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    return app


# ------------------------------------------------------------------ subdomains


def test_a_subdomain_given_at_registration(fl: FlaskModule) -> None:
    app = subdomain_app(fl)
    bp = fl.Blueprint("api", __name__, subdomain="ignored")
    bp.add_url_rule("/ping", view_func=lambda: where(fl), endpoint="ping")
    app.register_blueprint(bp, subdomain="api")
    client = app.test_client()
    assert client.get("/ping", base_url="http://api.example.test/").json == {
        "endpoint": "api.ping",
        "url": "http://api.example.test/ping",
    }
    assert client.get("/ping", base_url="http://ignored.example.test/").status_code == 404
    with app.app_context():
        assert fl.url_for("api.ping") == "http://api.example.test/ping"


@pytest.mark.parametrize(
    ("parent_subdomain", "child_subdomain", "host"),
    [
        ("eu", "api", "api.eu.example.test"),
        ("eu", None, "eu.example.test"),
        (None, "api", "api.example.test"),
    ],
)
def test_nested_subdomains_combine(
    fl: FlaskModule, parent_subdomain: str | None, child_subdomain: str | None, host: str
) -> None:
    app = subdomain_app(fl)
    parent = fl.Blueprint("parent", __name__, subdomain=parent_subdomain)
    child = fl.Blueprint("child", __name__, subdomain=child_subdomain)
    child.add_url_rule("/leaf", view_func=lambda: where(fl), endpoint="leaf")
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    response = app.test_client().get("/leaf", base_url=f"http://{host}/")
    assert response.json == {"endpoint": "parent.child.leaf", "url": f"http://{host}/leaf"}


def test_a_child_subdomain_given_when_nesting(fl: FlaskModule) -> None:
    app = subdomain_app(fl)
    parent = fl.Blueprint("parent", __name__, subdomain="eu")
    child = fl.Blueprint("child", __name__)
    child.add_url_rule("/leaf", view_func=lambda: where(fl), endpoint="leaf")
    parent.register_blueprint(child, subdomain="shop")
    app.register_blueprint(parent)
    response = app.test_client().get("/leaf", base_url="http://shop.eu.example.test/")
    assert response.json["endpoint"] == "parent.child.leaf"


# ------------------------------------------------------------------ URL prefixes


@pytest.mark.parametrize(
    ("parent_prefix", "child_prefix", "child_option", "path"),
    [
        (None, "/child", None, "/child/leaf"),
        ("/parent", None, None, "/parent/leaf"),
        (None, None, None, "/leaf"),
        (None, "/ignored", "/given", "/given/leaf"),
        ("/parent/", "/ignored", "/given/", "/parent/given/leaf"),
    ],
)
def test_nested_url_prefixes(
    fl: FlaskModule,
    parent_prefix: str | None,
    child_prefix: str | None,
    child_option: str | None,
    path: str,
) -> None:
    app = fl.Flask("bp_app")
    parent = fl.Blueprint("parent", __name__, url_prefix=parent_prefix)
    child = fl.Blueprint("child", __name__, url_prefix=child_prefix)
    child.add_url_rule("/leaf", view_func=lambda: where(fl), endpoint="leaf")
    if child_option is None:
        parent.register_blueprint(child)
    else:
        parent.register_blueprint(child, url_prefix=child_option)
    app.register_blueprint(parent)
    response = app.test_client().get(path)
    assert response.json == {"endpoint": "parent.child.leaf", "url": f"http://localhost{path}"}


def test_an_empty_rule_is_the_prefix_itself(fl: FlaskModule) -> None:
    app = fl.Flask("bp_app")
    bp = fl.Blueprint("bp", __name__, url_prefix="/bp")
    bp.add_url_rule("", view_func=lambda: where(fl), endpoint="root")
    app.register_blueprint(bp)
    assert app.test_client().get("/bp").json["endpoint"] == "bp.root"


# ------------------------------------------------------------------ rules and views


def test_rule_defaults_join_the_blueprints_url_defaults(fl: FlaskModule) -> None:
    app = fl.Flask("bp_app")
    bp = fl.Blueprint("docs", __name__, url_defaults={"lang": "en"})

    @bp.route("/docs", defaults={"page": 1})
    @bp.route("/docs/<int:page>")
    def docs(lang: str, page: int) -> dict[str, Any]:
        return {"lang": lang, "page": page}

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="fr", url_prefix="/fr", url_defaults={"lang": "fr"})
    client = app.test_client()
    assert client.get("/docs").json == {"lang": "en", "page": 1}
    assert client.get("/docs/3").json == {"lang": "en", "page": 3}
    assert client.get("/fr/docs").json == {"lang": "fr", "page": 1}


def test_a_view_given_to_an_endpoint_of_the_blueprint(fl: FlaskModule) -> None:
    app = fl.Flask("bp_app")
    bp = fl.Blueprint("legacy", __name__)

    @bp.endpoint("old_home")
    def old_home() -> str:
        return "old home"

    app.register_blueprint(bp)
    # The blueprint's endpoint() view is the app's view for that endpoint name, as it is.
    app.add_url_rule("/old", endpoint="old_home")
    assert app.test_client().get("/old").text == "old home"


def test_a_view_whose_name_has_a_dot(fl: FlaskModule) -> None:
    bp = fl.Blueprint("bp", __name__)

    def view() -> str:
        return "x"  # pragma: no cover - never registered

    view.__name__ = "a.b"
    with pytest.raises(ValueError) as error:
        bp.add_url_rule("/x", view_func=view)
    assert str(error.value) == "'view_func' name may not contain a dot '.' character."


# ------------------------------------------------------------------ commands


def test_a_command_group_named_at_registration(fl: FlaskModule) -> None:
    app = fl.Flask("bp_app")
    bp = fl.Blueprint("tools", __name__, cli_group="maintenance")

    @bp.cli.command("clean")
    def clean() -> None:
        click.echo(f"clean in {fl.current_app.name}")

    app.register_blueprint(bp)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["maintenance", "clean"]).output == "clean in bp_app\n"
    assert runner.invoke(args=["tools", "clean"]).exit_code == 2


def test_a_command_group_given_at_registration(fl: FlaskModule) -> None:
    app = fl.Flask("bp_app")
    bp = fl.Blueprint("tools", __name__)

    @bp.cli.command("clean")
    def clean() -> None:
        click.echo("cleaned")

    app.register_blueprint(bp, cli_group="ops")
    assert app.test_cli_runner().invoke(args=["ops", "clean"]).output == "cleaned\n"


def test_a_blueprint_without_commands_adds_no_group(fl: FlaskModule) -> None:
    app = fl.Flask("bp_app")
    bp = fl.Blueprint("quiet", __name__)
    assert len(bp.cli.commands) == 0
    app.register_blueprint(bp)
    assert "quiet" not in app.cli.commands


# ------------------------------------------------------------------ app-wide URL hooks


def test_app_url_value_preprocessor_and_app_url_defaults(fl: FlaskModule) -> None:
    app = fl.Flask("bp_app")
    bp = fl.Blueprint("i18n", __name__)
    seen: list[Any] = []

    def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
        seen.append(endpoint)
        if values is not None:
            fl.g.lang = values.pop("lang", None)

    def add_lang(endpoint: str, values: dict[str, Any]) -> None:
        if "lang" in values or not fl.g.get("lang"):
            return
        if app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = fl.g.lang

    bp.app_url_value_preprocessor(pull_lang)
    bp.app_url_defaults(add_lang)

    @app.route("/<lang>/about")
    def about() -> dict[str, Any]:
        return {"lang": fl.g.lang, "self": fl.url_for("about")}

    app.register_blueprint(bp)
    response = app.test_client().get("/de/about")
    # The app's own requests go through the blueprint's app-wide hooks.
    assert response.json == {"lang": "de", "self": "/de/about"}
    assert seen == ["about"]
