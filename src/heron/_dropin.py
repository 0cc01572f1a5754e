"""The drop-in switch, as ``heron._dropin`` (its code is the top-level module ``heron_dropin``).

The start-up line of ``heron_dropin.pth`` imports ``heron_dropin`` without importing
``heron`` (see that module); Heron's own modules (``heron.cli``, ``heron.dropin_flask``) and
the tests use this name.
"""

from __future__ import annotations

from heron_dropin import (
    DROP_INS,
    ENVIRONMENT_VARIABLE,
    NOT_YET_AVAILABLE,
    DropInNotAvailableError,
    _AliasLoader,
    active_aliases,
    install,
    install_from_environment,
    switch_on,
    uninstall,
)

__all__ = [
    "DROP_INS",
    "ENVIRONMENT_VARIABLE",
    "NOT_YET_AVAILABLE",
    "DropInNotAvailableError",
    "_AliasLoader",
    "active_aliases",
    "install",
    "install_from_environment",
    "switch_on",
    "uninstall",
]
