"""Jinja2 templates: the app's environment (Flask's habits) and ``Jinja2Templates`` (FastAPI's).

Called by handlers; calls Jinja2, ``heron.globals`` (the current app and request) and
``responses``. Two ways in:

* **Flask's**: ``render_template("page.html", **context)`` renders from the app's
  ``templates/`` folder through ``app.jinja_env``, with ``url_for``, ``request``, ``g``,
  ``session``, ``get_flashed_messages``, ``csrf_token`` and ``csrf_field`` in every
  template, plus what ``@app.context_processor``, ``@app.template_filter()``… registered
  (on the app, or on an ``APIRouter``). ``render_template_async`` and
  ``stream_template`` render in slices on the event loop, letting other requests run
  between slices.
* **FastAPI's**: ``templates = Jinja2Templates(directory="templates")`` and
  ``templates.TemplateResponse(request, "page.html", {...})``, unchanged.

Template names are checked before the loader sees them: ``..``, absolute paths,
backslashes and NUL bytes answer 404 and never touch the disk.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import anyio.lowlevel
import jinja2

from heron.background import BackgroundTask
from heron.blueprints import Blueprint
from heron.datastructures import URL
from heron.exceptions import HeronDeprecationWarning, HeronError, HTTPException
from heron.flashing import get_flashed_messages
from heron.globals import (
    _current_app,
    context_var,
    enable,
    g,
    request,
    template_globals,
    url_for,
)
from heron.responses import HTMLResponse, StreamingResponse
from heron.sessions import session
from heron.types import Receive, Scope, Send

if TYPE_CHECKING:
    from heron.applications import Heron
    from heron.decorators import TemplateHooks
    from heron.requests import Request
    from heron.routes import Router

__all__ = [
    "Jinja2Templates",
    "TemplateResponse",
    "app_environment",
    "render_first",
    "render_template",
    "render_template_async",
    "render_template_string",
    "stream_template",
    "stream_template_string",
]

TemplateName = str | jinja2.Template | Sequence[str | jinja2.Template]

# Templates see request, g and url_for: a program rendering them needs the context globals.
enable()

#: Autoescaping: on for these extensions and for templates made from strings.
AUTOESCAPE_EXTENSIONS = ("html", "htm", "xml", "xhtml", "svg", "jinja")

# A slice of rendered output between two chances for other tasks to run. At Jinja's
# ~1 µs per 100 bytes of typical HTML this is ~100-200 µs of event-loop time.
_SLICE_SIZE = 16 * 1024


# ---------------------------------------------------------------- names


def _checked_name(name: str) -> str:
    """``name`` if it stays inside the template folder, else a 404.

    Jinja's loaders refuse ``..`` themselves; this answers the client with a clear 404
    instead of a 500, and also refuses what a loader might read on another OS.
    """
    parts = name.split("/")
    if (
        not name
        or "\x00" in name
        or "\\" in name
        or name.startswith("/")
        or ".." in parts
        or ":" in parts[0]
    ):
        raise HTTPException(404, "Template not found")
    return name


def _checked(name: TemplateName) -> str | jinja2.Template | list[str | jinja2.Template]:
    if isinstance(name, str):
        return _checked_name(name)
    if isinstance(name, jinja2.Template):
        return name
    return [n if isinstance(n, jinja2.Template) else _checked_name(n) for n in name]


# ---------------------------------------------------------------- defaults in every template


def _default_globals() -> dict[str, Any]:
    """``request``, ``g``, ``session``, ``get_flashed_messages``, and what batteries added.

    Batteries add or replace names in ``heron.globals.template_globals`` (``heron.csrf``:
    ``csrf_token`` and ``csrf_field``).
    """
    found: dict[str, Any] = {
        "request": request,
        "g": g,
        "session": session,
        "get_flashed_messages": get_flashed_messages,
    }
    found.update(template_globals)
    return found


def _autoescape() -> Callable[[str | None], bool]:
    return jinja2.select_autoescape(AUTOESCAPE_EXTENSIONS, default_for_string=True)


# ---------------------------------------------------------------- the app's environment


def _routers(router: Router) -> Iterator[Router]:
    """The routers included in ``router``, depth first."""
    # NOTE: _includes is Router's own bookkeeping; read here, in the same package.
    for _, link in router._includes:
        yield link.router
        yield from _routers(link.router)


def _hooks(app: Heron) -> Iterator[tuple[Router | None, TemplateHooks]]:
    """The app's template registrations, then each included router's."""
    yield None, app.template_hooks
    for router in _routers(app.router):
        hooks: TemplateHooks | None = router.__dict__.get("_template_hooks")
        if hooks is not None:
            yield router, hooks


def app_environment(app: Heron) -> jinja2.Environment:
    """The app's Jinja environment (``app.jinja_env``), created on first use.

    Its loader reads ``app.template_folder`` in ``app.app_dir``, then the registered
    blueprints' template folders; autoescaping is on for
    ``.html .htm .xml .xhtml .svg .jinja`` and for templates from strings; templates are
    reloaded when changed only with ``debug=True`` (a stat per render otherwise).

    Args:
        app: The application.

    Returns:
        The environment; later ``@app.template_filter()``… registrations update it.
    """
    env: jinja2.Environment | None = app.__dict__.get("_jinja_env")
    if env is not None:
        return env
    folders: list[str] = []
    if app.template_folder is not None:
        folders.append(os.path.join(app.app_dir, app.template_folder))
    # COMPAT(flask): a blueprint's template folder is searched after the app's, in the order
    # the blueprints were registered (heron.blueprints.Blueprint).
    for router in _routers(app.router):
        if isinstance(router, Blueprint) and router.template_folder is not None:
            folders.append(os.path.join(router.root_path, router.template_folder))
    loader = jinja2.FileSystemLoader(folders) if folders else None
    env = jinja2.Environment(loader=loader, autoescape=_autoescape(), auto_reload=app.debug)
    env.globals["url_for"] = url_for
    env.globals.update(_default_globals())
    for _, hooks in _hooks(app):
        env.filters.update(hooks.filters)
        env.tests.update(hooks.tests)
        env.globals.update(hooks.globals)
    app.__dict__["_jinja_env"] = env
    return env


def _endpoint_in(router: Router, endpoint: Any) -> bool:
    return endpoint is not None and any(
        getattr(route, "endpoint", None) is endpoint for route in router.routes
    )


def _context(app: Heron, context: dict[str, Any]) -> dict[str, Any]:
    """The render context: context processors' values, then ``context`` (which wins)."""
    ctx = context_var.get()
    endpoint = ctx.scope.get("endpoint") if ctx is not None else None
    merged: dict[str, Any] = {}
    for router, hooks in _hooks(app):
        for processor in hooks.app_context_processors:
            merged.update(processor())
        if router is None or _endpoint_in(router, endpoint):
            for processor in hooks.context_processors:
                merged.update(processor())
    merged.update(context)
    return merged


