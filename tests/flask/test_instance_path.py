"""The instance folder is where Flask puts it: beside the top-level package or module."""

from __future__ import annotations

import sys
from pathlib import Path

import flask
import pytest

import heron.flask
import heron.flask.sessions


@pytest.mark.parametrize("import_name", ["shop", "shop.views", "solo", "__main__", "json"])
def test_instance_path_is_flasks(
    import_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "views.py").write_text("")
    (tmp_path / "solo.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("shop", "shop.views", "solo"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    expected = flask.Flask(import_name).instance_path
    assert heron.flask.Flask(import_name).instance_path == expected
    if import_name.startswith("shop") or import_name == "solo":
        assert expected == str(tmp_path / "instance")


def test_an_installed_package_gets_its_instance_folder_under_the_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    (site / "installed").mkdir(parents=True)
    (site / "installed" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    monkeypatch.delitem(sys.modules, "installed", raising=False)
    expected = flask.Flask("installed").instance_path
    assert heron.flask.Flask("installed").instance_path == expected
    assert expected == str(tmp_path / "var" / "installed-instance")


def test_a_class_level_session_interface_is_used() -> None:
    class Interface(heron.flask.sessions.SecureCookieSessionInterface):
        salt = "custom-salt"

    class App(heron.flask.Flask):
        session_interface = Interface()  # type: ignore[override]

    app = App(__name__)
    app.secret_key = "k"

    @app.route("/")
    def index() -> str:
        heron.flask.session["a"] = 1
        return "ok"

    response = app.test_client().get("/")
    assert response.status_code == 200
    assert "session=" in response.headers["Set-Cookie"]
    app.build_middleware_stack()  # Heron's stack, as the first ASGI request builds it
    assert isinstance(app.session_interface, Interface)
