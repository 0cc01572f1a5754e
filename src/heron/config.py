"""``app.config``: Flask's dict-like configuration, fillable from typed pydantic settings.

Called by ``Heron.__init__`` (``app.config``; ``Heron(settings=...)`` calls
:meth:`Config.from_settings`) and by user code; calls pydantic (validation of the built-in
keys) and, only when asked, pydantic-settings and python-dotenv (``.env`` files:
``from_prefixed_env(env_file=...)``, :func:`load_dotenv` for ``app.run``).

One object serves both habits:

* Flask's: ``app.config["SECRET_KEY"] = ...``, ``from_object``, ``from_mapping``,
  ``from_prefixed_env("HERON")``, ``from_file``, ``get``, ``get_namespace``;
* the typed one: ``from_settings(MySettings)`` with a ``pydantic_settings.BaseSettings``
  (its ``env_prefix``, ``.env`` file and validation), every field copied in under its
  upper-case name and the validated instance kept as ``config.settings``.

The built-in keys (:data:`BUILTIN_KEYS`) are not copies: they read and write the app's
attributes (``DEBUG`` is ``app.debug``…), so ``app.secret_key = ...`` and
``app.config["SECRET_KEY"] = ...`` are the same thing, and each write is validated.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import types
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from functools import lru_cache
from typing import IO, TYPE_CHECKING, Annotated, Any, TypeVar, get_args

from pydantic import Field, TypeAdapter, ValidationError

from heron.exceptions import ConfigError

if TYPE_CHECKING:
    from pydantic_settings import BaseSettings

__all__ = ["BUILTIN_KEYS", "Config", "load_dotenv"]

_S = TypeVar("_S", bound="BaseSettings")

#: ``Heron(max_body_size=...)``'s default, for a ``Config`` used without an app.
_DEFAULT_MAX_BODY_SIZE = 16 * 1024 * 1024


def load_dotenv(name: str = ".env") -> bool:
    """Load the nearest ``name`` file, from the current directory up, into ``os.environ``.

    Flask's ``load_dotenv`` (``app.run(load_dotenv=True)``): variables already set win.
    Without python-dotenv (the ``config`` extra) nothing is loaded, and a note says so
    when the file is there.

    Returns:
        Whether a file was loaded.
    """
    try:
        # OPTIONAL: python-dotenv comes with the `config` extra.
        import dotenv
    except ImportError:
        if os.path.isfile(name):
            print(f" * Tip: {name} is here: pip install python-dotenv to use it.", file=sys.stderr)
        return False
    found = dotenv.find_dotenv(name, usecwd=True)
    return bool(found) and dotenv.load_dotenv(found, encoding="utf-8", override=False)


@dataclass(frozen=True)
class _Builtin:
    attribute: str
    annotation: Any
    #: Read when the middleware stack is built (first request): later changes are refused.
    fixed_at_start: bool = False


#: The keys Heron itself reads, and the app attribute each one is.
BUILTIN_KEYS: dict[str, _Builtin] = {
    "DEBUG": _Builtin("debug", bool, fixed_at_start=True),
    "SECRET_KEY": _Builtin("secret_key", str | bytes | None, fixed_at_start=True),
    "MAX_BODY_SIZE": _Builtin("max_body_size", Annotated[int, Field(ge=0)] | None),
    "ROOT_PATH": _Builtin("root_path", str),
}


@lru_cache(maxsize=8)  # one adapter per built-in key
def _adapter(key: str) -> TypeAdapter[Any]:
    return TypeAdapter(BUILTIN_KEYS[key].annotation)


def _unwrap_secret(value: Any) -> Any:
    """The plain value of a pydantic ``SecretStr``/``SecretBytes`` (a settings habit)."""
    reveal = getattr(value, "get_secret_value", None)
    return reveal() if callable(reveal) else value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _validate_builtin(key: str, value: Any) -> Any:
    try:
        return _adapter(key).validate_python(_unwrap_secret(value))
    except ValidationError as exc:
        reasons = "; ".join(error["msg"] for error in exc.errors())
        shown = "" if key == "SECRET_KEY" else f" (got {_shown(value)})"
        raise ConfigError(f"{key}: {reasons}{shown}") from exc


def _is_settings(obj: Any) -> bool:
    try:
        from pydantic_settings import BaseSettings
    except ImportError:
        return False
    return isinstance(obj, BaseSettings) or (
        isinstance(obj, type) and issubclass(obj, BaseSettings)
    )


def _import_object(path: str) -> Any:
    """``"pkg.module:Name"`` or ``"pkg.module.Name"`` → the object."""
    module_name, colon, attribute = path.partition(":")
    if not colon:
        module_name, _, attribute = path.rpartition(".")
    try:
        module = importlib.import_module(module_name or path)
    except ImportError as exc:
        raise ConfigError(f"from_object({path!r}): cannot import {module_name!r}") from exc
    if not module_name:
        return module
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ConfigError(f"from_object({path!r}): {module_name!r} has no {attribute!r}") from None


# ---------------------------------------------------------------- settings errors


_SECRET_WORDS = ("secret", "password", "token", "key")


def _is_secret(cls: type[BaseSettings], field_name: str) -> bool:
    """Whether a field's value must not be echoed in an error message."""
    from pydantic import Secret, SecretBytes, SecretStr

    if any(word in field_name.lower() for word in _SECRET_WORDS):
        return True
    field = cls.model_fields.get(field_name)
    annotation = getattr(field, "annotation", None)
    candidates = [annotation, *get_args(annotation)]
    return any(
        isinstance(candidate, type) and issubclass(candidate, SecretStr | SecretBytes | Secret)
        for candidate in candidates
    )


