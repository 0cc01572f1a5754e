"""``flask.Config`` and ``flask.config.ConfigAttribute`` for ``heron.flask``.

Called by the ``heron.flask`` application (``app.config``, its config-backed attributes
such as ``app.secret_key``) and by user code; calls only the standard library and
``werkzeug.utils.import_string``.

:class:`Config` is a plain ``dict`` with Flask's loaders: values are copied in as they
are, with no validation, because Flask apps and extensions store anything they like under
any upper-case key. This is deliberately not :class:`heron.config.Config`, whose built-in
keys are validated app attributes; a Flask app needs Flask's dict, unchanged.
"""

from __future__ import annotations

import errno
import json
import os
import types
from collections.abc import Callable, Mapping, MutableMapping
from typing import IO, Any, Generic, Protocol, Self, TypeVar, overload

from werkzeug.utils import import_string

__all__ = ["Config", "ConfigAttribute"]

_T = TypeVar("_T")

# COMPAT(flask): the errnos a ``silent=True`` load treats as "no file". ``from_pyfile``
# also forgives ENOTDIR (a path through a regular file); ``from_file`` does not.
_PYFILE_MISSING = frozenset({errno.ENOENT, errno.EISDIR, errno.ENOTDIR})
_FILE_MISSING = frozenset({errno.ENOENT, errno.EISDIR})


class _HasConfig(Protocol):
    """What :class:`ConfigAttribute` needs of its owner: a ``config`` mapping."""

    @property
    def config(self) -> MutableMapping[str, Any]: ...


class ConfigAttribute(Generic[_T]):
    """A class attribute that reads and writes one key of the instance's ``config``.

    Flask's application declares ``secret_key = ConfigAttribute("SECRET_KEY")`` and the
    like, so ``app.secret_key`` and ``app.config["SECRET_KEY"]`` are one value. Read on
    the class, the descriptor returns itself.

    Args:
        name: The configuration key.
        get_converter: Applied to the stored value on every read (not on writes), e.g.
            to turn a number of seconds into a ``timedelta``.
    """

    def __init__(self, name: str, get_converter: Callable[[Any], _T] | None = None) -> None:
        # COMPAT(flask): the key is kept as ``__name__``, where Flask keeps it.
        self.__name__ = name
        self.get_converter = get_converter

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> Self: ...

    @overload
    def __get__(self, obj: _HasConfig, owner: type[Any] | None = None) -> _T: ...

    def __get__(self, obj: _HasConfig | None, owner: type[Any] | None = None) -> _T | Self:
        if obj is None:
            return self
        value = obj.config[self.__name__]
        if self.get_converter is not None:
            return self.get_converter(value)
        # Without a converter the stored value is what the declaration promises: the
        # descriptor cannot check it, as in Flask.
        stored: _T = value
        return stored

    def __set__(self, obj: _HasConfig, value: Any) -> None:
        obj.config[self.__name__] = value


