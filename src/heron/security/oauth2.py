"""OAuth2 helpers; for now ``SecurityScopes``, injected by the dependency solver."""

from collections.abc import Sequence

__all__ = ["SecurityScopes"]


class SecurityScopes:
    """The OAuth2 scopes required by every ``Security(...)`` above a dependency.

    Args:
        scopes: The scopes, outermost first.
    """

    def __init__(self, scopes: Sequence[str] | None = None) -> None:
        self.scopes: list[str] = list(scopes or [])
        self.scope_str: str = " ".join(self.scopes)

    def __repr__(self) -> str:
        return f"SecurityScopes({self.scopes!r})"
