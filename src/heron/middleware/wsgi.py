"""Serve a WSGI app (Flask, Django…) inside Heron: ``app.mount("/old", WSGIMiddleware(wsgi))``.

Heron does not write its own WSGI bridge: this is the a2wsgi adapter, a maintained
library, under FastAPI's module name (``fastapi.middleware.wsgi``).
"""

from __future__ import annotations

from a2wsgi import WSGIMiddleware

__all__ = ["WSGIMiddleware"]
