"""Helpers FastAPI users import from ``fastapi.utils``: ``generate_unique_id``.

Vocabulary level: imports nothing from the rest of Heron at run time.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["generate_unique_id"]

_NOT_WORD = re.compile(r"\W")


def generate_unique_id(route: Any) -> str:
    """The default unique id of an API route: its name, path and method, as one identifier.

    It is the route's OpenAPI ``operationId`` (unless ``operation_id=`` is given) and names
    its generated models (``Body_<unique id>``). Pass another function as
    ``generate_unique_id_function=`` to an app, a router or a route to change them.

    Args:
        route: An ``APIRoute``.

    Returns:
        ``<name><path>_<method>`` with every non-word character replaced by ``_``; for
        ``read_item`` at ``GET /items/{item_id}``: ``read_item_items__item_id__get``.
    """
    identifier = _NOT_WORD.sub("_", f"{route.name}{route.path_format}")
    methods = getattr(route, "openapi_methods", None) or sorted(route.methods)
    return f"{identifier}_{methods[0].lower()}"
