"""A real Flask app mounted under a heron.flask app: one session, URLs both ways."""

from __future__ import annotations

from typing import Any

import pytest
from flask import (
    Flask as RealFlask,
    request as real_request,
    session as real_session,
    url_for as real_url_for,
)

from heron.flask import Flask, session, url_for
from heron.flask.migration import mount_flask_app
from heron.testclient import TestClient


def legacy_app(**config: Any) -> RealFlask:
    legacy = RealFlask("legacy")
    legacy.config.update(SECRET_KEY="shared-secret", **config)

    @legacy.route("/login", methods=["POST"])
    def login() -> Any:
        real_session["user"] = real_request.form["user"]
        return {"next": real_url_for("dashboard")}

    @legacy.route("/profile")
    def profile() -> Any:
        return {"user": real_session.get("user"), "home": real_url_for("home", _anchor="top")}

    return legacy


def heron_app() -> Flask:
    app = Flask(__name__)

    @app.route("/")
    def home() -> str:
        return "home"

    @app.route("/dashboard")
    def dashboard() -> Any:
        return {"user": session.get("user"), "profile": url_for("profile")}

    @app.route("/rename", methods=["POST"])
    def rename() -> str:
        session["user"] = "bo"
        return "ok"

    return app


@pytest.mark.parametrize("path", ["/", "/old"])
def test_the_session_and_urls_are_shared_both_ways(path: str) -> None:
    app = heron_app()
    mount_flask_app(app, legacy_app(), path)
    prefix = path.rstrip("/")
    client = TestClient(app)

    login = client.post(f"{prefix}/login", data={"user": "ann"})
    assert login.json() == {"next": "/dashboard"}  # the legacy app links to a Heron view
    dashboard = client.get("/dashboard")
    # Logged in by the legacy app, seen by Heron; Heron links to a legacy view.
    assert dashboard.json() == {"user": "ann", "profile": f"{prefix}/profile"}
    client.post("/rename")
    profile = client.get(f"{prefix}/profile")
    assert profile.json() == {"user": "bo", "home": "/#top"}


def test_heron_rules_come_before_a_mount_at_the_root() -> None:
    app = heron_app()
    mount_flask_app(app, legacy_app(), "/")
    client = TestClient(app)
    assert client.get("/").text == "home"
    assert client.get("/profile").json()["user"] is None
    assert client.get("/nowhere").status_code == 404  # the legacy app's 404


def test_a_missing_secret_key_is_taken_from_the_legacy_app() -> None:
    app = heron_app()
    mount_flask_app(app, legacy_app(), "/old")
    assert app.secret_key == "shared-secret"


def test_different_session_settings_are_refused() -> None:
    app = heron_app()
    app.secret_key = "another"
    with pytest.raises(ValueError, match="SECRET_KEY differs"):
        mount_flask_app(app, legacy_app(), "/old")
    app = heron_app()
    with pytest.raises(ValueError, match="SESSION_COOKIE_NAME differs"):
        mount_flask_app(app, legacy_app(SESSION_COOKIE_NAME="legacy"), "/old")


def test_an_unknown_endpoint_is_still_a_build_error() -> None:
    app = heron_app()
    mount_flask_app(app, legacy_app(), "/old")
    with app.test_request_context("/"):
        with pytest.raises(Exception, match="nowhere"):
            url_for("nowhere")
        assert url_for("profile", _external=True) == "http://localhost/old/profile"


def test_outside_a_request_legacy_urls_are_built_under_the_mount() -> None:
    app = heron_app()
    app.config["SERVER_NAME"] = "example.test"
    mount_flask_app(app, legacy_app(), "/old")
    with app.app_context():
        assert url_for("profile", _external=False) == "/old/profile"
