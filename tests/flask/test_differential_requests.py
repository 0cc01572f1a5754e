"""Differential tests (see ``tests/flask_differential.py``): the request a view reads.

``request``'s attributes (arguments, forms, files, bodies, JSON, headers, cookies, URLs,
the matched endpoint…), and the limits on what a request may send.
"""

from __future__ import annotations

import importlib.metadata
import io
import uuid
from collections.abc import Callable
from typing import Any, cast

import pytest

from flask_differential import (
    HTML,
    MODULES,
    FlaskModule,
    seen,
)


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


# ------------------------------------------------------------------ the request's attributes


def request_value(
    fl: FlaskModule,
    read: Callable[[Any], Any],
    path: str = "/",
    rule: str = "/",
    method: str = "GET",
    **kwargs: Any,
) -> Any:
    """What ``read(request)`` gives in a view for this request (sent back as JSON)."""
    app = fl.Flask(__name__)
    app.add_url_rule(rule, "view", lambda **_: {"value": read(fl.request)}, methods=[method])
    response = app.test_client().open(path, method=method, **kwargs)
    assert response.status_code == 200, response.data
    return response.json["value"]


def request_case(read: Callable[[Any], Any], expected: Any, *, id: str, **kwargs: Any) -> Any:
    return pytest.param(read, kwargs, expected, id=id)


