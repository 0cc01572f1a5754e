"""Flaskr, the Flask tutorial's blog, the Heron way.

Register, log in, write, edit and delete posts. Run it with::

    heron --app examples.flaskr init-db
    heron run examples.flaskr

Flask's habits (an app factory, routers as blueprints, ``g``, ``session``, ``flash``,
``url_for``, hooks) on Heron's typed core: forms are Pydantic models that re-render
with their errors, ``login_required`` is a dependency, CSRF is on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from heron import Heron

__all__ = ["create_app"]


def create_app(test_config: Mapping[str, Any] | None = None) -> Heron:
    """Build the app: configuration, database, routers.

    Args:
        test_config: Settings replacing the defaults (tests use a temporary database).
    """
    app = Heron(__name__, title="Flaskr")
    instance = os.path.join(os.getcwd(), "instance")
    app.config.from_mapping(
        SECRET_KEY="dev",  # overridden by FLASKR_SECRET_KEY in production
        DATABASE=os.path.join(instance, "flaskr.sqlite"),
    )
    if test_config is None:
        app.config.from_prefixed_env("FLASKR")  # FLASKR_SECRET_KEY, FLASKR_DATABASE
    else:
        app.config.from_mapping(test_config)
    os.makedirs(os.path.dirname(os.path.abspath(app.config["DATABASE"])), exist_ok=True)

    from examples.flaskr import auth, blog, db

    db.init_app(app)
    app.before_request(auth.load_logged_in_user)
    app.include_router(auth.router)
    app.include_router(blog.router)
    return app
