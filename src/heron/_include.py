"""A router included in another: a live link, flattened into prefixed route copies on demand.

Called by ``routing.Router.routes`` (``flatten``) whenever an including router's route list
is rebuilt (after any change below it, see ``Router.invalidate``); calls the routes'
``with_prefix``. The included router's own layers (its middleware, then its hooks and
exception handlers, see ``heron.hooks.RouterScope.layers``) become route middleware of
each copy, in front of the route's own, so nested routers compose: the outer router's
layers are the outermost.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from heron._route_options import inherit_options
from heron.routing import (
    APIRoute,
    APIRouter,
    APIWebSocketRoute,
    BaseRoute,
    Mount,
    Route,
    Router,
    WebSocketRoute,
)

__all__ = ["RouterInclude", "included_routers"]


class RouterInclude:
    """A live link from a router to a router included in it.

    Args:
        router: The included router.
        prefix: The path prefix of its routes (the including router's and the call's).
        options: ``include_router``'s other options, merged with the including router's.
    """

    def __init__(self, router: APIRouter, prefix: str, options: dict[str, Any]) -> None:
        self.router = router
        self.prefix = prefix
        self.options = options

    def flatten(self) -> list[BaseRoute]:
        """Copies of the included router's routes, under the prefix, with its layers."""
        layers = self.router.layers()
        return [self._copy(route, layers) for route in self.router.routes]

    def _copy(self, route: BaseRoute, layers: list[Any]) -> BaseRoute:
        prefix = self.prefix
        if isinstance(route, APIRoute):
            return route.with_prefix(prefix, middleware=layers, **self._route_overrides(route))
        if isinstance(route, APIWebSocketRoute):
            deps = list(self.options.get("dependencies") or [])
            return route.with_prefix(prefix, dependencies=deps, middleware=layers)
        if isinstance(route, Route):
            return Route(
                prefix + route.path,
                route.endpoint,
                methods=route.methods,
                name=route.name,
                include_in_schema=route.include_in_schema,
                middleware=[*layers, *route.middleware],
            )
        if isinstance(route, WebSocketRoute):
            middleware = [*layers, *route.middleware]
            return WebSocketRoute(
                prefix + route.path, route.endpoint, name=route.name, middleware=middleware
            )
        if isinstance(route, Mount):
            return Mount(prefix + route.path, app=route.app, name=route.name, middleware=layers)
        return route

    def _route_overrides(self, route: APIRoute) -> dict[str, Any]:
        overrides: dict[str, Any] = {
            "tags": list(self.options.get("tags") or []),
            "dependencies": list(self.options.get("dependencies") or []),
            "include_in_schema": self.options.get("include_in_schema", True),
            **inherit_options(self.options, route.options),
        }
        response_class = self.options.get("default_response_class")
        if response_class is not None and not route.options.get("response_class_declared"):
            overrides["response_class"] = response_class
            overrides["response_class_declared"] = True
        return overrides


def included_routers(router: Router) -> Iterator[APIRouter]:
    """The routers included in ``router``, depth first."""
    for _, link in router._includes:
        yield link.router
        yield from included_routers(link.router)
