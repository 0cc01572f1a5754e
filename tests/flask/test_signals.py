"""``heron.flask.signals``: Flask's signals, by the same names, in a namespace of their own."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import flask.signals as flask_signals
import pytest
from blinker import NamedSignal

from heron.flask import signals


def named_signals(module: object) -> dict[str, str]:
    """The module's signals: attribute name to signal name."""
    return {
        attribute: value.name
        for attribute, value in vars(module).items()
        if isinstance(value, NamedSignal)
    }


FLASK_SIGNALS = named_signals(flask_signals)


def test_the_same_signals_as_flask_with_the_same_names() -> None:
    assert named_signals(signals) == FLASK_SIGNALS
    assert len(FLASK_SIGNALS) == 10
    assert signals.template_rendered.name == "template-rendered"
    assert sorted(signals.__all__) == sorted(FLASK_SIGNALS)


@pytest.mark.parametrize("attribute", sorted(FLASK_SIGNALS))
def test_signals_are_not_flasks_objects(attribute: str) -> None:
    ours, theirs = getattr(signals, attribute), getattr(flask_signals, attribute)
    assert ours is not theirs
    received: list[object] = []

    def receiver(sender: object, **kwargs: Any) -> None:
        received.append(sender)

    with theirs.connected_to(receiver):
        ours.send("heron")
    assert received == []


def test_connect_and_send() -> None:
    received: list[tuple[object, dict[str, Any]]] = []

    def on_flash(sender: object, **kwargs: Any) -> str:
        received.append((sender, kwargs))
        return "seen"

    app = object()
    signals.message_flashed.connect(on_flash)
    try:
        answers = signals.message_flashed.send(app, message="Saved", category="info")
    finally:
        signals.message_flashed.disconnect(on_flash)
    assert answers == [(on_flash, "seen")]
    assert received == [(app, {"message": "Saved", "category": "info"})]
    assert signals.message_flashed.send(app, message="after") == []


def test_a_receiver_for_one_sender_only() -> None:
    app, other = object(), object()
    received: list[object] = []

    def started(sender: object, **kwargs: Any) -> None:
        received.append(sender)

    with signals.request_started.connected_to(started, sender=app):
        signals.request_started.send(other)
        signals.request_started.send(app)
    assert received == [app]


def test_importing_does_not_import_flask() -> None:
    code = "import sys, heron.flask.signals; assert 'flask' not in sys.modules, 'flask imported'"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
