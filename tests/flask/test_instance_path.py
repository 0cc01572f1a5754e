"""The instance folder is where Flask puts it: beside the top-level package or module."""

from __future__ import annotations

import sys
from pathlib import Path

import flask
import pytest

import heron.flask


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
