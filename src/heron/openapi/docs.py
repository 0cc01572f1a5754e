"""The HTML of the interactive API docs: Swagger UI, ReDoc, and Swagger UI's OAuth2 redirect.

FastAPI's functions (``fastapi.openapi.docs``), with its parameters and defaults: called
with the same arguments, a page holds the same markup and the same Swagger UI
configuration as FastAPI's. The defaults point to the public CDN, as FastAPI's do, because
a function cannot know where an app serves its own copies; ``Heron``'s ``/docs`` and
``/redoc`` pages (``heron.openapi.docs_routes``) pass the URLs of the copies Heron serves
from ``heron.openapi.assets``, so they work offline.

Differences from FastAPI, all invisible for ordinary values: the title and the URLs are
escaped for their place in the page (HTML text, attribute, JavaScript string), and the
default favicon is Swagger UI's rather than FastAPI's logo. The OAuth2 redirect page runs
the redirect script of the installed Swagger UI instead of a copy of version 4.14's.

Called by ``heron.openapi.docs_routes`` and by user code; calls ``heron.encoders``.
"""

from __future__ import annotations

import html
import json
from functools import lru_cache
from typing import Any

from heron.encoders import jsonable_encoder
from heron.exceptions import HeronError
from heron.openapi.assets import SWAGGER_UI
from heron.responses import HTMLResponse

__all__ = [
    "get_redoc_html",
    "get_swagger_ui_html",
    "get_swagger_ui_oauth2_redirect_html",
    "swagger_ui_default_parameters",
]

# COMPAT(fastapi): the CDN URLs FastAPI's pages load by default (major versions pinned).
SWAGGER_JS_CDN_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"
SWAGGER_CSS_CDN_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"
SWAGGER_FAVICON_CDN_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/favicon-32x32.png"
REDOC_JS_CDN_URL = "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js"
GOOGLE_FONTS_URL = (
    "https://fonts.googleapis.com/css?family=Montserrat:300,400,700|Roboto:300,400,700"
)

swagger_ui_default_parameters: dict[str, Any] = {
    "dom_id": "#swagger-ui",
    "layout": "BaseLayout",
    "deepLinking": True,
    "showExtensions": True,
    "showCommonExtensions": True,
}
"""The Swagger UI settings every page starts from; ``swagger_ui_parameters`` override them."""


def _script_json(value: Any) -> str:
    r"""JSON that is safe inside ``<script>``: ``<``, ``>`` and ``&`` as ``\u`` escapes."""
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _js_string(text: str) -> str:
    """A single-quoted JavaScript string literal, safe inside ``<script>``."""
    return "'" + _script_json(text)[1:-1].replace("'", "\\'") + "'"


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


_SWAGGER_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link type="text/css" rel="stylesheet" href="{css}">
<link rel="shortcut icon" href="{favicon}">
<title>{title}</title>
</head>
<body>
<div id="swagger-ui">
</div>
<script src="{js}"></script>
<script>
{script}
</script>
</body>
</html>
"""


def _swagger_script(
    openapi_url: str,
    parameters: dict[str, Any],
    oauth2_redirect_url: str | None,
    init_oauth: dict[str, Any] | None,
) -> str:
    """The script creating the Swagger UI (``ui``) and, optionally, its OAuth2 defaults."""
    settings = [f"url: {_js_string(openapi_url)},"]
    settings += [
        f"{_script_json(key)}: {_script_json(jsonable_encoder(value))},"
        for key, value in parameters.items()
    ]
    if oauth2_redirect_url:
        # Swagger UI needs an absolute URL; the origin is the page's own.
        settings.append(
            f"oauth2RedirectUrl: window.location.origin + {_js_string(oauth2_redirect_url)},"
        )
    settings.append(
        "presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],"
    )
    body = "\n".join(f"  {line}" for line in settings)
    script = f"const ui = SwaggerUIBundle({{\n{body}\n}})"
    if init_oauth:
        script += f"\nui.initOAuth({_script_json(jsonable_encoder(init_oauth))})"
    return script


def get_swagger_ui_html(
    *,
    openapi_url: str,
    title: str,
    swagger_js_url: str = SWAGGER_JS_CDN_URL,
    swagger_css_url: str = SWAGGER_CSS_CDN_URL,
    swagger_favicon_url: str = SWAGGER_FAVICON_CDN_URL,
    oauth2_redirect_url: str | None = None,
    init_oauth: dict[str, Any] | None = None,
    swagger_ui_parameters: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The Swagger UI page (``/docs``) for the OpenAPI document at ``openapi_url``.

    Call it yourself to serve a page of your own, e.g. with other asset URLs.

    Args:
        openapi_url: The URL Swagger UI loads the document from.
        title: The page title.
        swagger_js_url: The ``swagger-ui-bundle.js`` to load.
        swagger_css_url: The ``swagger-ui.css`` to load.
        swagger_favicon_url: The page icon.
        oauth2_redirect_url: Path of the OAuth2 redirect page (see
            :func:`get_swagger_ui_oauth2_redirect_html`), for the OAuth2 flows that redirect.
        init_oauth: Defaults for the "Authorize" dialog (``clientId``, ``scopes``...),
            passed to Swagger UI's ``initOAuth``.
        swagger_ui_parameters: Swagger UI settings, over :data:`swagger_ui_default_parameters`.

    Returns:
        The page.
    """
    parameters = {**swagger_ui_default_parameters, **(swagger_ui_parameters or {})}
    page = _SWAGGER_PAGE.format(
        css=_attr(swagger_css_url),
        favicon=_attr(swagger_favicon_url),
        title=html.escape(title, quote=False),
        js=_attr(swagger_js_url),
        script=_swagger_script(openapi_url, parameters, oauth2_redirect_url, init_oauth),
    )
    return HTMLResponse(page)


