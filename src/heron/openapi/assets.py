"""The Swagger UI and ReDoc files, served by Heron from their installed distributions.

The files are not copied into Heron: they come from two maintained PyPI distributions that
Heron depends on (see ``docs/openapi-docs.md`` for why these two):

- ``swagger-ui-bundle-v2``: the ``swagger-ui-dist`` build of Swagger UI 5 (its version is
  Swagger UI's), needing only Jinja2, which Heron already has;
- ``flask-openapi3-redoc``: ReDoc 2's ``redoc.standalone.js`` (the major version FastAPI's
  CDN URL names).

Files are found through the distributions' installed-file lists (``importlib.metadata``),
so neither package is imported (the ReDoc one would import Flask). Only the names listed in
a bundle are served: a request names a file, never a path, so nothing outside the list can
be reached.

Called by the asset routes of ``heron.openapi.docs_routes`` (and by any app that mounts
:class:`DocsAssets`); calls ``heron.responses.FileResponse`` to send a file, which answers
``ETag``/``Last-Modified`` revalidation with 304 and ``Range`` with 206.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from heron.requests import Request
from heron.responses import FileResponse, PlainTextResponse, Response
from heron.routes import get_route_path
from heron.types import Receive, Scope, Send

__all__ = ["REDOC", "SWAGGER_UI", "AssetBundle", "DocsAssets"]

# Cache-Control for a URL that names the bundle's version (``?v=5.31.0``): the content at
# that URL never changes, an upgrade changes the URL.
IMMUTABLE = "public, max-age=31536000, immutable"
# Cache-Control for a URL without the version: keep a copy but revalidate it (ETag → 304).
REVALIDATE = "no-cache"


@dataclass(frozen=True)
class AssetBundle:
    """The files of one front-end distribution that Heron may serve.

    Args:
        label: A human name, for error messages.
        distribution: The PyPI distribution holding the files.
        files: The file names (base names) that may be served.
        favicon: Which of ``files`` is the page's icon.
    """

    label: str
    distribution: str
    files: tuple[str, ...]
    favicon: str

    @cached_property
    def _installed(self) -> tuple[str, dict[str, Path]]:
        """``(version, {name: path})`` of the installed distribution; ``("", {})`` if absent."""
        try:
            dist = importlib.metadata.distribution(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            return "", {}
        wanted = set(self.files)
        paths: dict[str, Path] = {}
        for entry in dist.files or ():
            if entry.name in wanted and entry.name not in paths:
                paths[entry.name] = Path(str(dist.locate_file(entry)))
        return dist.version, paths

    @property
    def version(self) -> str:
        """The installed distribution's version (``""`` when it is not installed)."""
        return self._installed[0]

    def path(self, name: str) -> Path | None:
        """The file served as ``name``, or None when ``name`` is not one of the bundle's."""
        return self._installed[1].get(name)

    def url(self, base: str, name: str) -> str:
        """The URL of file ``name`` under the asset prefix ``base``, naming the version."""
        return f"{base.rstrip('/')}/{name}?v={self.version}"

    def response(self, name: str, request: Request) -> Response:
        """Send file ``name``: 404 for a name outside the bundle.

        A URL carrying the installed version (as :meth:`url` builds) may be cached for a
        year; any other is revalidated on each use.
        """
        path = self.path(name)
        if path is None:
            if name in self.files and not self.version:
                detail = f"{self.label} is not installed (pip install {self.distribution})"
                return PlainTextResponse(detail, status_code=404)
            return PlainTextResponse("Not Found", status_code=404)
        versioned = request.query_params.get("v") == self.version
        headers = {"cache-control": IMMUTABLE if versioned else REVALIDATE}
        # NOTE: content_disposition_type is irrelevant: no filename, so no
        # Content-Disposition; the browser renders or runs the file.
        return FileResponse(path, headers=headers)


SWAGGER_UI = AssetBundle(
    label="Swagger UI",
    distribution="swagger-ui-bundle-v2",
    files=(
        "swagger-ui-bundle.js",
        "swagger-ui-bundle.js.map",
        "swagger-ui.css",
        "swagger-ui.css.map",
        "oauth2-redirect.js",
        "favicon-32x32.png",
    ),
    favicon="favicon-32x32.png",
)

REDOC = AssetBundle(
    label="ReDoc",
    distribution="flask-openapi3-redoc",
    files=("redoc.standalone.js", "redoc.svg"),
    favicon="redoc.svg",
)


class DocsAssets:
    """An ASGI app serving the files of some bundles, to mount where you like.

    For pages you build yourself with :func:`heron.openapi.docs.get_swagger_ui_html`::

        app.mount("/docs-assets", DocsAssets(SWAGGER_UI, REDOC))
        # then swagger_js_url="/docs-assets/swagger-ui-bundle.js", ...

    Args:
        *bundles: The bundles served; a name is looked up in them in order.
    """

    def __init__(self, *bundles: AssetBundle) -> None:
        self.bundles = bundles

    def bundle_for(self, name: str) -> AssetBundle | None:
        """The first bundle listing file ``name``."""
        return next((bundle for bundle in self.bundles if name in bundle.files), None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a bundle's file for ``GET`` and ``HEAD``; a WebSocket is refused.

        A name no bundle lists gets 404, another method 405.
        """
        if scope["type"] != "http":
            # A WebSocket handshake here is refused (403 before accept).
            await send({"type": "websocket.close", "code": 1000})
            return
        response: Response
        if scope["method"] not in ("GET", "HEAD"):
            response = PlainTextResponse(
                "Method Not Allowed", status_code=405, headers={"allow": "GET, HEAD"}
            )
        else:
            name = get_route_path(scope).lstrip("/")
            bundle = self.bundle_for(name)
            if bundle is None:
                response = PlainTextResponse("Not Found", status_code=404)
            else:
                response = bundle.response(name, Request(scope, receive))
        await response(scope, receive, send)
