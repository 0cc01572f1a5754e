"""Finding a Flask application from a name: Flask's rules, for ``flask --app`` and FLASK_APP.

Called by :class:`heron.flask.cli.ScriptInfo` (which re-exports these names, as
``flask.cli`` does)::

    "module:name", "path/to/file.py:create_app('dev')", "pkg/sub/__init__.py"
      → prepare_import(path): the package root on sys.path, the dotted module name
      → locate_app(module, name): import it, then
          name given → find_app_by_string: the attribute, or the factory called with the
                       literal arguments written after it
          no name    → find_best_app: `app`, `application`, the only app in the module,
                       or what `create_app()`/`make_app()` return

Each failure is a :class:`NoAppException` (a ``click.UsageError``) whose message says what
to write instead; an ``ImportError`` raised by the app's own code keeps its traceback in
the message.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import sys
import traceback
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, TypeGuard, overload

import click

# NOTE: the app module imports the CLI (and so this module) while it loads: the module
# object is bound now, its `Flask` read when an app is looked for.
from heron.flask import app as _app_module

if TYPE_CHECKING:
    from heron.flask.app import Flask

__all__ = [
    "NoAppException",
    "find_app_by_string",
    "find_best_app",
    "locate_app",
    "prepare_import",
    "split_app_path",
]


class NoAppException(click.UsageError):
    """No application could be found, imported or created."""


def _is_app(value: object) -> TypeGuard[Flask]:
    return isinstance(value, _app_module.Flask)


def _bad_call(func: Callable[..., Any], error: BaseException) -> bool:
    """Whether ``error`` came from the call itself (wrong arguments), not from ``func``'s body.

    The traceback reaches a frame of ``func`` only when the call got into its body.
    """
    code = getattr(func, "__code__", None)
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is code:
            return False
        tb = tb.tb_next
    return True


def find_best_app(module: ModuleType | type) -> Flask:
    """The app of ``module``: ``app``, ``application``, its only app, or a factory's.

    The factories tried are ``create_app`` and ``make_app``, called without arguments.

    Raises:
        NoAppException: Several apps, a factory that needs arguments, or nothing found.
    """
    name = module.__name__
    for attribute in ("app", "application"):
        value = getattr(module, attribute, None)
        if _is_app(value):
            return value
    apps = [value for value in vars(module).values() if _is_app(value)]
    if len(apps) > 1:
        raise NoAppException(
            f"Detected multiple Flask applications in module '{name}'. Use '{name}:name' to"
            " specify the correct one."
        )
    if apps:
        return apps[0]
    for attribute in ("create_app", "make_app"):
        factory = getattr(module, attribute, None)
        if not inspect.isfunction(factory):
            continue
        try:
            app = factory()
        except TypeError as exc:
            if not _bad_call(factory, exc):
                raise
            raise NoAppException(
                f"Detected factory '{attribute}' in module '{name}', but could not call it"
                f" without arguments. Use '{name}:{attribute}(args)' to specify arguments."
            ) from exc
        if _is_app(app):
            return app
    raise NoAppException(
        f"Failed to find Flask application or factory in module '{name}'. Use '{name}:name'"
        " to specify one."
    )


def _parse_app_name(app_name: str) -> tuple[str, list[Any], dict[str, Any]]:
    """``name`` or ``name(literal, ..., key=literal)``: the name, the arguments."""
    try:
        node = ast.parse(app_name.strip(), mode="eval").body
    except SyntaxError:
        node = None
    if isinstance(node, ast.Name):
        return node.id, [], {}
    if not isinstance(node, ast.Call):
        raise NoAppException(f"Failed to parse {app_name!r} as an attribute name or function call.")
    if not isinstance(node.func, ast.Name):
        raise NoAppException(f"Function reference must be a simple name: {app_name!r}.")
    try:
        args = [ast.literal_eval(arg) for arg in node.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg is not None}
    except ValueError:
        raise NoAppException(
            f"Failed to parse arguments as literal values: {app_name!r}."
        ) from None
    return node.func.id, args, kwargs


def find_app_by_string(module: ModuleType, app_name: str) -> Flask:
    """The app ``app_name`` names in ``module``: an attribute, or a factory call.

    Args:
        module: The imported module.
        app_name: ``name`` or ``factory(args)``, the arguments Python literals.

    Raises:
        NoAppException: The name does not parse, is missing, the factory does not take
            the arguments, or what it gives is not an app.
    """
    name, args, kwargs = _parse_app_name(app_name)
    try:
        value = getattr(module, name)
    except AttributeError as exc:
        raise NoAppException(f"Failed to find attribute {name!r} in {module.__name__!r}.") from exc
    if inspect.isfunction(value):
        try:
            value = value(*args, **kwargs)
        except TypeError as exc:
            if not _bad_call(value, exc):
                raise
            raise NoAppException(
                f"The factory {app_name!r} in module {module.__name__!r} could not be called"
                " with the specified arguments."
            ) from exc
    if _is_app(value):
        return value
    raise NoAppException(
        f"A valid Flask application was not obtained from '{module.__name__}:{app_name}'."
    )


def prepare_import(path: str | os.PathLike[str]) -> str:
    """The dotted module name of a file or module path; its root folder goes on ``sys.path``.

    ``pkg/sub/mod.py`` inside packages (folders with ``__init__.py``) is ``pkg.sub.mod``,
    importable from the folder above ``pkg``, which becomes ``sys.path[0]``.
    """
    location = os.path.realpath(path)
    stem, extension = os.path.splitext(location)
    if extension == ".py":
        location = stem
    if os.path.basename(location) == "__init__":
        location = os.path.dirname(location)
    parts: list[str] = []
    folder = location
    while True:
        folder, part = os.path.split(folder)
        parts.insert(0, part)
        if not os.path.exists(os.path.join(folder, "__init__.py")):
            break
    if not sys.path or sys.path[0] != folder:
        sys.path.insert(0, folder)
    return ".".join(parts)


@overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: Literal[True] = True
) -> Flask: ...
@overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = ...
) -> Flask | None: ...
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = True
) -> Flask | None:
    """Import ``module_name`` and find its app (by ``app_name``, or the best guess).

    Args:
        module_name: The dotted module name.
        app_name: ``name`` or ``factory(args)``; None: :func:`find_best_app`.
        raise_if_not_found: When the module does not exist: raise (True) or return None.

    Raises:
        NoAppException: The module does not exist, raised ImportError while importing
            (always raised: it is a bug in the module), or has no app.
    """
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        missing = exc.name if isinstance(exc, ModuleNotFoundError) else None
        if missing is None or not (module_name + ".").startswith(missing + "."):
            raise NoAppException(
                f"While importing {module_name!r}, an ImportError was raised:\n\n"
                f"{traceback.format_exc()}"
            ) from None
        if raise_if_not_found:
            raise NoAppException(f"Could not import {module_name!r}.") from None
        return None
    except (TypeError, ValueError):  # not a module name at all ("", "../app")
        if raise_if_not_found:
            raise NoAppException(f"Could not import {module_name!r}.") from None
        return None
    if app_name is None:
        return find_best_app(module)
    return find_app_by_string(module, app_name)


def split_app_path(value: str) -> tuple[str, str | None]:
    """Split ``"module:name"`` into its module (or file) and name (None when absent).

    The colon of a Windows drive (``C:/apps/hello.py``, ``C:`` then a slash or a
    backslash) does not split.
    """
    start = 0
    while (index := value.find(":", start)) != -1:
        if value[index + 1 : index + 2] not in ("\\", "/"):
            return value[:index], value[index + 1 :]
        start = index + 1
    return value, None
