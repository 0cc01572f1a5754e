"""Differential tests (see ``tests/flask_differential.py``): JSON.

``jsonify`` and dict/list return values (sorted keys, indented in debug, Flask's extra
types), the app's JSON provider, ``flask.json``, and JSON request bodies.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import uuid
from typing import Any, cast

import pytest
from markupsafe import Markup

from flask_differential import (
    MODULES,
    FlaskModule,
)


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


@dataclasses.dataclass
class Point:
    x: int
    y: int


@pytest.mark.parametrize(
    ("args", "kwargs", "body"),
    [
        ((), {}, b"null\n"),
        ((1,), {}, b"1\n"),
        (("a",), {}, b'"a"\n'),
        ((1, 2), {}, b"[1,2]\n"),
        (([1, 2],), {}, b"[1,2]\n"),
        ((), {"b": 1, "a": 2}, b'{"a":2,"b":1}\n'),
        (({"z": {"b": 1, "a": 0}},), {}, b'{"z":{"a":0,"b":1}}\n'),
        (("é☃",), {}, b'"\\u00e9\\u2603"\n'),
        ((datetime.date(2024, 2, 29),), {}, b'"Thu, 29 Feb 2024 00:00:00 GMT"\n'),
        (
            (datetime.datetime(2024, 1, 2, 3, 4, 5),),
            {},
            b'"Tue, 02 Jan 2024 03:04:05 GMT"\n',
        ),
        ((decimal.Decimal("1.10"),), {}, b'"1.10"\n'),
        ((uuid.UUID(int=255),), {}, b'"00000000-0000-0000-0000-0000000000ff"\n'),
        ((Point(1, 2),), {}, b'{"x":1,"y":2}\n'),
        ((Markup("<b>"),), {}, b'"<b>"\n'),
    ],
)
def test_jsonify(
    fl: FlaskModule, args: tuple[Any, ...], kwargs: dict[str, Any], body: bytes
) -> None:
    app = fl.Flask(__name__)
    app.add_url_rule("/", "index", lambda: fl.jsonify(*args, **kwargs))
    response = app.test_client().get("/")
    assert (response.status, response.data, response.headers["Content-Type"]) == (
        "200 OK",
        body,
        "application/json",
    )
    assert response.headers["Content-Length"] == str(len(body))


def test_jsonify_indents_in_debug(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.debug = True
    app.add_url_rule("/", "index", lambda: fl.jsonify(b=[1, 2], a={"c": None}))
    assert app.test_client().get("/").data == (
        b'{\n  "a": {\n    "c": null\n  },\n  "b": [\n    1,\n    2\n  ]\n}\n'
    )


def test_json_provider_settings(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.json.mimetype = "application/vnd.x+json"
    app.json.compact = False
    app.add_url_rule("/", "index", lambda: {"b": "é", "a": 1})
    response = app.test_client().get("/")
    assert (response.data, response.headers["Content-Type"]) == (
        '{\n  "b": "é",\n  "a": 1\n}\n'.encode(),
        "application/vnd.x+json",
    )


def test_jsonify_errors(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    with app.app_context():
        with pytest.raises(TypeError) as error:
            fl.jsonify(1, a=2)
        assert str(error.value) == "app.json.response() takes either args or kwargs, not both"
        with pytest.raises(TypeError) as unserializable:
            fl.jsonify(object())
        assert str(unserializable.value) == "Object of type object is not JSON serializable"


def test_jsonify_outside_app_context(fl: FlaskModule) -> None:
    with pytest.raises(RuntimeError) as error:
        fl.jsonify(a=1)
    assert str(error.value).startswith("Working outside of application context.")


def test_json_module_functions(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    with app.app_context():
        assert fl.json.dumps({"b": 1, "a": datetime.date(2020, 1, 1)}) == (
            '{"a": "Wed, 01 Jan 2020 00:00:00 GMT", "b": 1}'
        )
        assert fl.json.loads('{"x": [1]}') == {"x": [1]}
    assert fl.json.dumps({"b": 1, "a": 2}) == '{"b": 1, "a": 2}'


def test_response_json_of_the_test_client(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)
    app.add_url_rule("/", "index", lambda: ({"a": 1}, 201))
    app.add_url_rule("/text", "text", lambda: "not json")
    client = app.test_client()
    response = client.get("/")
    assert (response.json, response.is_json, response.get_json()) == ({"a": 1}, True, {"a": 1})
    text = client.get("/text")
    assert (text.is_json, text.get_json(silent=True)) == (False, None)


def test_json_request_body_through_the_app_provider(fl: FlaskModule) -> None:
    app = fl.Flask(__name__)

    @app.post("/")
    def index() -> dict[str, Any]:
        return {"got": fl.request.get_json(), "raw": fl.request.get_data(as_text=True)}

    response = app.test_client().post("/", json={"b": 1, "a": datetime.date(2020, 1, 1)})
    assert response.json == {
        "got": {"a": "Wed, 01 Jan 2020 00:00:00 GMT", "b": 1},
        "raw": '{"a": "Wed, 01 Jan 2020 00:00:00 GMT", "b": 1}',
    }