@pytest.mark.parametrize(
    ("read", "kwargs", "expected"),
    [
        request_case(
            lambda r: r.args.to_dict(flat=False),
            {"a": ["1", "2"], "b": [""], "c d": ["é"]},
            path="/?a=1&a=2&b=&c%20d=%C3%A9",
            id="args",
        ),
        request_case(lambda r: r.args.get("n", type=int), 5, path="/?n=5", id="args-get-type"),
        request_case(
            lambda r: r.args.getlist("x"),
            ["1", "2"],
            query_string={"x": ["1", "2"]},
            id="args-query_string",
        ),
        request_case(
            lambda r: r.form.to_dict(flat=False),
            {"name": ["Ann"], "tags": ["a", "b"]},
            method="POST",
            data={"name": "Ann", "tags": ["a", "b"]},
            id="form",
        ),
        request_case(
            lambda r: r.values.to_dict(flat=False),
            {"a": ["q", "f"]},
            method="POST",
            path="/?a=q",
            data={"a": "f"},
            id="values",
        ),
        request_case(lambda r: r.values.to_dict(), {"a": "q"}, path="/?a=q", id="values-get"),
        request_case(
            lambda r: [r.data.decode(), r.form.to_dict()],
            ['{"x": 1}', {}],
            method="POST",
            data='{"x": 1}',
            content_type="application/json",
            id="data",
        ),
        request_case(
            lambda r: [r.data.decode(), r.form.to_dict()],
            ["", {"a": "1"}],
            method="POST",
            data="a=1",
            content_type="application/x-www-form-urlencoded",
            id="data-of-form",
        ),
        request_case(
            lambda r: r.get_data(as_text=True),
            "héllo",
            method="PUT",
            data="héllo".encode(),
            content_type="text/plain",
            id="get_data-as_text",
        ),
        request_case(
            lambda r: r.json,
            {"a": [1, 2]},
            method="POST",
            json={"a": [1, 2]},
            id="json",
        ),
        request_case(
            lambda r: [r.is_json, r.mimetype, r.content_type],
            [True, "application/json", "application/json"],
            method="POST",
            json=[1],
            id="is_json",
        ),
        request_case(
            lambda r: [r.is_json, r.mimetype],
            [True, "application/vnd.api+json"],
            method="POST",
            data="{}",
            content_type="application/vnd.api+json",
            id="is_json-plus-json",
        ),
        request_case(
            lambda r: r.get_json(silent=True),
            None,
            method="POST",
            data="{not json",
            content_type="application/json",
            id="get_json-silent",
        ),
        request_case(
            lambda r: r.get_json(force=True),
            {"forced": True},
            method="POST",
            data='{"forced": true}',
            content_type="text/plain",
            id="get_json-force",
        ),
        request_case(
            lambda r: r.get_json(silent=True),
            None,
            method="POST",
            data='{"a": 1}',
            content_type="text/plain",
            id="get_json-silent-wrong-type",
        ),
        request_case(
            lambda r: [r.mimetype, r.mimetype_params, r.content_length],
            ["text/plain", {"charset": "latin-1"}, 3],
            method="POST",
            data=b"abc",
            content_type="text/plain; charset=latin-1",
            id="mimetype",
        ),
        request_case(
            lambda r: [r.headers.get("X-Custom"), r.headers.get("x-custom"), r.headers["Host"]],
            ["v", "v", "localhost"],
            headers={"X-Custom": "v"},
            id="headers",
        ),
        request_case(
            lambda r: r.headers.getlist("X-Multi"),
            ["1, 2"],
            headers=[("X-Multi", "1"), ("X-Multi", "2")],
            id="headers-multi",
        ),
        request_case(lambda r: r.method, "DELETE", method="DELETE", id="method"),
        request_case(
            lambda r: [r.path, r.full_path, r.script_root, r.query_string.decode()],
            ["/p/x y", "/p/x y?q=1", "", "q=1"],
            rule="/p/<path:rest>",
            path="/p/x%20y?q=1",
            id="paths",
        ),
        request_case(lambda r: [r.full_path], ["/?"], id="full_path-no-query"),
        request_case(
            lambda r: [r.url, r.base_url, r.url_root, r.host_url, r.host, r.scheme],
            [
                "http://localhost/p/a?x=1",
                "http://localhost/p/a",
                "http://localhost/",
                "http://localhost/",
                "localhost",
                "http",
            ],
            rule="/p/<rest>",
            path="/p/a?x=1",
            id="urls",
        ),
        request_case(
            lambda r: [r.url, r.host, r.is_secure],
            ["https://example.org:8443/", "example.org:8443", True],
            base_url="https://example.org:8443",
            id="urls-base_url",
        ),
        request_case(
            lambda r: [r.url, r.host],
            ["http://other.test/", "other.test"],
            headers={"Host": "other.test"},
            id="host-header",
        ),
        request_case(
            lambda r: [r.remote_addr, r.access_route],
            ["127.0.0.1", ["127.0.0.1"]],
            id="remote_addr",
        ),
        request_case(
            lambda r: [r.remote_addr, list(r.access_route)],
            ["10.0.0.1", ["1.2.3.4", "10.0.0.1"]],
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
            headers={"X-Forwarded-For": "1.2.3.4, 10.0.0.1"},
            id="remote_addr-environ_base",
        ),
        request_case(
            lambda r: [r.endpoint, r.view_args, r.blueprint, r.blueprints, r.url_rule.rule],
            ["view", {"n": 3}, None, [], "/n/<int:n>"],
            rule="/n/<int:n>",
            path="/n/3",
            id="endpoint-view_args",
        ),
        request_case(
            lambda r: r.user_agent.string,
            f"Werkzeug/{importlib.metadata.version('werkzeug')}",
            id="user_agent-default",
        ),
        request_case(
            lambda r: [r.user_agent.string, r.headers["User-Agent"]],
            ["MyAgent/1.0", "MyAgent/1.0"],
            headers={"User-Agent": "MyAgent/1.0"},
            id="user_agent",
        ),
        request_case(
            lambda r: [
                r.accept_mimetypes.best_match(["application/json", "text/html"]),
                r.accept_mimetypes["text/html"],
                r.accept_mimetypes.accept_json,
            ],
            ["text/html", 1, True],
            headers={"Accept": "text/html, application/json;q=0.5"},
            id="accept_mimetypes",
        ),
        request_case(
            lambda r: [r.accept_languages.best, r.accept_charsets.best],
            ["fr", "utf-8"],
            headers={"Accept-Language": "fr, en;q=0.8", "Accept-Charset": "utf-8"},
            id="accept-others",
        ),
        request_case(
            lambda r: [r.authorization.type, r.authorization.username, r.authorization.password],
            ["basic", "ann", "s3cret:x"],
            auth=("ann", "s3cret:x"),
            id="authorization-basic",
        ),
        request_case(
            lambda r: [r.authorization.type, r.authorization.token],
            ["bearer", "abc.def"],
            headers={"Authorization": "Bearer abc.def"},
            id="authorization-bearer",
        ),
        request_case(lambda r: r.authorization, None, id="authorization-none"),
        request_case(
            lambda r: [r.if_none_match.to_header(), r.range.to_header()],
            ['"abc"', "bytes=0-9"],
            headers={"If-None-Match": '"abc"', "Range": "bytes=0-9"},
            id="conditional-headers",
        ),
        request_case(
            lambda r: [r.args.to_dict(), r.environ["QUERY_STRING"]],
            [{"a": "b c"}, "a=b+c"],
            path="/?a=b+c",
            id="plus-in-query",
        ),
        request_case(
            lambda r: [r.is_json, r.get_json(silent=True)],
            [False, None],
            id="no-body-get_json",
        ),
        request_case(lambda r: r.max_content_length, None, id="max_content_length"),
    ],
)
def test_request_attributes(
    fl: FlaskModule, read: Callable[[Any], Any], kwargs: dict[str, Any], expected: Any
) -> None:
    assert request_value(fl, read, **kwargs) == expected


