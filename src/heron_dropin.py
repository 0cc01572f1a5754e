"""Drop-in aliases: ``import flask`` imports ``heron.flask``, with no change to the user's code.

:func:`install` puts one :class:`importlib.abc.MetaPathFinder` at the front of
``sys.meta_path``. For an alias (``flask``) and each of its submodules (``flask.json``,
``flask.json.tag``) it imports the Heron module (``heron.flask``, ``heron.flask.json``…) and
registers that same module object under the alias's name in ``sys.modules`` too: so
``flask.json is heron.flask.json``, ``from flask import json`` works, and classes keep
Heron's ``__module__`` (pickles name ``heron.flask…``). The real package, installed or not,
is shadowed: a ``flask.<sub>`` that Heron does not provide raises ModuleNotFoundError.

Three switches turn a drop-in on (docs/drop-in.md): ``import heron.dropin_flask`` first in
the entry point (also a pytest plugin: ``pytest -p heron.dropin_flask``); the
``HERON_DROP_IN=flask`` environment variable, read at interpreter start-up by the
``heron_dropin.pth`` file Heron's wheel installs (:func:`install_from_environment`); and
``heron run --drop-in flask``. Without one of them nothing here runs and no hook is
installed.

This module lives outside the ``heron`` package on purpose: the start-up line imports it
when ``HERON_DROP_IN`` is set, and importing ``heron`` there (pydantic, anyio…) would load
them before pytest has set up its plugins (pytest then warns that it cannot rewrite anyio's
plugin, an error under ``filterwarnings = error``). Heron itself is imported only when the
application imports ``flask``. It uses the standard library only. ``heron._dropin``
re-exports it.

What stays as it was: ``importlib.metadata.version("flask")`` reads the installed
distributions, so it reports the real Flask's version if it is installed (and raises
PackageNotFoundError if not); ``flask.__version__`` is ``heron.flask``'s.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import threading
import warnings
from collections.abc import Mapping, Sequence
from types import CodeType, ModuleType
from typing import Final

__all__ = [
    "DROP_INS",
    "ENVIRONMENT_VARIABLE",
    "NOT_YET_AVAILABLE",
    "DropInNotAvailableError",
    "active_aliases",
    "install",
    "install_from_environment",
    "switch_on",
    "uninstall",
]

#: The environment variable the ``.pth`` file reads at start-up: drop-in names, comma-separated.
ENVIRONMENT_VARIABLE: Final = "HERON_DROP_IN"

#: The drop-ins by name (``HERON_DROP_IN``, ``heron run --drop-in``): the aliases each installs.
DROP_INS: Final[Mapping[str, Mapping[str, str]]] = {"flask": {"flask": "heron.flask"}}

#: Drop-ins accepted by name but not built yet: what is said instead of installing them.
NOT_YET_AVAILABLE: Final[Mapping[str, str]] = {
    "fastapi": (
        "The FastAPI drop-in (`import fastapi` and `import starlette` giving Heron's modules) "
        "is not available yet (issue 12): nothing was switched on for it, and `import fastapi` "
        "imports the real FastAPI if it is installed."
    ),
}

#: Other spellings of the names above: ``HERON_DROP_IN=1`` is the FastAPI drop-in.
_SYNONYMS: Final = {"1": "fastapi"}
#: Values that switch nothing on, without a warning.
_OFF: Final = frozenset({"", "0"})


class DropInNotAvailableError(LookupError):
    """A drop-in accepted by name that is not built yet (``fastapi``): nothing is installed."""


class _AliasLoader(importlib.abc.Loader):
    """Loads an alias by importing its Heron module and handing back that very object."""

    def __init__(self, target: str, target_spec: importlib.machinery.ModuleSpec) -> None:
        self.target = target
        self.target_spec = target_spec
        self._own_spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        """Import the Heron module; the import system registers it under the alias too."""
        module = importlib.import_module(self.target)
        self._own_spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Give the module its own ``__spec__`` back (the import system set the alias's)."""
        # NOTE: the module already ran as the Heron module; its __name__, __file__, __path__
        # and __package__ stay Heron's (the import system sets them only where missing),
        # but it always sets __spec__, which reload() and pickle-by-module-name rely on.
        if self._own_spec is not None:
            module.__spec__ = self._own_spec

    def is_package(self, fullname: str) -> bool:
        """Whether the Heron module is a package (``runpy``, ``python -m``)."""
        return self.target_spec.submodule_search_locations is not None

    def get_code(self, fullname: str) -> CodeType | None:
        """The Heron module's code, so ``python -m flask`` runs ``heron.flask.__main__``."""
        loader = self.target_spec.loader
        get_code = getattr(loader, "get_code", None)
        if get_code is None:
            return None
        code: CodeType | None = get_code(self.target)
        return code


