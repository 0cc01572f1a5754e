"""``heron.serialization.ResponseSerializer`` against FastAPI's ``serialize_response``.

Each scenario is a response model, the route's ``response_model_*`` options and a returned
value. FastAPI's own function (with the field FastAPI builds for a route) gives the expected
JSON bytes (its default-response fast path), the JSON-compatible data (custom response
classes) or the ``ResponseValidationError``; a few scenarios also go through a real FastAPI
app to show that the route does what the direct call says.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal, cast

import anyio
import fastapi
import fastapi.encoders as fastapi_encoders
import fastapi.exceptions as fastapi_exceptions
import fastapi.routing as fastapi_routing
import fastapi.utils as fastapi_utils
import pytest
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    computed_field,
)

from heron.exceptions import HeronError, ResponseValidationError
from heron.serialization import ResponseSerializer
from heron.testclient import TestClient

# --------------------------------------------------------------------------- models


class Out(BaseModel):
    a: int = 1
    b: str = "x"
    c: int | None = None


class Sub(Out):
    secret: str = "hidden"


class Other(BaseModel):
    a: int = 5
    b: str = "y"
    c: int | None = None
    secret: str = "s"


class Aliased(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    item_id: int = Field(alias="itemId")
    full_name: str = Field("n", serialization_alias="fullName")


class AliasByConfig(BaseModel):
    model_config = ConfigDict(serialize_by_alias=True)

    item_id: int = Field(1, alias="itemId")


class Nested(BaseModel):
    name: str
    out: Out = Out()
    outs: list[Out] = []
    tags: dict[str, int | None] = {}


class Typed(BaseModel):
    when: dt.datetime
    price: Decimal
    span: dt.timedelta = dt.timedelta(seconds=1)
    ident: uuid.UUID = uuid.UUID(int=1)
    ratio: float = 0.5


class Area(BaseModel):
    w: int
    h: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def area(self) -> int:
        return self.w * self.h


def _no_bad(value: str) -> str:
    if value == "bad":
        raise ValueError("bad value")
    return value


class Checked(BaseModel):
    name: Annotated[str, AfterValidator(_no_bad)]


@dataclasses.dataclass
class Point:
    x: int
    y: int = 0


class Orm:
    """An ORM-like object: attributes, no dict."""

    def __init__(self, a: int, b: str) -> None:
        self.a = a
        self.b = b


class Pet(BaseModel):
    kind: Literal["pet"] = "pet"
    name: str


class Car(BaseModel):
    kind: Literal["car"] = "car"
    wheels: int


Ints = RootModel[list[int]]

# --------------------------------------------------------------------------- scenarios

Scenario = tuple[Any, dict[str, Any], Callable[[], Any]]

SCENARIOS: dict[str, Scenario] = {
    "model": (Out, {}, lambda: Out(a=2)),
    "model-from-dict": (Out, {}, lambda: {"a": 3, "b": "q"}),
    "model-from-dict-extra": (Out, {}, lambda: {"a": 3, "zzz": 1}),
    "subclass-drops-extra": (Out, {}, lambda: Sub(a=2)),
    "other-model": (Out, {}, lambda: Other(a=2)),
    "dataclass-value": (Out, {}, lambda: Point(1, 2)),
    "orm-object": (Out, {}, lambda: Orm(7, "orm")),
    "exclude-unset-same": (Out, {"exclude_unset": True}, lambda: Out(a=2)),
    "exclude-unset-subclass": (Out, {"exclude_unset": True}, lambda: Sub(a=2)),
    "exclude-unset-other": (Out, {"exclude_unset": True}, lambda: Other(a=2)),
    "exclude-unset-dict": (Out, {"exclude_unset": True}, lambda: {"b": "z"}),
    "exclude-unset-orm": (Out, {"exclude_unset": True}, lambda: Orm(1, "x")),
    "exclude-defaults": (Out, {"exclude_defaults": True}, lambda: Out(a=1, b="changed")),
    "exclude-none": (Out, {"exclude_none": True}, lambda: Out()),
    "include-set": (Out, {"include": {"a"}}, lambda: Out()),
    "include-list": (Out, {"include": ["a", "c"]}, lambda: Out()),
    "exclude-set": (Out, {"exclude": {"b"}}, lambda: Out()),
    "include-nested-dict": (
        Nested,
        {"include": {"name": True, "out": {"a"}}},
        lambda: Nested(name="n"),
    ),
    "exclude-nested-list": (
        Nested,
        {"exclude": {"outs": {"__all__": {"b"}}}},
        lambda: Nested(name="n", outs=[Out(), Out(a=9)]),
    ),
    "nested-exclude-none": (
        Nested,
        {"exclude_none": True},
        lambda: {"name": "n", "tags": {"a": None, "b": 1}},
    ),
    "nested-exclude-unset": (
        Nested,
        {"exclude_unset": True},
        lambda: Nested(name="n", outs=[Out(b="only-b")]),
    ),
    "alias": (Aliased, {}, lambda: Aliased.model_validate({"item_id": 1})),
    "alias-off": (Aliased, {"by_alias": False}, lambda: {"itemId": 1, "full_name": "f"}),
    "alias-by-config-off": (
        AliasByConfig,
        {"by_alias": False},
        lambda: AliasByConfig.model_validate({}),
    ),
    "typed": (
        Typed,
        {},
        lambda: {
            "when": dt.datetime(2020, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
            "price": Decimal("9.90"),
            "ratio": float("nan"),
        },
    ),
    "typed-inf": (
        Typed,
        {},
        lambda: Typed(when=dt.datetime(2020, 1, 1), price=Decimal(1), ratio=1e400),
    ),
    "computed": (Area, {}, lambda: Area(w=2, h=3)),
    "computed-excluded": (Area, {"exclude": {"area"}}, lambda: {"w": 1, "h": 1}),
    "list": (list[Out], {}, lambda: [Out(), {"a": 2}, Other()]),
    "list-exclude-unset": (list[Out], {"exclude_unset": True}, lambda: [Out(a=1), {"b": "x"}]),
    "list-include-all": (list[Out], {"include": {"__all__": {"a"}}}, lambda: [Out(), Out(a=3)]),
    "dict-of-models": (dict[str, Out], {}, lambda: {"x": Out(), "y": {"c": 3}}),
    "optional-none": (Out | None, {}, lambda: None),
    "union": (Pet | Car, {}, lambda: {"kind": "car", "wheels": 4}),
    "int": (int, {}, lambda: "42"),
    "str": (str, {}, lambda: "héllo"),
    "float-nan": (float, {}, lambda: float("nan")),
    "datetime": (dt.datetime, {}, lambda: dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
    "decimal": (Decimal, {}, lambda: Decimal("1.50")),
    "bytes": (bytes, {}, lambda: b"abc"),
    "any": (Any, {}, lambda: {"when": dt.date(2020, 1, 1), "d": Decimal(1), "set": {1}}),
    "dict-any": (dict[str, Any], {"exclude_none": True}, lambda: {"a": None, "b": [None]}),
    "dataclass-model": (Point, {}, lambda: {"x": 1}),
    "dataclass-model-from-object": (Point, {}, lambda: Point(3)),
    "root-model": (Ints, {}, lambda: [1, "2"]),
    # errors
    "error-type": (Out, {}, lambda: {"a": "nope"}),
    "error-missing": (Aliased, {}, dict),
    "error-none": (Out, {}, lambda: None),
    "error-list-items": (list[Out], {}, lambda: [{"a": "x"}, {"a": 1}, {"c": "y"}]),
    "error-value-error": (Checked, {}, lambda: {"name": "bad"}),
    "error-int": (int, {}, lambda: "abc"),
    "error-orm": (Out, {}, lambda: Orm("x", "y")),  # type: ignore[arg-type]
    "error-union": (Pet | Car, {}, lambda: {"kind": "boat"}),
}


def _fastapi_field(annotation: Any) -> Any:
    return fastapi_utils.create_model_field(
        name="Response_test", type_=annotation, mode="serialization"
    )


def _fastapi_outcome(scenario: Scenario, value: Any, *, dump_json: bool) -> tuple[str, Any]:
    annotation, options, _ = scenario
    field = _fastapi_field(annotation)

    async def run() -> Any:
        return await fastapi_routing.serialize_response(
            field=field, response_content=value, dump_json=dump_json, **options
        )

    try:
        return "ok", anyio.run(run)
    except fastapi_exceptions.ResponseValidationError as exc:
        return "error", (repr(exc.errors()), repr(exc.body))


def _heron_outcome(scenario: Scenario, value: Any, method: str) -> tuple[str, Any]:
    annotation, options, _ = scenario
    serializer = ResponseSerializer(annotation, **options)
    try:
        return "ok", getattr(serializer, method)(value)
    except ResponseValidationError as exc:
        return "error", (repr(exc.errors()), repr(exc.body))


@pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_to_json_same_bytes_as_fastapi(scenario: Scenario) -> None:
    value = scenario[2]()
    expected = _fastapi_outcome(scenario, value, dump_json=True)
    assert _heron_outcome(scenario, value, "to_json") == expected


@pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_to_jsonable_same_data_as_fastapi(scenario: Scenario) -> None:
    value = scenario[2]()
    kind, expected = _fastapi_outcome(scenario, value, dump_json=False)
    actual_kind, actual = _heron_outcome(scenario, value, "to_jsonable")
    assert (actual_kind, repr(actual)) == (kind, repr(expected))


# --------------------------------------------------------------------------- no model


class StrKey(enum.StrEnum):
    A = "a"


PLAIN_VALUES: dict[str, Any] = {
    "dict": {"a": 1, "b": [1.5, None, "é"]},
    "datetime-utc": {"when": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
    "decimal": [Decimal("1"), Decimal("1.5")],
    "timedelta": dt.timedelta(minutes=1),
    "model": Out(a=3),
    "dataclass": Point(1),
    "int-keys": {1: "a", 2: "b"},
    "set": {3},
    "str": "text",
    "none": None,
    # The plain-JSON shortcut must step aside for what jsonable_encoder changes:
    "sqlalchemy-keys": {"_sa_instance_state": 1, "a": {"_sa_x": 2, "b": True}},
    "nested-plain": {"a": [{"b": [1, 2.5, None, "x"]}, [], {}], "c": False},
    "deep": functools.reduce(lambda inner, _: {"k": [inner]}, range(12), cast(object, {"leaf": 1})),
    "str-subclass-key": {StrKey.A: 1},
    "enum-in-list": [1, StrKey.A],
}


@pytest.mark.parametrize("value", PLAIN_VALUES.values(), ids=PLAIN_VALUES.keys())
def test_without_model_same_as_fastapi(value: Any) -> None:
    # FastAPI: jsonable_encoder, then JSONResponse's json.dumps (options ignored).
    app = fastapi.FastAPI()

    @app.get("/", response_model=None, response_model_exclude={"a"})
    def endpoint() -> Any:
        return value

    expected = TestClient(app).get("/").content
    serializer = ResponseSerializer(None, exclude={"a"})
    assert not serializer.has_model
    assert serializer.to_json(value) == expected
    assert serializer.to_jsonable(value) == fastapi_encoders.jsonable_encoder(value)
    assert serializer.validate(value) is value


def test_without_model_nan_is_null() -> None:
    # FastAPI's JSONResponse refuses NaN (a 500); Heron's JSONResponse sends null.
    assert ResponseSerializer(None).to_json({"x": float("nan")}) == b'{"x":null}'


# --------------------------------------------------------------------------- through an app


def test_fastapi_route_matches_direct_call() -> None:
    app = fastapi.FastAPI()

    @app.get("/unset", response_model=Out, response_model_exclude_unset=True)
    def unset() -> Any:
        return Sub(a=2)

    @app.get("/other", response_model=Out, response_model_exclude_unset=True)
    def other() -> Any:
        return Other(a=2)

    @app.get("/annotated")
    def annotated() -> Nested:
        return Nested(name="n", tags={"x": None})

    @app.get("/broken", response_model=Out)
    def broken() -> Any:
        return {"a": "nope"}

    client = TestClient(app)
    assert client.get("/unset").content == ResponseSerializer(Out, exclude_unset=True).to_json(
        Sub(a=2)
    )
    assert client.get("/unset").content == b'{"a":2}'
    assert client.get("/other").content == b'{"a":2,"b":"y","c":null}'
    assert client.get("/other").content == ResponseSerializer(Out, exclude_unset=True).to_json(
        Other(a=2)
    )
    assert client.get("/annotated").content == ResponseSerializer(Nested).to_json(
        Nested(name="n", tags={"x": None})
    )
    with pytest.raises(fastapi_exceptions.ResponseValidationError) as info:
        client.get("/broken")
    with pytest.raises(ResponseValidationError) as ours:
        ResponseSerializer(Out).to_json({"a": "nope"})
    assert ours.value.errors() == info.value.errors()
    assert ours.value.errors()[0]["loc"] == ("response", "a")


# --------------------------------------------------------------------------- behaviour


def test_validation_error_carries_the_returned_value() -> None:
    value = {"a": "nope"}
    with pytest.raises(ResponseValidationError) as info:
        ResponseSerializer(Out).validate(value)
    assert info.value.body is value
    assert [e["loc"] for e in info.value.errors()] == [("response", "a")]


def test_validate_returns_the_model_instance() -> None:
    serializer = ResponseSerializer(Out)
    returned = Out(a=4)
    assert serializer.validate(returned) is returned  # no copy of an instance of the model
    assert serializer.validate({"a": 4}) == returned
    assert serializer.has_model


def test_invalid_annotation_is_a_heron_error() -> None:
    class NotAModel:
        pass

    with pytest.raises(HeronError, match="Invalid args for response field"):
        ResponseSerializer(NotAModel)


@pytest.mark.parametrize("exclude_none", [False, True])
def test_to_json_is_one_validation_and_one_serialization(
    monkeypatch: pytest.MonkeyPatch, exclude_none: bool
) -> None:
    serializer = ResponseSerializer(Out, exclude_none=exclude_none)
    calls: list[str] = []
    validate = serializer._validate
    to_json = serializer._to_json

    def counting_validate(value: Any, **kwargs: Any) -> Any:
        calls.append("validate")
        return validate(value, **kwargs)

    def counting_to_json(value: Any, **kwargs: Any) -> bytes:
        calls.append("to_json")
        return to_json(value, **kwargs)

    monkeypatch.setattr(serializer, "_validate", counting_validate)
    monkeypatch.setattr(serializer, "_to_json", counting_to_json)
    assert serializer.to_json({"a": 1}).startswith(b'{"a":1,"b":"x"')
    assert calls == ["validate", "to_json"]


class Parent(BaseModel):
    child: Child  # not defined yet when the serializer below is built


PARENT_SERIALIZER = ResponseSerializer(Parent)


class Child(BaseModel):
    x: int


Parent.model_rebuild()


def test_forward_reference_resolved_after_the_route() -> None:
    assert PARENT_SERIALIZER._validate == PARENT_SERIALIZER._validate_late
    assert PARENT_SERIALIZER.to_json({"child": {"x": 1}}) == b'{"child":{"x":1}}'
    assert PARENT_SERIALIZER.to_jsonable({"child": {"x": 2}}) == {"child": {"x": 2}}
    with pytest.raises(ResponseValidationError):
        PARENT_SERIALIZER.to_json({"child": {}})
    assert PARENT_SERIALIZER._validate != PARENT_SERIALIZER._validate_late  # bound now
