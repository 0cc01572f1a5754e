"""``flask.logging`` on ``heron.flask``: the app's logger, its default handler, its stream.

Differential (see ``tests/flask_differential.py``): each test runs on Flask and on
``heron.flask``. pytest's own log capture puts a handler on the root logger, which counts
as "a handler that prints": :func:`bare_root` takes it away for the tests that need a
logging setup with no handler at all.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import cast

import pytest

from flask_differential import MODULES, FlaskModule, submodule

NAME = "heron_t_logging_app"


@pytest.fixture(params=MODULES)
def fl(request: pytest.FixtureRequest) -> FlaskModule:
    """The module the test builds its app from: ``flask`` or ``heron.flask``."""
    return cast(FlaskModule, request.param)


@pytest.fixture(autouse=True)
def fresh_logger() -> Iterator[None]:
    """The app's logger (a process-wide object) as new, before and after each test."""
    for name in (NAME, "heron_t_logging_chain"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
    yield
    for name in (NAME, "heron_t_logging_chain"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).setLevel(logging.NOTSET)
        logging.getLogger(name).propagate = True


@contextmanager
def bare_root() -> Iterator[None]:
    """No handler on the root logger (changed in place: pytest removes its own from it)."""
    saved = logging.root.handlers[:]
    logging.root.handlers.clear()
    try:
        yield
    finally:
        logging.root.handlers[:] = saved


def test_the_app_logger_gets_the_default_handler(fl: FlaskModule) -> None:
    flask_logging = submodule(fl, "logging")
    with bare_root():
        logger = fl.Flask(NAME).logger
    assert logger is logging.getLogger(NAME)
    assert logger.level == logging.NOTSET
    assert logger.handlers == [flask_logging.default_handler]
    formatter = flask_logging.default_handler.formatter
    assert formatter._fmt == "[%(asctime)s] %(levelname)s in %(module)s: %(message)s"


def test_debug_mode_sets_debug_level_unless_a_level_is_set(fl: FlaskModule) -> None:
    app = fl.Flask(NAME)
    app.debug = True
    with bare_root():
        assert app.logger.level == logging.DEBUG
    logging.getLogger(NAME).setLevel(logging.ERROR)
    other = fl.Flask(NAME)
    other.debug = True
    assert other.logger.level == logging.ERROR


def test_a_configured_handler_means_no_default_handler(fl: FlaskModule) -> None:
    with bare_root():
        logging.root.addHandler(logging.StreamHandler(StringIO()))
        assert fl.Flask(NAME).logger.handlers == []


def test_has_level_handler_follows_propagation_and_levels(fl: FlaskModule) -> None:
    has_level_handler = submodule(fl, "logging").has_level_handler
    logger = logging.getLogger("heron_t_logging_chain")
    with bare_root():
        assert not has_level_handler(logger)
        handler = logging.StreamHandler(StringIO())
        logging.root.addHandler(handler)
        assert has_level_handler(logger)
        logger.propagate = False
        assert not has_level_handler(logger)
        logger.propagate = True
        handler.setLevel(logging.ERROR)  # the logger's level is WARNING (the root's)
        assert not has_level_handler(logger)
        logger.setLevel(logging.ERROR)
        assert has_level_handler(logger)


def test_records_go_to_the_requests_errors_stream(fl: FlaskModule) -> None:
    stream = submodule(fl, "logging").wsgi_errors_stream
    app = fl.Flask(NAME)

    @app.route("/")
    def index() -> str:
        app.logger.error("something to say")
        return ""

    errors = StringIO()
    with bare_root():
        app.test_client().get("/", errors_stream=errors)
    assert "ERROR in test_logging: something to say" in errors.getvalue()
    assert stream._get_current_object() is sys.stderr
    with app.test_request_context(errors_stream=errors):
        assert stream._get_current_object() is errors


def test_an_unhandled_error_is_logged_with_its_request(fl: FlaskModule) -> None:
    app = fl.Flask(NAME)

    @app.route("/boom")
    def boom() -> str:
        raise LookupError("no such thing")

    errors = StringIO()
    with bare_root():
        response = app.test_client().get("/boom", errors_stream=errors)
    assert response.status_code == 500
    text = errors.getvalue()
    # "ERROR in <module>": the module that logs, Flask's `app`, heron.flask's `steps`.
    assert "ERROR in " in text and ": Exception on /boom [GET]\nTraceback" in text
    assert "LookupError: no such thing" in text
