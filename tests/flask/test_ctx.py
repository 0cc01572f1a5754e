"""``heron.flask.ctx``: ``g``, the contexts' push and pop, and the request-only helpers.

Each test runs on Flask 3.1 and on ``heron.flask`` (see ``tests/flask_differential.py``):
what ``g`` answers, what popping a context out of order raises, what nested pushes of one
context run, and the helpers that need a request.
"""

from __future__ import annotations

import contextvars
from typing import Any, cast

import pytest

from flask_differential import MODULES, FlaskModule


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


def in_fresh_context(func: Any) -> Any:
    """Run ``func`` in a copy of the current context: a misordered pop cannot leak out."""
    return contextvars.copy_context().run(func)


# ------------------------------------------------------------------ g


def test_g_missing_attribute_and_delete(fl: FlaskModule) -> None:
    app = fl.Flask("ctx_app")
    with app.app_context():
        fl.g.user = "ann"
        del fl.g.user
        assert "user" not in fl.g
        with pytest.raises(AttributeError) as missing:
            _ = fl.g.user
        with pytest.raises(AttributeError) as not_there:
            del fl.g.never_set
    assert (str(missing.value), str(not_there.value)) == ("user", "never_set")


def test_g_pop_with_and_without_default(fl: FlaskModule) -> None:
    app = fl.Flask("ctx_app")
    with app.app_context():
        fl.g.a = 1
        assert fl.g.pop("a", "default") == 1
        assert fl.g.pop("a", "default") == "default"
        with pytest.raises(KeyError):
            fl.g.pop("a")
        fl.g.b = 2
        assert fl.g.setdefault("b", 3) == 2
        assert fl.g.setdefault("c") is None
        assert sorted(fl.g) == ["b", "c"]
        assert fl.g.get("c", "unused") is None


def test_g_repr_names_its_app(fl: FlaskModule) -> None:
    app = fl.Flask("ctx_app")
    with app.app_context():
        assert repr(fl.g) == "<flask.g of 'ctx_app'>"
        detached = app.app_ctx_globals_class()
    # Outside any app context, the plain object repr.
    text = repr(detached)
    assert text.startswith(f"<{fl.__name__}.ctx._AppCtxGlobals object at 0x")


# ------------------------------------------------------------------ popping out of order


def _pop_app_context_out_of_order(fl: FlaskModule) -> tuple[str, list[str], bool]:
    app = fl.Flask("ctx_app")
    log: list[str] = []
    app.teardown_appcontext(lambda error: log.append(f"teardown {error!r}"))
    first = app.app_context()
    second = app.app_context()
    first.push()
    second.push()
    with pytest.raises(AssertionError) as error:
        first.pop()
    # The first context's token was reset: nothing is active any more.
    return str(error.value), log, fl.has_app_context()


def test_popping_the_wrong_app_context_raises(fl: FlaskModule) -> None:
    message, log, active = in_fresh_context(lambda: _pop_app_context_out_of_order(fl))
    # Its teardown functions ran first (it was its only push), then the error.
    assert log == ["teardown None"]
    assert active is False
    assert "instead of" in message


def test_popping_the_wrong_app_context_message(fl: FlaskModule) -> None:
    message, _, _ = in_fresh_context(lambda: _pop_app_context_out_of_order(fl))
    assert message.startswith("Popped wrong app context. (")


def _pop_request_context_out_of_order(fl: FlaskModule) -> tuple[str, list[str], bool, bool]:
    app = fl.Flask("ctx_app")
    log: list[str] = []
    app.teardown_request(lambda error: log.append("teardown_request"))
    app.teardown_appcontext(lambda error: log.append("teardown_appcontext"))
    first = app.test_request_context("/first")
    second = app.test_request_context("/second")
    first.push()
    second.push()
    with pytest.raises(AssertionError) as error:
        first.pop()
    return str(error.value), log, fl.has_request_context(), fl.has_app_context()


def test_popping_the_wrong_request_context_raises(fl: FlaskModule) -> None:
    message, log, request_active, app_active = in_fresh_context(
        lambda: _pop_request_context_out_of_order(fl)
    )
    # The first context pushed the app context; popping it pops that too.
    assert log == ["teardown_request", "teardown_appcontext"]
    assert (request_active, app_active) == (False, False)
    assert "<RequestContext 'http://localhost/second' [GET] of ctx_app>" in message
    assert "<RequestContext 'http://localhost/first' [GET] of ctx_app>" in message


def test_popping_the_wrong_request_context_message(fl: FlaskModule) -> None:
    message, _, _, _ = in_fresh_context(lambda: _pop_request_context_out_of_order(fl))
    assert message.startswith("Popped wrong request context. (")