class Config(dict[str, Any]):
    """A ``dict`` of configuration values, with loaders from files, objects and the env.

    Only upper-case names are taken by :meth:`from_object`, :meth:`from_pyfile`,
    :meth:`from_file` and :meth:`from_mapping`, so a config module can hold lower-case
    helper variables that stay out of the config. Item assignment stores any key.

    Example::

        app.config.from_object("myapp.default_settings")
        app.config.from_envvar("MYAPP_SETTINGS", silent=True)
        app.config.from_prefixed_env()

    Args:
        root_path: The directory relative file names are resolved against (the app's
            ``root_path``).
        defaults: Initial values, copied in.
    """

    def __init__(
        self,
        root_path: str | os.PathLike[str],
        defaults: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(defaults or {})
        self.root_path = root_path

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the Python config file named by an environment variable.

        ``from_envvar("MYAPP_SETTINGS")`` is ``from_pyfile(os.environ["MYAPP_SETTINGS"])``
        with a clearer error when the variable is missing.

        Args:
            variable_name: The environment variable holding the file name.
            silent: Return False instead of raising when the variable is unset or empty,
                or when the file does not exist.

        Returns:
            True if the file was loaded.

        Raises:
            RuntimeError: The variable is unset or empty (without ``silent``).
            OSError: The file cannot be read.
        """
        filename = os.environ.get(variable_name)
        if not filename:
            if silent:
                return False
            # COMPAT(flask): Flask's message, word for word.
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set"
                " and as such configuration could not be loaded. Set"
                " this variable and make it point to a configuration"
                " file"
            )
        return self.from_pyfile(filename, silent=silent)

    def from_prefixed_env(
        self, prefix: str = "FLASK", *, loads: Callable[[str], Any] = json.loads
    ) -> bool:
        """Load the environment variables named ``{prefix}_KEY`` as ``KEY``.

        Variables are read in sorted order. Each value goes through ``loads`` (by default
        JSON, so ``5`` is an int, ``true`` a bool, ``[1, 2]`` a list) and stays the string
        when ``loads`` raises. A double underscore nests: ``FLASK_DB__HOST`` sets
        ``config["DB"]["HOST"]``, creating missing intermediate dicts.

        Args:
            prefix: The prefix, without its trailing underscore.
            loads: Turns each value's text into a Python value.

        Returns:
            True, always.

        Raises:
            TypeError: A nested key goes through an existing value that is not a mapping
                (as in Flask).
        """
        start = f"{prefix}_"
        for name in sorted(os.environ):
            if not name.startswith(start):
                continue
            text = os.environ[name]
            try:
                value = loads(text)
            except Exception:
                # Any failure of a user-supplied ``loads`` means "not that type": keep text.
                value = text
            *parents, leaf = name[len(start) :].split("__")
            target: MutableMapping[str, Any] = self
            for part in parents:
                if part not in target:
                    target[part] = {}
                target = target[part]
            target[leaf] = value
        return True

    def from_pyfile(self, filename: str | os.PathLike[str], silent: bool = False) -> bool:
        """Execute a Python file as a module and load its upper-case names.

        The file runs in a fresh module named ``config`` whose ``__file__`` is the file's
        path, so errors and tracebacks name the file.

        Args:
            filename: The file, absolute or relative to :attr:`root_path`.
            silent: Return False instead of raising when the file does not exist.

        Returns:
            True if the file was loaded.

        Raises:
            OSError: The file cannot be read; its ``strerror`` starts with ``Unable to
                load configuration file`` and its ``filename`` is the path.
            Exception: Whatever executing the file raises (``SyntaxError`` included).
        """
        path = os.path.join(self.root_path, filename)
        module = types.ModuleType("config")
        module.__file__ = path
        try:
            with open(path, mode="rb") as file:
                # Compiled with the path, so a syntax error or a traceback names the file.
                exec(compile(file.read(), path, "exec"), module.__dict__)
        except OSError as exc:
            # COMPAT(flask): an OSError raised by the file's own code is handled (and
            # reworded) the same way as one from opening it.
            if silent and exc.errno in _PYFILE_MISSING:
                return False
            _reword(exc)
            raise
        self.from_object(module)
        return True

    def from_object(self, obj: object | str) -> None:
        """Copy the upper-case attributes of an object (usually a module or class).

        A ``dict`` does not work here (its keys are not attributes): use
        :meth:`from_mapping`. Properties of a class are only values on an instance, so
        pass an instance for a class that uses them.

        Args:
            obj: The object, or its import name (``"pkg.settings"``,
                ``"pkg.settings.Production"`` or ``"pkg.settings:Production"``).

        Raises:
            werkzeug.utils.ImportStringError: The import name does not resolve.
        """
        if isinstance(obj, str):
            obj = import_string(obj)
        for name in dir(obj):
            if name.isupper():
                self[name] = getattr(obj, name)

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: Callable[[IO[Any]], Mapping[str, Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Read a data file with ``load`` and load its upper-case keys.

        Example::

            app.config.from_file("config.json", load=json.load)
            app.config.from_file("config.toml", load=tomllib.load, text=False)

        Args:
            filename: The file, absolute or relative to :attr:`root_path`.
            load: Reads the open file into a mapping.
            silent: Return False instead of raising when the file does not exist.
            text: Open the file in text mode; False opens it in binary mode.

        Returns:
            True if the file was loaded.

        Raises:
            OSError: The file cannot be read; its ``strerror`` starts with ``Unable to
                load configuration file``.
        """
        path = os.path.join(self.root_path, filename)
        try:
            with open(path, "r" if text else "rb") as file:
                data = load(file)
        except OSError as exc:
            # COMPAT(flask): an OSError raised by ``load`` itself is treated the same way.
            if silent and exc.errno in _FILE_MISSING:
                return False
            _reword(exc)
            raise
        return self.from_mapping(data)

    def from_mapping(self, mapping: Mapping[str, Any] | None = None, **kwargs: Any) -> bool:
        """Update from a mapping and keyword arguments, skipping non-upper-case keys.

        Keyword arguments win over the mapping's items of the same name.

        Returns:
            True, always.
        """
        merged: dict[str, Any] = dict(mapping or {})
        merged.update(kwargs)
        for key, value in merged.items():
            if key.isupper():
                self[key] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, Any]:
        """The items whose keys start with ``namespace``, e.g. to pass as ``**kwargs``.

        With ``IMAGE_STORE_TYPE`` and ``IMAGE_STORE_PATH`` set,
        ``get_namespace("IMAGE_STORE_")`` is ``{"type": ..., "path": ...}``.

        Args:
            namespace: The key prefix.
            lowercase: Lower-case the resulting keys.
            trim_namespace: Leave the prefix out of the resulting keys.

        Returns:
            A new dict, in the config's order.
        """
        found: dict[str, Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            name = key[len(namespace) :] if trim_namespace else key
            found[name.lower() if lowercase else name] = value
        return found

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {super().__repr__()}>"


def _reword(exc: OSError) -> None:
    """Say in ``exc``'s message that a configuration file failed (Flask's wording)."""
    # COMPAT(flask): str(exc) reads "[Errno 2] Unable to load configuration file (No such
    # file or directory): '/path'"; the errno and filename are kept for callers.
    exc.strerror = f"Unable to load configuration file ({exc.strerror})"
