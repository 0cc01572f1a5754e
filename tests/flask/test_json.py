"""heron.flask.json and its providers, side by side with Flask's ``flask.json``.

Flask runs in its own application context (``flask.Flask(...).app_context()``); Heron's
side uses a stand-in application whose provider is found through
``heron.flask.json._find_app`` (patched), which is all ``heron.flask.json`` asks for.
"""

from __future__ import annotations

import dataclasses
import gc
import io
import json
import weakref
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import flask.json
import flask.json.provider
import pytest
from markupsafe import Markup
from werkzeug.wrappers import Response

import heron.flask.globals
import heron.flask.json
from heron.exceptions import OutsideContextError
from heron.flask.json.provider import DefaultJSONProvider, JSONProvider


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Widget:
    """Has ``__html__`` without being a string, like a form field."""

    def __html__(self) -> str:
        return "<input name=w>"


class Opaque:
    """Nothing JSON or Flask's default knows."""


SAMPLE: dict[str, Any] = {
    "zeta": 1,
    "alpha": [1, 2.5, None, True, "x"],
    "when": datetime(2024, 2, 29, 13, 5, 7, tzinfo=UTC),
    "naive": datetime(2024, 1, 1, 23, 59),
    "offset": datetime(2024, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=2))),
    "day": date(2024, 1, 2),
    "price": Decimal("10.50"),
    "id": UUID("12345678-1234-5678-1234-567812345678"),
    "point": Point(1, 2),
    "html": Markup("<b>x</b>"),
    "widget": Widget(),
    "text": "café ☕",
    "nested": {"b": [Point(3, 4)], "a": {"z": Decimal("1"), "y": ()}},
}


def body(response: object) -> bytes:
    assert isinstance(response, Response)
    return response.get_data()


class StandInApp:
    """What a provider and ``heron.flask.json`` need from an application."""

    response_class = Response

    def __init__(self, debug: bool = False) -> None:
        self.debug = debug
        self.json: JSONProvider = DefaultJSONProvider(self)


@pytest.fixture
def activate(monkeypatch: pytest.MonkeyPatch) -> Callable[[StandInApp], StandInApp]:
    """Make ``app`` the current application for heron.flask.json."""

    def activate(app: StandInApp) -> StandInApp:
        monkeypatch.setattr(heron.flask.json, "_find_app", lambda: app)
        return app

    return activate


@pytest.fixture
def flask_app() -> Iterator[flask.Flask]:
    app = flask.Flask(__name__)
    with app.app_context():
        yield app


# -- dumps / loads outside an application context ----------------------------------------


def test_dumps_without_an_app_is_flasks() -> None:
    # Keys in insertion order (no provider), Flask's extra types through ``default``.
    text = heron.flask.json.dumps(SAMPLE)
    assert text == flask.json.dumps(SAMPLE)
    assert text.startswith('{"zeta": 1, "alpha"')
    assert '"when": "Thu, 29 Feb 2024 13:05:07 GMT"' in text
    assert '"offset": "Sun, 31 Dec 2023 23:00:00 GMT"' in text
    assert '"point": {"x": 1, "y": 2}' in text
    assert '"widget": "<input name=w>"' in text


def test_dumps_without_an_app_passes_options_on() -> None:
    options: dict[str, Any] = {"sort_keys": True, "indent": 1, "ensure_ascii": False}
    assert heron.flask.json.dumps(SAMPLE, **options) == flask.json.dumps(SAMPLE, **options)
    assert "café ☕" in heron.flask.json.dumps(SAMPLE, **options)


def test_dumps_without_an_app_takes_another_default() -> None:
    assert heron.flask.json.dumps(Opaque(), default=lambda o: "opaque") == '"opaque"'


def test_unknown_types_fail_like_flask() -> None:
    with pytest.raises(TypeError) as flask_error:
        flask.json.dumps({"o": Opaque()})
    with pytest.raises(TypeError) as heron_error:
        heron.flask.json.dumps({"o": Opaque()})
    assert str(heron_error.value) == str(flask_error.value)
    assert str(heron_error.value) == "Object of type Opaque is not JSON serializable"


def test_a_dataclass_class_is_not_serialized() -> None:
    with pytest.raises(TypeError, match="Object of type type is not JSON serializable"):
        heron.flask.json.dumps(Point)


def test_loads_and_load_without_an_app() -> None:
    text = '{"b": 1.5, "a": [null, "\\u00e9"]}'
    expected = {"b": 1.5, "a": [None, "é"]}
    assert heron.flask.json.loads(text) == flask.json.loads(text) == expected
    assert heron.flask.json.loads(text.encode()) == expected
    assert heron.flask.json.loads(text, parse_float=Decimal) == {
        "b": Decimal("1.5"),
        "a": [None, "é"],
    }
    assert heron.flask.json.load(io.StringIO(text)) == expected
    assert heron.flask.json.load(io.BytesIO(text.encode())) == expected


