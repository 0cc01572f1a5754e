"""Differential tests of ``heron.flask`` against Flask 3.1: routing.

How these tests work is in ``tests/flask_differential.py``: each runs once with ``fl`` the
``flask`` module and once with ``heron.flask``, asserting Flask's values. This file: rules
and converters, redirects to the canonical URL, methods, 405 and ``Allow``, automatic
``OPTIONS`` and ``HEAD``, endpoints, and class-based views. The other
``test_differential_*.py`` files cover responses, requests, hooks, errors, blueprints,
URLs, sessions, JSON, templates, files, contexts and the CLI.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from werkzeug.routing import BaseConverter

from flask_differential import (
    HTML,
    MODULES,
    NOT_ALLOWED_BODY,
    NOT_FOUND_BODY,
    FlaskModule,
    allow,
    seen,
    submodule,
)


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


# ------------------------------------------------------------------ routing and converters


@pytest.mark.parametrize(
    ("rule", "path", "expected"),
    [
        ("/n/<int:v>", "/n/42", "int:42"),
        ("/n/<int:v>", "/n/-1", None),
        ("/n/<int:v>", "/n/x", None),
        ("/n/<int(signed=True):v>", "/n/-7", "int:-7"),
        ("/n/<int(min=1,max=9):v>", "/n/10", None),
        ("/n/<int(fixed_digits=3):v>", "/n/007", "int:7"),
        ("/n/<int(fixed_digits=3):v>", "/n/7", None),
        ("/f/<float:v>", "/f/1.5", "float:1.5"),
        ("/f/<float:v>", "/f/1", None),
        ("/p/<path:v>", "/p/a/b/c.txt", "str:a/b/c.txt"),
        ("/s/<v>", "/s/a/b", None),
        ("/s/<v>", "/s/caf%C3%A9", "str:café"),
        ("/s/<string(length=3):v>", "/s/abc", "str:abc"),
        ("/s/<string(length=3):v>", "/s/abcd", None),
        ("/s/<string(minlength=2,maxlength=3):v>", "/s/a", None),
        ("/s/<string(minlength=2,maxlength=3):v>", "/s/ab", "str:ab"),
        ("/a/<any(red,blue):v>", "/a/blue", "str:blue"),
        ("/a/<any(red,blue):v>", "/a/green", None),
        (
            "/u/<uuid:v>",
            "/u/12345678-1234-5678-1234-567812345678",
            "UUID:12345678-1234-5678-1234-567812345678",
        ),
        ("/u/<uuid:v>", "/u/not-a-uuid", None),
    ],
)
def test_converters(fl: FlaskModule, rule: str, path: str, expected: str | None) -> None:
    app = fl.Flask(__name__)

    @app.route(rule)
    def view(v: object) -> str:
        return f"{type(v).__name__}:{v}"

    response = app.test_client().get(path)
    if expected is None:
        assert seen(response) == {
            "status": "404 NOT FOUND",
            "body": NOT_FOUND_BODY.encode(),
            "Content-Type": HTML,
            "Content-Length": str(len(NOT_FOUND_BODY)),
        }
    else:
        assert (response.status_code, response.text) == (200, expected)


class ListConverter(BaseConverter):
    """``/tags/a,b`` to ``["a", "b"]`` and back."""

    def to_python(self, value: str) -> list[str]:
        return value.split(",")

    def to_url(self, value: Any) -> str:
        return ",".join(super(ListConverter, self).to_url(item) for item in value)


def test_custom_converter(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.url_map.converters["list"] = ListConverter

    @app.route("/tags/<list:tags>")
    def tags(tags: list[str]) -> dict[str, Any]:
        return {"tags": tags, "url": fl.url_for("tags", tags=["a b", "c"])}

    assert app.test_client().get("/tags/x,y").json == {"tags": ["x", "y"], "url": "/tags/a%20b,c"}


@pytest.mark.parametrize(
    ("rule", "path", "expected"),
    [
        # The path is decoded before matching: %2F is a slash, which <name> refuses.
        ("/s/<name>", "/s/a%2Fb", (404, NOT_FOUND_BODY)),
        ("/p/<path:name>", "/p/a%2Fb", (200, "a/b")),
        ("/café/<name>", "/caf%C3%A9/%C3%A9t%C3%A9", (200, "été")),
        ("/plus/<name>", "/plus/a+b", (200, "a+b")),
    ],
)
def test_encoded_paths(fl: FlaskModule, rule: str, path: str, expected: tuple[int, str]) -> None:
    app = fl.Flask(__name__)
    app.add_url_rule(rule, "view", lambda name: name)
    response = app.test_client().get(path)
    assert (response.status_code, response.text) == expected


def test_several_variables_and_static_parts(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/users/<int:user_id>/posts/<slug>.<ext>")
    def post(user_id: int, slug: str, ext: str) -> dict[str, Any]:
        return {"user_id": user_id, "slug": slug, "ext": ext, "view_args": fl.request.view_args}

    assert app.test_client().get("/users/3/posts/hello.json").json == {
        "ext": "json",
        "slug": "hello",
        "user_id": 3,
        "view_args": {"ext": "json", "slug": "hello", "user_id": 3},
    }


def test_defaults_and_the_redirect_to_the_rule_that_has_them(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/page/", defaults={"n": 1})
    @app.route("/page/<int:n>")
    def page(n: int) -> str:
        return f"page {n}"

    client = app.test_client()
    assert client.get("/page/").text == "page 1"
    assert client.get("/page/2").text == "page 2"
    response = client.get("/page/1")
    assert seen(response, "Location") == {
        "status": "308 PERMANENT REDIRECT",
        "body": response.data,
        "Location": "http://localhost/page/",
    }
    assert b"/page/" in response.data


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/dir", "http://localhost/dir/"),
        ("/dir?x=1&y=2", "http://localhost/dir/?x=1&y=2"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST", "HEAD"])
def test_strict_slashes_redirect_308(
    fl: FlaskModule, path: str, location: str, method: str
) -> None:
    app = fl.Flask(__name__)

    @app.route("/dir/", methods=["GET", "POST"])
    def directory() -> str:
        return "dir"

    response = app.test_client().open(path, method=method)
    assert (response.status_code, response.headers["Location"]) == (308, location)
    assert response.headers["Content-Type"] == HTML


def test_strict_slashes_false_serves_both(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/loose", strict_slashes=False)
    def loose() -> str:
        return "loose"

    client = app.test_client()
    assert [client.get(path).status_code for path in ("/loose", "/loose/")] == [200, 200]


def test_no_slash_rule_does_not_match_slash(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/file")
    def file() -> str:
        return "file"

    assert app.test_client().get("/file/").status_code == 404


def test_merge_slashes_redirect(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/a/b")
    def ab() -> str:
        return "ab"

    response = app.test_client().get("/a//b")
    assert (response.status_code, response.headers["Location"]) == (308, "http://localhost/a/b")


def test_redirect_to_option(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.add_url_rule("/old/<int:n>", "old", redirect_to="/new/<n>")

    @app.route("/new/<int:n>")
    def new(n: int) -> str:
        return f"new {n}"

    response = app.test_client().get("/old/5")
    assert (response.status_code, response.headers["Location"]) == (308, "http://localhost/new/5")


def test_unknown_path_404_and_static_route(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    assert [rule.rule for rule in app.url_map.iter_rules()] == ["/static/<path:filename>"]
    response = app.test_client().get("/nothing/here")
    assert (response.status_code, response.data) == (404, NOT_FOUND_BODY.encode())


# ------------------------------------------------------------------ methods


def test_method_not_allowed_405_with_allow(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/submit", methods=["POST", "PUT"])
    def submit() -> str:
        return "ok"

    response = app.test_client().get("/submit")
    assert seen(response) == {
        "status": "405 METHOD NOT ALLOWED",
        "body": NOT_ALLOWED_BODY.encode(),
        "Content-Type": HTML,
        "Content-Length": str(len(NOT_ALLOWED_BODY)),
    }
    assert allow(response) == {"OPTIONS", "POST", "PUT"}


def test_405_allow_joins_rules_with_the_same_path(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.get("/thing")
    def read() -> str:
        return "read"

    @app.delete("/thing")
    def remove() -> str:
        return "removed"

    client = app.test_client()
    assert client.get("/thing").text == "read"
    assert client.delete("/thing").text == "removed"
    response = client.patch("/thing")
    assert response.status_code == 405
    assert allow(response) == {"DELETE", "GET", "HEAD", "OPTIONS"}


def test_automatic_options(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    called: list[str] = []

    @app.route("/res", methods=["GET", "POST"])
    def res() -> str:
        called.append("view")
        return "res"

    response = app.test_client().options("/res")
    assert seen(response) == {
        "status": "200 OK",
        "body": b"",
        "Content-Type": HTML,
        "Content-Length": "0",
    }
    assert allow(response) == {"GET", "HEAD", "OPTIONS", "POST"}
    assert called == []


def test_options_lists_every_rule_of_the_path(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.get("/x")
    def get_x() -> str:
        return ""

    @app.put("/x")
    def put_x() -> str:
        return ""

    assert allow(app.test_client().options("/x")) == {"GET", "HEAD", "OPTIONS", "PUT"}


def test_options_without_automatic_options_is_405(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/manual", provide_automatic_options=False)
    def manual() -> str:
        return "manual"

    response = app.test_client().options("/manual")
    assert response.status_code == 405
    assert allow(response) == {"GET", "HEAD"}


def test_explicit_options_method_calls_the_view(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/mine", methods=["GET", "OPTIONS"])
    def mine() -> tuple[str, dict[str, str]]:
        return f"view saw {fl.request.method}", {"Allow": "custom"}

    response = app.test_client().options("/mine")
    assert (response.text, response.headers["Allow"]) == ("view saw OPTIONS", "custom")


def test_provide_automatic_options_config_off(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False

    @app.route("/r")
    def r() -> str:
        return "r"

    assert app.test_client().options("/r").status_code == 405


def test_options_star_and_unknown_path(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.add_url_rule("/", "index", lambda: "x")
    client = app.test_client()
    assert client.open("*", method="OPTIONS").status_code == 404
    assert client.options("/nothing").status_code == 404


def test_head_has_get_headers_and_no_body(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    methods: list[str] = []

    @app.route("/h")
    def h() -> tuple[str, dict[str, str]]:
        methods.append(fl.request.method)
        return "hello world", {"X-Seen": "1"}

    client = app.test_client()
    get, head = client.get("/h"), client.head("/h")
    assert seen(head, "Content-Type", "Content-Length", "X-Seen") == {
        "status": "200 OK",
        "body": b"",
        "Content-Type": HTML,
        "Content-Length": "11",
        "X-Seen": "1",
    }
    assert get.headers["Content-Length"] == head.headers["Content-Length"]
    assert methods == ["GET", "HEAD"]


def test_lowercase_methods(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/low", methods=["post"])
    def low() -> str:
        return str(fl.request.method)

    client = app.test_client()
    assert (client.post("/low").text, client.get("/low").status_code) == ("POST", 405)


@pytest.mark.parametrize(
    ("method", "status"),
    [("GET", 200), ("PATCH", 200), ("TRACE", 405), ("PROPFIND", 405), ("CONNECT", 405)],
)
def test_unusual_methods(fl: FlaskModule, method: str, status: int) -> None:
    app = fl.Flask(__name__)
    app.add_url_rule("/", "index", lambda: fl.request.method, methods=["GET", "PATCH"])
    response = app.test_client().open("/", method=method)
    assert response.status_code == status
    if status == 200:
        assert response.text == method


def test_methods_as_a_set_and_rule_attributes(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.add_url_rule("/", "index", lambda: "x", methods={"post", "GET"})
    app.add_url_rule("/o", "own", lambda: "x", methods=["OPTIONS", "GET"])
    rules = {
        rule.endpoint: (sorted(rule.methods or ()), rule.provide_automatic_options)
        for rule in app.url_map.iter_rules()
    }
    assert rules == {
        "index": (["GET", "HEAD", "OPTIONS", "POST"], True),
        "own": (["GET", "HEAD", "OPTIONS"], False),
        "static": (["GET", "HEAD", "OPTIONS"], True),
    }


# ------------------------------------------------------------------ endpoints and registration


def test_endpoint_names(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/a", endpoint="custom")
    def named() -> str:
        return f"{fl.request.endpoint} {fl.url_for('custom')} {fl.request.url_rule.rule}"

    @app.route("/b")
    def default_name() -> str:
        return f"{fl.request.endpoint} {fl.url_for('default_name')}"

    client = app.test_client()
    assert client.get("/a").text == "custom /a /a"
    assert client.get("/b").text == "default_name /b"
    assert sorted(app.view_functions) == ["custom", "default_name", "static"]


def test_add_url_rule_and_endpoint_decorator(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    def listing() -> str:
        return "listing"

    app.add_url_rule("/list", view_func=listing)
    app.add_url_rule("/later", endpoint="later")
    app.add_url_rule("/alias", "alias", listing)

    @app.endpoint("later")
    def later() -> str:
        return "later"

    client = app.test_client()
    assert [client.get(p).text for p in ("/list", "/later", "/alias")] == [
        "listing",
        "later",
        "listing",
    ]


def test_one_view_several_rules(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/one")
    @app.route("/two")
    def both() -> str:
        return str(fl.request.url_rule.rule)

    client = app.test_client()
    assert [client.get("/one").text, client.get("/two").text] == ["/one", "/two"]
    with app.test_request_context():
        assert fl.url_for("both") == "/two"


def test_endpoint_overwrite_is_an_error(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/a")
    def view() -> str:
        return "a"

    def other() -> str:
        return "b"

    with pytest.raises(AssertionError) as error:
        app.add_url_rule("/b", "view", other)
    assert str(error.value) == (
        "View function mapping is overwriting an existing endpoint function: view"
    )


def test_methods_as_string_is_an_error(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    with pytest.raises(TypeError) as error:
        app.add_url_rule("/x", "x", lambda: "x", methods="POST")
    assert str(error.value) == (
        'Allowed methods must be a list of strings, for example: @app.route(..., methods=["POST"])'
    )


def test_method_shortcut_rejects_methods(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    with pytest.raises(TypeError) as error:
        app.post("/x", methods=["GET"])
    assert str(error.value) == "Use the 'route' decorator to use the 'methods' argument."


def test_setup_after_first_request_is_an_error(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/")
    def index() -> str:
        return "i"

    app.test_client().get("/")
    with pytest.raises(AssertionError) as error:
        app.add_url_rule("/late", "late", lambda: "late")
    assert str(error.value).startswith(
        "The setup method 'add_url_rule' can no longer be called on the application."
    )


# ------------------------------------------------------------------ class-based views


def test_method_view(fl: FlaskModule) -> None:
    views = submodule(fl, "views")

    class Counter(views.MethodView):  # type: ignore[misc, name-defined]
        init_every_request = False

        def __init__(self, start: int) -> None:
            self.count = start

        def get(self, name: str) -> str:
            self.count += 1
            return f"{name} {self.count}"

        def delete(self, name: str) -> tuple[str, int]:
            return "", 204

    app = fl.Flask(__name__)
    app.add_url_rule("/c/<name>", view_func=Counter.as_view("counter", 10))
    client = app.test_client()
    assert [client.get("/c/a").text, client.get("/c/b").text] == ["a 11", "b 12"]
    assert client.delete("/c/a").status_code == 204
    assert client.head("/c/a").status_code == 200
    put = client.put("/c/a")
    assert put.status_code == 405
    assert set(put.headers["Allow"].split(", ")) == {"DELETE", "GET", "HEAD", "OPTIONS"}
    assert sorted(Counter.methods) == ["DELETE", "GET"]


def test_method_view_inherits_methods(fl: FlaskModule) -> None:
    views = submodule(fl, "views")

    class Base(views.MethodView):  # type: ignore[misc, name-defined]
        def get(self) -> str:
            return "get"

    class Child(Base):
        def post(self) -> str:
            return "post"

    app = fl.Flask(__name__)
    app.add_url_rule("/", view_func=Child.as_view("child"))
    client = app.test_client()
    assert [client.get("/").text, client.post("/").text] == ["get", "post"]
    assert sorted(Child.methods) == ["GET", "POST"]


def test_view_with_decorators_and_methods(fl: FlaskModule) -> None:
    views = submodule(fl, "views")
    calls: list[str] = []

    def tag(view: Any) -> Any:
        def wrapped(**kwargs: Any) -> Any:
            calls.append("decorator")
            return view(**kwargs)

        return wrapped

    class Echo(views.View):  # type: ignore[misc, name-defined]
        methods = ["GET", "POST"]
        decorators = [tag]

        def dispatch_request(self) -> str:
            return str(fl.request.method)

    app = fl.Flask(__name__)
    app.add_url_rule("/", view_func=Echo.as_view("echo"))
    client = app.test_client()
    assert [client.get("/").text, client.post("/").text] == ["GET", "POST"]
    assert client.put("/").status_code == 405
    assert calls == ["decorator", "decorator"]


def test_method_view_without_handler_for_head_uses_get(fl: FlaskModule) -> None:
    views = submodule(fl, "views")

    class OnlyPost(views.MethodView):  # type: ignore[misc, name-defined]
        def post(self) -> str:
            return "post"

    app = fl.Flask(__name__)
    app.testing = True
    app.add_url_rule("/", view_func=OnlyPost.as_view("only"), methods=["POST", "PATCH"])
    with pytest.raises(AssertionError) as error:
        app.test_client().patch("/")
    assert str(error.value) == "Unimplemented method 'PATCH'"
