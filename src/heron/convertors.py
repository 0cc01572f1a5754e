"""Path parameter converters and path compilation.

``compile_path("/items/{id:int}")`` turns a route path into a regex, a format string for
``url_path_for`` and the converters of its parameters. Flask's ``<int:id>`` spelling is
accepted and rewritten to ``{id:int}``. Called once per route at registration.
"""

from __future__ import annotations

import math
import re
import uuid
from typing import Any, ClassVar

from heron.exceptions import HeronError

__all__ = [
    "CONVERTOR_TYPES",
    "Convertor",
    "FloatConvertor",
    "IntegerConvertor",
    "PathConvertor",
    "StringConvertor",
    "UUIDConvertor",
    "compile_path",
    "flask_to_heron_path",
    "register_url_convertor",
]


class Convertor:
    """Turns one path segment into a value and back.

    Attributes:
        regex: What the parameter matches.
    """

    regex: ClassVar[str] = ""

    def convert(self, value: str) -> Any:
        """The segment text as a value."""
        return value

    def to_string(self, value: Any) -> str:
        """A value as segment text."""
        return str(value)


class StringConvertor(Convertor):
    """One non-empty segment without ``/`` (the default)."""

    regex = "[^/]+"

    def to_string(self, value: Any) -> str:
        """The value as segment text.

        Raises:
            ValueError: The text is empty or contains ``/``.
        """
        text = str(value)
        if "/" in text or not text:
            raise ValueError("May not contain path separators or be empty")
        return text


class PathConvertor(Convertor):
    """The rest of the path, ``/`` included."""

    regex = ".*"


class IntegerConvertor(Convertor):
    """Decimal digits, converted to ``int``."""

    regex = "[0-9]+"

    def convert(self, value: str) -> int:
        """The digits as an ``int``."""
        return int(value)

    def to_string(self, value: Any) -> str:
        """The value as decimal digits.

        Raises:
            ValueError: The value is negative.
        """
        value = int(value)
        if value < 0:
            raise ValueError("Negative integers are not supported")
        return str(value)


class FloatConvertor(Convertor):
    """A non-negative decimal number, converted to ``float``."""

    regex = r"[0-9]+(\.[0-9]+)?"

    def convert(self, value: str) -> float:
        """The text as a ``float``."""
        return float(value)

    def to_string(self, value: Any) -> str:
        """The value in plain decimal notation, without trailing zeros.

        Raises:
            ValueError: The value is negative, NaN or infinite.
        """
        value = float(value)
        if value < 0 or math.isnan(value) or math.isinf(value):
            raise ValueError("Only finite non-negative floats are supported")
        return f"{value:0.20f}".rstrip("0").rstrip(".")


class UUIDConvertor(Convertor):
    """A hyphenated UUID, converted to ``uuid.UUID``."""

    regex = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

    def convert(self, value: str) -> uuid.UUID:
        """The text as a ``uuid.UUID``."""
        return uuid.UUID(value)


CONVERTOR_TYPES: dict[str, Convertor] = {
    "str": StringConvertor(),
    "string": StringConvertor(),  # Flask's name
    "path": PathConvertor(),
    "int": IntegerConvertor(),
    "float": FloatConvertor(),
    "uuid": UUIDConvertor(),
}


def register_url_convertor(key: str, convertor: Convertor) -> None:
    """Make ``{name:key}`` available in route paths."""
    CONVERTOR_TYPES[key] = convertor


# Flask: <converter:name> or <name>; Heron/Starlette: {name:converter} or {name}.
_FLASK_PARAM = re.compile(
    r"<(?:(?P<conv>[a-zA-Z_][a-zA-Z0-9_]*):)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>"
)
_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(:[a-zA-Z_][a-zA-Z0-9_]*)?}")
# Flask's converter arguments (``<int(signed=True):id>``, ``<any(a, b):x>``): not supported.
_FLASK_PARAM_WITH_ARGS = re.compile(r"<[a-zA-Z_][a-zA-Z0-9_]*\([^>]*\):[a-zA-Z_][a-zA-Z0-9_]*>")


def flask_to_heron_path(path: str) -> str:
    """Rewrite Flask's ``/post/<int:id>`` as ``/post/{id:int}``."""

    def repl(match: re.Match[str]) -> str:
        conv = match.group("conv")
        return "{" + match.group("name") + (f":{conv}" if conv else "") + "}"

    return _FLASK_PARAM.sub(repl, path)


def compile_path(path: str) -> tuple[str, str, dict[str, Convertor]]:
    """Compile a route path.

    Returns:
        ``(regex_source, format, convertors)``: the regex matching the whole path (no
        anchors, group names are the parameter names), a ``str.format`` template for
        building it back, and the converters by parameter name.

    Raises:
        HeronError: For an unknown converter, a parameter named twice, or Flask converter
            arguments (which would otherwise silently become literal text).
    """
    with_args = _FLASK_PARAM_WITH_ARGS.search(path)
    if with_args is not None:
        raise HeronError(
            f"Flask convertor arguments are not supported: {with_args.group()} in {path!r}; "
            "register a custom convertor with register_url_convertor() instead"
        )
    path = flask_to_heron_path(path)
    regex, fmt = "", ""
    convertors: dict[str, Convertor] = {}
    idx = 0
    for match in _PARAM.finditer(path):
        name, conv_type = match.groups()
        conv_name = (conv_type or ":str")[1:]
        if conv_name not in CONVERTOR_TYPES:
            raise HeronError(f"Unknown path convertor '{conv_name}' in {path!r}")
        if name in convertors:
            raise HeronError(f"Duplicated param name {name} at path {path}")
        convertor = CONVERTOR_TYPES[conv_name]
        regex += re.escape(path[idx : match.start()]) + f"(?P<{name}>{convertor.regex})"
        fmt += path[idx : match.start()] + "{" + name + "}"
        convertors[name] = convertor
        idx = match.end()
    regex += re.escape(path[idx:])
    fmt += path[idx:]
    return regex, fmt, convertors
