"""A router's route list compiled for matching, rebuilt only when the list changes.

Called by ``routing.Router`` for every request; calls nothing but ``re`` and the routes'
converters. Consecutive path routes form a block: static paths are a dict lookup, dynamic
paths one combined regex whose matching alternative names the route, so a request never
scans routes one by one. Mounts and hosts keep their place in the order between blocks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any, cast

from heron.convertors import Convertor
from heron.types import Scope

if TYPE_CHECKING:
    from heron.routes import BaseRoute, PathRoute

__all__ = ["Match", "Matcher", "iter_matches"]


class Match(Enum):
    """How well a route matches a scope."""

    NONE = 0
    PARTIAL = 1  # the path matches, the method does not
    FULL = 2


class _Block:
    """Consecutive path routes compiled into a dict and one combined regex.

    ``static`` maps a path to the routes (in registration order) whose pattern matches it
    exactly, so an earlier ``/users/{id}`` still wins over a later ``/users/me`` as in
    Starlette and FastAPI. ``regex`` holds every dynamic route as an alternative named
    ``_r<i>``; ``lastgroup`` of a match names the first route that matched.
    """

    def __init__(self, routes: list[PathRoute], scope_type: str) -> None:
        self.routes = [r for r in routes if r.scope_type == scope_type]
        self.static: dict[str, tuple[PathRoute, ...]] = {}
        dynamic = [(i, r) for i, r in enumerate(self.routes) if not r.is_static]
        for route in self.routes:
            if route.is_static and route.path not in self.static:
                path = route.path
                self.static[path] = tuple(r for r in self.routes if r.path_regex.match(path))
        self.by_group: dict[str, tuple[int, PathRoute]] = {}
        alternatives = []
        for index, route in dynamic:
            group = f"_r{index}"
            self.by_group[group] = (index, route)
            # Rename the route's groups so names are unique across alternatives.
            source = re.sub(
                r"\(\?P<([a-zA-Z_][a-zA-Z0-9_]*)>", rf"(?P<{group}_\1>", route.path_regex_source
            )
            alternatives.append(f"(?P<{group}>{source})")
        self.regex = re.compile("^(?:" + "|".join(alternatives) + r")\Z") if alternatives else None
        # PERF: what find() needs, precomputed: static path -> {method: route} for paths no
        # dynamic route shadows, and per dynamic route its (name, group, convert) triples
        # with identity converters left out (saves a call per str parameter).
        self.fast_static: dict[str, dict[str, PathRoute]] = {}
        for path, candidates in self.static.items():
            if all(r.is_static and r.methods is not None for r in candidates):
                by_method: dict[str, PathRoute] = {}
                for route in candidates:
                    for method in route.methods or ():
                        by_method.setdefault(method, route)
                self.fast_static[path] = by_method
        self.extractors: dict[str, list[tuple[str, str, Callable[[str], Any] | None]]] = {}
        for group, (_, route) in self.by_group.items():
            self.extractors[group] = [
                (
                    name,
                    f"{group}_{name}",
                    None if type(conv).convert is Convertor.convert else conv.convert,
                )
                for name, conv in route.param_convertors.items()
            ]

    def find(self, path: str, method: str) -> tuple[PathRoute, dict[str, Any]] | None:
        """The first route fully matching ``path`` and ``method``, the common case, or None.

        None also means "look further" (another method, a 405, a mount): the caller then
        takes the general path.
        """
        by_method = self.fast_static.get(path)
        if by_method is not None:
            route = by_method.get(method)
            return None if route is None else (route, {})
        return self.find_dynamic(path, method)

    def find_dynamic(self, path: str, method: str) -> tuple[PathRoute, dict[str, Any]] | None:
        """:meth:`find` for a path ``fast_static`` does not hold (the router looked)."""
        if self.regex is None or path in self.static:
            return None  # a static path with several candidates: the general path orders them
        match = self.regex.match(path)
        if match is None:
            return None
        group = match.lastgroup
        route = self.by_group[group][1]  # type: ignore[index]
        if route.methods is None or method not in route.methods:
            return None
        params: dict[str, Any] = {}
        try:
            for name, group_name, convert in self.extractors[group]:  # type: ignore[index]
                value = match.group(group_name)
                params[name] = value if convert is None else convert(value)
        except ValueError:
            return None  # a converter refused the value: the general path decides (404)
        return route, params

    def candidates(self, path: str) -> tuple[tuple[PathRoute, dict[str, Any]], ...]:
        """Routes whose path matches, in order, with their converted parameters.

        Only the first is found by the compiled structures; later ones (the same path
        with other methods) come from a scan that starts after it — a rare path.
        """
        static = self.static.get(path)
        routes: Sequence[PathRoute]
        if static is not None:
            routes = static
        else:
            if self.regex is None:
                return ()
            match = self.regex.match(path)
            if match is None:
                return ()
            index, first = self.by_group[match.lastgroup]  # type: ignore[index]
            routes = [first, *(r for r in self.routes[index + 1 :] if r.path_regex.match(path))]
        found = []
        for route in routes:
            try:
                found.append(_params_of(route, path))
            except ValueError:
                continue  # a converter refused the value (e.g. a 5,000-digit int): no match
        return tuple(found)


def _params_of(route: PathRoute, path: str) -> tuple[PathRoute, dict[str, Any]]:
    match = route.path_regex.match(path)
    assert match is not None
    return route, route.convert_params(match.groupdict())


class Matcher:
    """The compiled form of a router's route list, rebuilt when the list changes."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        # Each segment is either a _Block pair (http, websocket) or a single other route.
        self.segments: list[tuple[_Block, _Block] | BaseRoute] = []
        run: list[PathRoute] = []
        for route in routes:
            if route.is_path_route:
                run.append(cast("PathRoute", route))
                continue
            if run:
                self.segments.append((_Block(run, "http"), _Block(run, "websocket")))
                run = []
            self.segments.append(route)
        if run:
            self.segments.append((_Block(run, "http"), _Block(run, "websocket")))
        first = self.segments[0] if self.segments else None
        self.head: _Block | None = first[0] if isinstance(first, tuple) else None


def iter_matches(
    matcher: Matcher, scope: Scope, path: str
) -> Iterator[tuple[BaseRoute, Match, Scope]]:
    """Every route of ``matcher`` that matches ``scope``, in route order, lazily.

    Path routes come from their block's candidates (one dict lookup or one regex); one
    whose methods exclude the request's is a ``PARTIAL`` match.

    Args:
        matcher: The router's compiled route list.
        scope: The connection's scope (its type, method and outer ``path_params``).
        path: The path to match, without the root path.

    Yields:
        ``(route, match, child_scope)``, the child scope being the keys the route sets.
    """
    is_http = scope["type"] == "http"
    for segment in matcher.segments:
        if isinstance(segment, tuple):
            block = segment[0] if is_http else segment[1]
            for route, params in block.candidates(path):
                outer = scope.get("path_params")
                if outer:  # nested under a Mount or Host that captured parameters
                    params = {**outer, **params}
                child: Scope = {"endpoint": getattr(route, "endpoint", None), "path_params": params}
                if is_http and route.methods is not None and scope["method"] not in route.methods:
                    yield route, Match.PARTIAL, child
                else:
                    yield route, Match.FULL, child
        else:
            match, child = segment.matches(scope)
            if match is not Match.NONE:
                yield segment, match, child
