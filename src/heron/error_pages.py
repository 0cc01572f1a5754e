"""Error pages: HTML for browsers, FastAPI's JSON for everyone else.

Called by the default exception handlers and the 500 page (``heron.exception_handlers``);
calls the app's template renderer (``app.render_error_template``, which the app plugs in
from its template battery) when the app has an ``errors/`` template for the status. A
request gets HTML only when its ``Accept`` header prefers ``text/html`` over
``application/json`` *explicitly* (a browser's
``text/html,…,*/*;q=0.8``); ``*/*``, no header, or anything that ties answers JSON, so API
clients (and FastAPI's tests) see exactly FastAPI's bodies.

Templates, in the app's template folder: ``errors/<status>.html`` (``errors/404.html``),
else ``errors/default.html``, rendered with ``status_code``, ``reason``, ``detail``,
``errors`` (422's list, else empty), ``error`` (the exception) and ``request``. A missing
template gives the built-in page; a broken one too, and is logged: an error page never
turns into a 500.
"""

from __future__ import annotations

import html
import http
import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from heron.globals import bound_context
from heron.requests import RequestContext
from heron.responses import HTMLResponse, PlainTextResponse, Response

if TYPE_CHECKING:
    from heron.requests import Request
    from heron.types import Scope

__all__ = [
    "builtin_page",
    "error_page",
    "parse_accept",
    "prefers_html",
    "prefers_json",
    "server_error_page",
    "wants_html",
]

logger = logging.getLogger("heron.error_pages")

# An Accept header is read up to this many media ranges: bounded work for any input.
_MAX_RANGES = 64
# RFC 9110's weight, plus the ".5" some clients (Java's) send: at most 3 decimals, 0 to 1.
_WEIGHT = re.compile(r"(?:[01](?:\.\d{0,3})?|\.\d{1,3})", re.ASCII)


def parse_accept(value: str) -> list[tuple[str, str, float]]:
    """The media ranges of an ``Accept`` header as ``(type, subtype, q)``, lower-case.

    Entries that cannot be read (no ``/``, a weight that is not a number from 0 to 1)
    are skipped; ``*`` alone counts as ``*/*``. Never raises.
    """
    ranges: list[tuple[str, str, float]] = []
    for item in value.split(",", _MAX_RANGES)[:_MAX_RANGES]:
        media, *params = item.split(";")
        media = media.strip().lower()
        if media == "*":
            media = "*/*"
        kind, slash, subtype = media.partition("/")
        if not slash or not kind or not subtype:
            continue
        weight: float | None = 1.0
        for param in params:
            name, _, raw = param.partition("=")
            if name.strip().lower() == "q":
                raw = raw.strip()
                weight = float(raw) if _WEIGHT.fullmatch(raw) else None
                if weight is not None and weight > 1:
                    weight = None
        if weight is not None:
            ranges.append((kind.strip(), subtype.strip(), weight))
    return ranges


def _quality(ranges: Sequence[tuple[str, str, float]], kind: str, subtype: str) -> float:
    """The weight of ``kind/subtype``: that of the most specific range matching it."""
    best, specificity = 0.0, -1
    for r_kind, r_subtype, weight in ranges:
        if r_kind == kind and r_subtype == subtype:
            level = 2
        elif r_kind == kind and r_subtype == "*":
            level = 1
        elif r_kind == "*" and r_subtype == "*":
            level = 0
        else:
            continue
        if level > specificity or (level == specificity and weight > best):
            best, specificity = weight, level
    return best


def prefers_html(accept: str) -> bool:
    """Whether an ``Accept`` value ranks ``text/html`` strictly above ``application/json``."""
    accept = accept.lower()
    if "html" not in accept and "text/*" not in accept:
        return False  # PERF: API clients' headers, decided without parsing
    ranges = parse_accept(accept)
    return _quality(ranges, "text", "html") > _quality(ranges, "application", "json")


def prefers_json(accept: str | None) -> bool:
    """Whether an ``Accept`` header explicitly prefers ``application/json`` to ``text/html``.

    No header, ``*/*`` and browsers' headers do not; ``application/json`` does.
    """
    if not accept:
        return False
    ranges = parse_accept(accept)
    return _quality(ranges, "application", "json") > _quality(ranges, "text", "html")


