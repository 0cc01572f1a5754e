"""The OpenAPI options of API routes, and how routers and ``include_router`` pass them down.

Called by ``routing`` when an ``APIRoute`` is built (:func:`set_route_doc_options`), when a
router registers a route and when a router is included (:func:`inherit_options`). Kept out
of ``routing`` so that module only routes.

COMPAT(fastapi): the merge rules are FastAPI's: ``responses`` merge as dicts (the route's
own entries win), ``callbacks`` and ``tags`` concatenate (outermost first), ``deprecated``
is true when any level says so, ``include_in_schema`` only when every level allows it, and
the nearest explicit ``generate_unique_id_function`` wins.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["inherit_options", "set_route_doc_options"]


def set_route_doc_options(route: Any, methods: Any, options: Mapping[str, Any]) -> None:
    """Set FastAPI's documentation attributes of an ``APIRoute`` from its options.

    ``summary``, ``description`` (the endpoint's docstring by default, cut at a form feed),
    ``response_description``, ``responses``, ``deprecated``, ``operation_id``,
    ``openapi_extra``, ``callbacks``, ``generate_unique_id_function`` and
    ``openapi_methods`` (the methods as declared, without the automatic ``HEAD``). They
    stay plain attributes, so code may change them before the document is generated (as
    FastAPI's "use the function name as operationId" recipe does).
    """
    route.openapi_methods = list(dict.fromkeys(m.upper() for m in (methods or ["GET"])))
    route.summary = options.get("summary")
    description = options.get("description") or inspect.cleandoc(route.endpoint.__doc__ or "")
    # COMPAT(fastapi): a form feed ends the part of the docstring that is documented.
    route.description = description.split("\f")[0].strip()
    route.response_description = options.get("response_description", "Successful Response")
    route.responses = dict(options.get("responses") or {})
    route.deprecated = options.get("deprecated")
    route.operation_id = options.get("operation_id")
    route.openapi_extra = options.get("openapi_extra")
    route.callbacks = options.get("callbacks")
    route.generate_unique_id_function = options.get("generate_unique_id_function")


def inherit_options(outer: Mapping[str, Any], inner: Mapping[str, Any]) -> dict[str, Any]:
    """The documentation options a router (or an ``include_router`` call) passes to a route.

    Args:
        outer: The router's own options (``APIRouter(responses=..., ...)``), or those of an
            inclusion, already merged with the including router's.
        inner: The route's options.

    Returns:
        The merged ``responses``, ``callbacks``, ``deprecated``,
        ``generate_unique_id_function`` and ``csrf`` (only those either level sets).
    """
    merged: dict[str, Any] = {}
    if outer.get("responses") or inner.get("responses"):
        merged["responses"] = {**(outer.get("responses") or {}), **(inner.get("responses") or {})}
    if outer.get("callbacks") or inner.get("callbacks"):
        merged["callbacks"] = [*(outer.get("callbacks") or []), *(inner.get("callbacks") or [])]
    if outer.get("deprecated") or inner.get("deprecated"):
        merged["deprecated"] = True
    generate: Callable[[Any], str] | None = inner.get("generate_unique_id_function") or outer.get(
        "generate_unique_id_function"
    )
    if generate is not None:
        merged["generate_unique_id_function"] = generate
    # CSRF protection (heron.csrf) is off for a route when any level turns it off.
    if outer.get("csrf") is False or inner.get("csrf") is False:
        merged["csrf"] = False
    return merged
