"""Parameter markers: where an endpoint argument comes from, and its constraints.

``Query()``, ``Path()``, ``Header()``, ``Cookie()``, ``Body()``, ``Form()``, ``File()`` are
pydantic ``FieldInfo`` subclasses, so constraints (``gt``, ``max_length``, ``pattern``…)
and metadata (``alias``, ``description``, ``examples``…) are pydantic's own. ``Depends``
and ``Security`` mark dependencies. ``dependencies.analysis`` reads them once, when a
route is registered. Real (non-string) annotations on purpose: no ``from __future__
import annotations`` in this module.
"""

import warnings
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from heron.exceptions import HeronDeprecationWarning

__all__ = [
    "Body",
    "Cookie",
    "Depends",
    "File",
    "Form",
    "Header",
    "Param",
    "ParamTypes",
    "Path",
    "Query",
    "Security",
]

_Undefined: Any = PydanticUndefined


class ParamTypes(Enum):
    """Where a scalar parameter is read from."""

    query = "query"
    header = "header"
    path = "path"
    cookie = "cookie"


def _init_marker(
    marker: FieldInfo,
    default: Any,
    *,
    default_factory: Any,
    regex: str | None,
    example: Any,
    openapi_examples: dict[str, Any] | None,
    include_in_schema: bool,
    extra: dict[str, Any],
) -> None:
    """Set the Heron attributes of a marker, then initialise its pydantic FieldInfo.

    Unset arguments are left out, so pydantic's own defaults apply.
    """
    if default is ...:
        default = _Undefined
    marker.include_in_schema = include_in_schema  # type: ignore[attr-defined]
    marker.openapi_examples = openapi_examples  # type: ignore[attr-defined]
    marker.example = example  # type: ignore[attr-defined]
    if default_factory is not _Undefined:
        extra["default_factory"] = default_factory
    if regex is not None:
        warnings.warn("`regex` is deprecated, use `pattern`", HeronDeprecationWarning, stacklevel=4)
        extra.setdefault("pattern", regex)
    json_schema_extra = dict(extra.pop("json_schema_extra", None) or {})
    if example is not _Undefined:
        json_schema_extra["example"] = example
    kwargs = {k: v for k, v in extra.items() if v is not None and v is not _Undefined}
    if json_schema_extra:
        kwargs["json_schema_extra"] = json_schema_extra
    FieldInfo.__init__(marker, default=default, **kwargs)


class Param(FieldInfo):  # type: ignore[misc]  # pydantic marks it final for users, not for us
    """A scalar parameter read from the path, query, headers or cookies.

    Accepts every ``pydantic.Field`` argument, plus ``include_in_schema``,
    ``openapi_examples`` and (deprecated) ``regex``/``example``.
    """

    in_: ParamTypes

    def __init__(
        self,
        default: Any = _Undefined,
        *,
        default_factory: Callable[[], Any] | None = _Undefined,
        regex: str | None = None,
        example: Any = _Undefined,
        openapi_examples: dict[str, Any] | None = None,
        include_in_schema: bool = True,
        **kwargs: Any,
    ) -> None:
        _init_marker(
            self,
            default,
            default_factory=default_factory,
            regex=regex,
            example=example,
            openapi_examples=openapi_examples,
            include_in_schema=include_in_schema,
            extra=kwargs,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.default!r})"


class Path(Param):  # type: ignore[misc]
    """A path parameter (always required)."""

    in_ = ParamTypes.path

    def __init__(self, default: Any = ..., **kwargs: Any) -> None:
        if default is not ...:
            raise AssertionError("Path parameters cannot have a default value")
        super().__init__(default, **kwargs)


class Query(Param):  # type: ignore[misc]
    """A query string parameter."""

    in_ = ParamTypes.query


class Header(Param):  # type: ignore[misc]
    """A header; ``convert_underscores`` reads ``user_agent`` from ``User-Agent``."""

    in_ = ParamTypes.header

    def __init__(
        self, default: Any = _Undefined, *, convert_underscores: bool = True, **kwargs: Any
    ):
        self.convert_underscores = convert_underscores
        super().__init__(default, **kwargs)


class Cookie(Param):  # type: ignore[misc]
    """A cookie."""

    in_ = ParamTypes.cookie


class Body(FieldInfo):  # type: ignore[misc]  # pydantic marks it final for users, not for us
    """A value read from the request body.

    Args:
        default: The default (``...`` or omitted: required).
        embed: Expect ``{"name": value}`` even when this is the only body parameter.
        media_type: The media type documented in OpenAPI.
        **kwargs: ``pydantic.Field`` arguments.
    """

    def __init__(
        self,
        default: Any = _Undefined,
        *,
        embed: bool | None = None,
        media_type: str = "application/json",
        default_factory: Callable[[], Any] | None = _Undefined,
        regex: str | None = None,
        example: Any = _Undefined,
        openapi_examples: dict[str, Any] | None = None,
        include_in_schema: bool = True,
        **kwargs: Any,
    ) -> None:
        self.embed = embed
        self.media_type = media_type
        _init_marker(
            self,
            default,
            default_factory=default_factory,
            regex=regex,
            example=example,
            openapi_examples=openapi_examples,
            include_in_schema=include_in_schema,
            extra=kwargs,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.default!r})"


class Form(Body):  # type: ignore[misc]
    """A field of an urlencoded or multipart form."""

    def __init__(
        self,
        default: Any = _Undefined,
        *,
        media_type: str = "application/x-www-form-urlencoded",
        **kwargs: Any,
    ) -> None:
        super().__init__(default, media_type=media_type, **kwargs)


class File(Form):  # type: ignore[misc]
    """A file part of a multipart form (``bytes`` or ``UploadFile``)."""

    def __init__(
        self, default: Any = _Undefined, *, media_type: str = "multipart/form-data", **kwargs: Any
    ) -> None:
        super().__init__(default, media_type=media_type, **kwargs)


class Depends:
    """A dependency: the value of ``dependency(...)``, its own arguments solved the same way.

    Args:
        dependency: A function, class or callable; its return value (or the value a
            ``yield`` dependency yields) is passed in. Omitted: the annotation's class.
        use_cache: Reuse the value within one request when several parts ask for it.
        scope: When a ``yield`` dependency's cleanup runs: ``"request"`` (the default,
            after the response is sent) or ``"function"`` (right after the endpoint returns).
    """

    def __init__(
        self,
        dependency: Callable[..., Any] | None = None,
        *,
        use_cache: bool = True,
        scope: str | None = None,
    ) -> None:
        if scope not in (None, "function", "request"):
            raise ValueError('scope must be "function" or "request"')
        self.dependency = dependency
        self.use_cache = use_cache
        self.scope = scope

    def __repr__(self) -> str:
        name = getattr(self.dependency, "__name__", type(self.dependency).__name__)
        cache = "" if self.use_cache else ", use_cache=False"
        return f"{type(self).__name__}({name}{cache})"


class Security(Depends):
    """A dependency that also declares OAuth2 scopes (gathered in ``SecurityScopes``).

    Args:
        dependency: As for :class:`Depends`.
        scopes: The scopes this use of the dependency requires.
        use_cache: As for :class:`Depends`.
    """

    def __init__(
        self,
        dependency: Callable[..., Any] | None = None,
        *,
        scopes: Sequence[str] | None = None,
        use_cache: bool = True,
    ) -> None:
        super().__init__(dependency=dependency, use_cache=use_cache)
        self.scopes = list(scopes or [])
