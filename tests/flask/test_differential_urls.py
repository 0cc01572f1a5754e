"""Differential tests (see ``tests/flask_differential.py``): URLs.

``url_for`` in and out of requests (``_external``, ``_anchor``, ``_method``, ``_scheme``,
query arguments, relative endpoints, ``SERVER_NAME``), URL defaults and build errors,
subdomains and host matching.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from werkzeug.routing import BuildError

from flask_differential import MODULES, FlaskModule, Scaffold


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


# ------------------------------------------------------------------ url_for


def url_app(fl: FlaskModule, **config: Any) -> Scaffold:
    app = fl.Flask(__name__)
    app.config.update(config)

    @app.route("/")
    def index() -> str:
        return "index"

    @app.route("/post/<int:post_id>")
    def post(post_id: int) -> str:
        return "post"

    @app.route("/files/<path:name>")
    def files(name: str) -> str:
        return "files"

    @app.route("/update", methods=["POST"], endpoint="update_post")
    def update() -> str:
        return "post update"

    @app.route("/update", methods=["PUT"], endpoint="update_put")
    def update_put() -> str:
        return "put update"

    @app.route("/same", methods=["GET"], endpoint="same")
    @app.route("/same-post", methods=["POST"], endpoint="same")
    def same() -> str:
        return "same"

    return app


@pytest.mark.parametrize(
    ("endpoint", "values", "expected"),
    [
        ("index", {}, "/"),
        ("index", {"q": "a b", "n": 1}, "/?q=a+b&n=1"),
        ("index", {"tag": ["x", "y"]}, "/?tag=x&tag=y"),
        ("index", {"none": None}, "/"),
        ("post", {"post_id": 5}, "/post/5"),
        ("post", {"post_id": 5, "_anchor": "comments"}, "/post/5#comments"),
        ("post", {"post_id": 5, "_anchor": "a b/c?d"}, "/post/5#a%20b/c?d"),
        ("files", {"name": "a b/ç.txt"}, "/files/a%20b/%C3%A7.txt"),
        ("index", {"_external": True}, "http://localhost/"),
        ("index", {"_external": True, "_scheme": "https"}, "https://localhost/"),
        ("index", {"_scheme": "https"}, "https://localhost/"),
        ("post", {"post_id": 1, "_external": False}, "/post/1"),
        ("same", {"_method": "POST"}, "/same-post"),
        ("same", {"_method": "GET"}, "/same"),
        ("same", {}, "/same"),
        ("update_put", {"_method": "PUT"}, "/update"),
        ("static", {"filename": "css/a.css"}, "/static/css/a.css"),
        ("static", {"filename": "a.css", "v": 2}, "/static/a.css?v=2"),
    ],
)
def test_url_for_in_request(
    fl: FlaskModule, endpoint: str, values: dict[str, Any], expected: str
) -> None:
    app = url_app(fl)
    with app.test_request_context("/"):
        assert fl.url_for(endpoint, **values) == expected


def test_url_for_in_request_with_base_url(fl: FlaskModule) -> None:
    app = url_app(fl)
    with app.test_request_context("/", base_url="https://example.org:8443/root"):
        assert [fl.url_for("post", post_id=1), fl.url_for("index", _external=True)] == [
            "/root/post/1",
            "https://example.org:8443/root/",
        ]


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        ({"_scheme": "https", "_external": False}, ValueError, "When specifying '_scheme'"),
        ({}, BuildError, "Could not build url for endpoint 'post'."),
        ({"post_id": "x"}, ValueError, "invalid literal for int() with base 10: 'x'"),
        ({"post_id": 1, "_method": "DELETE"}, BuildError, "Could not build url for endpoint"),
    ],
)
def test_url_for_errors(
    fl: FlaskModule, values: dict[str, Any], error: type[Exception], message: str
) -> None:
    app = url_app(fl)
    with app.test_request_context("/"), pytest.raises(error) as raised:
        fl.url_for("post", **values)
    assert str(raised.value).startswith(message)


def test_url_for_unknown_endpoint_message(fl: FlaskModule) -> None:
    app = url_app(fl)
    with app.test_request_context("/"), pytest.raises(BuildError) as raised:
        fl.url_for("nope")
    assert str(raised.value) == (
        "Could not build url for endpoint 'nope'. Did you mean 'index' instead?"
    )


def test_url_for_relative_endpoint_outside_blueprint(fl: FlaskModule) -> None:
    app = url_app(fl)
    with app.test_request_context("/post/3"):
        assert fl.url_for(".post", post_id=4) == "/post/4"


def test_url_for_outside_request_with_server_name(fl: FlaskModule) -> None:
    app = url_app(
        fl,
        SERVER_NAME="example.test:8080",
        APPLICATION_ROOT="/app",
        PREFERRED_URL_SCHEME="https",
    )
    with app.app_context():
        assert [
            fl.url_for("index"),
            fl.url_for("post", post_id=2, _external=False),
            fl.url_for("index", _scheme="http"),
        ] == [
            "https://example.test:8080/app/",
            "/app/post/2",
            "http://example.test:8080/app/",
        ]
    assert app.url_for("post", post_id=9) == "https://example.test:8080/app/post/9"


def test_url_for_outside_request_without_server_name(fl: FlaskModule) -> None:
    app = url_app(fl)
    with app.app_context(), pytest.raises(RuntimeError) as error:
        fl.url_for("index")
    assert str(error.value).startswith(
        "Unable to build URLs outside an active request without 'SERVER_NAME' configured."
    )


def test_url_for_without_app_context(fl: FlaskModule) -> None:
    with pytest.raises(RuntimeError) as error:
        fl.url_for("index")
    assert str(error.value).startswith("Working outside of application context.")


def test_url_for_with_application_root_in_request(fl: FlaskModule) -> None:
    app = url_app(fl, APPLICATION_ROOT="/prefix")

    @app.route("/show")
    def show() -> str:
        return f"{fl.request.script_root} {fl.request.path} {fl.url_for('post', post_id=1)}"

    assert app.test_client().get("/show").text == "/prefix /show /prefix/post/1"


def test_url_for_external_in_request_uses_server_name(fl: FlaskModule) -> None:
    app = url_app(fl, SERVER_NAME="example.test")

    @app.route("/here")
    def here() -> str:
        return f"{fl.request.host} {fl.url_for('post', post_id=1, _external=True)}"

    response = app.test_client().get("/here", headers={"Host": "other.test"})
    assert response.text == "other.test http://example.test/post/1"


def test_slash_redirect_uses_server_name(fl: FlaskModule) -> None:
    app = url_app(fl, SERVER_NAME="example.test")

    @app.route("/dir/")
    def directory() -> str:
        return "dir"

    response = app.test_client().get("/dir", headers={"Host": "other.test"})
    assert (response.status_code, response.headers["Location"]) == (
        308,
        "http://example.test/dir/",
    )


def test_server_name_does_not_restrict_hosts(fl: FlaskModule) -> None:
    app = url_app(fl, SERVER_NAME="example.test")

    @app.route("/host")
    def host() -> str:
        return f"{fl.request.host} {fl.url_for('post', post_id=1)}"

    client = app.test_client()
    assert client.get("/host").text == "example.test /post/1"
    assert client.get("/host", headers={"Host": "other.test"}).text == "other.test /post/1"


def test_nested_url_defaults_order(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    parent = fl.Blueprint("parent", __name__)
    child = fl.Blueprint("child", __name__)
    order: list[str] = []
    app.url_defaults(lambda endpoint, values: order.append("app"))
    parent.url_defaults(lambda endpoint, values: order.append("parent"))
    child.url_defaults(lambda endpoint, values: order.append("child"))

    @child.route("/c")
    def c() -> str:
        return cast(str, fl.url_for(".c"))

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert app.test_client().get("/c").text == "/c"
    assert order == ["app", "parent", "child"]


def test_url_build_error_handler(fl: FlaskModule) -> None:
    app = url_app(fl)
    seen: list[tuple[str, dict[str, Any]]] = []

    def fallback(error: BuildError, endpoint: str, values: dict[str, Any]) -> str | None:
        seen.append((endpoint, dict(values)))
        return "/fallback" if endpoint == "legacy" else None

    app.url_build_error_handlers.append(fallback)
    with app.test_request_context("/"):
        assert fl.url_for("legacy", x=1) == "/fallback"
        with pytest.raises(BuildError):
            fl.url_for("other")
    assert seen == [
        ("legacy", {"x": 1, "_anchor": None, "_method": None, "_scheme": None, "_external": False}),
        ("other", {"_anchor": None, "_method": None, "_scheme": None, "_external": False}),
    ]


def test_url_for_in_template(fl: FlaskModule) -> None:
    app = url_app(fl)
    with app.test_request_context("/"):
        rendered = fl.render_template_string(
            "{{ url_for('post', post_id=3) }} {{ url_for('index', q='<x>', _external=True) }}"
        )
    assert rendered == "/post/3 http://localhost/?q=%3Cx%3E"


def test_redirect_to_url_for(fl: FlaskModule) -> None:
    app = url_app(fl)

    @app.route("/go")
    def go() -> Any:
        return fl.redirect(fl.url_for("post", post_id=7))

    client = app.test_client()
    response = client.get("/go")
    assert (response.status_code, response.headers["Location"]) == (302, "/post/7")
    followed = client.get("/go", follow_redirects=True)
    assert (followed.text, followed.request.path, len(followed.history)) == ("post", "/post/7", 1)


# ------------------------------------------------------------------ subdomains and hosts


def test_blueprint_subdomain(fl: FlaskModule) -> None:
    app = fl.Flask(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    api = fl.Blueprint("api", __name__, subdomain="api")

    @api.route("/")
    def api_index() -> str:
        return f"api {fl.url_for('api.api_index')} {fl.url_for('index', _external=True)}"

    @app.route("/")
    def index() -> str:
        return f"www {fl.url_for('api.api_index')}"

    app.register_blueprint(api)
    client = app.test_client()
    assert client.get("/").text == "www http://api.example.test/"
    assert client.get("/", subdomain="api").text == "api / http://example.test/"
    assert client.get("http://api.example.test/").text == "api / http://example.test/"
    assert client.get("/", subdomain="other").status_code == 404


def test_subdomain_variable(fl: FlaskModule) -> None:
    app = fl.Flask(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/", subdomain="<user>")
    def profile(user: str) -> str:
        return f"{user} {fl.url_for('profile', user='bob')}"

    assert app.test_client().get("/", subdomain="ann").text == "ann http://bob.example.test/"


def test_subdomain_without_subdomain_matching_is_ignored(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/")
    def index() -> str:
        return "index"

    assert app.test_client().get("/", subdomain="any").text == "index"


def test_host_matching(fl: FlaskModule) -> None:
    app = fl.Flask(__name__, host_matching=True, static_host="static.test")
    app.add_url_rule("/", "a", lambda: f"a {fl.url_for('b', _external=True)}", host="a.test")
    app.add_url_rule("/", "b", lambda: f"b {fl.url_for('a')}", host="b.test")
    app.add_url_rule(
        "/u/<name>", "user", lambda sub, name: f"{sub} {name}", host="<sub>.users.test"
    )
    client = app.test_client()
    assert client.get("http://a.test/").text == "a http://b.test/"
    assert client.get("http://b.test/").text == "b http://a.test/"
    assert client.get("http://c.test/").status_code == 404
    assert client.get("http://ann.users.test/u/x").text == "ann x"
    with app.test_request_context("http://a.test/"):
        assert fl.url_for("static", filename="s.css") == "http://static.test/static/s.css"