def _prepare(name: TemplateName, context: dict[str, Any]) -> tuple[jinja2.Template, dict[str, Any]]:
    app = _current_app()
    template = app_environment(app).get_or_select_template(_checked(name))
    return template, _context(app, context)


# Compiled templates of render_template_string, by source (compiling costs ~1 ms).
_STRING_CACHE_SIZE = 128


def _from_string(source: str) -> tuple[jinja2.Template, Heron]:
    app = _current_app()
    cache: dict[str, jinja2.Template] = app.__dict__.setdefault("_jinja_string_cache", {})
    template = cache.get(source)
    if template is None:
        if len(cache) >= _STRING_CACHE_SIZE:
            cache.pop(next(iter(cache)))
        template = cache[source] = app_environment(app).from_string(source)
    return template, app


def render_template(template_name_or_list: TemplateName, /, **context: Any) -> str:
    """Render a template of the current app's ``templates/`` folder (Flask's function).

    Works in sync handlers (in the thread pool) and async ones (it renders right away,
    on the event loop; see :func:`render_template_async` for large pages).

    Args:
        template_name_or_list: A name, or a list of names (the first that exists).
        **context: Template variables; they win over context processors.

    Returns:
        The rendered text.

    Raises:
        HTTPException: 404 for a name that would leave the folder (``..``, absolute…).
        jinja2.TemplateNotFound: No such template (a bug of the app: a 500).
        OutsideContextError: No request or app context is active.
    """
    template, merged = _prepare(template_name_or_list, context)
    return template.render(merged)


def render_first(names: Sequence[str], context: dict[str, Any]) -> str | None:
    """The first of ``names`` that exists, rendered with ``context``; None when none does.

    What ``Heron.render_error_template`` calls for ``errors/<status>.html``.

    Raises:
        OutsideContextError: No request or app context is active.
    """
    try:
        return render_template(list(names), **context)
    except jinja2.TemplateNotFound:
        return None


def render_template_string(source: str, /, **context: Any) -> str:
    """Render a template given as a string, with the app's environment.

    Never build ``source`` from request data: a template can run code (Jinja's sandbox
    is not used). Pass user input as ``context``, where it is autoescaped.

    Args:
        source: The template source.
        **context: Template variables.

    Returns:
        The rendered text.
    """
    template, app = _from_string(source)
    return template.render(_context(app, context))


async def _slices(template: jinja2.Template, context: dict[str, Any]) -> AsyncIterator[str]:
    """Render ``template`` in slices of ~16 KiB, letting other tasks run between them."""
    parts: list[str] = []
    size = 0
    for part in template.generate(context):
        parts.append(part)
        size += len(part)
        if size >= _SLICE_SIZE:
            yield "".join(parts)
            parts.clear()
            size = 0
            await anyio.lowlevel.checkpoint()
    if parts:
        yield "".join(parts)


async def render_template_async(template_name_or_list: TemplateName, /, **context: Any) -> str:
    """Render a template without holding the event loop for the whole page.

    The page is rendered in slices of ~16 KiB on the event loop, and other requests
    run between slices; a small page renders in one slice, as fast as
    :func:`render_template`.

    Args:
        template_name_or_list: A name, or a list of names.
        **context: Template variables.

    Returns:
        The rendered text.
    """
    template, merged = _prepare(template_name_or_list, context)
    return "".join([part async for part in _slices(template, merged)])