def test_request_cookies(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/")
    def index() -> dict[str, Any]:
        return dict(fl.request.cookies.to_dict())

    client = app.test_client()
    client.set_cookie("a", "1")
    client.set_cookie("b", "two words")
    assert client.get("/").json == {"a": "1", "b": "two words"}
    no_jar = app.test_client(use_cookies=False)
    assert no_jar.get("/", headers={"Cookie": 'a=1; b="x y"'}).json == {"a": "1", "b": "x y"}


def test_file_uploads(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.post("/upload")
    def upload() -> dict[str, Any]:
        files = fl.request.files
        return {
            "keys": sorted(files.keys()),
            "many": [f.filename for f in files.getlist("many")],
            "doc": [
                files["doc"].filename,
                files["doc"].mimetype,
                files["doc"].content_type,
                files["doc"].read().decode(),
            ],
            "form": fl.request.form.to_dict(),
            "mimetype": fl.request.mimetype,
        }

    response = app.test_client().post(
        "/upload",
        data={
            "doc": (io.BytesIO(b"contents"), "notes.txt", "text/plain"),
            "many": [(io.BytesIO(b"1"), "a.bin"), (io.BytesIO(b"2"), "b.bin")],
            "title": "Hello",
        },
    )
    assert response.json == {
        "doc": ["notes.txt", "text/plain", "text/plain", "contents"],
        "form": {"title": "Hello"},
        "keys": ["doc", "many"],
        "many": ["a.bin", "b.bin"],
        "mimetype": "multipart/form-data",
    }


def test_file_save_and_secure_filename(fl: FlaskModule, tmp_path: Any) -> None:
    from werkzeug.utils import secure_filename

    app = fl.Flask(__name__)

    @app.post("/upload")
    def upload() -> str:
        upload = fl.request.files["f"]
        name = secure_filename(upload.filename)
        upload.save(tmp_path / name)
        return name

    response = app.test_client().post(
        "/upload", data={"f": (io.BytesIO(b"data"), "../../etc/pass wd.txt")}
    )
    assert response.text == "etc_pass_wd.txt"
    assert (tmp_path / "etc_pass_wd.txt").read_bytes() == b"data"


def test_empty_file_field(fl: FlaskModule) -> None:
    value = request_value(
        fl,
        lambda r: [r.files["f"].filename, r.files["f"].read().decode()],
        method="POST",
        data={"f": (io.BytesIO(b""), "")},
    )
    assert value == ["", ""]


def test_get_with_a_body(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.add_url_rule(
        "/",
        "index",
        lambda: {
            "data": fl.request.get_data(as_text=True),
            "form": fl.request.form.to_dict(),
            "values": fl.request.values.to_dict(),
        },
    )
    client = app.test_client()
    # get_data() first: the body is read as it is, then parsed from the cache.
    assert client.get("/?a=1", data={"b": "2"}).json == {
        "data": "b=2",
        "form": {"b": "2"},
        "values": {"a": "1"},
    }
    assert client.get("/", data="raw").json == {"data": "raw", "form": {}, "values": {}}


def test_raw_stream_and_form_parsing(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.add_url_rule(
        "/stream",
        "stream",
        lambda: fl.request.stream.read() + b"|" + fl.request.get_data(),
        methods=["POST"],
    )
    app.add_url_rule(
        "/parse",
        "parse",
        lambda: repr((fl.request.get_data(parse_form_data=True), fl.request.form.to_dict())),
        methods=["POST"],
    )
    client = app.test_client()
    assert client.post("/stream", data=b"raw").data == b"raw|"
    assert client.post("/parse", data={"a": "1"}).text == "(b'', {'a': '1'})"


def test_custom_request_class(fl: FlaskModule) -> None:
    class MyRequest(fl.Request):  # type: ignore[misc, name-defined]
        @property
        def shout(self) -> str:
            return str(self.args.get("s", "")).upper()

    app = fl.Flask(__name__)
    app.request_class = MyRequest
    app.add_url_rule(
        "/",
        "index",
        lambda: f"{type(fl.request._get_current_object()).__name__} {fl.request.shout}",
    )
    assert app.test_client().get("/?s=hi").text == "MyRequest HI"


def test_uuid_value_round_trips_through_url_for(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")

    @app.route("/u/<uuid:v>")
    def u(v: uuid.UUID) -> str:
        return str(fl.url_for("u", v=v))

    assert app.test_client().get(f"/u/{value}").text == f"/u/{value}"


def test_request_outside_context(fl: FlaskModule) -> None:
    with pytest.raises(RuntimeError) as error:
        _ = fl.request.method
    assert str(error.value).startswith("Working outside of request context.")
    assert not fl.has_request_context()


# ------------------------------------------------------------------ bad requests and limits


def test_get_json_on_wrong_content_type_is_415(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.post("/")
    def index() -> Any:
        return {"json": fl.request.get_json()}

    response = app.test_client().post("/", data="{}", content_type="text/plain")
    assert response.status_code == 415
    assert b"Did not attempt to load JSON data" in response.data


def test_request_json_on_get_is_415(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.add_url_rule("/", "index", lambda: {"json": fl.request.json})
    assert app.test_client().get("/").status_code == 415


@pytest.mark.parametrize("debug", [False, True])
def test_bad_json_is_400(fl: FlaskModule, debug: bool) -> None:
    app = fl.Flask(__name__)
    app.debug = debug

    @app.post("/")
    def index() -> Any:
        return {"json": fl.request.json}

    response = app.test_client().post("/", data="{bad", content_type="application/json")
    assert response.status_code == 400
    assert (b"Failed to decode JSON object" in response.data) is debug


def test_form_key_missing_is_400(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.post("/")
    def index() -> str:
        return str(fl.request.form["missing"])

    response = app.test_client().post("/", data={"other": "1"})
    assert seen(response, "Content-Type") == {
        "status": "400 BAD REQUEST",
        "body": response.data,
        "Content-Type": HTML,
    }
    assert b"The browser (or proxy) sent a request that this server could not understand." in (
        response.data
    )
    assert b"missing" not in response.data


def test_form_key_missing_shows_key_in_debug(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.debug = True

    @app.post("/")
    def index() -> str:
        return str(fl.request.form["missing"])

    with pytest.raises(KeyError) as error:
        app.test_client().post("/", data={"other": "1"})
    assert error.value.args == ("missing",)


def test_debug_files_key_error(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.debug = True

    @app.post("/")
    def index() -> str:
        return str(fl.request.files["upload"].filename)

    with pytest.raises(AssertionError) as error:
        app.test_client().post("/", data={"upload": "not a file"})
    assert isinstance(error.value, KeyError)
    assert str(error.value).startswith(
        "You tried to access the file 'upload' in the request.files dictionary but it does"
        " not exist. The mimetype for the request is 'application/x-www-form-urlencoded'"
        " instead of 'multipart/form-data'"
    )


def test_max_content_length_413(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/")
    def index() -> str:
        return str(len(fl.request.get_data()))

    client = app.test_client()
    assert client.post("/", data=b"x" * 10).text == "10"
    response = client.post("/", data={"f": "x" * 100})
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("config", "fields", "status"),
    [
        ({"MAX_FORM_MEMORY_SIZE": 1000}, {"a": "x" * 50}, 200),
        ({"MAX_FORM_MEMORY_SIZE": 1000}, {"a": "x" * 5000}, 413),
        ({"MAX_FORM_PARTS": 3}, {"a": "1", "b": "2"}, 200),
        ({"MAX_FORM_PARTS": 2}, {"a": "1", "b": "2"}, 413),
        ({"MAX_CONTENT_LENGTH": 50}, {"a": "x" * 100}, 413),
    ],
)
def test_form_limits(
    fl: FlaskModule, config: dict[str, Any], fields: dict[str, str], status: int
) -> None:
    app = fl.Flask(__name__)
    app.config.update(config)
    app.add_url_rule("/", "index", lambda: fl.request.form.to_dict(), methods=["POST"])
    # A file makes the body multipart/form-data, where the limits apply.
    data = {**fields, "f": (io.BytesIO(b"x"), "f.txt")}
    assert app.test_client().post("/", data=data).status_code == status


def test_per_request_max_content_length(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.before_request
    def limit() -> None:
        fl.request.max_content_length = 3

    app.add_url_rule("/", "index", lambda: fl.request.get_data(), methods=["POST"])
    client = app.test_client()
    assert [
        client.post("/", data=b"ab").status_code,
        client.post("/", data=b"abcd").status_code,
    ] == [
        200,
        413,
    ]


@pytest.mark.parametrize(("host", "status"), [("good.test", 200), ("bad.test", 400)])
def test_trusted_hosts(fl: FlaskModule, host: str, status: int) -> None:
    app = fl.Flask(__name__)
    app.config["TRUSTED_HOSTS"] = ["good.test"]
    app.add_url_rule("/", "index", lambda: fl.request.host)
    response = app.test_client().get("/", headers={"Host": host})
    assert response.status_code == status