class _AliasFinder(importlib.abc.MetaPathFinder):
    """The one finder of every drop-in: ``alias[.sub]`` → ``target[.sub]``."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """The alias's spec, or None for any other name (the cost of every other import).

        Raises:
            ModuleNotFoundError: ``fullname`` is an alias whose Heron module does not exist.
        """
        alias, _, rest = fullname.partition(".")
        root = self.aliases.get(alias)
        if root is None:
            return None
        heron_name = f"{root}.{rest}" if rest else root
        heron_spec = _heron_spec(fullname, root, heron_name)
        locations = heron_spec.submodule_search_locations
        spec = importlib.machinery.ModuleSpec(
            fullname,
            _AliasLoader(heron_name, heron_spec),
            origin=heron_spec.origin,  # informative only: __file__ stays the Heron module's
            is_package=locations is not None,
        )
        if locations is not None:
            spec.submodule_search_locations = list(locations)
        return spec


def _heron_spec(fullname: str, root: str, heron_name: str) -> importlib.machinery.ModuleSpec:
    """The spec of the Heron module an alias stands for, found without running it."""
    module = sys.modules.get(heron_name)
    if module is not None:
        spec = getattr(module, "__spec__", None)
        if isinstance(spec, importlib.machinery.ModuleSpec):
            return spec
        return importlib.machinery.ModuleSpec(
            heron_name, None, is_package=hasattr(module, "__path__")
        )
    try:
        found = importlib.util.find_spec(heron_name)
    except ModuleNotFoundError as exc:
        # Only a missing parent of heron_name is ours to explain; a module that the parent
        # imports and that is missing (an optional dependency) is reported as it is.
        if exc.name is None or not f"{heron_name}.".startswith(f"{exc.name}."):
            raise
        found = None
    if found is None:
        alias = fullname.partition(".")[0]
        raise ModuleNotFoundError(
            f"No module named {fullname!r}: the Heron drop-in maps {alias!r} to {root!r}, "
            f"which does not provide {heron_name!r} yet. While the drop-in is on, the real "
            f"{alias!r} package (if installed) is shadowed, so its {fullname!r} cannot be "
            "imported either.",
            name=fullname,
        )
    return found


_FINDER: Final = _AliasFinder()
_LOCK: Final = threading.Lock()


def _check_alias(alias: str, target: str) -> None:
    if not alias.isidentifier():
        raise ValueError(f"A drop-in alias is a top-level module name, not {alias!r}.")
    if target == alias or target.startswith(f"{alias}."):
        raise ValueError(f"{alias!r} cannot be an alias of {target!r}, a module inside it.")
    current = _FINDER.aliases.get(alias)
    if current is not None and current != target:
        raise ValueError(f"{alias!r} is already an alias of {current!r}, not of {target!r}.")
    module = sys.modules.get(alias)
    if module is None or getattr(module, "__name__", None) == target:
        return
    name = next((name for name, aliases in DROP_INS.items() if alias in aliases), None)
    where = getattr(module, "__file__", None) or "?"
    variable = f"{ENVIRONMENT_VARIABLE}={name}" if name else ENVIRONMENT_VARIABLE
    raise RuntimeError(
        f"The Heron drop-in for {alias!r} was switched on after {alias!r} was imported: the "
        f"real {alias!r} ({where}) is in sys.modules, and the code that imported it keeps it. "
        f"Switch the drop-in on before the first `import {alias}`: at the very top of the "
        f"program's entry point, before any import that imports {alias!r}, or with the "
        f"environment variable {variable}, which acts when the interpreter starts."
    )


def install(aliases: Mapping[str, str]) -> None:
    """Make ``import <alias>`` import the Heron module, for each ``alias: heron_module`` pair.

    ``install({"flask": "heron.flask"})``: ``import flask`` and ``import flask.<sub>``
    import ``heron.flask`` and ``heron.flask.<sub>``, registered under both names. The
    finder goes (back) to the front of ``sys.meta_path``; installing the same aliases again
    changes nothing else.

    Raises:
        ValueError: An alias is not a top-level name, maps into itself, or is already an
            alias of another module.
        RuntimeError: An alias's real package is already imported (``"flask"`` in
            ``sys.modules``, not Heron's): switching on now would leave two Flasks in the
            process. Nothing is installed.
    """
    with _LOCK:
        for alias, target in aliases.items():
            _check_alias(alias, target)
        _FINDER.aliases.update(aliases)
        if sys.meta_path[:1] != [_FINDER]:
            if _FINDER in sys.meta_path:
                sys.meta_path.remove(_FINDER)
            sys.meta_path.insert(0, _FINDER)


def uninstall() -> None:
    """Remove every alias and the finder, and the aliases' entries in ``sys.modules`` (tests).

    Modules that imported an alias keep the Heron module they got; the Heron modules stay
    imported under their own names. The next ``import flask`` finds the real Flask again.
    """
    with _LOCK:
        aliases = dict(_FINDER.aliases)
        _FINDER.aliases.clear()
        if _FINDER in sys.meta_path:
            sys.meta_path.remove(_FINDER)
        for name, module in list(sys.modules.items()):
            alias, _, rest = name.partition(".")
            root = aliases.get(alias)
            if root is not None and getattr(module, "__name__", None) == (
                f"{root}.{rest}" if rest else root
            ):
                sys.modules.pop(name, None)


def active_aliases() -> dict[str, str]:
    """The aliases installed now, ``{"flask": "heron.flask"}`` (a copy); empty when off."""
    with _LOCK:
        return dict(_FINDER.aliases) if _FINDER in sys.meta_path else {}


def switch_on(name: str, *, export: bool = False) -> None:
    """Install the drop-in called ``name`` (``"flask"``).

    Args:
        name: A key of :data:`DROP_INS` (any case), or of :data:`NOT_YET_AVAILABLE`.
        export: Also add ``name`` to ``HERON_DROP_IN`` in ``os.environ``, so that child
            processes (``--reload``, ``--workers``) switch it on when they start.

    Raises:
        DropInNotAvailableError: ``fastapi`` (or ``1``): accepted, not built yet; nothing
            is installed or exported.
        ValueError: No drop-in has this name (the message names the accepted ones).
        RuntimeError: The real package is already imported (see :func:`install`).
    """
    key = name.strip().lower()
    key = _SYNONYMS.get(key, key)
    if key in NOT_YET_AVAILABLE:
        raise DropInNotAvailableError(NOT_YET_AVAILABLE[key])
    aliases = DROP_INS.get(key)
    if aliases is None:
        accepted = ", ".join(repr(known) for known in DROP_INS)
        raise ValueError(
            f"Unknown Heron drop-in {name!r}. Accepted: {accepted}; 'fastapi' (or '1') is "
            "reserved for the FastAPI drop-in, not available yet; several names are "
            "separated by commas, and '0' or nothing switches none on."
        )
    install(aliases)
    if export:
        current = os.environ.get(ENVIRONMENT_VARIABLE, "")
        names = [part.strip() for part in current.split(",") if part.strip() not in _OFF]
        os.environ[ENVIRONMENT_VARIABLE] = ",".join(dict.fromkeys([*names, key]))


def install_from_environment(environ: Mapping[str, str] | None = None) -> None:
    """Switch on the drop-ins ``HERON_DROP_IN`` names (``flask``; a comma-separated list).

    Called at interpreter start-up by Heron's ``.pth`` file when the variable is set. A name
    that is not built yet (``fastapi``, ``1``) or unknown is reported with a RuntimeWarning
    and skipped: start-up goes on.

    Args:
        environ: Where to read the variable (default: ``os.environ``).

    Raises:
        RuntimeError: The real package was imported before (see :func:`install`).
    """
    value = (os.environ if environ is None else environ).get(ENVIRONMENT_VARIABLE, "")
    for part in value.split(","):
        name = part.strip()
        if name in _OFF:
            continue
        try:
            switch_on(name)
        except (DropInNotAvailableError, ValueError) as exc:
            warnings.warn(f"{ENVIRONMENT_VARIABLE}={value!r}: {exc}", RuntimeWarning, stacklevel=2)
