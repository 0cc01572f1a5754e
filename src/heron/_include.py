"""A router included in another: a live link, flattened into prefixed route copies on demand.

Called by ``routing.Router.routes`` (``flatten``) whenever an including router's route list
is rebuilt (after any change below it, see ``Router.invalidate``); calls the routes'
``with_prefix``. The included router's own layers (its middleware, then its hooks and
exception handlers, see ``heron.hooks.RouterScope.layers``) become route middleware of
each copy, in front of the route's own, so nested routers compose: the outer router's
layers are the outermost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from heron._route_options import inherit_options

if TYPE_CHECKING:
    from heron.routing import APIRoute, APIRouter, BaseRoute

__all__ = ["RouterInclude"]


class RouterInclude:
    """A live link from a router to a router included in it.

    Args:
        router: The included router.
        prefix: The path prefix of its routes (the including router's and the call's).
        options: ``include_router``'s other options, merged with the including router's;
            ``name_prefix`` goes in front of the copies' names (a blueprint nested in
            another: ``parent.child.view``, see ``heron.blueprints``).
    """

    def __init__(self, router: APIRouter, prefix: str, options: dict[str, Any]) -> None:
        self.router = router
        self.prefix = prefix
        self.name_prefix: str = options.pop("name_prefix", "")
        self.options = options

    def flatten(self) -> list[BaseRoute]:
        """Copies of the included router's routes, under the prefix, with its layers."""
        layers = self.router.layers()
        return [self._copy(route, layers) for route in self.router.routes]

    def _copy(self, route: BaseRoute, layers: list[Any]) -> BaseRoute:
        """``route`` under the prefix, inside the router's layers.

        A route of another kind, with no ``with_prefix``, is served as it is.
        """
        with_prefix = getattr(route, "with_prefix", None)
        if with_prefix is None:
            return route
        options: dict[str, Any] = {}
        if route.is_api_route:
            options = self._route_overrides(cast("APIRoute", route))
        elif route.is_api_websocket_route:
            options = {"dependencies": list(self.options.get("dependencies") or [])}
        copy: BaseRoute = with_prefix(self.prefix, middleware=layers, **options)
        if self.name_prefix and copy.name:
            copy.name = self.name_prefix + copy.name  # a fresh copy: the router's keeps its own
        return copy

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