def stream_template(template_name_or_list: TemplateName, /, **context: Any) -> StreamingResponse:
    """A response that renders the template while sending it (Flask's ``stream_template``).

    The first bytes leave before the page is done; each ~16 KiB slice is sent as it is
    rendered. An error in the middle of the page cuts the response short (its status
    was already sent). Set ``status_code`` or ``headers`` on the returned response.

    Args:
        template_name_or_list: A name, or a list of names.
        **context: Template variables.

    Returns:
        A ``text/html`` streaming response.
    """
    template, merged = _prepare(template_name_or_list, context)
    return StreamingResponse(_slices(template, merged), media_type="text/html")


def stream_template_string(source: str, /, **context: Any) -> StreamingResponse:
    """:func:`stream_template` for a template given as a string."""
    template, app = _from_string(source)
    return StreamingResponse(_slices(template, _context(app, context)), media_type="text/html")


# ---------------------------------------------------------------- FastAPI's Jinja2Templates


class TemplateResponse(HTMLResponse):
    """An HTML response rendered from a template; keeps ``template`` and ``context``.

    Args:
        template: The Jinja template.
        context: The variables it was rendered with.
        status_code: The HTTP status.
        headers: Extra headers.
        media_type: The media type (``text/html`` by default).
        background: A task to run after the response.
    """

    def __init__(
        self,
        template: jinja2.Template,
        context: dict[str, Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        self.template = template
        self.context = context
        super().__init__(template.render(context), status_code, headers, media_type, background)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the HTML; test clients that support it get the template and context first.

        They come in an ``http.response.debug`` message (the ASGI extension of that name).
        """
        if "http.response.debug" in scope.get("extensions", {}):
            # Test clients that support it expose the template and context to tests.
            info = {"template": self.template, "context": self.context}
            await send({"type": "http.response.debug", "info": info})
        await super().__call__(scope, receive, send)


@jinja2.pass_context
def _request_url_for(context: Mapping[str, Any], name: str, /, **path_params: Any) -> URL:
    """Starlette's ``url_for`` in templates: the absolute URL, from the context's request."""
    if name == "static" and "filename" in path_params:  # Flask's spelling works too
        path_params["path"] = path_params.pop("filename")
    return cast("Request", context["request"]).url_for(name, **path_params)


class Jinja2Templates:
    """FastAPI's (Starlette's) template renderer.

    ``url_for`` in these templates gives absolute URLs from the ``request`` in the
    context, as in FastAPI; ``g``, ``session``, ``get_flashed_messages`` and
    ``csrf_token`` are there too unless the environment defines them.

    Args:
        directory: The template folder, or several (searched in order).
        context_processors: ``processor(request) -> dict`` merged into every context
            (over the values passed, as in Starlette).
        env: A ready Jinja environment, instead of ``directory``.

    Raises:
        HeronError: Neither or both of ``directory`` and ``env`` were given.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
        *,
        context_processors: list[Callable[[Request], dict[str, Any]]] | None = None,
        env: jinja2.Environment | None = None,
    ) -> None:
        if (directory is None) == (env is None):
            raise HeronError("Jinja2Templates takes either 'directory' or 'env'")
        self.context_processors = list(context_processors or [])
        if env is None:
            env = jinja2.Environment(
                loader=jinja2.FileSystemLoader(directory),  # type: ignore[arg-type]
                autoescape=_autoescape(),
            )
        self.env = env
        env.globals.setdefault("url_for", _request_url_for)
        for name, value in _default_globals().items():
            if name != "request":  # FastAPI passes the request in the context
                env.globals.setdefault(name, value)

    def get_template(self, name: str) -> jinja2.Template:
        """The template ``name`` (404 for a name that would leave the folder)."""
        return self.env.get_template(_checked_name(name))

    def TemplateResponse(
        self,
        request: Request | str,
        name: str | dict[str, Any],
        context: dict[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> TemplateResponse:
        """Render ``name`` with ``context`` (plus ``request``) into an HTML response.

        Args:
            request: The request (also put in the context as ``request``).
            name: The template name.
            context: Template variables.
            status_code: The HTTP status.
            headers: Extra headers.
            media_type: The media type.
            background: A task to run after the response.

        Returns:
            The response; ``.template`` and ``.context`` are kept for tests.
        """
        if isinstance(request, str):
            # COMPAT(fastapi): the pre-2023 order TemplateResponse(name, {"request": ...}).
            warnings.warn(
                "TemplateResponse(name, context) is deprecated: pass the request first, "
                "TemplateResponse(request, name, context).",
                HeronDeprecationWarning,
                stacklevel=2,
            )
            context, name = cast("dict[str, Any]", name), request
            request = cast("Request", context["request"])
        context = context if context is not None else {}
        context.setdefault("request", request)
        for processor in self.context_processors:
            context.update(processor(request))
        template = self.get_template(cast(str, name))
        return TemplateResponse(
            template,
            context,
            status_code=status_code,
            headers=headers,
            media_type=media_type,
            background=background,
        )
