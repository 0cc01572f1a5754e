"""Flask's logging helpers: the app's logger and the stream it writes to by default.

Called by :attr:`heron.flask.app.Flask.logger` (:func:`create_logger`, once per app) and
by projects that configure logging themselves (``ext://flask.logging.wsgi_errors_stream``
in a ``dictConfig``, ``app.logger.removeHandler(default_handler)``). The logger is the
standard library's ``logging.getLogger(app.name)``; a handler is added only when nothing
in the logger's chain would print its records, so a project's own configuration wins.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, TextIO, cast

from werkzeug.local import LocalProxy

from heron.flask.globals import _cv_request

if TYPE_CHECKING:
    from heron.flask.app import Flask

__all__ = ["create_logger", "default_handler", "has_level_handler", "wsgi_errors_stream"]


def _current_errors_stream() -> TextIO:
    ctx = _cv_request.get(None)
    if ctx is None:
        return sys.stderr
    # The request's ``wsgi.errors`` (the test client's ``errors_stream``, the server's).
    return cast("TextIO", ctx.request.environ["wsgi.errors"])


#: The stream to log to: the current request's ``wsgi.errors`` during a request, else
#: ``sys.stderr`` (looked up on each write, so one handler serves every request).
wsgi_errors_stream: LocalProxy[TextIO] = LocalProxy(_current_errors_stream)


def has_level_handler(logger: logging.Logger) -> bool:
    """Whether a handler in ``logger``'s chain handles records of its effective level.

    The chain is the logger and its parents, as far as records propagate. A handler set
    to a higher level (``ERROR`` on a logger whose level is ``WARNING``) does not count.

    Args:
        logger: The logger to check.
    """
    level = logger.getEffectiveLevel()
    node: logging.Logger | None = logger
    while node is not None:
        if any(handler.level <= level for handler in node.handlers):
            return True
        if not node.propagate:
            return False
        node = node.parent
    return False


#: The handler an app's logger gets when nothing else would print its records: each line
#: ``[time] LEVEL in module: message``, written to :data:`wsgi_errors_stream`.
default_handler: logging.StreamHandler[TextIO] = logging.StreamHandler(
    cast("TextIO", wsgi_errors_stream)
)
default_handler.setFormatter(
    logging.Formatter("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
)


def create_logger(app: Flask) -> logging.Logger:
    """The logger named after ``app`` (``app.name``), set up for it when needed.

    In debug mode a logger with no level of its own is set to ``DEBUG``. When no handler
    of the logger's chain handles its level, :data:`default_handler` is added.

    Args:
        app: The application.
    """
    logger = logging.getLogger(app.name)
    if app.debug and logger.level == logging.NOTSET:
        logger.setLevel(logging.DEBUG)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)
    return logger