_REDOC_PAGE = """<!DOCTYPE html>
<html>
<head>
<title>{title}</title>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1">
{fonts}<link rel="shortcut icon" href="{favicon}">
<style>
  body {{ margin: 0; padding: 0; }}
</style>
</head>
<body>
<noscript>
  ReDoc requires Javascript to function. Please enable it to browse the documentation.
</noscript>
<redoc spec-url="{openapi_url}"></redoc>
<script src="{js}"> </script>
</body>
</html>
"""


def get_redoc_html(
    *,
    openapi_url: str,
    title: str,
    redoc_js_url: str = REDOC_JS_CDN_URL,
    redoc_favicon_url: str = SWAGGER_FAVICON_CDN_URL,
    with_google_fonts: bool = True,
) -> HTMLResponse:
    """The ReDoc page (``/redoc``) for the OpenAPI document at ``openapi_url``.

    Args:
        openapi_url: The URL ReDoc loads the document from.
        title: The page title.
        redoc_js_url: The ``redoc.standalone.js`` to load.
        redoc_favicon_url: The page icon.
        with_google_fonts: Load the Montserrat and Roboto fonts from Google Fonts (a
            request to the internet; without them ReDoc falls back to local fonts).

    Returns:
        The page.
    """
    fonts = f'<link href="{_attr(GOOGLE_FONTS_URL)}" rel="stylesheet">\n'
    page = _REDOC_PAGE.format(
        title=html.escape(title, quote=False),
        fonts=fonts if with_google_fonts else "",
        favicon=_attr(redoc_favicon_url),
        openapi_url=_attr(openapi_url),
        js=_attr(redoc_js_url),
    )
    return HTMLResponse(page)


@lru_cache(maxsize=1)
def _oauth2_redirect_page() -> str:
    path = SWAGGER_UI.path("oauth2-redirect.js")
    if path is None:
        raise HeronError(f"Swagger UI is not installed (pip install {SWAGGER_UI.distribution})")
    # The script is inlined, so the page works wherever it is served; "</" could end
    # the <script> element early, "<\/" means the same to JavaScript.
    script = path.read_text(encoding="utf-8").replace("</", "<\\/")
    return (
        '<!doctype html>\n<html lang="en-US">\n<head>\n'
        "<title>Swagger UI: OAuth2 Redirect</title>\n</head>\n<body>\n"
        f"<script>\n{script}\n</script>\n</body>\n</html>\n"
    )


def get_swagger_ui_oauth2_redirect_html() -> HTMLResponse:
    """The page an OAuth2 server redirects to after "Authorize" in Swagger UI.

    It hands the code or token back to the Swagger UI window that opened the flow, using
    the redirect script shipped with the installed Swagger UI (so it always matches it).

    Returns:
        The page.

    Raises:
        HeronError: Swagger UI's distribution is not installed.
    """
    return HTMLResponse(_oauth2_redirect_page())
