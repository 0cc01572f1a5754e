"""OpenAPI: the document's object models (``models``), its generation and the docs pages.

Kept empty on purpose, as ``fastapi.openapi`` is: users import the submodules
(``from heron.openapi.models import OAuthFlows``), and importing the package must not pull
in the generator or the docs pages.
"""

__all__: list[str] = []
