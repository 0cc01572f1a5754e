"""heron.flask.json.tag: the session cookie's tagged JSON, byte for byte Flask's."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import flask.json.tag
import pytest
from markupsafe import Markup
from werkzeug.wrappers import Response

import heron.flask.globals
from heron.flask.json.provider import DefaultJSONProvider
from heron.flask.json.tag import (
    JSONTag,
    PassDict,
    PassList,
    TagBytes,
    TagDateTime,
    TagDict,
    TaggedJSONSerializer,
    TagMarkup,
    TagTuple,
    TagUUID,
)

TOKEN = UUID("12345678-1234-5678-1234-567812345678")
NOON = datetime(2024, 2, 29, 12, 0, 1, tzinfo=UTC)


class Widget:
    """Not Markup, but has ``__html__``: written as HTML, read back as Markup."""

    def __html__(self) -> str:
        return "<input name=w>"


# (value, the JSON Heron and Flask write for it, the value read back)
CASES: list[Any] = [
    pytest.param("plain", '"plain"', "plain", id="str"),
    pytest.param(None, "null", None, id="none"),
    pytest.param([1, 2.5, True], "[1,2.5,true]", [1, 2.5, True], id="list"),
    pytest.param((1, "a"), '{" t":[1,"a"]}', (1, "a"), id="tuple"),
    pytest.param((1, (2, ())), '{" t":[1,{" t":[2,{" t":[]}]}]}', (1, (2, ())), id="nested-tuple"),
    pytest.param(b"\x00\xffhi", '{" b":"AP9oaQ=="}', b"\x00\xffhi", id="bytes"),
    pytest.param(b"", '{" b":""}', b"", id="empty-bytes"),
    pytest.param(
        Markup("<b>&amp;</b>"), '{" m":"<b>&amp;</b>"}', Markup("<b>&amp;</b>"), id="markup"
    ),
    pytest.param(Widget(), '{" m":"<input name=w>"}', Markup("<input name=w>"), id="__html__"),
    pytest.param(TOKEN, '{" u":"12345678123456781234567812345678"}', TOKEN, id="uuid"),
    pytest.param(NOON, '{" d":"Thu, 29 Feb 2024 12:00:01 GMT"}', NOON, id="datetime"),
    pytest.param(
        datetime(2024, 2, 29, 12, 0, 1, 999999),
        '{" d":"Thu, 29 Feb 2024 12:00:01 GMT"}',
        NOON,  # naive means UTC; no microseconds in an HTTP date
        id="naive-datetime",
    ),
    pytest.param(
        datetime(2024, 2, 29, 14, 0, 1, tzinfo=timezone(timedelta(hours=2))),
        '{" d":"Thu, 29 Feb 2024 12:00:01 GMT"}',
        NOON,
        id="offset-datetime",
    ),
    pytest.param({" t": [1]}, '{" di":{" t__":[1]}}', {" t": [1]}, id="dict-like-a-tag"),
    pytest.param({" di": (1,)}, '{" di":{" di__":{" t":[1]}}}', {" di": (1,)}, id="dict-like-di"),
    pytest.param({" t": 1, "x": 2}, '{" t":1,"x":2}', {" t": 1, "x": 2}, id="two-keys"),
    pytest.param({" other": 1}, '{" other":1}', {" other": 1}, id="unknown-tag"),
    pytest.param(
        {"z": [b"a", {"k": (TOKEN,)}], "a": {" m": Markup("x")}},
        '{"z":[{" b":"YQ=="},{"k":{" t":[{" u":"12345678123456781234567812345678"}]}}],'
        '"a":{" di":{" m__":{" m":"x"}}}}',
        {"z": [b"a", {"k": (TOKEN,)}], "a": {" m": Markup("x")}},
        id="nested",
    ),
    pytest.param({"é": "ü"}, '{"\\u00e9":"\\u00fc"}', {"é": "ü"}, id="non-ascii"),
]


@pytest.mark.parametrize(("value", "text", "back"), CASES)
def test_writes_flasks_format(value: Any, text: str, back: Any) -> None:
    assert TaggedJSONSerializer().dumps(value) == text
    assert flask.json.tag.TaggedJSONSerializer().dumps(value) == text


@pytest.mark.parametrize(("value", "text", "back"), CASES)
def test_reads_flasks_format(value: Any, text: str, back: Any) -> None:
    read = TaggedJSONSerializer().loads(flask.json.tag.TaggedJSONSerializer().dumps(value))
    assert read == back
    assert type(read) is type(back)
    assert flask.json.tag.TaggedJSONSerializer().loads(TaggedJSONSerializer().dumps(value)) == back


def test_types_survive_inside_containers() -> None:
    value = {"t": (1,), "l": [(2,), b"x"], "d": {"m": Markup("<i>")}}
    read = TaggedJSONSerializer().loads(TaggedJSONSerializer().dumps(value))
    assert read == value
    assert isinstance(read["t"], tuple)
    assert isinstance(read["l"][0], tuple)
    assert isinstance(read["d"]["m"], Markup)


def test_loads_takes_bytes() -> None:
    assert TaggedJSONSerializer().loads(b'{" t":[1]}') == (1,)


@pytest.fixture
def app_context(monkeypatch: pytest.MonkeyPatch) -> Iterator[flask.Flask]:
    """An application active on both sides: its provider writes the JSON (sorted keys)."""

    class App:
        debug = False
        response_class = Response

        def __init__(self) -> None:
            self.json = DefaultJSONProvider(self)

    app = App()
    monkeypatch.setattr(heron.flask.json, "_find_app", lambda: app)
    flask_app = flask.Flask(__name__)
    with flask_app.app_context():
        yield flask_app


@pytest.mark.usefixtures("app_context")
def test_in_an_app_context_keys_are_sorted_like_flask() -> None:
    value = {"b": 1, "a": {"d": (1,), "c": 2}}
    text = TaggedJSONSerializer().dumps(value)
    assert text == flask.json.tag.TaggedJSONSerializer().dumps(value)
    assert text == '{"a":{"c":2,"d":{" t":[1]}},"b":1}'


def test_untag() -> None:
    serializer = TaggedJSONSerializer()
    assert serializer.untag({" t": [1, 2]}) == (1, 2)
    assert serializer.untag({" b": "YQ=="}) == b"a"
    assert serializer.untag({" x": 1}) == {" x": 1}
    assert serializer.untag({" t": [1], "y": 2}) == {" t": [1], "y": 2}
    assert serializer.untag({}) == {}


def test_tag() -> None:
    serializer = TaggedJSONSerializer()
    assert serializer.tag((1, b"a")) == {" t": [1, {" b": "YQ=="}]}
    assert serializer.tag({"k": (1,)}) == {"k": {" t": [1]}}
    assert serializer.tag(3) == 3


def test_default_tags_and_order() -> None:
    ours = TaggedJSONSerializer()
    theirs = flask.json.tag.TaggedJSONSerializer()
    assert [type(tag).__name__ for tag in ours.order] == [
        type(tag).__name__ for tag in theirs.order
    ]
    assert sorted(ours.tags) == sorted(theirs.tags) == [" b", " d", " di", " m", " t", " u"]
    assert [tag.key for tag in ours.order] == [
        " di",
        "",
        " t",
        "",
        " b",
        " m",
        " u",
        " d",
    ]
    assert TaggedJSONSerializer.default_tags == [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]


class TagOrderedDict(JSONTag):
    """The extension example of Flask's documentation."""

    __slots__ = ()
    key = " od"

    def check(self, value: Any) -> bool:
        return isinstance(value, OrderedDict)

    def to_json(self, value: Any) -> Any:
        return [[k, self.serializer.tag(v)] for k, v in value.items()]

    def to_python(self, value: Any) -> Any:
        return OrderedDict(value)


