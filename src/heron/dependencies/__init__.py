"""Endpoint signatures: analysed once at registration (``analysis``) into a dependency tree
(``models``), solved per request (``solving``).

The package itself re-exports nothing: ``heron.websockets`` imports ``solving`` while
``analysis`` imports ``heron.websockets``, so importing the package must not load both.
"""

from __future__ import annotations

__all__: list[str] = []
