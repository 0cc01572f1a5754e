"""``heron.flask.views``: ``View.as_view`` and ``MethodView``'s method discovery and dispatch.

The views look the current app and request up through two seams of the module
(``_current_app``, ``_request``); the tests replace them with stand-ins, so what is tested
is this module alone. Where a behaviour is Flask's, the same classes are built on
``flask.views`` too and compared.
"""

from __future__ import annotations

import functools
import inspect
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import anyio
import pytest
from flask.app import Flask
from flask.views import MethodView as FlaskMethodView, View as FlaskView

from heron.flask import views
from heron.flask.typing import ResponseReturnValue, RouteCallable
from heron.flask.views import MethodView, View


@dataclass
class StandIn:
    """The current app (``ensure_sync`` records what it runs) and request (its method)."""

    method: str = "GET"
    ran: list[Callable[..., Any]] = field(default_factory=list)

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        self.ran.append(func)
        if inspect.iscoroutinefunction(func):
            return lambda **kwargs: anyio.run(functools.partial(func, **kwargs))
        return func


@pytest.fixture
def current(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    stand_in = StandIn()
    monkeypatch.setattr(views, "_current_app", lambda: stand_in)
    monkeypatch.setattr(views, "_request", lambda: stand_in)
    yield stand_in


def attributes(view: RouteCallable) -> Any:
    """The view function, for reading the attributes as_view sets (not in its type)."""
    return cast(Any, view)


# ---------------------------------------------------------------- View.as_view


def make_greeting(base: type[Any]) -> type[Any]:
    class Greeting(base):  # type: ignore[misc]
        """Says hello."""

        methods = ["GET", "POST"]
        provide_automatic_options = False

        def __init__(self, greeting: str, *, punctuation: str = "!") -> None:
            self.greeting = greeting
            self.punctuation = punctuation

        def dispatch_request(self, name: str = "world") -> str:
            return f"{self.greeting}, {name}{self.punctuation}"

    return Greeting


def test_as_view_attributes_match_flask() -> None:
    ours_class, flask_class = make_greeting(View), make_greeting(FlaskView)
    ours = attributes(ours_class.as_view("greet", "Hi"))
    theirs = attributes(flask_class.as_view("greet", "Hi"))
    for view, cls in ((ours, ours_class), (theirs, flask_class)):
        assert view.view_class is cls
        assert view.__name__ == "greet"
        assert view.__doc__ == "Says hello."
        assert view.__module__ == __name__
        assert view.methods == ["GET", "POST"]
        assert view.provide_automatic_options is False


def test_as_view_defaults() -> None:
    class Plain(View):
        def dispatch_request(self) -> str:
            return "plain"

    view = attributes(Plain.as_view("plain"))
    assert view.__doc__ is None
    assert view.methods is None
    assert view.provide_automatic_options is None


def test_each_call_builds_an_instance_and_runs_it_through_ensure_sync(current: StandIn) -> None:
    greeting = make_greeting(View)
    view = greeting.as_view("greet", "Hello", punctuation="?")
    assert view(name="Ada") == "Hello, Ada?"
    assert view() == "Hello, world?"
    first, second = current.ran
    assert isinstance(first.__self__, greeting)  # type: ignore[attr-defined]
    assert first.__self__ is not second.__self__  # type: ignore[attr-defined]
    assert first.__func__ is greeting.dispatch_request  # type: ignore[attr-defined]


def test_init_every_request_false_reuses_one_instance(current: StandIn) -> None:
    built: list[object] = []

    class Counter(View):
        init_every_request = False

        def __init__(self, start: int) -> None:
            built.append(self)
            self.count = start

        def dispatch_request(self) -> str:
            self.count += 1
            return str(self.count)

    view = Counter.as_view("counter", 10)
    assert len(built) == 1  # built by as_view, before any request
    assert [view(), view(), view()] == ["11", "12", "13"]
    assert len(built) == 1
    assert {ran.__self__ for ran in current.ran} == {built[0]}  # type: ignore[attr-defined]


def test_replacing_view_class_on_the_function_takes_effect(current: StandIn) -> None:
    greeting = make_greeting(View)

    class Shout(greeting):  # type: ignore[misc,valid-type]
        def dispatch_request(self, name: str = "world") -> str:
            return f"{self.greeting.upper()}, {name.upper()}{self.punctuation}"

    view = greeting.as_view("greet", "Hello")
    attributes(view).view_class = Shout
    assert view(name="Ada") == "HELLO, ADA!"


def test_decorators_apply_in_list_order_and_see_the_name(current: StandIn) -> None:
    calls: list[str] = []
    seen: list[tuple[str, str]] = []

    def tag(label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            seen.append((func.__name__, func.__module__))

            @functools.wraps(func)
            def wrapper(**kwargs: Any) -> Any:
                calls.append(label)
                return func(**kwargs)

            return wrapper

        return decorator

    class Tagged(View):
        decorators = [tag("inner"), tag("outer")]

        def dispatch_request(self) -> str:
            calls.append("view")
            return "ok"

    view = attributes(Tagged.as_view("tagged"))
    assert view() == "ok"
    # The first decorator is the innermost: the last one runs first.
    assert calls == ["outer", "inner", "view"]
    assert seen == [("tagged", __name__), ("tagged", __name__)]
    assert view.view_class is Tagged
    assert view.__wrapped__.__wrapped__.__name__ == "tagged"


def test_decorators_match_flask_order(current: StandIn) -> None:
    order: list[str] = []

    def make(base: type[Any]) -> RouteCallable:
        def logged(label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
            def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
                def wrapper(**kwargs: Any) -> Any:
                    order.append(label)
                    return func(**kwargs)

                return wrapper

            return decorator

        first, second = logged("first"), logged("second")

        class Both(base):  # type: ignore[misc]
            decorators = [first, second]

            def dispatch_request(self) -> str:
                return "ok"

        view: RouteCallable = Both.as_view("both")
        return view

    with Flask(__name__).test_request_context():
        assert make(FlaskView)() == "ok"
    theirs, order[:] = list(order), []
    assert make(View)() == "ok"
    assert order == theirs == ["second", "first"]


def test_view_must_override_dispatch_request(current: StandIn) -> None:
    with pytest.raises(NotImplementedError):
        View.as_view("abstract")()


# ---------------------------------------------------------------- MethodView: methods


def hierarchy(base: type[Any]) -> dict[str, type[Any]]:
    """The same MethodView classes, built on ``base`` (ours or Flask's)."""

    class Reader(base):  # type: ignore[misc]
        def get(self) -> str:
            return "get"

    class Writer(Reader):
        def post(self) -> str:
            return "post"

        def delete(self) -> str:
            return "delete"

    class WebDavMixin:
        # Set by hand on a class that is not a MethodView: PROPFIND is not one of the
        # method names MethodView looks for, so only the base's ``methods`` brings it.
        methods = ["PROPFIND"]

        def propfind(self) -> str:
            return "propfind"

        def put(self) -> str:
            return "put"

    class Mixed(WebDavMixin, Writer):
        pass

    class Explicit(Writer):
        methods = ["GET"]

    class Empty(base):  # type: ignore[misc]
        pass

    class Upper(base):  # type: ignore[misc]
        def GET(self) -> str:  # only lower-case names are HTTP methods
            return "never"

        def patch(self) -> str:
            return "patch"

    class Everything(base):  # type: ignore[misc]
        get = post = head = options = delete = put = trace = patch = lambda self: "any"

    return {
        cls.__name__: cls for cls in (Reader, Writer, Mixed, Explicit, Empty, Upper, Everything)
    }


def test_methods_are_discovered_as_flask_does() -> None:
    ours, theirs = hierarchy(MethodView), hierarchy(FlaskMethodView)
    found = {name: cls.methods for name, cls in ours.items()}
    assert found == {name: cls.methods for name, cls in theirs.items()}
    assert found == {
        "Reader": {"GET"},
        "Writer": {"GET", "POST", "DELETE"},
        "Mixed": {"GET", "POST", "DELETE", "PUT", "PROPFIND"},
        "Explicit": ["GET"],
        "Empty": None,
        "Upper": {"PATCH"},
        "Everything": {"GET", "POST", "HEAD", "OPTIONS", "DELETE", "PUT", "TRACE", "PATCH"},
    }
    assert views.http_method_funcs == {m.lower() for m in found["Everything"]}


def test_discovered_methods_reach_the_view_function() -> None:
    view = attributes(hierarchy(MethodView)["Writer"].as_view("writer"))
    assert view.methods == {"GET", "POST", "DELETE"}


# ---------------------------------------------------------------- MethodView: dispatch


class Item(MethodView):
    def get(self, item_id: int) -> str:
        return f"get {item_id}"

    async def post(self, item_id: int) -> str:
        await anyio.sleep(0)
        return f"post {item_id}"


class ItemWithHead(Item):
    def head(self, item_id: int) -> ResponseReturnValue:
        return ("", 204)


@pytest.mark.parametrize(
    ("cls", "method", "expected"),
    [
        (Item, "GET", "get 7"),
        (Item, "POST", "post 7"),
        (Item, "HEAD", "get 7"),
        (ItemWithHead, "HEAD", ("", 204)),
        (ItemWithHead, "GET", "get 7"),
    ],
)
def test_dispatch_by_request_method(
    current: StandIn, cls: type[MethodView], method: str, expected: object
) -> None:
    current.method = method
    assert cls.as_view("item")(item_id=7) == expected
    # as_view's call, then the method's: both through ensure_sync.
    dispatch, handler = current.ran
    assert dispatch.__func__ is cls.dispatch_request  # type: ignore[attr-defined]
    expected_name = "get" if method == "HEAD" and cls is Item else method.lower()
    assert handler.__name__ == expected_name


@pytest.mark.parametrize("method", ["DELETE", "PATCH"])
def test_unknown_method_is_an_assertion_error_as_in_flask(current: StandIn, method: str) -> None:
    class FlaskItem(FlaskMethodView):
        def get(self, item_id: int) -> str:
            return f"get {item_id}"

    with Flask(__name__).test_request_context(method=method):
        with pytest.raises(AssertionError) as theirs:
            FlaskItem.as_view("item")(item_id=7)
    current.method = method
    with pytest.raises(AssertionError) as ours:
        Item.as_view("item")(item_id=7)
    assert str(ours.value) == str(theirs.value) == f"Unimplemented method {method!r}"


def test_head_without_get_is_unimplemented(current: StandIn) -> None:
    class OnlyPost(MethodView):
        def post(self) -> str:
            return "post"

    current.method = "HEAD"
    with pytest.raises(AssertionError, match="Unimplemented method 'HEAD'"):
        OnlyPost.as_view("only_post")()


# ---------------------------------------------------------------- the seams


def test_seams_read_heron_flask_globals(monkeypatch: pytest.MonkeyPatch) -> None:
    app, request = StandIn(), StandIn(method="PUT")
    fake = types.ModuleType("heron.flask.globals")
    fake.__dict__.update(current_app=app, request=request)
    monkeypatch.setattr(views, "_globals", fake)
    assert views._current_app() is app
    assert views._request() is request


def test_importing_does_not_import_flask() -> None:
    code = "import sys, heron.flask.views; assert 'flask' not in sys.modules, 'flask imported'"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