def _variable(cls: type[BaseSettings], loc: tuple[int | str, ...]) -> str:
    """The environment variable (or ``.env`` entry) a validation error is about."""
    if not loc:
        return cls.__name__
    config = cls.model_config
    first = str(loc[0])
    if first in cls.model_fields:
        name = f"{config.get('env_prefix', '')}{first}"
    else:  # NOTE: an alias; pydantic-settings reads it as written, without the prefix
        name = first
    delimiter = config.get("env_nested_delimiter")
    rest = [str(part) for part in loc[1:]]
    if rest and delimiter:
        name = delimiter.join([name, *rest])
    if not config.get("case_sensitive"):
        name = name.upper()
    if rest and not delimiter:
        name += f" (at {'.'.join(rest)})"
    return name


def _settings_error(cls: type[BaseSettings], exc: ValidationError) -> ConfigError:
    lines = []
    for error in exc.errors():
        loc = error["loc"]
        line = f"  {_variable(cls, loc)}: {error['msg']}"
        if error["type"] != "missing" and not (loc and _is_secret(cls, str(loc[0]))):
            line += f" (got {_shown(error['input'])})"
        lines.append(line)
    source = "the environment"
    if cls.model_config.get("env_file"):
        source += f" and {cls.model_config['env_file']}"
    heading = f"{cls.__name__}: invalid configuration (read from {source}):"
    return ConfigError("\n".join([heading, *lines]))


# ---------------------------------------------------------------- Config


