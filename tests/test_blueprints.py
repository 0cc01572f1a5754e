"""Blueprint: Flask's blueprint on Heron's APIRouter, registered with register_blueprint."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flask
import pytest
from click.testing import CliRunner

import heron
from heron import (
    APIRouter,
    Blueprint,
    Heron,
    WebSocket,
    abort,
    g,
    render_template,
    render_template_string,
    url_for,
)
from heron.exceptions import HeronError
from heron.testclient import TestClient

# --------------------------------------------------------------------------- the same code, twice


Decorator = Callable[..., Callable[[Callable[..., Any]], Callable[..., Any]]]


def blog_app(framework: Any, app: Any) -> Any:
    """Flask's blueprint idioms, written once against ``flask`` or ``heron``."""
    bp = framework.Blueprint("blog", __name__, url_prefix="/blog/")
    route: Decorator = bp.route  # either framework's, typed once

    @route("/")
    def index() -> Any:
        return framework.jsonify(
            me=framework.url_for(".index"),
            post=framework.url_for(".post", id=3, tab="comments"),
            full=framework.url_for("blog.post", id=4),
            home=framework.url_for("home"),
        )

    @route("/<int:id>", methods=["GET", "POST"])
    def post(id: int) -> Any:
        return f"post {id}"

    @route("/edit", endpoint="change")
    def edit() -> Any:
        return framework.url_for(".change")

    app_route: Decorator = app.route

    @app_route("/")
    def home() -> Any:
        return framework.jsonify(
            home=framework.url_for("home"), blog=framework.url_for("blog.index")
        )

    app.register_blueprint(bp)
    return app


def test_blueprint_code_gives_the_same_urls_as_in_flask() -> None:
    flask_client = blog_app(flask, flask.Flask(__name__)).test_client()
    heron_client = TestClient(blog_app(heron, Heron()))
    for path, method in [
        ("/blog/", "get"),
        ("/", "get"),
        ("/blog/7", "post"),
        ("/blog/edit", "get"),
    ]:
        expected = getattr(flask_client, method)(path)
        response = getattr(heron_client, method)(path)
        assert response.status_code == expected.status_code == 200, path
        assert response.content == expected.get_data() or response.json() == expected.get_json()
    assert heron_client.get("/blog/").json() == {
        "me": "/blog/",
        "post": "/blog/3?tab=comments",
        "full": "/blog/4",
        "home": "/",
    }


def test_routes_are_named_blueprint_dot_view() -> None:
    app = blog_app(heron, Heron())
    names = {route.name for route in app.routes}
    assert {"blog.index", "blog.post", "blog.change", "home"} <= names
    assert app.url_for("blog.post", id=1) == "/blog/1"
    assert app.url_path_for("blog.index") == "/blog/"


def test_relative_names_outside_a_blueprint_are_the_apps_own() -> None:
    app = Heron()

    @app.get("/")
    def home() -> str:
        return url_for(".home")

    assert TestClient(app).get("/").json() == "/"
    with app.app_context():
        assert url_for(".home") == "/"  # no route matched: no blueprint


def test_fastapi_style_routes_and_include_router_work_on_a_blueprint() -> None:
    bp = Blueprint("api", __name__, url_prefix="/api", tags=["api"])

    @bp.get("/items/{item_id}")
    async def read_item(item_id: int) -> dict[str, Any]:
        return {"id": item_id, "url": url_for(".read_item", item_id=item_id)}

    app = Heron()
    app.include_router(bp, prefix="/v1")  # FastAPI's spelling: the prefixes add up
    assert TestClient(app).get("/v1/api/items/5").json() == {"id": 5, "url": "/v1/api/items/5"}
    assert app.openapi()["paths"]["/v1/api/items/{item_id}"]["get"]["tags"] == ["api"]


