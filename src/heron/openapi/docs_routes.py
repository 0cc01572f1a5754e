"""The routes ``Heron`` installs for its docs pages, and for the files those pages load.

With ``openapi_url`` set (FastAPI's rule: no document, no docs pages):

- ``docs_url`` (``/docs``): Swagger UI; ``swagger_ui_oauth2_redirect_url``
  (``/docs/oauth2-redirect``): its OAuth2 redirect page; ``{docs_url}/assets/``: the
  Swagger UI files.
- ``redoc_url`` (``/redoc``): ReDoc; ``{redoc_url}/assets/``: the ReDoc files.

The asset routes live under their page's URL, so whatever exposes a page (a proxy rule, a
mount, ``root_path``) exposes its files too, and ``docs_url=None`` serves none of them.
The local ``/redoc`` page carries ``REDOC_IMAGE_POLICY`` (see there). With
``docs_cdn=True`` no asset route is installed and the pages are FastAPI's, CDN URLs included.

Pages are built per request from the app's settings at that moment (``title``,
``openapi_url``, ``swagger_ui_parameters``...), with the request's ``root_path`` in front
of every URL, as FastAPI does.

Called by ``Heron._install_docs_routes``; calls ``heron.openapi.docs`` and
``heron.openapi.assets``.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from heron.openapi.assets import REDOC, SWAGGER_UI, AssetBundle
from heron.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from heron.requests import Request
from heron.responses import HTMLResponse, Response
from heron.routes import BaseRoute, Route

if TYPE_CHECKING:
    from heron.applications import Heron

__all__ = ["ASSETS_DIRECTORY", "REDOC_IMAGE_POLICY", "docs_routes"]

ASSETS_DIRECTORY = "/assets"
"""Where a page's files are served, under the page's URL (``/docs/assets/...``)."""

# NOTE: ReDoc 2 always shows Redocly's logo from https://cdn.redoc.ly (and hides it when
# that fails); the only request its page makes outside the app. The browser drops images
# from elsewhere before asking the network, so the page contacts nothing but the app.
REDOC_IMAGE_POLICY = "img-src 'self' data: blob:"


def _root_path(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def _swagger_route(app: Heron, docs_url: str) -> Route:
    async def swagger_ui_html(request: Request) -> HTMLResponse:
        root = _root_path(request)
        redirect_url = app.swagger_ui_oauth2_redirect_url
        page = functools.partial(
            get_swagger_ui_html,
            openapi_url=root + str(app.openapi_url),
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=root + redirect_url if redirect_url else None,
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters=app.swagger_ui_parameters,
        )
        if app.docs_cdn:
            return page()
        assets = root + docs_url.rstrip("/") + ASSETS_DIRECTORY
        return page(
            swagger_js_url=SWAGGER_UI.url(assets, "swagger-ui-bundle.js"),
            swagger_css_url=SWAGGER_UI.url(assets, "swagger-ui.css"),
            swagger_favicon_url=SWAGGER_UI.url(assets, SWAGGER_UI.favicon),
        )

    return Route(docs_url, swagger_ui_html, include_in_schema=False)


def _redoc_route(app: Heron, redoc_url: str) -> Route:
    async def redoc_html(request: Request) -> HTMLResponse:
        root = _root_path(request)
        openapi_url = root + str(app.openapi_url)
        title = f"{app.title} - ReDoc"
        if app.docs_cdn:
            return get_redoc_html(openapi_url=openapi_url, title=title)
        assets = root + redoc_url.rstrip("/") + ASSETS_DIRECTORY
        page = get_redoc_html(
            openapi_url=openapi_url,
            title=title,
            redoc_js_url=REDOC.url(assets, "redoc.standalone.js"),
            redoc_favicon_url=REDOC.url(assets, REDOC.favicon),
            # The fonts come from Google: offline, ReDoc uses the browser's own.
            with_google_fonts=False,
        )
        page.headers["content-security-policy"] = REDOC_IMAGE_POLICY
        return page

    return Route(redoc_url, redoc_html, include_in_schema=False)


def _assets_route(page_url: str, bundle: AssetBundle, name: str) -> Route:
    """``{page_url}/assets/{name}``: one path segment, looked up in the bundle's list."""

    async def asset(request: Request) -> Response:
        return bundle.response(request.path_params["name"], request)

    path = page_url.rstrip("/") + ASSETS_DIRECTORY + "/{name}"
    return Route(path, asset, name=name, include_in_schema=False)


async def _swagger_ui_redirect(request: Request) -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


def docs_routes(app: Heron) -> list[BaseRoute]:
    """The routes serving ``app``'s docs pages and their files (none without ``openapi_url``).

    Args:
        app: The application; its ``openapi_url``, ``docs_url``, ``redoc_url``,
            ``swagger_ui_oauth2_redirect_url`` and ``docs_cdn`` decide which routes exist.

    Returns:
        The routes, in FastAPI's order: Swagger UI, its redirect page, ReDoc (then files).
    """
    if not app.openapi_url:
        return []
    routes: list[BaseRoute] = []
    assets: list[BaseRoute] = []
    if app.docs_url:
        routes.append(_swagger_route(app, app.docs_url))
        if app.swagger_ui_oauth2_redirect_url:
            routes.append(
                Route(
                    app.swagger_ui_oauth2_redirect_url,
                    _swagger_ui_redirect,
                    name="swagger_ui_redirect",
                    include_in_schema=False,
                )
            )
        if not app.docs_cdn:
            assets.append(_assets_route(app.docs_url, SWAGGER_UI, "swagger_ui_assets"))
    if app.redoc_url:
        routes.append(_redoc_route(app, app.redoc_url))
        if not app.docs_cdn:
            assets.append(_assets_route(app.redoc_url, REDOC, "redoc_assets"))
    return routes + assets