def test_dump_without_an_app() -> None:
    ours, theirs = io.StringIO(), io.StringIO()
    heron.flask.json.dump(SAMPLE, ours)
    flask.json.dump(SAMPLE, theirs)
    assert ours.getvalue() == theirs.getvalue() == flask.json.dumps(SAMPLE)


def test_outside_an_app_context_there_is_no_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heron.flask.json, "_find_app", lambda: None)
    assert heron.flask.json.dumps({"b": 1, "a": 2}) == '{"b": 1, "a": 2}'  # unsorted
    with pytest.raises(OutsideContextError):
        heron.flask.json.jsonify(1)


# -- inside an application context: the app's provider -----------------------------------


def test_dumps_in_an_app_is_flasks(
    activate: Callable[[StandInApp], StandInApp], flask_app: flask.Flask
) -> None:
    activate(StandInApp())
    text = heron.flask.json.dumps(SAMPLE)
    assert text == flask.json.dumps(SAMPLE)
    assert text.startswith('{"alpha": [1, 2.5, null, true, "x"], "day"')  # sorted keys
    assert "caf\\u00e9 \\u2615" in text  # ASCII only


def test_provider_settings_apply(
    activate: Callable[[StandInApp], StandInApp], flask_app: flask.Flask
) -> None:
    app = activate(StandInApp())
    for provider in (app.json, flask_app.json):
        assert isinstance(provider, DefaultJSONProvider | flask.json.provider.DefaultJSONProvider)
        provider.sort_keys = False
        provider.ensure_ascii = False
    text = heron.flask.json.dumps(SAMPLE)
    assert text == flask.json.dumps(SAMPLE)
    assert text.startswith('{"zeta": 1')
    assert "café ☕" in text


def test_call_options_win_over_the_provider(
    activate: Callable[[StandInApp], StandInApp], flask_app: flask.Flask
) -> None:
    activate(StandInApp())
    text = heron.flask.json.dumps({"b": 1, "a": Opaque()}, sort_keys=False, default=repr)
    assert text.startswith('{"b": 1, "a": "<')
    assert text == flask.json.dumps({"b": 1, "a": Opaque()}, sort_keys=False, default=repr)


def test_default_is_a_replaceable_static_method(
    activate: Callable[[StandInApp], StandInApp],
) -> None:
    assert DefaultJSONProvider.default(Decimal("1.5")) == "1.5"
    app = activate(StandInApp())
    assert app.json.default(UUID(int=1)) == "00000000-0000-0000-0000-000000000001"  # type: ignore[attr-defined]
    app.json.default = lambda o: "custom"  # type: ignore[attr-defined]
    assert heron.flask.json.dumps([Opaque()]) == '["custom"]'


def test_loads_and_load_use_the_provider(
    activate: Callable[[StandInApp], StandInApp],
) -> None:
    class Loud(DefaultJSONProvider):
        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            return {"via": "provider", "data": super().loads(s, **kwargs)}

    app = activate(StandInApp())
    app.json = Loud(app)
    expected = {"via": "provider", "data": [1]}
    assert heron.flask.json.loads("[1]") == expected
    assert heron.flask.json.load(io.StringIO("[1]")) == expected  # load() reads, then loads()


def test_dump_uses_the_provider(
    activate: Callable[[StandInApp], StandInApp], flask_app: flask.Flask
) -> None:
    activate(StandInApp())
    ours, theirs = io.StringIO(), io.StringIO()
    heron.flask.json.dump(SAMPLE, ours, indent=2)
    flask.json.dump(SAMPLE, theirs, indent=2)
    assert ours.getvalue() == theirs.getvalue()
    assert ours.getvalue().startswith('{\n  "alpha": [\n')


# -- jsonify / app.json.response -----------------------------------------------------------

