"""``flask.signals``: the signals ``heron.flask`` sends, as blinker signals.

Imported by user code (``template_rendered.connect(record)``) and by the ``heron.flask``
modules that send them. Each signal has Flask's name, so code (and extensions) looking a
signal up by name, or printing it, sees what it would under Flask. The signals live in a
namespace of their own: they are not Flask's objects, and receivers connected to
``flask.signals`` do not receive ``heron.flask``'s sends.
"""

from __future__ import annotations

from blinker import Namespace

__all__ = [
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "got_request_exception",
    "message_flashed",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "template_rendered",
]

# Only the signals of heron.flask itself: extensions make their own namespaces.
_signals = Namespace()

#: Sent after a template was rendered: ``template``, ``context``.
template_rendered = _signals.signal("template-rendered")
#: Sent before a template is rendered: ``template``, ``context``.
before_render_template = _signals.signal("before-render-template")
#: Sent when a request's handling starts, after the request context is set up.
request_started = _signals.signal("request-started")
#: Sent with the ``response`` before it goes to the server.
request_finished = _signals.signal("request-finished")
#: Sent when the request context is torn down: ``exc``.
request_tearing_down = _signals.signal("request-tearing-down")
#: Sent when a view raised an ``exception`` that is not handled.
got_request_exception = _signals.signal("got-request-exception")
#: Sent when the app context is torn down: ``exc``.
appcontext_tearing_down = _signals.signal("appcontext-tearing-down")
#: Sent when an app context is pushed.
appcontext_pushed = _signals.signal("appcontext-pushed")
#: Sent when an app context is popped.
appcontext_popped = _signals.signal("appcontext-popped")
#: Sent when a message is flashed: ``message``, ``category``.
message_flashed = _signals.signal("message-flashed")
