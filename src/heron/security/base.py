"""The base class of security schemes: a dependency that also describes itself to OpenAPI."""

from __future__ import annotations

from typing import Any

__all__ = ["SecurityBase"]


class SecurityBase:
    """A security scheme usable with ``Depends``/``Security``.

    The OpenAPI layer finds instances of this class in a route's dependency tree and lists
    them under ``components.securitySchemes`` (``model``, dumped by alias without ``None``)
    and in the operation's ``security`` (by ``scheme_name``, with the ``Security`` scopes).

    Attributes:
        model: The OpenAPI security scheme object (a pydantic model).
        scheme_name: The key under ``components.securitySchemes``.
    """

    model: Any
    scheme_name: str
