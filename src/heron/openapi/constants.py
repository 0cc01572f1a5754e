"""Constants of the OpenAPI document (FastAPI's ``fastapi.openapi.constants``)."""

from __future__ import annotations

__all__ = ["METHODS_WITH_BODY", "REF_PREFIX", "REF_TEMPLATE"]

# Operations of these methods document a request body.
METHODS_WITH_BODY = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"})
# Where component schemas live, as a ``$ref`` prefix and as pydantic's ``ref_template``.
REF_PREFIX = "#/components/schemas/"
REF_TEMPLATE = "#/components/schemas/{model}"
