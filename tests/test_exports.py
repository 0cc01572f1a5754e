"""The package's front door and module shape: what STYLE.md promises, checked."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import heron

SRC = Path(heron.__file__).resolve().parent
MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages([str(SRC)], prefix="heron.")
    # heron.dropin_flask switches the drop-in on when imported (tested in test_dropin.py).
    if not name.endswith("__main__") and name != "heron.dropin_flask"
)


def test_front_door_is_sorted_and_complete() -> None:
    assert heron.__all__ == sorted(heron.__all__)
    for name in heron.__all__:
        assert hasattr(heron, name), name


@pytest.mark.parametrize("module_name", MODULES)
def test_every_module_declares_what_it_exports(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{module_name} has no __all__"
    for name in exported:
        assert hasattr(module, name), f"{module_name}.__all__ names missing {name}"


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: p.name)
def test_modules_stay_under_the_size_cap(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= 800, f"{path.name} has {lines} lines (hard cap 800)"


def test_flasks_helpers_are_at_the_front_door() -> None:
    import markupsafe

    from heron import blueprints, files, responses

    assert heron.Markup is markupsafe.Markup and heron.escape is markupsafe.escape
    assert heron.escape("<b>") == heron.Markup("&lt;b&gt;")
    assert heron.jsonify is responses.jsonify and heron.make_response is responses.make_response
    assert heron.send_file is files.send_file
    assert heron.send_from_directory is files.send_from_directory
    assert heron.Blueprint is blueprints.Blueprint
    assert issubclass(heron.Blueprint, heron.APIRouter)
