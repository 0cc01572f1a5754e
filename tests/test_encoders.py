"""``heron.encoders.jsonable_encoder`` against ``fastapi.encoders.jsonable_encoder``, side by side.

Each case builds a fresh input (generators are consumed) and both encoders must return the
same data with the same types (``repr`` compared, so ``1`` vs ``1.0`` vs ``True`` and NaN
count), or raise the same exception with the same message.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
import uuid
import warnings
from collections import Counter, OrderedDict, defaultdict, deque, namedtuple
from collections.abc import Callable, Iterator
from decimal import Decimal
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import Any

import fastapi.encoders as fastapi_encoders
import pydantic
import pydantic_core
import pytest
from pydantic import (
    AnyUrl,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    NameEmail,
    RootModel,
    SecretBytes,
    SecretStr,
    computed_field,
    model_serializer,
)

from heron.encoders import ENCODERS_BY_TYPE, decimal_encoder, isoformat, jsonable_encoder
from heron.exceptions import HeronError

UTC = dt.UTC
PLUS_TWO = dt.timezone(dt.timedelta(hours=2))


# --------------------------------------------------------------------------- inputs


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1


class Mood(enum.StrEnum):
    HAPPY = "happy"


class Pair(enum.Enum):
    A = (1, 2)
    WHEN = dt.datetime(2020, 1, 1, tzinfo=UTC)


class MyStr(str):
    pass


class MyInt(int):
    pass


class MyFloat(float):
    pass


class MyBytes(bytes):
    pass


class MyDatetime(dt.datetime):
    pass


class MyDecimal(Decimal):
    pass


class MyUUID(uuid.UUID):
    pass


Point = namedtuple("Point", "x y")


class Address(BaseModel):
    city: str
    zip_code: str | None = Field(default=None, alias="zipCode")


class User(BaseModel):
    name: str
    age: int = 30
    email: str | None = None
    address: Address | None = None
    tags: list[str] = []
    meta: dict[str, Any] = {}


class Serialized(BaseModel):
    full_name: str = Field(serialization_alias="fullName")


class Typed(BaseModel):
    when: dt.datetime
    price: Decimal
    span: dt.timedelta
    ident: uuid.UUID
    color: Color
    raw: bytes = b"x"
    keys: dict[int, str] = {}


class WithComputed(BaseModel):
    width: int
    height: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def area(self) -> int:
        return self.width * self.height


class Custom(BaseModel):
    value: int

    @model_serializer
    def dump(self) -> dict[str, Any]:
        return {"v": self.value, "_sa_hidden": 1, "none": None}


class ByAliasConfig(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    item_id: int = Field(alias="itemId")


IntList = RootModel[list[int]]
Mapping = RootModel[dict[str, Any]]


@dataclasses.dataclass
class Inner:
    x: int
    when: dt.date = dt.date(2020, 1, 2)


@dataclasses.dataclass
class Outer:
    name: str
    inner: Inner
    items: list[Inner] = dataclasses.field(default_factory=list)
    maybe: str | None = None
    _sa_state: str = "internal"


class Plain:
    def __init__(self) -> None:
        self.a = 1
        self.when = dt.datetime(2020, 1, 1)
        self._sa_instance_state = object()


class Pairs:
    def __iter__(self) -> Iterator[tuple[str, int]]:
        return iter([("a", 1), ("b", 2)])


class Slotted:
    __slots__ = ("a",)

    def __init__(self) -> None:
        self.a = 1


def gen() -> Iterator[Any]:
    yield 1
    yield dt.date(2020, 1, 1)
    yield Color.RED


def _deprecated_color() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pydantic.color import Color as PydanticColor

        return PydanticColor("red")


Case = tuple[Callable[[], Any], dict[str, Any]]

CASES: dict[str, Case] = {
    # plain values
    "str": (lambda: "héllo", {}),
    "int": (lambda: 10**30, {}),
    "float": (lambda: 1.5, {}),
    "nan": (lambda: float("nan"), {}),
    "inf": (lambda: float("-inf"), {}),
    "bool": (lambda: True, {}),
    "none": (lambda: None, {}),
    "str-subclass": (lambda: MyStr("s"), {}),
    "int-subclass": (lambda: MyInt(3), {}),
    "float-subclass": (lambda: MyFloat(2.5), {}),
    "undefined": (lambda: pydantic_core.PydanticUndefined, {}),
    # enums
    "enum": (lambda: Color.RED, {}),
    "int-enum": (lambda: Level.LOW, {}),
    "str-enum": (lambda: Mood.HAPPY, {}),
    "enum-tuple-value": (lambda: Pair.A, {}),
    "enum-datetime-value": (lambda: Pair.WHEN, {}),
    "enum-in-list": (lambda: [Color.BLUE, Level.LOW], {}),
    # paths
    "path": (lambda: Path("/tmp/a.txt"), {}),
    "pure-path": (lambda: PurePath("a/b"), {}),
    "posix-path": (lambda: PurePosixPath("/x"), {}),
    "windows-path": (lambda: PureWindowsPath("C:\\x\\y"), {}),
    # dicts
    "dict": (lambda: {"a": 1, "b": [1, 2], "c": {"d": None}}, {}),
    "dict-int-keys": (lambda: {1: "a", 2.5: "b", False: "c", None: "d"}, {}),
    "dict-odd-keys": (
        lambda: {Color.RED: 1, dt.date(2020, 1, 1): 2, (1, 2): 3, uuid.UUID(int=1): 4},
        {},
    ),
    "dict-exclude-none": (
        lambda: {"a": None, "b": {"c": None, "d": 1}, "e": [None]},
        {"exclude_none": True},
    ),
    "dict-sa": (lambda: {"_sa_state": 1, "_sax": 2, "sa": 3, 4: 5}, {}),
    "dict-sa-unsafe": (lambda: {"_sa_state": 1, "ok": 2}, {"sqlalchemy_safe": False}),
    "dict-include": (lambda: {"a": 1, "b": 2, "c": {"a": 1, "b": 2}}, {"include": {"a", "c"}}),
    "dict-include-list": (lambda: {"a": 1, "b": 2}, {"include": ["b"]}),
    "dict-include-dict": (lambda: {"a": 1, "b": 2}, {"include": {"a": True}}),
    "dict-exclude": (lambda: {"a": 1, "b": 2, "c": {"a": 1}}, {"exclude": {"a"}}),
    "dict-include-exclude": (
        lambda: {"a": 1, "b": 2, "c": 3},
        {"include": ["a", "b"], "exclude": ["b"]},
    ),
    "ordered-dict": (lambda: OrderedDict([("b", 1), ("a", dt.time(1, 2))]), {}),
    "defaultdict": (lambda: defaultdict(list, {"a": [1]}), {}),
    "counter": (lambda: Counter("abca"), {}),
    # sequences
    "list": (lambda: [1, "a", None, [2.5, {"x": dt.date(2021, 5, 6)}]], {}),
    "tuple": (lambda: (1, (2, 3)), {}),
    "namedtuple": (lambda: Point(1, dt.time(3, 4)), {}),
    "set": (lambda: {1, 2, 3}, {}),
    "frozenset": (lambda: frozenset({"a"}), {}),
    "deque": (lambda: deque([1, Color.RED]), {}),
    "generator": (gen, {}),
    "list-of-dicts-include": (lambda: [{"a": 1, "b": 2}, {"a": 3, "c": 4}], {"include": {"a"}}),
    "list-of-dicts-exclude-none": (lambda: [{"a": None, "b": 1}], {"exclude_none": True}),
    "iterator": (lambda: iter([1, 2]), {}),
    "range": (lambda: range(3), {}),
    # datetimes
    "datetime": (lambda: dt.datetime(2020, 1, 2, 3, 4, 5), {}),
    "datetime-micro": (lambda: dt.datetime(2020, 1, 2, 3, 4, 5, 678), {}),
    "datetime-utc": (lambda: dt.datetime(2020, 1, 2, tzinfo=UTC), {}),
    "datetime-offset": (lambda: dt.datetime(2020, 1, 2, tzinfo=PLUS_TWO), {}),
    "datetime-subclass": (lambda: MyDatetime(2020, 1, 2), {}),
    "date": (lambda: dt.date(1999, 12, 31), {}),
    "time": (lambda: dt.time(23, 59, 1, 5), {}),
    "time-tz": (lambda: dt.time(1, 2, tzinfo=UTC), {}),
    "timedelta": (lambda: dt.timedelta(days=1, seconds=2, microseconds=3), {}),
    "timedelta-negative": (lambda: dt.timedelta(seconds=-1.5), {}),
    # numbers
    "decimal-int": (lambda: Decimal("12"), {}),
    "decimal-frac": (lambda: Decimal("1.50"), {}),
    "decimal-exp": (lambda: Decimal("1E+3"), {}),
    "decimal-small": (lambda: Decimal("1E-3"), {}),
    "decimal-nan": (lambda: Decimal("NaN"), {}),
    "decimal-inf": (lambda: Decimal("-Infinity"), {}),
    "decimal-subclass": (lambda: MyDecimal("2.5"), {}),
    # identifiers, bytes, network
    "uuid": (lambda: uuid.UUID("12345678-1234-5678-1234-567812345678"), {}),
    "uuid-subclass": (lambda: MyUUID(int=5), {}),
    "bytes": (lambda: "é".encode(), {}),
    "bytes-subclass": (lambda: MyBytes(b"abc"), {}),
    "bytes-invalid": (lambda: b"\xff", {}),
    "bytearray": (lambda: bytearray(b"a"), {}),
    "ipv4": (lambda: IPv4Address("127.0.0.1"), {}),
    "ipv4-interface": (lambda: IPv4Interface("10.0.0.1/8"), {}),
    "ipv4-network": (lambda: IPv4Network("10.0.0.0/8"), {}),
    "ipv6": (lambda: IPv6Address("::1"), {}),
    "ipv6-interface": (lambda: IPv6Interface("::1/128"), {}),
    "ipv6-network": (lambda: IPv6Network("::/0"), {}),
    "pattern": (lambda: re.compile(r"^a+$", re.I), {}),
    "bytes-pattern": (lambda: re.compile(rb"a"), {}),
    # pydantic types
    "color": (_deprecated_color, {}),
    "name-email": (lambda: NameEmail("John", "john@example.com"), {}),
    "secret-str": (lambda: SecretStr("hunter2"), {}),
    "secret-bytes": (lambda: SecretBytes(b"hunter2"), {}),
    "any-url": (lambda: AnyUrl("http://example.com/a?b=c"), {}),
    "http-url": (lambda: HttpUrl("https://example.com"), {}),
    "core-url": (lambda: pydantic_core.Url("https://example.com/x"), {}),
    # models
    "model": (lambda: User(name="a", address=Address(city="x", zipCode="1")), {}),
    "model-not-by-alias": (lambda: Address(city="x", zipCode="1"), {"by_alias": False}),
    "model-serialization-alias": (lambda: Serialized(full_name="n"), {}),
    "model-alias-config": (lambda: ByAliasConfig.model_validate({"item_id": 1}), {}),
    "model-exclude-unset": (lambda: User(name="a", email=None), {"exclude_unset": True}),
    "model-exclude-defaults": (
        lambda: User(name="a", age=30, tags=["x"]),
        {"exclude_defaults": True},
    ),
    "model-exclude-none": (
        lambda: User(name="a", meta={"k": None, "n": {"m": None}}),
        {"exclude_none": True},
    ),
    "model-include": (lambda: User(name="a"), {"include": {"name", "age"}}),
    "model-include-list": (lambda: User(name="a"), {"include": ["name"]}),
    "model-exclude-nested": (
        lambda: User(name="a", address=Address(city="c", zipCode="z")),
        {"exclude": {"address": {"city"}}},
    ),
    "model-sa-in-dict-field": (lambda: User(name="a", meta={"_sa_x": 1, "y": 2}), {}),
    "model-typed": (
        lambda: Typed(
            when=dt.datetime(2020, 1, 1, tzinfo=UTC),
            price=Decimal("1.10"),
            span=dt.timedelta(seconds=90),
            ident=uuid.UUID(int=7),
            color=Color.BLUE,
            keys={1: "a"},
        ),
        {},
    ),
    "model-computed": (lambda: WithComputed(width=2, height=3), {}),
    "model-serializer": (lambda: Custom(value=1), {"exclude_none": True}),
    "root-list": (lambda: IntList([1, 2]), {}),
    "root-dict": (lambda: Mapping({"a": None, "_sa": 1}), {"exclude_none": True}),
    "models-in-list": (lambda: [Address(city="a"), Address(city="b", zipCode="z")], {}),
    "models-in-dict": (lambda: {"a": Address(city="a")}, {"exclude_none": True}),
    "models-in-list-include": (lambda: [User(name="a"), User(name="b")], {"include": {"name"}}),
    # dataclasses
    "dataclass": (lambda: Outer("o", Inner(1), [Inner(2)]), {}),
    "dataclass-include": (lambda: Outer("o", Inner(1)), {"include": {"name", "inner"}}),
    "dataclass-exclude": (lambda: Outer("o", Inner(1)), {"exclude": ["inner"]}),
    "dataclass-exclude-none": (lambda: Outer("o", Inner(1)), {"exclude_none": True}),
    "dataclass-unsafe": (lambda: Outer("o", Inner(1)), {"sqlalchemy_safe": False}),
    "dataclass-in-list": (lambda: [Inner(1), Inner(2)], {}),
    "dataclass-class": (lambda: Inner, {}),
    # fallbacks
    "vars": (lambda: Plain(), {}),
    "vars-unsafe": (lambda: {"p": Plain()}, {"sqlalchemy_safe": False}),
    "iterable-of-pairs": (lambda: Pairs(), {}),
    "slotted": (lambda: Slotted(), {}),
    "object": (lambda: object(), {}),
    # custom encoders
    "custom-exact": (
        lambda: {"when": dt.datetime(2020, 1, 1)},
        {"custom_encoder": {dt.datetime: lambda d: d.year}},
    ),
    "custom-isinstance": (
        lambda: [MyDatetime(2020, 1, 1), dt.date(2020, 1, 1)],
        {"custom_encoder": {dt.date: lambda d: "a date"}},
    ),
    "custom-str": (lambda: {"a": "b"}, {"custom_encoder": {str: str.upper}}),
    "custom-not-in-models": (
        lambda: Typed(
            when=dt.datetime(2020, 1, 1),
            price=Decimal(1),
            span=dt.timedelta(0),
            ident=uuid.UUID(int=0),
            color=Color.RED,
        ),
        {"custom_encoder": {str: lambda s: "custom"}},
    ),
    "custom-on-dataclass-dict": (
        lambda: Inner(1),
        {"custom_encoder": {dict: lambda d: sorted(d)}},
    ),
    "custom-in-vars": (lambda: Plain(), {"custom_encoder": {dt.datetime: lambda d: 0}}),
    "custom-empty": (lambda: dt.date(2020, 1, 1), {"custom_encoder": {}}),
    # a mixture
    "mixed": (
        lambda: {
            "users": [User(name="u", address=Address(city="c"))],
            "when": dt.datetime(2020, 1, 1, 12, tzinfo=PLUS_TWO),
            "ids": {uuid.UUID(int=3)},
            "path": Path("x"),
            "money": Decimal("3.14"),
            "dc": Inner(5),
            "none": None,
        },
        {"exclude_none": True},
    ),
}


def _outcome(
    encoder: Callable[..., Any], factory: Callable[[], Any], kwargs: dict[str, Any]
) -> str:
    try:
        return "value " + repr(encoder(factory(), **kwargs))
    except Exception as exc:  # the exception is part of the behaviour compared
        return f"raises {type(exc).__name__} {exc}"


@pytest.mark.parametrize(("factory", "kwargs"), CASES.values(), ids=CASES.keys())
def test_same_as_fastapi(factory: Callable[[], Any], kwargs: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # pydantic.color.Color
        expected = _outcome(fastapi_encoders.jsonable_encoder, factory, kwargs)
        actual = _outcome(jsonable_encoder, factory, kwargs)
    assert actual == expected


# --------------------------------------------------------------------------- behaviour


def test_plain_output_shapes() -> None:
    value = {
        "when": dt.datetime(2020, 1, 1, tzinfo=UTC),
        "money": [Decimal("1"), Decimal("1.5")],
        "span": dt.timedelta(minutes=1),
        1: {Color.RED},
    }
    assert jsonable_encoder(value) == {
        "when": "2020-01-01T00:00:00+00:00",
        "money": [1, 1.5],
        "span": 60.0,
        1: ["red"],
    }


def test_differs_from_pydantic_core_to_jsonable_python() -> None:
    # Why pydantic-core is not used on arbitrary data: it answers differently.
    value = {1: dt.datetime(2020, 1, 1, tzinfo=UTC), "d": Decimal("1.5"), "t": dt.timedelta(1)}
    assert pydantic_core.to_jsonable_python(value) == {
        "1": "2020-01-01T00:00:00Z",
        "d": "1.5",
        "t": "P1D",
    }
    assert jsonable_encoder(value) == {1: "2020-01-01T00:00:00+00:00", "d": 1.5, "t": 86400.0}


def test_unknown_object_lists_both_errors() -> None:
    with pytest.raises(ValueError) as info:
        jsonable_encoder(object())
    errors = info.value.args[0]
    assert [type(e) for e in errors] == [TypeError, TypeError]
    assert isinstance(info.value.__cause__, TypeError)


def test_pydantic_v1_models_are_refused() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pydantic import v1

        class Old(v1.BaseModel):
            a: int = 1

        old = Old()
    with pytest.raises(HeronError, match=r"pydantic\.v1 models are no longer supported"):
        jsonable_encoder(old)
    with pytest.raises(RuntimeError, match=r"pydantic\.v1 models are no longer supported"):
        fastapi_encoders.jsonable_encoder(old)  # FastAPIError, a RuntimeError too


def test_helpers_match_fastapi() -> None:
    assert decimal_encoder(Decimal("1")) == 1
    assert decimal_encoder(Decimal("1.0")) == 1.0
    assert isoformat(dt.time(1, 2)) == "01:02:00"
    assert ENCODERS_BY_TYPE[enum.Enum](Color.RED) == "red"
    # (FastAPI's stand-in for the optional pydantic_extra_types Color lives in its module.)
    theirs = {t for t in fastapi_encoders.ENCODERS_BY_TYPE if t.__module__ != "fastapi.encoders"}
    assert set(ENCODERS_BY_TYPE) == theirs


def test_registered_exact_type_encoder_is_used() -> None:
    class Money:
        def __init__(self, cents: int) -> None:
            self.cents = cents

    ENCODERS_BY_TYPE[Money] = lambda m: m.cents / 100
    try:
        assert jsonable_encoder({"price": Money(250)}) == {"price": 2.5}
    finally:
        del ENCODERS_BY_TYPE[Money]


def test_model_field_types_come_from_pydantic() -> None:
    # Inside a model the dump is pydantic's (``Z``, Decimal as str, ISO durations).
    model = Typed(
        when=dt.datetime(2020, 1, 1, tzinfo=UTC),
        price=Decimal("1.10"),
        span=dt.timedelta(seconds=90),
        ident=uuid.UUID(int=7),
        color=Color.BLUE,
    )
    encoded = jsonable_encoder(model)
    assert encoded["when"] == "2020-01-01T00:00:00Z"
    assert encoded["price"] == "1.10"
    assert encoded["span"] == "PT1M30S"
    assert pydantic.VERSION  # the dump depends on the installed pydantic, as in FastAPI
