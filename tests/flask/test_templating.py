"""``heron.flask.templating``: the app's loader, its blueprints' folders, streaming.

Each test runs on Flask 3.1 and on ``heron.flask`` (see ``tests/flask_differential.py``):
which folder a template comes from (the app's first, then each blueprint's), the list of
every template, a loader given in ``jinja_options``, ``stream_template`` without a
request, and what ``EXPLAIN_TEMPLATE_LOADING`` logs.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, cast

import pytest
from jinja2 import ChoiceLoader, DictLoader, TemplateNotFound

from flask_differential import MODULES, FlaskModule, Scaffold


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


@pytest.fixture
def folders(tmp_path: Path) -> Path:
    """``app/`` (templates: page, shared) and ``admin/`` (templates: admin, shared)."""
    for name, files in {
        "app": {"page.html": "app page", "shared.html": "app's shared"},
        "admin": {"admin/index.html": "admin {{ who }}", "shared.html": "admin's shared"},
    }.items():
        for path, text in files.items():
            target = tmp_path / name / "templates" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    return tmp_path


def app_with_blueprints(fl: FlaskModule, root: Path, app_templates: bool = True) -> Scaffold:
    app = fl.Flask(
        "templating_app",
        root_path=str(root / "app"),
        template_folder="templates" if app_templates else None,
    )
    admin = fl.Blueprint(
        "admin", "templating_admin", root_path=str(root / "admin"), template_folder="templates"
    )
    # A blueprint without a template folder is skipped.
    plain = fl.Blueprint("plain", "templating_plain", root_path=str(root))

    @admin.route("/bp/<path:name>")
    def show(name: str) -> str:
        return cast(str, fl.render_template(name, who="root"))

    app.register_blueprint(admin)
    app.register_blueprint(plain)

    @app.route("/<path:name>")
    def page(name: str) -> str:
        return cast(str, fl.render_template(name, who="app"))

    return app


def test_a_template_only_a_blueprint_has_is_found(fl: FlaskModule, folders: Path) -> None:
    client = app_with_blueprints(fl, folders).test_client()
    assert client.get("/admin/index.html").text == "admin app"
    assert client.get("/bp/admin/index.html").text == "admin root"


def test_the_apps_folder_wins_over_a_blueprints(fl: FlaskModule, folders: Path) -> None:
    client = app_with_blueprints(fl, folders).test_client()
    # Even from the blueprint's own view.
    assert client.get("/bp/shared.html").text == "app's shared"


def test_without_an_app_folder_blueprints_are_searched(fl: FlaskModule, folders: Path) -> None:
    app = app_with_blueprints(fl, folders, app_templates=False)
    client = app.test_client()
    assert client.get("/shared.html").text == "admin's shared"
    assert client.get("/page.html").status_code == 500
    with app.app_context(), pytest.raises(TemplateNotFound) as error:
        fl.render_template("page.html")
    assert str(error.value) == "page.html"


def test_list_templates_of_every_folder(fl: FlaskModule, folders: Path) -> None:
    app = app_with_blueprints(fl, folders)
    assert sorted(app.jinja_env.list_templates()) == [
        "admin/index.html",
        "page.html",
        "shared.html",
    ]
    without_app_folder = app_with_blueprints(fl, folders, app_templates=False)
    assert sorted(without_app_folder.jinja_env.list_templates()) == [
        "admin/index.html",
        "shared.html",
    ]


def test_a_loader_in_jinja_options_replaces_the_folders(fl: FlaskModule, folders: Path) -> None:
    class DictApp(fl.Flask):  # type: ignore[misc, name-defined]
        jinja_options = {"loader": DictLoader({"page.html": "from the dict"})}

    app: Any = DictApp("templating_app", root_path=str(folders / "app"))
    with app.app_context():
        assert fl.render_template("page.html") == "from the dict"
        assert app.jinja_env.list_templates() == ["page.html"]


def test_stream_template_outside_a_request(fl: FlaskModule) -> None:
    app = fl.Flask("templating_app")
    with app.app_context():
        fl.g.who = "g"
        stream = fl.stream_template_string(
            "{% for i in items %}{{ i }}{% endfor %}|{{ g.who }}", items=[1, 2, 3]
        )
        chunks = list(stream)
        # Outside a request, the body cannot read request: there is none to keep.
        assert "".join(chunks) == "123|g"
        assert not fl.has_request_context()


# ------------------------------------------------------------------ EXPLAIN_TEMPLATE_LOADING


def explained(
    fl: FlaskModule, folders: Path, caplog: pytest.LogCaptureFixture, path: str
) -> tuple[int, list[str]]:
    """The status of ``GET path`` and the lines logged about template loading."""
    app = app_with_blueprints(fl, folders)
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with caplog.at_level(logging.INFO, logger="templating_app"):
        status = app.test_client().get(path).status_code
    messages = [r.getMessage() for r in caplog.records if r.name == "templating_app"]
    explanation = [m for m in messages if m.startswith("Locating template")]
    assert len(explanation) == 1
    return status, explanation[0].replace(str(folders), "<root>").splitlines()


def loader_lines(owner: str, folder: str, result: str) -> list[str]:
    return [
        f"    {owner}",
        "       class: jinja2.loaders.FileSystemLoader",
        "       encoding: 'utf-8'",
        "       followlinks: False",
        "       searchpath:",
        f"         - <root>/{folder}/templates",
        f"       -> {result}",
    ]


def test_explain_a_template_found_once(
    fl: FlaskModule, folders: Path, caplog: pytest.LogCaptureFixture
) -> None:
    status, lines = explained(fl, folders, caplog, "/page.html")
    assert status == 200
    assert lines == [
        "Locating template 'page.html':",
        *loader_lines(
            "1: trying loader of application 'templating_app'",
            "app",
            "found ('<root>/app/templates/page.html')",
        ),
        *loader_lines(
            "2: trying loader of blueprint 'admin' (templating_admin)", "admin", "no match"
        ),
    ]


def test_explain_a_template_found_twice_from_a_blueprint(
    fl: FlaskModule, folders: Path, caplog: pytest.LogCaptureFixture
) -> None:
    status, lines = explained(fl, folders, caplog, "/bp/shared.html")
    assert status == 200
    assert lines == [
        "Locating template 'shared.html':",
        *loader_lines(
            "1: trying loader of application 'templating_app'",
            "app",
            "found ('<root>/app/templates/shared.html')",
        ),
        *loader_lines(
            "2: trying loader of blueprint 'admin' (templating_admin)",
            "admin",
            "found ('<root>/admin/templates/shared.html')",
        ),
        "Warning: multiple loaders returned a match for the template.",
        "  The template was looked up from an endpoint that belongs to the blueprint 'admin'.",
        "  Maybe you did not place a template in the right folder?",
        "  See https://flask.palletsprojects.com/blueprints/#templates",
    ]


def test_explain_a_template_found_nowhere(
    fl: FlaskModule, folders: Path, caplog: pytest.LogCaptureFixture
) -> None:
    status, lines = explained(fl, folders, caplog, "/missing.html")
    assert status == 500
    assert lines == [
        "Locating template 'missing.html':",
        *loader_lines("1: trying loader of application 'templating_app'", "app", "no match"),
        *loader_lines(
            "2: trying loader of blueprint 'admin' (templating_admin)", "admin", "no match"
        ),
        "Error: the template could not be found.",
    ]


def test_explain_a_template_found_twice_outside_a_blueprint(
    fl: FlaskModule, folders: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, lines = explained(fl, folders, caplog, "/shared.html")
    # From the app's own view: the warning, no blueprint hint.
    assert lines[-1] == "Warning: multiple loaders returned a match for the template."


def test_explain_describes_other_loaders_by_class(
    fl: FlaskModule, caplog: pytest.LogCaptureFixture
) -> None:
    app = fl.Flask("templating_app", template_folder=None)
    # Settings that are neither text nor a list of text are left out of the description.
    app.jinja_loader = ChoiceLoader([DictLoader({"page.html": "p"})])
    app.jinja_loader.label = "main"
    app.jinja_loader.weights = [1, 2]
    app.jinja_loader.options = {"a": "b"}
    app.jinja_loader._private = "hidden"
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with caplog.at_level(logging.INFO, logger="templating_app"), app.app_context():
        assert fl.render_template("page.html") == "p"
    assert caplog.records[-1].getMessage().splitlines() == [
        "Locating template 'page.html':",
        "    1: trying loader of application 'templating_app'",
        "       class: jinja2.loaders.ChoiceLoader",
        "       label: 'main'",
        "       -> found ('<string>')",
    ]
