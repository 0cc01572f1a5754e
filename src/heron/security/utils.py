"""Parsing of the ``Authorization`` header, shared by the HTTP and OAuth2 schemes."""

__all__ = ["get_authorization_scheme_param"]


def get_authorization_scheme_param(authorization_header_value: str | None) -> tuple[str, str]:
    """Split an ``Authorization`` value into its scheme and its parameter.

    The scheme is everything before the first space, kept as sent (compare it
    case-insensitively); the parameter is the rest, without surrounding whitespace.

    Args:
        authorization_header_value: The header's value, or ``None`` when absent.

    Returns:
        ``(scheme, parameter)``; ``("", "")`` for a missing or empty header, and an empty
        parameter when the value has no space (``"Bearer"`` gives ``("Bearer", "")``).
    """
    if not authorization_header_value:
        return "", ""
    scheme, _, param = authorization_header_value.partition(" ")
    return scheme, param.strip()
