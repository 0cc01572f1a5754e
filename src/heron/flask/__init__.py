"""Flask's public API on Heron's core: ``from heron.flask import Flask, request, ...``.

The front door only: it re-exports the public names of the ``heron.flask`` modules, which
mirror Flask's (``heron.flask.json``, ``.sessions``, ``.views``, ``.cli``, ``.testing``…).
Under the drop-in switch (``HERON_DROP_IN=flask``) ``import flask`` is this package.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from heron.flask import json as json
from heron.flask.app import Flask
from heron.flask.blueprints import Blueprint
from heron.flask.config import Config
from heron.flask.ctx import (
    after_this_request,
    copy_current_request_context,
    has_app_context,
    has_request_context,
)
from heron.flask.globals import current_app, g, request, session
from heron.flask.helpers import (
    FLASK_VERSION,
    abort,
    flash,
    get_flashed_messages,
    get_template_attribute,
    make_response,
    redirect,
    send_file,
    send_from_directory,
    stream_with_context,
    url_for,
)
from heron.flask.json import jsonify
from heron.flask.signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    before_render_template,
    got_request_exception,
    message_flashed,
    request_finished,
    request_started,
    request_tearing_down,
    template_rendered,
)
from heron.flask.templating import (
    render_template,
    render_template_string,
    stream_template,
    stream_template_string,
)
from heron.flask.wrappers import Request, Response

#: COMPAT(flask): the Flask release whose API this package follows (extensions check it).
__version__ = FLASK_VERSION

__all__ = [
    "Blueprint",
    "Config",
    "Flask",
    "Markup",
    "Request",
    "Response",
    "__version__",
    "abort",
    "after_this_request",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "copy_current_request_context",
    "current_app",
    "escape",
    "flash",
    "g",
    "get_flashed_messages",
    "get_template_attribute",
    "got_request_exception",
    "has_app_context",
    "has_request_context",
    "json",
    "jsonify",
    "make_response",
    "message_flashed",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send_file",
    "send_from_directory",
    "session",
    "stream_template",
    "stream_template_string",
    "stream_with_context",
    "template_rendered",
    "url_for",
]
