"""``flask.typing``: the type aliases Flask apps and extensions annotate with.

Imported by user code and by ``heron.flask`` for annotations only; nothing here runs at
request time. The aliases name the same types as Flask's, built on Werkzeug's classes
(``Response`` is :class:`werkzeug.sansio.response.Response`, the base of every Werkzeug
and ``heron.flask`` response class), so code annotated for Flask checks the same way.

The aliases are real runtime objects (``X | Y`` unions): ``typing.get_type_hints`` and
``pydantic`` can resolve annotations that use them.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any, TypeAlias, TypeVar
from wsgiref.types import WSGIApplication

from werkzeug.datastructures import Headers
from werkzeug.sansio.response import Response

__all__ = [
    "AfterRequestCallable",
    "AppOrBlueprintKey",
    "BeforeFirstRequestCallable",
    "BeforeRequestCallable",
    "ErrorHandlerCallable",
    "HeaderValue",
    "HeadersValue",
    "ResponseClass",
    "ResponseReturnValue",
    "ResponseValue",
    "RouteCallable",
    "ShellContextProcessorCallable",
    "TeardownCallable",
    "TemplateContextProcessorCallable",
    "TemplateFilterCallable",
    "TemplateGlobalCallable",
    "TemplateTestCallable",
    "URLDefaultCallable",
    "URLValuePreprocessorCallable",
]

#: A value a view may return as its body: a response, or something that becomes one.
# COMPAT(flask): Mapping (not only dict) so TypedDicts type-check; the async iterables
# are in Flask's alias too (for Quart).
ResponseValue: TypeAlias = (
    Response
    | str
    | bytes
    | list[Any]
    | Mapping[str, Any]
    | Iterator[str]
    | Iterator[bytes]
    | AsyncIterable[str]
    | AsyncIterable[bytes]
)

#: One header's value, or several values for the same header.
HeaderValue: TypeAlias = str | list[str] | tuple[str, ...]

#: The headers a view may return next to its body.
HeadersValue: TypeAlias = Headers | Mapping[str, HeaderValue] | Sequence[tuple[str, HeaderValue]]

#: Everything a view function may return.
ResponseReturnValue: TypeAlias = (
    ResponseValue
    | tuple[ResponseValue, HeadersValue]
    | tuple[ResponseValue, int]
    | tuple[ResponseValue, int, HeadersValue]
    | WSGIApplication
)

#: Any response class, so a callback annotated with a subclass still type-checks.
ResponseClass = TypeVar("ResponseClass", bound=Response)

#: The key of the app's own functions (None) or of a blueprint's (its name).
AppOrBlueprintKey: TypeAlias = str | None

AfterRequestCallable: TypeAlias = (
    Callable[[ResponseClass], ResponseClass] | Callable[[ResponseClass], Awaitable[ResponseClass]]
)
BeforeFirstRequestCallable: TypeAlias = Callable[[], None] | Callable[[], Awaitable[None]]
BeforeRequestCallable: TypeAlias = (
    Callable[[], ResponseReturnValue | None] | Callable[[], Awaitable[ResponseReturnValue | None]]
)
ShellContextProcessorCallable: TypeAlias = Callable[[], dict[str, Any]]
TeardownCallable: TypeAlias = (
    Callable[[BaseException | None], None] | Callable[[BaseException | None], Awaitable[None]]
)
TemplateContextProcessorCallable: TypeAlias = (
    Callable[[], dict[str, Any]] | Callable[[], Awaitable[dict[str, Any]]]
)
TemplateFilterCallable: TypeAlias = Callable[..., Any]
TemplateGlobalCallable: TypeAlias = Callable[..., Any]
TemplateTestCallable: TypeAlias = Callable[..., bool]
URLDefaultCallable: TypeAlias = Callable[[str, dict[str, Any]], None]
URLValuePreprocessorCallable: TypeAlias = Callable[[str | None, dict[str, Any] | None], None]

# COMPAT(flask): the error is typed Any, not Exception: a handler annotated with one
# exception class, or registered for several, must still type-check (pallets/flask#4095).
ErrorHandlerCallable: TypeAlias = (
    Callable[[Any], ResponseReturnValue] | Callable[[Any], Awaitable[ResponseReturnValue]]
)

RouteCallable: TypeAlias = (
    Callable[..., ResponseReturnValue] | Callable[..., Awaitable[ResponseReturnValue]]
)
