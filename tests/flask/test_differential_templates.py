"""Differential tests (see ``tests/flask_differential.py``): templates.

``render_template`` from a template folder, ``render_template_string``, autoescaping, the
globals every template sees, context processors, filters, tests and globals,
``stream_template``, ``tojson`` and the ``template_rendered`` signal.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, cast

import pytest
from jinja2 import TemplateNotFound

from flask_differential import MODULES, FlaskModule, Scaffold


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "page.html").write_text("<p>{{ text }}</p>")
    (folder / "page.txt").write_text("{{ text }}")
    (folder / "base.html").write_text("<title>{% block title %}{% endblock %}</title>")
    (folder / "child.html").write_text(
        '{% extends "base.html" %}{% block title %}{{ title }}{% endblock %}'
    )
    (folder / "globals.html").write_text(
        "{{ config.SITE }}|{{ request.path }}|{{ session.get('u') }}|{{ g.who }}"
        "|{{ url_for('show', name='x') }}"
    )
    (folder / "macros.html").write_text("{% macro hello(name) %}Hello {{ name }}!{% endmacro %}")
    (folder / "stream.html").write_text(
        "{% for i in items %}[{{ i }}|{{ request.args.q }}]{% endfor %}"
    )
    return folder


def template_app(fl: FlaskModule, folder: Path) -> Scaffold:
    app = fl.Flask(__name__, template_folder=str(folder))
    app.secret_key = "differential"
    app.config["SITE"] = "Site"

    @app.route("/show/<name>")
    def show(name: str) -> str:
        return cast(str, fl.render_template(name, text="<b>&</b>", title="<T>"))

    return app


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("page.html", "<p>&lt;b&gt;&amp;&lt;/b&gt;</p>"),
        ("page.txt", "<b>&</b>"),
        ("child.html", "<title>&lt;T&gt;</title>"),
    ],
)
def test_render_template_and_autoescape(
    fl: FlaskModule, templates: Path, name: str, body: str
) -> None:
    response = template_app(fl, templates).test_client().get(f"/show/{name}")
    assert (response.status_code, response.text, response.mimetype) == (200, body, "text/html")


def test_template_globals(fl: FlaskModule, templates: Path) -> None:
    app = template_app(fl, templates)

    @app.route("/globals")
    def page() -> str:
        fl.session["u"] = "ann"
        fl.g.who = "gee"
        return cast(str, fl.render_template("globals.html"))

    assert app.test_client().get("/globals").text == "Site|/globals|ann|gee|/show/x"


def test_template_list_and_not_found(fl: FlaskModule, templates: Path) -> None:
    app = template_app(fl, templates)
    with app.app_context():
        assert fl.render_template(["missing.html", "page.txt"], text="t") == "t"
        with pytest.raises(TemplateNotFound) as error:
            fl.render_template("missing.html")
    assert str(error.value) == "missing.html"


def test_render_template_string_autoescapes(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    with app.app_context():
        assert fl.render_template_string("{{ v }}|{{ v|safe }}", v="<i>") == "&lt;i&gt;|<i>"


def test_template_filter_test_global(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.template_filter()
    def reverse(value: str) -> str:
        return value[::-1]

    @app.template_filter("double")
    def twice(value: int) -> int:
        return value * 2

    @app.template_test("big")
    def is_big(value: int) -> bool:
        return value > 10

    @app.template_global()
    def site_name() -> str:
        return "Heron"

    app.add_template_global(lambda: "added", "added")
    with app.app_context():
        rendered = fl.render_template_string(
            "{{ 'abc'|reverse }} {{ 4|double }} {{ 11 is big }} {{ site_name() }} {{ added() }}"
        )
    assert rendered == "cba 8 True Heron added"


def test_context_processor_order_and_explicit_values(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.context_processor(lambda: {"a": "first", "b": "first"})
    app.context_processor(lambda: {"b": "second"})
    with app.test_request_context():
        assert fl.render_template_string("{{ a }} {{ b }} {{ c }}", c="explicit") == (
            "first second explicit"
        )
        assert fl.render_template_string("{{ a }}", a="wins") == "wins"


def test_template_rendered_signal(fl: FlaskModule, templates: Path) -> None:
    app = template_app(fl, templates)
    rendered: list[tuple[str | None, list[str]]] = []
    before: list[str | None] = []

    def on_rendered(sender: Any, template: Any, context: dict[str, Any], **extra: Any) -> None:
        rendered.append((template.name, sorted(context)))

    def on_before(sender: Any, template: Any, context: dict[str, Any], **extra: Any) -> None:
        before.append(template.name)

    with (
        fl.template_rendered.connected_to(on_rendered, app),
        fl.before_render_template.connected_to(on_before, app),
    ):
        app.test_client().get("/show/page.html")
    assert before == ["page.html"]
    assert rendered == [("page.html", ["g", "request", "text", "title"])]


def test_stream_template(fl: FlaskModule, templates: Path) -> None:
    app = template_app(fl, templates)

    @app.route("/stream")
    def stream() -> Any:
        return fl.stream_template("stream.html", items=[1, 2])

    @app.route("/stream-string")
    def stream_string() -> Any:
        return fl.stream_template_string(
            "{{ request.args.q }}{% for i in 'ab' %}{{ i }}{% endfor %}"
        )

    client = app.test_client()
    response = client.get("/stream?q=z")
    assert (response.text, response.headers.get("Content-Length")) == ("[1|z][2|z]", None)
    assert client.get("/stream-string?q=y").text == "yab"


def test_get_template_attribute(fl: FlaskModule, templates: Path) -> None:
    app = template_app(fl, templates)
    with app.app_context():
        hello = fl.get_template_attribute("macros.html", "hello")
        assert hello("World") == "Hello World!"


def test_tojson_filter(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    with app.app_context():
        rendered = fl.render_template_string(
            "{{ d|tojson }}|{{ [1]|tojson(indent=1) }}", d={"b": "</script>", "a": "'&"}
        )
    assert rendered == ('{"a": "\\u0027\\u0026", "b": "\\u003c/script\\u003e"}|[\n 1\n]')


def test_jinja_env_options(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    assert (app.jinja_env.autoescape("x.html"), app.jinja_env.autoescape("x.txt")) == (True, False)
    assert app.jinja_env.auto_reload is False
    debug_app = fl.Flask(__name__)
    debug_app.debug = True
    assert debug_app.jinja_env.auto_reload is True
    assert sorted(
        k for k in app.jinja_env.globals if k in {"url_for", "config", "g", "request"}
    ) == [
        "config",
        "g",
        "request",
        "url_for",
    ]


def test_explain_template_loading(
    fl: FlaskModule, templates: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = fl.Flask("heron_explain_templates", template_folder=str(templates))
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with caplog.at_level(logging.INFO, logger="heron_explain_templates"), app.app_context():
        fl.render_template("page.txt", text="t")
    assert [r.getMessage().splitlines()[0] for r in caplog.records] == [
        "Locating template 'page.txt':"
    ]
