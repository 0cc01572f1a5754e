"""Differential tests (see ``tests/flask_differential.py``): what a view may return.

Strings, bytes, dicts, lists, tuples of every shape, response objects, generators, WSGI
callables, ``make_response``, and the ``TypeError`` of an invalid return value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response as WerkzeugResponse

from flask_differential import HTML, MODULES, FlaskModule, redirect_body, seen


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


def respond(fl: FlaskModule, value: Callable[[], Any], **config: Any) -> Any:
    """The response to ``GET /`` of an app whose view returns ``value()``."""
    app = fl.Flask(__name__)
    app.config.update(config)
    app.add_url_rule("/", "index", lambda: value())
    return app.test_client().get("/")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            lambda fl: "héllo",
            {"status": "200 OK", "body": "héllo".encode(), "Content-Type": HTML},
            id="str",
        ),
        pytest.param(
            lambda fl: b"\x00raw",
            {"status": "200 OK", "body": b"\x00raw", "Content-Type": HTML},
            id="bytes",
        ),
        pytest.param(
            lambda fl: bytearray(b"ba"),
            {"status": "200 OK", "body": b"ba", "Content-Type": HTML},
            id="bytearray",
        ),
        pytest.param(
            lambda fl: {"b": 1, "a": [1, 2], "é": None},
            {
                "status": "200 OK",
                "body": b'{"a":[1,2],"b":1,"\\u00e9":null}\n',
                "Content-Type": "application/json",
            },
            id="dict",
        ),
        pytest.param(
            lambda fl: [1, "two", {"z": 0, "y": 1}],
            {
                "status": "200 OK",
                "body": b'[1,"two",{"y":1,"z":0}]\n',
                "Content-Type": "application/json",
            },
            id="list",
        ),
        pytest.param(
            lambda fl: ("made", 201),
            {"status": "201 CREATED", "body": b"made", "Content-Type": HTML},
            id="str-status",
        ),
        pytest.param(
            lambda fl: ("odd", 299),
            {"status": "299 UNKNOWN", "body": b"odd", "Content-Type": HTML},
            id="unknown-status",
        ),
        pytest.param(
            lambda fl: ("teapot", "418 I AM SHORT AND STOUT"),
            {"status": "418 I AM SHORT AND STOUT", "body": b"teapot", "Content-Type": HTML},
            id="status-string",
        ),
        pytest.param(
            lambda fl: ("text", {"Content-Type": "text/plain", "X-A": "1"}),
            {"status": "200 OK", "body": b"text", "Content-Type": "text/plain", "X-A": "1"},
            id="str-headers-dict",
        ),
        pytest.param(
            lambda fl: ("text", [("X-A", "1"), ("X-A", "2")]),
            {"status": "200 OK", "body": b"text", "Content-Type": HTML, "X-A": "1"},
            id="str-headers-list",
        ),
        pytest.param(
            lambda fl: ("text", Headers({"X-A": "h"})),
            {"status": "200 OK", "body": b"text", "Content-Type": HTML, "X-A": "h"},
            id="str-headers-object",
        ),
        pytest.param(
            lambda fl: ("gone", 410, {"X-A": "3"}),
            {"status": "410 GONE", "body": b"gone", "Content-Type": HTML, "X-A": "3"},
            id="str-status-headers",
        ),
        pytest.param(
            lambda fl: ({"ok": False}, 400),
            {
                "status": "400 BAD REQUEST",
                "body": b'{"ok":false}\n',
                "Content-Type": "application/json",
            },
            id="dict-status",
        ),
        pytest.param(
            lambda fl: ([], 202, {"X-A": "4"}),
            {"status": "202 ACCEPTED", "body": b"[]\n", "Content-Type": "application/json"},
            id="list-status-headers",
        ),
        pytest.param(
            lambda fl: ("none headers", 200, None),
            {"status": "200 OK", "body": b"none headers", "Content-Type": HTML},
            id="headers-none",
        ),
        pytest.param(
            lambda fl: fl.Response("resp", 202, mimetype="text/csv"),
            {"status": "202 ACCEPTED", "body": b"resp", "Content-Type": "text/csv; charset=utf-8"},
            id="response",
        ),
        pytest.param(
            lambda fl: (fl.Response("resp"), 404, {"X-A": "5"}),
            {"status": "404 NOT FOUND", "body": b"resp", "Content-Type": HTML, "X-A": "5"},
            id="response-status-headers",
        ),
        pytest.param(
            lambda fl: (fl.Response("resp", headers={"X-A": "old"}), {"X-A": "new"}),
            {"status": "200 OK", "body": b"resp", "Content-Type": HTML, "X-A": "new"},
            id="response-headers-replace",
        ),
        pytest.param(
            lambda fl: WerkzeugResponse("wz", 203, content_type="text/x-wz"),
            {
                "status": "203 NON AUTHORITATIVE INFORMATION",
                "body": b"wz",
                "Content-Type": "text/x-wz",
            },
            id="werkzeug-response",
        ),
        pytest.param(
            lambda fl: fl.jsonify(a=1),
            {"status": "200 OK", "body": b'{"a":1}\n', "Content-Type": "application/json"},
            id="jsonify",
        ),
        pytest.param(
            lambda fl: fl.make_response("made", 207, {"X-A": "6"}),
            {"status": "207 MULTI STATUS", "body": b"made", "Content-Type": HTML, "X-A": "6"},
            id="make_response-args",
        ),
        pytest.param(
            lambda fl: fl.make_response(("tuple", 208)),
            {"status": "208 ALREADY REPORTED", "body": b"tuple", "Content-Type": HTML},
            id="make_response-tuple",
        ),
        pytest.param(
            lambda fl: fl.make_response({"k": "v"}),
            {"status": "200 OK", "body": b'{"k":"v"}\n', "Content-Type": "application/json"},
            id="make_response-dict",
        ),
        pytest.param(
            lambda fl: fl.make_response(),
            {"status": "200 OK", "body": b"", "Content-Type": HTML},
            id="make_response-empty",
        ),
        pytest.param(
            lambda fl: fl.redirect("/elsewhere"),
            {"status": "302 FOUND", "body": redirect_body("/elsewhere"), "Content-Type": HTML},
            id="redirect",
        ),
    ],
)
def test_view_return_values(
    fl: FlaskModule, value: Callable[[FlaskModule], Any], expected: dict[str, Any]
) -> None:
    response = respond(fl, lambda: value(fl))
    names = [name for name in expected if name not in {"status", "body"}]
    assert seen(response, *names) == expected


def test_redirect_response(fl: FlaskModule) -> None:
    response = respond(fl, lambda: fl.redirect("/to?a=b", 301))
    assert seen(response, "Location", "Content-Type") == {
        "status": "301 MOVED PERMANENTLY",
        "body": redirect_body("/to?a=b"),
        "Location": "/to?a=b",
        "Content-Type": HTML,
    }


def test_response_with_duplicate_headers(fl: FlaskModule) -> None:
    response = respond(fl, lambda: ("x", [("X-A", "1"), ("X-A", "2")]))
    assert response.headers.getlist("X-A") == ["1", "2"]


def test_content_length_of_str_body(fl: FlaskModule) -> None:
    response = respond(fl, lambda: "héllo")
    assert response.headers["Content-Length"] == "6"


def test_generator_is_streamed(fl: FlaskModule) -> None:
    events: list[str] = []

    def generate() -> Iterator[str]:
        events.append("start")
        yield "a"
        yield "b"
        events.append("end")

    response = respond(fl, generate)
    assert seen(response) == {
        "status": "200 OK",
        "body": b"ab",
        "Content-Type": HTML,
        "Content-Length": None,
    }
    assert events == ["start", "end"]


def test_iterator_of_bytes_with_status_and_headers(fl: FlaskModule) -> None:
    response = respond(fl, lambda: (iter([b"x", b"y"]), 206, {"Content-Type": "text/plain"}))
    assert seen(response) == {
        "status": "206 PARTIAL CONTENT",
        "body": b"xy",
        "Content-Type": "text/plain",
        "Content-Length": None,
    }


def test_response_of_a_generator(fl: FlaskModule) -> None:
    response = respond(fl, lambda: fl.Response((c for c in "abc"), mimetype="text/plain"))
    assert seen(response) == {
        "status": "200 OK",
        "body": b"abc",
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Length": None,
    }


def test_head_of_a_streamed_response_skips_the_body(fl: FlaskModule) -> None:
    ran: list[str] = []

    def generate() -> Iterator[str]:
        ran.append("generator")
        yield "abc"

    app = fl.Flask(__name__)
    app.add_url_rule("/", "index", lambda: generate())
    response = app.test_client().head("/")
    assert (response.status_code, response.data, ran) == (200, b"", [])


def test_wsgi_callable_return(fl: FlaskModule) -> None:
    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("202 Accepted", [("Content-Type", "text/x-wsgi")])
        return [b"from ", environ["PATH_INFO"].encode()]

    response = respond(fl, lambda: wsgi)
    assert seen(response, "Content-Type") == {
        "status": "202 Accepted",
        "body": b"from /",
        "Content-Type": "text/x-wsgi",
    }


def test_make_response_then_modified(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.route("/")
    def index() -> Any:
        response = fl.make_response("body", 201)
        response.headers["X-Made"] = "yes"
        response.set_cookie("c", "v")
        response.mimetype = "text/plain"
        return response

    response = app.test_client().get("/")
    assert seen(response, "X-Made", "Set-Cookie", "Content-Type") == {
        "status": "201 CREATED",
        "body": b"body",
        "X-Made": "yes",
        "Set-Cookie": "c=v; Path=/",
        "Content-Type": "text/plain; charset=utf-8",
    }


def test_custom_response_class(fl: FlaskModule) -> None:
    class TextResponse(fl.Response):  # type: ignore[misc, name-defined]
        default_mimetype = "text/plain"

    app = fl.Flask(__name__)
    app.response_class = TextResponse
    app.add_url_rule("/", "index", lambda: "text")
    app.add_url_rule("/json", "json", lambda: {"a": 1})
    client = app.test_client()
    response = client.get("/")
    assert (response.headers["Content-Type"], isinstance(response, TextResponse)) == (
        "text/plain; charset=utf-8",
        True,
    )
    assert client.get("/json").headers["Content-Type"] == "application/json"


INVALID_TYPE = (
    "The view function did not return a valid response. The return type must be a string,"
    " dict, list, tuple with headers or status, Response instance, or WSGI callable, but it"
    " was a {}."
)


INVALID_TUPLE = (
    "The view function did not return a valid response tuple. The tuple must have the form"
    " (body, status, headers), (body, status), or (body, headers)."
)


RETURNED_NONE = (
    "The view function for 'index' did not return a valid response. The function either"
    " returned None or ended without a return statement."
)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(lambda: None, RETURNED_NONE, id="none"),
        pytest.param(lambda: (None, 200), RETURNED_NONE, id="none-in-tuple"),
        pytest.param(lambda: 42, INVALID_TYPE.format("int"), id="int"),
        pytest.param(lambda: 1.5, INVALID_TYPE.format("float"), id="float"),
        pytest.param(lambda: {1, 2}, INVALID_TYPE.format("set"), id="set"),
        pytest.param(lambda: ("a",), INVALID_TUPLE, id="one-tuple"),
        pytest.param(lambda: ("a", 200, {}, 1), INVALID_TUPLE, id="four-tuple"),
        pytest.param(lambda: (), INVALID_TUPLE, id="empty-tuple"),
    ],
)
def test_invalid_return_values(fl: FlaskModule, value: Callable[[], Any], message: str) -> None:
    with pytest.raises(TypeError) as error:
        respond(fl, value, TESTING=True)
    assert str(error.value) == message


def test_invalid_return_value_is_500_out_of_testing(fl: FlaskModule) -> None:
    response = respond(fl, lambda: 42)
    assert response.status_code == 500
    assert b"Internal Server Error" in response.data


def test_invalid_status_type(fl: FlaskModule) -> None:
    with pytest.raises(AttributeError):
        respond(fl, lambda: ("a", 1.5), TESTING=True)