def test_a_websocket_route_is_named_in_the_blueprint_too() -> None:
    bp = Blueprint("live", __name__, url_prefix="/live")

    @bp.websocket("/feed")
    async def feed(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(url_for("live.feed"))
        await websocket.close()

    app = Heron()
    app.register_blueprint(bp)
    with TestClient(app).websocket_connect("/live/feed") as socket:
        assert socket.receive_text() == "/live/feed"


def test_add_url_rule_registers_a_view_without_a_decorator() -> None:
    bp = Blueprint("pages", __name__)

    def about() -> str:
        return "about"

    def contact() -> str:
        return "sent"

    # A class-based view's habit: the methods on the view function.
    contact.methods = ["POST"]  # type: ignore[attr-defined]
    bp.add_url_rule("/about", view_func=about)
    bp.add_url_rule("/contact", "write", contact)
    app = Heron()
    app.register_blueprint(bp, url_prefix="/pages")
    client = TestClient(app)
    assert client.get("/pages/about").text == "about"
    assert client.post("/pages/contact").text == "sent"
    assert app.url_for("pages.write") == "/pages/contact"
    with pytest.raises(HeronError, match=r"heron\.flask"):
        bp.add_url_rule("/nothing", "nothing")


# --------------------------------------------------------------------------- registration


def test_a_registration_prefix_for_a_blueprint_without_one() -> None:
    bp = Blueprint("v", __name__)

    @bp.get("/items")
    async def items() -> list[str]:
        return []

    app = Heron()
    app.register_blueprint(bp, url_prefix="/v1/")
    assert TestClient(app).get("/v1/items").json() == []
    with pytest.raises(HeronError, match="registered already"):
        app.register_blueprint(bp, url_prefix="/v2")


def test_a_registration_prefix_replacing_the_blueprints_own_names_both_spellings() -> None:
    same = Blueprint("same", __name__, url_prefix="/same")
    Heron().register_blueprint(same, url_prefix="/same/")  # the same prefix: nothing replaced
    other = Blueprint("other", __name__, url_prefix="/other")
    with pytest.raises(HeronError) as info:
        Heron().register_blueprint(other, url_prefix="/elsewhere")
    message = str(info.value)
    assert "register_blueprint(url_prefix='/elsewhere') replaces it" in message
    assert "include_router(bp, prefix='/elsewhere')" in message and "heron.flask" in message


@pytest.mark.parametrize(
    "option", [{"name": "again"}, {"subdomain": "api"}, {"url_defaults": {"lang": "en"}}]
)
def test_flask_only_registration_options_point_to_heron_flask(option: dict[str, Any]) -> None:
    with pytest.raises(HeronError, match=r"is Flask's.*heron\.flask"):
        Heron().register_blueprint(Blueprint("b", __name__), **option)


def test_flask_only_blueprint_arguments_and_flasks_name_rules() -> None:
    with pytest.raises(HeronError, match=r"subdomain.*heron\.flask"):
        Blueprint("b", __name__, subdomain="api")
    with pytest.raises(HeronError, match=r"url_defaults.*heron\.flask"):
        Blueprint("b", __name__, url_defaults={"lang": "en"})
    for name in ("", "a.b"):
        with pytest.raises(ValueError, match="'name' may not"):
            Blueprint(name, __name__)
    bp = Blueprint("b", __name__)
    with pytest.raises(ValueError, match="'endpoint' may not contain a dot"):
        bp.add_api_route("/x", lambda: None, name="a.b")


def test_a_plain_router_registers_as_a_blueprint_too() -> None:
    router = APIRouter()

    @router.get("/ping")
    async def ping() -> str:
        return "pong"

    app = Heron()
    app.register_blueprint(router, url_prefix="/r")
    assert TestClient(app).get("/r/ping").json() == "pong"


# --------------------------------------------------------------------------- nesting


def test_nested_blueprints_add_names_and_prefixes() -> None:
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c")

    @child.route("/x")
    def x() -> Any:
        return {"me": url_for(".x"), "sibling": url_for(".y"), "full": url_for("parent.child.y")}

    @child.route("/y")
    def y() -> str:
        return "y"

    parent.register_blueprint(child)
    app = Heron()
    app.register_blueprint(parent)

    @child.route("/late")  # added after registration: served too (a live router)
    def late() -> str:
        return "late"

    client = TestClient(app)
    assert client.get("/p/c/x").json() == {"me": "/p/c/x", "sibling": "/p/c/y", "full": "/p/c/y"}
    assert client.get("/p/c/late").text == "late"
    assert child.routes[0].name == "child.x"  # the child's own routes keep their names


# --------------------------------------------------------------------------- hooks and handlers


def test_its_hooks_and_error_handlers_apply_to_its_routes_only() -> None:
    calls: list[str] = []
    bp = Blueprint("admin", __name__, url_prefix="/admin")

    @bp.before_request
    def only_admins() -> None:
        calls.append(f"admin before {url_for('.panel')}")

    @bp.errorhandler(404)
    def admin_not_found(error: Exception) -> tuple[str, int]:
        return "no such admin page", 404

    @bp.route("/")
    def panel() -> str:
        return "panel"

    @bp.route("/user/<int:user_id>")
    def user(user_id: int) -> str:
        abort(404)

    app = Heron()

    @app.route("/")
    def home() -> str:
        return "home"

    app.register_blueprint(bp)
    client = TestClient(app)
    assert client.get("/admin/").text == "panel"
    assert client.get("/admin/user/1").text == "no such admin page"
    assert client.get("/").text == "home"
    assert client.get("/nowhere").status_code == 404
    assert client.get("/nowhere").text != "no such admin page"
    assert calls == ["admin before /admin/", "admin before /admin/"]


def test_app_wide_hooks_registered_on_a_blueprint() -> None:
    """The Flask tutorial's ``@bp.before_app_request def load_logged_in_user()``."""
    calls: list[str] = []
    auth = Blueprint("auth", __name__, url_prefix="/auth")

    @auth.before_app_request
    def load_user() -> None:
        g.user = "ann"

    @auth.after_app_request
    def tag(response: heron.Response) -> heron.Response:
        response.headers["x-auth"] = "1"
        return response

    @auth.app_errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        return "nothing here", 404

    @auth.route("/login")
    def login() -> str:
        return "login"

    app = Heron()

    @app.route("/")
    def home() -> str:
        return f"hello {g.user}"

    app.register_blueprint(auth)

    @auth.teardown_app_request  # after registration: made on the app at once
    def done(exc: BaseException | None) -> None:
        calls.append("teardown")

    client = TestClient(app)
    response = client.get("/")
    assert (response.text, response.headers["x-auth"]) == ("hello ann", "1")
    assert client.get("/missing").text == "nothing here"
    assert calls == ["teardown", "teardown"]


def test_cli_group_is_the_blueprints_name() -> None:
    bp = Blueprint("users", __name__)

    @bp.cli.command("purge")  # type: ignore[untyped-decorator]  # AppGroup.command returns Any
    def purge() -> None:
        print("purged")

    app = Heron()
    app.register_blueprint(bp)
    assert CliRunner().invoke(app.cli, ["users", "purge"]).output == "purged\n"


# --------------------------------------------------------------------------- folders


@pytest.fixture
def package(tmp_path: Path) -> types.ModuleType:
    """A module in a directory with the app's and the blueprint's folders."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "shared.html").write_text("app's")
    (tmp_path / "blog_templates" / "blog").mkdir(parents=True)
    (tmp_path / "blog_templates" / "shared.html").write_text("blog's")
    (tmp_path / "blog_templates" / "blog" / "post.html").write_text(
        "{{ url_for('.post', id=id) }} {{ url_for('blog.static', filename='blog.css') }}"
    )
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "blog.css").write_text("body{}")
    module = types.ModuleType("blog_package")
    module.__file__ = str(tmp_path / "blog_package.py")
    return module


def test_static_and_template_folders(
    package: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "blog_package", package)
    bp = Blueprint(
        "blog",
        "blog_package",
        url_prefix="/blog",
        static_folder="assets",
        template_folder="blog_templates",
    )
    assert bp.root_path == str(Path(package.__file__ or "").parent)

    @bp.route("/<int:id>")
    def post(id: int) -> str:
        return render_template("blog/post.html", id=id)

    @bp.route("/shared")
    def shared() -> str:
        return render_template("shared.html")

    app = Heron("blog_package")
    app.register_blueprint(bp)
    client = TestClient(app)
    assert client.get("/blog/3").text == "/blog/3 /blog/assets/blog.css"
    assert client.get("/blog/shared").text == "app's"  # the app's folder first, as Flask
    assert client.get("/blog/assets/blog.css").text == "body{}"
    with app.app_context():
        assert url_for("blog.static", filename="blog.css") == "/blog/assets/blog.css"
        assert render_template_string("{{ url_for('blog.post', id=1) }}") == "/blog/1"