def wants_html(scope: Scope) -> bool:
    """Whether the request's ``Accept`` header asks for an HTML error page."""
    values = [value for key, value in scope.get("headers", ()) if key == b"accept"]
    return bool(values) and prefers_html(b",".join(values).decode("latin-1"))


# ---------------------------------------------------------------- the page

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;color:#1f2328;max-width:42rem;"
    "margin:4rem auto;padding:0 1rem}h1{font-size:1.6rem;margin:0 0 1rem}"
    "p{margin:0 0 1rem}ul{padding-left:1.2rem}code{background:#f3f4f6;"
    "padding:0 .25rem;border-radius:3px}small{color:#6b7280}"
)


def _reason(status_code: int) -> str:
    try:
        return http.HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


def _detail_text(detail: Any) -> str:
    if isinstance(detail, str):
        return detail
    try:
        return json.dumps(detail, ensure_ascii=False, default=str)
    except (TypeError, ValueError):  # a circular structure: its repr still says something
        return repr(detail)


def _error_items(errors: Sequence[Any]) -> str:
    items = []
    for error in errors:
        if not isinstance(error, Mapping):
            items.append(f"<li>{html.escape(str(error))}</li>")
            continue
        where = " → ".join(str(part) for part in error.get("loc", ()))
        message = html.escape(str(error.get("msg", "")))
        items.append(f"<li><code>{html.escape(where)}</code>: {message}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def builtin_page(status_code: int, detail: Any, errors: Sequence[Any] = ()) -> str:
    """Heron's own error page: the status, its reason, the detail (escaped), the errors."""
    reason = _reason(status_code)
    title = html.escape(f"{status_code} {reason}")
    text = _detail_text(detail) if detail is not None else ""
    body = f"<p>{html.escape(text)}</p>" if text and text != reason else ""
    if errors:
        body += _error_items(errors)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{title}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{title}</h1>{body}<small>Heron</small></body></html>"
    )


def _render_template(
    request: Request, status_code: int, context: dict[str, Any]
) -> str | None:
    """The app's ``errors/<status>.html`` or ``errors/default.html``, rendered.

    None when there is neither, or no renderer (or it fails: logged).
    """
    render = getattr(request.scope.get("app"), "render_error_template", None)
    if render is None:
        return None
    names = [f"errors/{status_code}.html", "errors/default.html"]
    # The template may use url_for, g, request…: it renders in the request's context.
    ctx = RequestContext.of_request(request)
    try:
        with bound_context(ctx):
            page: str | None = render(names, context)
            return page
    except Exception:
        logger.exception("The error page template for %s failed; using Heron's", status_code)
        return None


def error_page(
    request: Request,
    status_code: int,
    detail: Any = None,
    *,
    error: BaseException | None = None,
    errors: Sequence[Any] = (),
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The HTML error page for ``status_code``: the app's template, else the built-in one.

    Args:
        request: The request being answered.
        status_code: The HTTP status.
        detail: The error's detail (escaped; the reason phrase when None).
        error: The exception, for the template.
        errors: The validation errors of a 422.
        headers: Headers of the exception to keep (``Allow``, ``WWW-Authenticate``…).

    Returns:
        The page, with ``Vary: Accept`` (the same URL answers JSON to API clients).
    """
    reason = _reason(status_code)
    context = {
        "status_code": status_code,
        "reason": reason,
        "detail": reason if detail is None else detail,
        "errors": list(errors),
        "error": error,
        "request": request,
    }
    page = _render_template(request, status_code, context)
    if page is None:
        page = builtin_page(status_code, detail, errors)
    response = HTMLResponse(page, status_code=status_code, headers=headers)
    response.headers.add_vary_header("Accept")
    return response


def server_error_page(request: Request, exc: BaseException) -> Response:
    """The 500 answer without a debug page or a 500 handler.

    HTML for browsers (the app's ``errors/500.html`` when present), the plain
    ``Internal Server Error`` otherwise.
    """
    if wants_html(request.scope):
        return error_page(request, 500, error=exc)
    return PlainTextResponse("Internal Server Error", status_code=500)