def test_register_a_tag_first() -> None:
    serializer = TaggedJSONSerializer()
    serializer.register(TagOrderedDict, index=0)
    value = OrderedDict([("b", (1,)), ("a", 2)])
    text = serializer.dumps(value)
    assert text == '{" od":[["b",{" t":[1]}],["a",2]]}'
    read = serializer.loads(text)
    assert isinstance(read, OrderedDict)
    assert list(read.items()) == [("b", (1,)), ("a", 2)]  # inner values untagged first
    theirs = flask.json.tag.TaggedJSONSerializer()
    theirs.register(TagOrderedDict, index=0)  # type: ignore[arg-type]
    assert theirs.dumps(value) == text
    assert serializer.order[0].key == " od"
    assert serializer.tags[" od"].serializer is serializer


def test_register_appends_by_default() -> None:
    serializer = TaggedJSONSerializer()
    serializer.register(TagOrderedDict)
    assert serializer.order[-1].key == " od"
    # After the plain dict tag: an OrderedDict is a dict and never reaches it.
    assert serializer.dumps(OrderedDict(a=1)) == '{"a":1}'


def test_register_refuses_a_taken_key_unless_forced() -> None:
    class LoudTuple(TagTuple):
        __slots__ = ()

        def to_python(self, value: Any) -> Any:
            return ("loud", *value)

    serializer = TaggedJSONSerializer()
    with pytest.raises(KeyError, match=r"Tag ' t' is already registered\."):
        serializer.register(LoudTuple)
    assert serializer.loads('{" t":[1]}') == (1,)
    serializer.register(LoudTuple, force=True)
    assert serializer.loads('{" t":[1]}') == ("loud", 1)


def test_a_tag_without_key_is_only_in_the_order() -> None:
    class Upper(JSONTag):
        __slots__ = ()

        def check(self, value: Any) -> bool:
            return isinstance(value, str)

        def tag(self, value: Any) -> Any:
            return value.upper()

    serializer = TaggedJSONSerializer()
    serializer.register(Upper)
    serializer.register(Upper)  # no key, nothing to collide with
    assert "" not in serializer.tags
    assert serializer.dumps(["a"]) == '["A"]'


def test_the_base_tag_leaves_everything_to_subclasses() -> None:
    tag = JSONTag(TaggedJSONSerializer())
    assert tag.key == ""
    for method in (tag.check, tag.to_json, tag.to_python):
        with pytest.raises(NotImplementedError):
            method(1)


def test_tag_wraps_to_json() -> None:
    tag = TagTuple(TaggedJSONSerializer())
    assert tag.tag((1,)) == {" t": [1]}
    assert tag.to_python([1]) == (1,)