# ------------------------------------------------------------------ nested pushes


def test_an_app_context_pushed_twice_tears_down_once(fl: FlaskModule) -> None:
    app = fl.Flask("ctx_app")
    log: list[str] = []
    app.teardown_appcontext(lambda error: log.append(f"teardown {error!r}"))
    ctx = app.app_context()
    ctx.push()
    ctx.push()
    fl.g.x = 1
    ctx.pop()
    assert log == []
    assert fl.current_app.name == "ctx_app"
    assert fl.g.x == 1
    ctx.pop()
    assert log == ["teardown None"]
    assert not fl.has_app_context()


def test_a_request_context_pushed_twice_tears_down_once(fl: FlaskModule) -> None:
    app = fl.Flask("ctx_app")
    log: list[str] = []
    app.teardown_request(lambda error: log.append(f"request {error!r}"))
    app.teardown_appcontext(lambda error: log.append(f"app {error!r}"))
    ctx = app.test_request_context("/p")
    ctx.push()
    ctx.push()
    ctx.pop()
    assert log == []
    assert fl.request.path == "/p"
    ctx.pop()
    assert log == ["request None", "app None"]
    assert not fl.has_request_context()
    assert not fl.has_app_context()


def test_a_request_context_reuses_its_apps_active_context(fl: FlaskModule) -> None:
    app = fl.Flask("ctx_app")
    log: list[str] = []
    app.teardown_appcontext(lambda error: log.append("app teardown"))
    with app.app_context():
        fl.g.outer = "kept"
        with app.test_request_context("/"):
            # The same g: no second app context was pushed.
            assert fl.g.outer == "kept"
        assert log == []
    assert log == ["app teardown"]


def test_a_request_context_of_another_app_pushes_its_own(fl: FlaskModule) -> None:
    one = fl.Flask("one")
    two = fl.Flask("two")
    with one.app_context():
        fl.g.outer = "one's"
        with two.test_request_context("/"):
            assert fl.current_app.name == "two"
            assert "outer" not in fl.g
        assert fl.current_app.name == "one"


def test_pop_sees_the_error_being_handled(fl: FlaskModule) -> None:
    app = fl.Flask("ctx_app")
    log: list[str] = []
    app.teardown_request(lambda error: log.append(f"request {error!r}"))
    app.teardown_appcontext(lambda error: log.append(f"app {error!r}"))
    app_ctx = app.app_context()
    request_ctx = app.test_request_context("/")
    try:
        raise ValueError("handled")
    except ValueError:
        # pop() without an argument takes the error being handled.
        app_ctx.push()
        request_ctx.push()
        request_ctx.pop()
        app_ctx.pop()
    assert log == ["request ValueError('handled')", "app ValueError('handled')"]


# ------------------------------------------------------------------ request context


def test_request_context_repr(fl: FlaskModule) -> None:
    app = fl.Flask("ctx_app")
    ctx = app.test_request_context("/items?q=1", method="POST")
    assert repr(ctx) == "<RequestContext 'http://localhost/items?q=1' [POST] of ctx_app>"


def test_request_context_session_before_push(fl: FlaskModule) -> None:
    app = fl.Flask("ctx_app")
    ctx = app.test_request_context("/")
    with pytest.raises(AssertionError) as error:
        _ = ctx.session
    assert str(error.value) == "The session has not yet been opened."


def test_after_this_request_outside_a_request(fl: FlaskModule) -> None:
    with pytest.raises(RuntimeError) as error:
        fl.after_this_request(lambda response: response)
    assert str(error.value) == (
        "'after_this_request' can only be used when a request context is active, such as in"
        " a view function."
    )
    app = fl.Flask("ctx_app")
    with app.app_context(), pytest.raises(RuntimeError):
        fl.after_this_request(lambda response: response)


def test_copy_current_request_context_outside_a_request(fl: FlaskModule) -> None:
    app = fl.Flask("ctx_app")
    with app.app_context(), pytest.raises(RuntimeError) as error:
        fl.copy_current_request_context(lambda: None)
    assert str(error.value) == (
        "'copy_current_request_context' can only be used when a request context is active,"
        " such as in a view function."
    )


def test_after_this_request_changes_only_this_response(fl: FlaskModule) -> None:
    app = fl.Flask("ctx_app")

    @app.route("/")
    def index() -> str:
        @fl.after_this_request
        def add_header(response: Any) -> Any:
            response.headers["X-Once"] = "yes"
            return response

        return "ok"

    @app.route("/other")
    def other() -> str:
        return "other"

    client = app.test_client()
    assert client.get("/").headers.get("X-Once") == "yes"
    assert client.get("/other").headers.get("X-Once") is None
