"""Differential tests (see ``tests/flask_differential.py``): blueprints.

Prefixes, nesting, a blueprint's hooks, handlers, folders and commands, app-wide hooks,
double registration and ``record``/``record_once``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from flask_differential import MODULES, FlaskModule, Scaffold, submodule


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


def describe(fl: FlaskModule) -> dict[str, Any]:
    """What a view sees of its place: endpoint, blueprint(s) and the relative URL."""
    return {
        "endpoint": fl.request.endpoint,
        "blueprint": fl.request.blueprint,
        "blueprints": fl.request.blueprints,
        "url": fl.url_for(f".{fl.request.endpoint.rpartition('.')[2]}"),
    }


@pytest.mark.parametrize(
    ("bp_prefix", "register_prefix", "rule", "path"),
    [
        (None, None, "/x", "/x"),
        ("/bp", None, "/x", "/bp/x"),
        ("/bp/", None, "/x", "/bp/x"),
        ("/bp", None, "", "/bp"),
        ("/bp", None, "/", "/bp/"),
        ("/bp", "/override", "/x", "/override/x"),
        (None, "/reg", "/x", "/reg/x"),
    ],
)
def test_url_prefix(
    fl: FlaskModule, bp_prefix: str | None, register_prefix: str | None, rule: str, path: str
) -> None:
    app = fl.Flask(__name__)
    bp = fl.Blueprint("bp", __name__, url_prefix=bp_prefix)

    @bp.route(rule)
    def view() -> dict[str, Any]:
        return describe(fl)

    options = {} if register_prefix is None else {"url_prefix": register_prefix}
    app.register_blueprint(bp, **options)
    assert app.test_client().get(path).json == {
        "blueprint": "bp",
        "blueprints": ["bp"],
        "endpoint": "bp.view",
        "url": path,
    }


def test_nested_blueprints(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    parent = fl.Blueprint("parent", __name__, url_prefix="/parent")
    child = fl.Blueprint("child", __name__, url_prefix="/child")
    grandchild = fl.Blueprint("grandchild", __name__)

    @grandchild.route("/leaf")
    def leaf() -> dict[str, Any]:
        return {**describe(fl), "sibling": fl.url_for(".leaf2"), "up": fl.url_for("parent.top")}

    @grandchild.route("/leaf2")
    def leaf2() -> str:
        return "leaf2"

    @parent.route("/")
    def top() -> dict[str, Any]:
        return describe(fl)

    child.register_blueprint(grandchild, url_prefix="/gc")
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    client = app.test_client()
    assert client.get("/parent/child/gc/leaf").json == {
        "blueprint": "parent.child.grandchild",
        "blueprints": ["parent.child.grandchild", "parent.child", "parent"],
        "endpoint": "parent.child.grandchild.leaf",
        "sibling": "/parent/child/gc/leaf2",
        "up": "/parent/",
        "url": "/parent/child/gc/leaf",
    }
    assert client.get("/parent/").json["blueprints"] == ["parent"]
    assert sorted(app.blueprints) == ["parent", "parent.child", "parent.child.grandchild"]


def test_nested_blueprint_hooks_order(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    parent = fl.Blueprint("parent", __name__)
    child = fl.Blueprint("child", __name__)
    log: list[str] = []

    def hooks(scaffold: Scaffold, name: str) -> None:
        @scaffold.url_value_preprocessor
        def preprocess(endpoint: str | None, values: dict[str, Any] | None) -> None:
            log.append(f"{name} preprocess")

        @scaffold.before_request
        def before() -> None:
            log.append(f"{name} before")

        @scaffold.after_request
        def after(response: Any) -> Any:
            log.append(f"{name} after")
            return response

        @scaffold.teardown_request
        def teardown(error: BaseException | None) -> None:
            log.append(f"{name} teardown")

    hooks(app, "app")
    hooks(parent, "parent")
    hooks(child, "child")

    @child.route("/c")
    def c() -> str:
        log.append("view")
        return "c"

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    app.test_client().get("/c")
    assert log == [
        "app preprocess",
        "parent preprocess",
        "child preprocess",
        "app before",
        "parent before",
        "child before",
        "view",
        "child after",
        "parent after",
        "app after",
        "child teardown",
        "parent teardown",
        "app teardown",
    ]


def test_blueprint_hooks_only_for_its_requests(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    bp = fl.Blueprint("bp", __name__)
    log: list[str] = []

    @bp.before_request
    def bp_only() -> None:
        log.append(f"bp before {fl.request.path}")

    @bp.before_app_request
    def everywhere() -> None:
        log.append(f"app-wide before {fl.request.path}")

    @bp.after_app_request
    def after_everywhere(response: Any) -> Any:
        log.append(f"app-wide after {fl.request.path}")
        return response

    @bp.teardown_app_request
    def teardown_everywhere(error: BaseException | None) -> None:
        log.append(f"app-wide teardown {fl.request.path}")

    @bp.route("/in")
    def inside() -> str:
        return "in"

    @app.route("/out")
    def outside() -> str:
        return "out"

    app.register_blueprint(bp)
    client = app.test_client()
    client.get("/in")
    client.get("/out")
    assert log == [
        "app-wide before /in",
        "bp before /in",
        "app-wide after /in",
        "app-wide teardown /in",
        "app-wide before /out",
        "app-wide after /out",
        "app-wide teardown /out",
    ]


def test_blueprint_error_handlers(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    bp = fl.Blueprint("bp", __name__, url_prefix="/bp")

    @bp.errorhandler(404)
    def bp_404(error: Exception) -> tuple[str, int]:
        return "bp 404", 404

    @bp.errorhandler(ValueError)
    def bp_value(error: Exception) -> tuple[str, int]:
        return "bp value", 400

    @bp.app_errorhandler(KeyError)
    def app_key(error: Exception) -> tuple[str, int]:
        return "app-wide key", 400

    @bp.route("/abort")
    def bp_abort() -> str:
        fl.abort(404)

    @bp.route("/value")
    def bp_value_view() -> str:
        raise ValueError

    @app.route("/value")
    def app_value_view() -> str:
        raise ValueError

    @app.route("/key")
    def app_key_view() -> str:
        raise KeyError

    app.register_blueprint(bp)
    client = app.test_client()
    results = {
        path: (r.status_code, "" if r.text.startswith("<!doctype html>") else r.text)
        for path in ("/bp/abort", "/bp/missing", "/missing", "/bp/value", "/value", "/key")
        for r in [client.get(path)]
    }
    assert results == {
        "/bp/abort": (404, "bp 404"),
        # A 404 from routing matched no blueprint: the app's (default) handling.
        "/bp/missing": (404, ""),
        "/missing": (404, ""),
        "/bp/value": (400, "bp value"),
        "/value": (500, ""),
        "/key": (400, "app-wide key"),
    }


def test_app_handler_for_blueprint_error_and_blueprint_precedence(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    bp = fl.Blueprint("bp", __name__)
    app.register_error_handler(LookupError, lambda e: ("app lookup", 400))
    bp.register_error_handler(Exception, lambda e: ("bp exception", 400))

    @bp.route("/bp")
    def view() -> str:
        raise KeyError

    app.register_blueprint(bp)
    # The blueprint's handlers come first, even for a less specific class.
    assert app.test_client().get("/bp").text == "bp exception"


def test_nested_blueprint_error_handler_lookup(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    parent = fl.Blueprint("parent", __name__)
    child = fl.Blueprint("child", __name__)
    parent.register_error_handler(403, lambda e: ("parent 403", 403))
    child.register_error_handler(ValueError, lambda e: ("child value", 400))

    @child.route("/forbidden")
    def forbidden() -> str:
        fl.abort(403)

    @child.route("/value")
    def value() -> str:
        raise ValueError

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    client = app.test_client()
    assert [client.get(p).text for p in ("/forbidden", "/value")] == ["parent 403", "child value"]


def test_blueprint_context_processor_and_app_context_processor(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    bp = fl.Blueprint("bp", __name__)
    bp.context_processor(lambda: {"where": "bp"})
    bp.app_context_processor(lambda: {"everywhere": "yes"})
    template = "{{ where | default('none') }} {{ everywhere }}"

    @bp.route("/bp")
    def in_bp() -> str:
        return cast(str, fl.render_template_string(template))

    @app.route("/app")
    def in_app() -> str:
        return cast(str, fl.render_template_string(template))

    app.register_blueprint(bp)
    client = app.test_client()
    assert [client.get("/bp").text, client.get("/app").text] == ["bp yes", "none yes"]


def test_blueprint_url_defaults_and_value_preprocessor(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    bp = fl.Blueprint("bp", __name__, url_prefix="/<lang>")

    @bp.url_defaults
    def add_lang(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("lang", fl.g.lang)

    @bp.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
        assert values is not None
        fl.g.lang = values.pop("lang")

    @bp.route("/page")
    def page() -> str:
        return f"{fl.g.lang} {fl.url_for('.page')} {fl.url_for('bp.page', lang='en')}"

    app.register_blueprint(bp)
    assert app.test_client().get("/fr/page").text == "fr /fr/page /en/page"


def test_register_url_defaults(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    bp = fl.Blueprint("bp", __name__, url_defaults={"kind": "bp-default"})

    @bp.route("/item")
    def item(kind: str) -> str:
        return f"{kind} {fl.url_for('.item')}"

    app.register_blueprint(bp, url_prefix="/a")
    app.register_blueprint(bp, url_prefix="/b", name="other", url_defaults={"kind": "given"})
    client = app.test_client()
    assert [client.get("/a/item").text, client.get("/b/item").text] == [
        "bp-default /a/item",
        "given /b/item",
    ]


def test_register_twice_with_name(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    bp = fl.Blueprint("bp", __name__)
    log: list[str] = []

    @bp.before_request
    def before() -> None:
        log.append(f"before {fl.request.blueprint}")

    @bp.route("/v")
    def v() -> dict[str, Any]:
        return describe(fl)

    app.register_blueprint(bp, url_prefix="/one")
    app.register_blueprint(bp, url_prefix="/two", name="two")
    client = app.test_client()
    assert client.get("/one/v").json == {
        "blueprint": "bp",
        "blueprints": ["bp"],
        "endpoint": "bp.v",
        "url": "/one/v",
    }
    assert client.get("/two/v").json == {
        "blueprint": "two",
        "blueprints": ["two"],
        "endpoint": "two.v",
        "url": "/two/v",
    }
    assert log == ["before bp", "before two"]
    assert app.blueprints == {"bp": bp, "two": bp}


def test_register_twice_without_name_is_an_error(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    bp = fl.Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(ValueError) as error:
        app.register_blueprint(bp, url_prefix="/again")
    assert str(error.value) == (
        "The name 'bp' is already registered for this blueprint. Use 'name=' to provide a"
        " unique name."
    )
    other = fl.Blueprint("bp", __name__)
    with pytest.raises(ValueError) as error:
        app.register_blueprint(other)
    assert "a different blueprint" in str(error.value)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", __name__), "'name' may not be empty."),
        (("a.b", __name__), "'name' may not contain a dot '.' character."),
    ],
)
def test_blueprint_name_errors(fl: FlaskModule, args: tuple[str, str], message: str) -> None:
    with pytest.raises(ValueError) as error:
        fl.Blueprint(*args)
    assert str(error.value) == message


def test_blueprint_endpoint_with_dot_is_an_error(fl: FlaskModule) -> None:
    bp = fl.Blueprint("bp", __name__)
    with pytest.raises(ValueError) as error:
        bp.add_url_rule("/x", "a.b", lambda: "x")
    assert str(error.value) == "'endpoint' may not contain a dot '.' character."


def test_blueprint_on_itself_is_an_error(fl: FlaskModule) -> None:
    bp = fl.Blueprint("bp", __name__)
    with pytest.raises(ValueError) as error:
        bp.register_blueprint(bp)
    assert str(error.value) == "Cannot register a blueprint on itself"


def test_record_and_record_once(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    bp = fl.Blueprint("bp", __name__, url_prefix="/p")
    every: list[tuple[str, str | None, bool]] = []
    once: list[str] = []

    @bp.record
    def on_register(state: Any) -> None:
        every.append((state.name, state.url_prefix, state.first_registration))

    @bp.record_once
    def on_first(state: Any) -> None:
        once.append(state.app.name)

    app.register_blueprint(bp)
    app.register_blueprint(bp, name="again", url_prefix="/q")
    assert every == [("bp", "/p", True), ("again", "/q", False)]
    assert once == [app.name]


def test_setup_after_registration_is_an_error(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    bp = fl.Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(AssertionError) as error:
        bp.route("/late")(lambda: "late")
    assert str(error.value).startswith(
        "The setup method 'route' can no longer be called on the blueprint 'bp'."
    )


def test_blueprint_static_folder(fl: FlaskModule, tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "app.css").write_text("body {}")
    app = fl.Flask(__name__)
    bp = fl.Blueprint(
        "admin", __name__, static_folder="static", url_prefix="/admin", root_path=str(tmp_path)
    )
    app.register_blueprint(bp)
    client = app.test_client()
    response = client.get("/admin/static/app.css")
    assert (response.status_code, response.data, response.mimetype) == (200, b"body {}", "text/css")
    response.close()
    with app.test_request_context():
        assert fl.url_for("admin.static", filename="app.css") == "/admin/static/app.css"
    assert client.get("/admin/static/missing.css").status_code == 404


def test_blueprint_static_url_path(fl: FlaskModule, tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "a.txt").write_text("a")
    app = fl.Flask(__name__)
    bp = fl.Blueprint(
        "bp",
        __name__,
        static_folder="files",
        static_url_path="/assets",
        root_path=str(tmp_path),
    )
    app.register_blueprint(bp, url_prefix="/bp")
    response = app.test_client().get("/bp/assets/a.txt")
    assert (response.status_code, response.text) == (200, "a")
    response.close()


def test_blueprint_template_folder(fl: FlaskModule, tmp_path: Path) -> None:
    (tmp_path / "app_templates").mkdir()
    (tmp_path / "bp_templates").mkdir()
    (tmp_path / "app_templates" / "shared.html").write_text("app's {{ x }}")
    (tmp_path / "bp_templates" / "shared.html").write_text("bp's {{ x }}")
    (tmp_path / "bp_templates" / "only_bp.html").write_text("only bp {{ x }}")
    app = fl.Flask(__name__, template_folder=str(tmp_path / "app_templates"))
    bp = fl.Blueprint("bp", __name__, template_folder=str(tmp_path / "bp_templates"))

    @bp.route("/<name>")
    def show(name: str) -> str:
        return cast(str, fl.render_template(name, x="<i>"))

    app.register_blueprint(bp)
    client = app.test_client()
    assert [client.get("/shared.html").text, client.get("/only_bp.html").text] == [
        "app's &lt;i&gt;",
        "only bp &lt;i&gt;",
    ]


def test_blueprint_template_filter_test_global(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    bp = fl.Blueprint("bp", __name__)

    @bp.app_template_filter("shout")
    def shout(value: str) -> str:
        return value.upper()

    @bp.app_template_test()
    def even(value: int) -> bool:
        return value % 2 == 0

    @bp.app_template_global()
    def answer() -> int:
        return 42

    app.register_blueprint(bp)
    with app.app_context():
        rendered = fl.render_template_string("{{ 'hi' | shout }} {{ 4 is even }} {{ answer() }}")
    assert rendered == "HI True 42"


def test_blueprint_cli_group(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    bp = fl.Blueprint("tools", __name__)
    nogroup = fl.Blueprint("plain", __name__, cli_group=None)

    @bp.cli.command("hello")
    def hello() -> None:
        print("hello from tools")

    @nogroup.cli.command("top")
    def top() -> None:
        print("top level")

    app.register_blueprint(bp)
    app.register_blueprint(nogroup)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tools", "hello"]).output == "hello from tools\n"
    assert runner.invoke(args=["top"]).output == "top level\n"


def test_blueprint_method_view(fl: FlaskModule) -> None:
    views = submodule(fl, "views")

    class Items(views.MethodView):  # type: ignore[misc, name-defined]
        def get(self) -> str:
            return "list"

        def post(self) -> tuple[str, int]:
            return "created", 201

    app = fl.Flask(__name__)
    bp = fl.Blueprint("bp", __name__, url_prefix="/items")
    bp.add_url_rule("/", view_func=Items.as_view("items"))
    app.register_blueprint(bp)
    client = app.test_client()
    assert [client.get("/items/").text, client.post("/items/").status_code] == ["list", 201]
    with app.test_request_context():
        assert fl.url_for("bp.items") == "/items/"
