"""``Query()``, ``Path()``, ``Body()``… as FastAPI spells them: functions returning markers.

Each takes the marker's arguments (see ``heron.params``) and returns the marker; typed as
``Any`` so ``q: str = Query(None)`` type-checks, as in FastAPI.
"""

from collections.abc import Callable, Sequence
from typing import Any

from pydantic_core import PydanticUndefined

from heron import params

__all__ = ["Body", "Cookie", "Depends", "File", "Form", "Header", "Path", "Query", "Security"]

_Undefined: Any = PydanticUndefined


def Path(default: Any = ..., **kwargs: Any) -> Any:
    """A path parameter with constraints/metadata (``gt``, ``alias``, ``description``…)."""
    return params.Path(default, **kwargs)


def Query(default: Any = _Undefined, **kwargs: Any) -> Any:
    """A query parameter with constraints/metadata."""
    return params.Query(default, **kwargs)


def Header(default: Any = _Undefined, *, convert_underscores: bool = True, **kwargs: Any) -> Any:
    """A header parameter; ``x_token`` reads ``X-Token`` unless ``convert_underscores=False``."""
    return params.Header(default, convert_underscores=convert_underscores, **kwargs)


def Cookie(default: Any = _Undefined, **kwargs: Any) -> Any:
    """A cookie parameter."""
    return params.Cookie(default, **kwargs)


def Body(default: Any = _Undefined, *, embed: bool | None = None, **kwargs: Any) -> Any:
    """A body value; ``embed=True`` expects ``{"name": value}``."""
    return params.Body(default, embed=embed, **kwargs)


def Form(default: Any = _Undefined, **kwargs: Any) -> Any:
    """A form field."""
    return params.Form(default, **kwargs)


def File(default: Any = _Undefined, **kwargs: Any) -> Any:
    """A file of a multipart form (``bytes`` or ``UploadFile``)."""
    return params.File(default, **kwargs)


def Depends(
    dependency: Callable[..., Any] | None = None,
    *,
    use_cache: bool = True,
    scope: str | None = None,
) -> Any:
    """A dependency (see :class:`heron.params.Depends`)."""
    return params.Depends(dependency, use_cache=use_cache, scope=scope)


def Security(
    dependency: Callable[..., Any] | None = None,
    *,
    scopes: Sequence[str] | None = None,
    use_cache: bool = True,
) -> Any:
    """A dependency with OAuth2 scopes (see :class:`heron.params.Security`)."""
    return params.Security(dependency, scopes=scopes, use_cache=use_cache)
