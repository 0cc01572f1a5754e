"""The Flask app of flask_app.py, unchanged, on Heron: the drop-in switch, then its import."""

import heron.dropin_flask  # noqa: F401 - first: `import flask` in flask_app gives heron.flask
from apps.flask_app import app

__all__ = ["app"]
