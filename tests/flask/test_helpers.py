"""``heron.flask.helpers``: the environment flags, root paths, helpers outside an app.

Each test runs on Flask 3.1 and on ``heron.flask`` (see ``tests/flask_differential.py``):
``FLASK_SKIP_DOTENV`` and ``FLASK_DEBUG`` as the helpers read them, the root path of a
module that cannot be found, ``redirect`` and ``abort`` without an app, and
``stream_with_context`` over an iterator that has nothing to close.
"""

from __future__ import annotations

import os
from typing import Any, cast

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as WerkzeugResponse

from flask_differential import MODULES, FlaskModule, submodule


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        (None, True, True),
        (None, False, False),
        ("", True, True),
        ("1", True, False),
        ("yes", True, False),
        ("0", False, True),
        ("False", False, True),
        ("no", False, True),
    ],
)
def test_get_load_dotenv(
    fl: FlaskModule,
    monkeypatch: pytest.MonkeyPatch,
    value: str | None,
    default: bool,
    expected: bool,
) -> None:
    if value is None:
        monkeypatch.delenv("FLASK_SKIP_DOTENV", raising=False)
    else:
        monkeypatch.setenv("FLASK_SKIP_DOTENV", value)
    assert submodule(fl, "helpers").get_load_dotenv(default) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, False), ("", False), ("1", True), ("true", True), ("0", False), ("No", False)],
)
def test_get_debug_flag(
    fl: FlaskModule, monkeypatch: pytest.MonkeyPatch, value: str | None, expected: bool
) -> None:
    monkeypatch.delenv("HERON_DEBUG", raising=False)
    if value is None:
        monkeypatch.delenv("FLASK_DEBUG", raising=False)
    else:
        monkeypatch.setenv("FLASK_DEBUG", value)
    assert submodule(fl, "helpers").get_debug_flag() is expected
    assert fl.Flask("helpers_app").debug is expected


@pytest.mark.parametrize("name", ["no_such_package_heron_test", "no_such_package_heron_test.sub"])
def test_the_root_path_of_an_unknown_module_is_the_working_directory(
    fl: FlaskModule, name: str
) -> None:
    assert submodule(fl, "helpers").get_root_path(name) == os.getcwd()
    assert fl.Flask(name).root_path == os.getcwd()


def test_redirect_outside_an_app_is_werkzeugs(fl: FlaskModule) -> None:
    response = fl.redirect("/next", 303)
    assert type(response) is WerkzeugResponse
    assert (response.status_code, response.location) == (303, "/next")
    custom = fl.redirect("/next", Response=fl.Response)
    assert isinstance(custom, fl.Response)
    assert custom.status_code == 302


def test_redirect_in_an_app_uses_its_response_class(fl: FlaskModule) -> None:
    app = fl.Flask("helpers_app")
    with app.app_context():
        assert isinstance(fl.redirect("/next"), fl.Response)


def test_abort_outside_an_app_is_werkzeugs(fl: FlaskModule) -> None:
    with pytest.raises(NotFound):
        fl.abort(404)


def test_stream_with_context_over_a_plain_iterator(fl: FlaskModule) -> None:
    app = fl.Flask("helpers_app")

    @app.route("/")
    def index() -> Any:
        # A list iterator has no close(): nothing to close when the body ends.
        return fl.stream_with_context(iter(["a", fl.request.path, "b"]))

    response = app.test_client().get("/")
    assert (response.status_code, response.text) == (200, "a/b")