class Config(MutableMapping[str, Any]):
    """The application's configuration: a mutable mapping of upper-case keys.

    ``app.config`` is one. Keys in :data:`BUILTIN_KEYS` are views of the app's
    attributes, validated on every write (``ConfigError`` names the key); every other key
    is stored as given. Later loads override earlier ones, so load defaults first.

    Args:
        app: The application whose attributes the built-in keys are (None: a standalone
            configuration holding Heron's defaults).
        defaults: Initial values.
    """

    def __init__(self, app: Any = None, defaults: Mapping[str, Any] | None = None) -> None:
        if app is None:
            app = types.SimpleNamespace(
                debug=False, secret_key=None, max_body_size=_DEFAULT_MAX_BODY_SIZE, root_path=""
            )
        self._app = app
        self._values: dict[str, Any] = {}
        self._settings: BaseSettings | None = None
        if defaults:
            self.update(defaults)

    # ------------------------------------------------------------ mapping protocol

    def __getitem__(self, key: str) -> Any:
        builtin = BUILTIN_KEYS.get(key)
        if builtin is not None:
            return getattr(self._app, builtin.attribute)
        return self._values[key]

    def __setitem__(self, key: str, value: Any) -> None:
        builtin = BUILTIN_KEYS.get(key)
        if builtin is None:
            self._values[key] = value
            return
        value = _validate_builtin(key, value)
        current = getattr(self._app, builtin.attribute)
        started = getattr(self._app, "middleware_stack", None) is not None
        if builtin.fixed_at_start and started and value != current:
            raise ConfigError(
                f"{key} cannot change once the application has started serving: set it "
                "before the first request (it is read when the middleware stack is built)."
            )
        setattr(self._app, builtin.attribute, value)

    def __delitem__(self, key: str) -> None:
        if key in BUILTIN_KEYS:
            raise ConfigError(f"{key} is a built-in key: set it to another value instead")
        del self._values[key]

    def __iter__(self) -> Iterator[str]:
        yield from BUILTIN_KEYS
        yield from list(self._values)

    def __len__(self) -> int:
        return len(BUILTIN_KEYS) + len(self._values)

    def __contains__(self, key: object) -> bool:
        return key in BUILTIN_KEYS or key in self._values

    def clear(self) -> None:
        """Remove every key but the built-in ones (which keep their values)."""
        self._values.clear()

    def popitem(self) -> tuple[str, Any]:
        """Remove and return the last key added that is not built in.

        Raises:
            KeyError: Only built-in keys are left.
        """
        return self._values.popitem()

    def __repr__(self) -> str:
        # NOTE: the secret key is masked: config reprs end up in logs and error pages.
        shown = {key: self[key] for key in self}
        if shown["SECRET_KEY"]:
            shown["SECRET_KEY"] = "***"
        return f"<Config {shown!r}>"

    # ------------------------------------------------------------ Flask's loaders

    def from_object(self, obj: object | str) -> bool:
        """Copy the upper-case attributes of ``obj`` (a class, module or instance).

        A ``pydantic_settings.BaseSettings`` class or instance is loaded with
        :meth:`from_settings` instead, so its fields (lower-case) are not missed.

        Args:
            obj: The object, or its import path (``"pkg.settings:Production"`` or
                ``"pkg.settings.Production"``).

        Returns:
            True (Flask's return value).

        Raises:
            ConfigError: The import path does not resolve, or a built-in key is invalid.
        """
        if isinstance(obj, str):
            obj = _import_object(obj)
        if _is_settings(obj):
            self.from_settings(obj)  # type: ignore[arg-type]
            return True
        for name in dir(obj):
            if name.isupper():
                self[name] = getattr(obj, name)
        return True

    def from_mapping(self, mapping: Mapping[str, Any] | None = None, **kwargs: Any) -> bool:
        """Copy the upper-case keys of ``mapping`` and ``kwargs`` (others are ignored, as Flask).

        Returns:
            True (Flask's return value).

        Raises:
            ConfigError: A built-in key is invalid.
        """
        for key, value in {**(mapping or {}), **kwargs}.items():
            if key.isupper():
                self[key] = value
        return True

    def from_prefixed_env(
        self,
        prefix: str = "HERON",
        *,
        loads: Callable[[str], Any] = json.loads,
        env_file: str | os.PathLike[str] | None = None,
    ) -> bool:
        """Load the environment variables named ``{prefix}_KEY`` as ``KEY``.

        As Flask: each value goes through ``loads`` (JSON: ``5`` is an int, ``true`` a
        bool, ``"[1, 2]"`` a list) and stays a string when that fails; ``__`` in a name
        nests (``HERON_DB__HOST`` sets ``config["DB"]["HOST"]``). Built-in keys are
        validated from the text instead (``HERON_DEBUG=yes`` is True, ``HERON_SECRET_KEY=123``
        the string ``"123"``).

        Args:
            prefix: The prefix, without its trailing ``_``.
            loads: Turns each value into Python.
            env_file: A ``.env`` file read too (python-dotenv); the real environment wins
                over it, as in pydantic-settings. A missing file is ignored.

        Returns:
            True (Flask's return value).

        Raises:
            ConfigError: A built-in key is invalid (named with its variable).
        """
        environ: dict[str, str | None] = {}
        if env_file is not None and os.path.exists(env_file):
            try:
                from dotenv import dotenv_values
            except ImportError:  # NOTE: python-dotenv comes with the `config` extra
                raise ConfigError(
                    "env_file needs python-dotenv: pip install 'heron[config]'"
                ) from None
            environ.update(dotenv_values(env_file))
        environ.update(os.environ)
        start = f"{prefix}_"
        for name in sorted(environ):
            raw = environ[name]
            if not name.startswith(start) or raw is None:
                continue
            key = name[len(start) :]
            try:
                self._set_from_text(key, raw, loads)
            except ConfigError as exc:
                raise ConfigError(f"{name}: {str(exc).partition(': ')[2]}") from exc.__cause__
        return True

    def _set_from_text(self, key: str, raw: str, loads: Callable[[str], Any]) -> None:
        if key in BUILTIN_KEYS:
            try:
                self[key] = raw
            except ConfigError:
                try:  # the text failed: its JSON may not ("null" for MAX_BODY_SIZE)
                    value = loads(raw)
                except Exception:
                    value = raw  # fails again, with the text's error
                self[key] = value
            return
        try:
            value = loads(raw)
        except Exception:
            value = raw
        *parents, leaf = key.split("__")
        if not parents:
            self[key] = value
            return
        node = self._values.setdefault(parents[0], {})
        for part in parents[1:]:
            node = node.setdefault(part, {})
        node[leaf] = value

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: Callable[[IO[Any]], Mapping[str, Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a file with ``load`` and copy its upper-case keys (Flask's).

        ``app.config.from_file("config.toml", load=tomllib.load, text=False)``.

        Args:
            filename: The file, relative to the current directory (or absolute).
            load: Reads the open file into a mapping (``json.load``, ``tomllib.load``).
            silent: Return False instead of raising when the file does not exist.
            text: Open in text mode (False for ``tomllib.load``).

        Returns:
            True if the file was loaded.

        Raises:
            OSError: The file cannot be read (a missing one only without ``silent``).
            ConfigError: A built-in key is invalid.
        """
        try:
            with open(filename, "r" if text else "rb") as file:
                data = load(file)
        except FileNotFoundError:
            if silent:
                return False
            raise
        return self.from_mapping(data)

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, Any]:
        """The keys starting with ``namespace``, e.g. for ``**``-passing to a client.

        ``config.get_namespace("MAIL_")`` gives ``{"server": ..., "port": ...}`` for
        ``MAIL_SERVER`` and ``MAIL_PORT`` (Flask's).

        Args:
            namespace: The key prefix.
            lowercase: Lower-case the resulting keys.
            trim_namespace: Leave the prefix out of the resulting keys.

        Returns:
            A new dict.
        """
        found: dict[str, Any] = {}
        for key in self:
            if not key.startswith(namespace):
                continue
            name = key[len(namespace) :] if trim_namespace else key
            found[name.lower() if lowercase else name] = self[key]
        return found

    # ------------------------------------------------------------ typed settings

    def from_settings(self, settings: type[_S] | _S) -> _S:
        """Load a ``pydantic_settings.BaseSettings``: each field as its upper-case name.

        A class is instantiated here, so it reads the environment (with its
        ``env_prefix``) and its ``env_file``; a validation error becomes a
        :class:`~heron.exceptions.ConfigError` listing every variable at fault
        (``MYAPP_PORT: Input should be a valid integer… (got 'abc')``; secrets are never
        echoed). Values keep their types (nested models, ``SecretStr``); a field named
        like a built-in key sets it (``secret_key: SecretStr`` becomes ``app.secret_key``).

        Args:
            settings: The settings class, or an instance already made.

        Returns:
            The instance, typed as the class given; also kept as :attr:`settings`.

        Raises:
            ConfigError: The settings do not validate.
        """
        if isinstance(settings, type):
            try:
                instance = settings()
            except ValidationError as exc:
                raise _settings_error(settings, exc) from exc
        else:
            instance = settings
        for name, value in instance:
            try:
                self[name.upper()] = value
            except ConfigError as exc:
                variable = _variable(type(instance), (name,))
                raise ConfigError(f"{variable}: {str(exc).partition(': ')[2]}") from exc
        self._settings = instance
        return instance

    @property
    def settings(self) -> BaseSettings | None:
        """The settings instance last loaded by :meth:`from_settings` (None before)."""
        return self._settings