JSONIFY_CALLS = [
    pytest.param((), {}, id="nothing"),
    pytest.param((SAMPLE,), {}, id="one-dict"),
    pytest.param(([1, "two"],), {}, id="one-list"),
    pytest.param(("text",), {}, id="one-string"),
    pytest.param((1, "two", [3]), {}, id="several"),
    pytest.param((), {"b": 1, "a": date(2020, 1, 1)}, id="keywords"),
]


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize(("args", "kwargs"), JSONIFY_CALLS)
def test_jsonify_is_flasks(
    activate: Callable[[StandInApp], StandInApp],
    flask_app: flask.Flask,
    debug: bool,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    activate(StandInApp(debug=debug))
    flask_app.debug = debug
    ours = heron.flask.json.jsonify(*args, **kwargs)
    theirs = flask.json.jsonify(*args, **kwargs)
    assert isinstance(ours, Response)
    assert ours.get_data() == theirs.get_data()
    assert ours.status_code == theirs.status_code == 200
    assert ours.headers["Content-Type"] == theirs.headers["Content-Type"] == "application/json"
    assert ours.get_data(as_text=True).endswith("\n")


def test_jsonify_bodies() -> None:
    app = StandInApp()
    assert body(app.json.response()) == b"null\n"
    assert body(app.json.response(1, 2)) == b"[1,2]\n"
    assert body(app.json.response(b=1, a=[1, 2])) == b'{"a":[1,2],"b":1}\n'
    app.debug = True
    assert body(app.json.response(b=1, a=[1, 2])) == (
        b'{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}\n'
    )


@pytest.mark.parametrize("compact", [True, False, None])
@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_compact_setting_is_flasks(
    activate: Callable[[StandInApp], StandInApp],
    flask_app: flask.Flask,
    compact: bool | None,
    debug: bool,
) -> None:
    app = activate(StandInApp(debug=debug))
    assert isinstance(app.json, DefaultJSONProvider)
    assert isinstance(flask_app.json, flask.json.provider.DefaultJSONProvider)
    app.json.compact = flask_app.json.compact = compact
    flask_app.debug = debug
    ours = body(heron.flask.json.jsonify(a=[1]))
    assert ours == flask.json.jsonify(a=[1]).get_data()
    indented = compact is False or (compact is None and debug)
    assert ours == (b'{\n  "a": [\n    1\n  ]\n}\n' if indented else b'{"a":[1]}\n')


def test_mimetype_setting_is_flasks(
    activate: Callable[[StandInApp], StandInApp], flask_app: flask.Flask
) -> None:
    app = activate(StandInApp())
    assert isinstance(app.json, DefaultJSONProvider)
    assert isinstance(flask_app.json, flask.json.provider.DefaultJSONProvider)
    app.json.mimetype = flask_app.json.mimetype = "application/vnd.api+json"
    ours = heron.flask.json.jsonify([])
    assert ours.headers["Content-Type"] == flask.json.jsonify([]).headers["Content-Type"]
    assert ours.mimetype == "application/vnd.api+json"


def test_jsonify_takes_args_or_kwargs_not_both(
    activate: Callable[[StandInApp], StandInApp], flask_app: flask.Flask
) -> None:
    activate(StandInApp())
    with pytest.raises(TypeError) as theirs:
        flask.json.jsonify(1, a=2)
    with pytest.raises(TypeError) as ours:
        heron.flask.json.jsonify(1, a=2)
    assert str(ours.value) == str(theirs.value)


def test_jsonify_needs_an_app() -> None:
    with pytest.raises(RuntimeError, match=r"^Working outside of application context") as ours:
        heron.flask.json.jsonify(a=1)
    assert isinstance(ours.value, OutsideContextError)
    with pytest.raises(RuntimeError, match=r"^Working outside of application context"):
        flask.json.jsonify(a=1)


# -- JSONProvider, the base class ----------------------------------------------------------


def _minimal_provider(base: type[Any]) -> type[Any]:
    """A provider implementing only ``dumps`` and ``loads``, on either framework's base."""

    class Minimal(base):  # type: ignore[misc]
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return json.dumps(obj, separators=(",", ":"), **kwargs)

        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            return json.loads(s, **kwargs)

    return Minimal


def test_a_minimal_provider_gets_the_rest_like_flask(
    activate: Callable[[StandInApp], StandInApp], flask_app: flask.Flask
) -> None:
    app = activate(StandInApp(debug=True))
    app.json = _minimal_provider(JSONProvider)(app)
    flask_app.json = _minimal_provider(flask.json.provider.JSONProvider)(flask_app)
    for args, kwargs in [((), {}), ((1,), {}), ((1, 2), {}), ((), {"a": 1})]:
        ours = heron.flask.json.jsonify(*args, **kwargs)
        assert body(ours) == flask.json.jsonify(*args, **kwargs).get_data()
        assert ours.mimetype == "application/json"
    assert body(heron.flask.json.jsonify(a=[1])) == b'{"a":[1]}'  # no newline, no indent
    out = io.StringIO()
    heron.flask.json.dump({"a": 1}, out)
    assert out.getvalue() == '{"a":1}'
    assert heron.flask.json.load(io.StringIO("[2]")) == [2]
    with pytest.raises(TypeError, match="either args or kwargs"):
        app.json.response(1, a=1)


def test_the_base_provider_leaves_dumps_and_loads_to_subclasses() -> None:
    provider = JSONProvider(StandInApp())
    with pytest.raises(NotImplementedError):
        provider.dumps(1)
    with pytest.raises(NotImplementedError):
        provider.loads("1")


def test_the_provider_does_not_keep_its_app_alive() -> None:
    app = StandInApp()
    provider = app.json
    app_ref = weakref.ref(app)
    del app
    gc.collect()
    assert app_ref() is None
    with pytest.raises(ReferenceError):
        provider.response(1)


def test_default_provider_attributes_are_flasks() -> None:
    ours, theirs = DefaultJSONProvider, flask.json.provider.DefaultJSONProvider
    for name in ("ensure_ascii", "sort_keys", "compact", "mimetype"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert (ours.ensure_ascii, ours.sort_keys, ours.compact) == (True, True, None)
    assert ours.mimetype == "application/json"
