"""The registration decorators shared by ``APIRouter`` and ``Heron``.

``get/post/put/patch/delete/head/options/trace`` (FastAPI's), ``route`` (Flask's) and
``websocket``; each lands in the subclass's ``api_route`` or ``add_api_websocket_route``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

__all__ = ["RouteDecorators"]

_Decorated = Callable[[Callable[..., Any]], Callable[..., Any]]


class RouteDecorators:
    """The registration decorators shared by ``APIRouter`` and ``Heron``.

    Subclasses provide :meth:`api_route` and :meth:`add_api_websocket_route`.
    """

    def api_route(
        self, path: str, *, methods: Collection[str] | None = None, **options: Any
    ) -> _Decorated:
        """Decorator registering an endpoint whose arguments come from its signature."""
        raise NotImplementedError

    def add_api_websocket_route(
        self, path: str, endpoint: Callable[..., Any], name: str | None = None, **options: Any
    ) -> None:
        """Register a WebSocket endpoint."""
        raise NotImplementedError

    def route(
        self, path: str, methods: Collection[str] | None = None, **options: Any
    ) -> _Decorated:
        """Flask's decorator: ``str`` returns are HTML, ``dict`` JSON, tuples set status/headers.

        Args:
            path: The path (``/post/<int:id>`` or ``/post/{id:int}``).
            methods: Allowed methods, ``["GET"]`` by default.
            **options: As for :meth:`add_api_route`; ``endpoint=`` names the route, as in Flask.
        """
        if "endpoint" in options:
            options["name"] = options.pop("endpoint")
        return self.api_route(path, methods=methods, flask_style=True, **options)

    def _method(self, method: str, path: str, options: dict[str, Any]) -> _Decorated:
        return self.api_route(path, methods=[method], **options)

    def get(self, path: str, **options: Any) -> _Decorated:
        """Register a GET endpoint (HEAD is answered too)."""
        return self._method("GET", path, options)

    def put(self, path: str, **options: Any) -> _Decorated:
        """Register a PUT endpoint."""
        return self._method("PUT", path, options)

    def post(self, path: str, **options: Any) -> _Decorated:
        """Register a POST endpoint."""
        return self._method("POST", path, options)

    def delete(self, path: str, **options: Any) -> _Decorated:
        """Register a DELETE endpoint."""
        return self._method("DELETE", path, options)

    def options(self, path: str, **options: Any) -> _Decorated:
        """Register an OPTIONS endpoint."""
        return self._method("OPTIONS", path, options)

    def head(self, path: str, **options: Any) -> _Decorated:
        """Register a HEAD endpoint."""
        return self._method("HEAD", path, options)

    def patch(self, path: str, **options: Any) -> _Decorated:
        """Register a PATCH endpoint."""
        return self._method("PATCH", path, options)

    def trace(self, path: str, **options: Any) -> _Decorated:
        """Register a TRACE endpoint."""
        return self._method("TRACE", path, options)

    def websocket(self, path: str, name: str | None = None, **options: Any) -> _Decorated:
        """Decorator registering a WebSocket endpoint."""

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            self.add_api_websocket_route(path, func, name=name, **options)
            return func

        return decorator
