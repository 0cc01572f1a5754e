"""Middleware specs: ``Middleware(cls, *args, **kwargs)`` builds ``cls(app, *args, **kwargs)``.

The application keeps specs, not instances, so it can build its stack once, lazily, when
the first request or lifespan event arrives (``Heron.build_middleware_stack``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from heron.types import ASGIApp

__all__ = ["Middleware"]


class Middleware:
    """A middleware class and the arguments to build it with.

    Args:
        cls: A callable taking the wrapped ASGI app first.
        *args: More positional arguments for ``cls``.
        **kwargs: Keyword arguments for ``cls``.
    """

    def __init__(self, cls: Any, *args: Any, **kwargs: Any) -> None:
        self.cls = cls
        self.args = args
        self.kwargs = kwargs

    def __iter__(self) -> Iterator[Any]:
        return iter((self.cls, self.args, self.kwargs))

    def build(self, app: ASGIApp) -> ASGIApp:
        """Instantiate the middleware around ``app``."""
        return self.cls(app, *self.args, **self.kwargs)  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        name = getattr(self.cls, "__name__", repr(self.cls))
        options = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"Middleware({', '.join([name, *options])})"
