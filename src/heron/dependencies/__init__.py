"""Endpoint signatures, analysed once at registration and solved per request.

``analysis`` turns a signature into a dependency tree (``models``) at registration;
``solving`` solves that tree for each request.

The package itself re-exports nothing: ``heron.websockets`` imports ``solving`` while
``analysis`` imports ``heron.websockets``, so importing the package must not load both.
"""

from __future__ import annotations

__all__: list[str] = []
