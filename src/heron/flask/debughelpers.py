"""Flask's debug-mode explanations: errors that say what went wrong, and why.

Used in debug mode only, by the request and the app's steps:

* :func:`attach_enctype_error_multidict`: ``request.files["name"]`` of a form sent without
  ``enctype="multipart/form-data"`` raises :class:`DebugFilesKeyError`, which says so
  (called by :meth:`heron.flask.wrappers.Request._load_form_data`).
* :class:`FormDataRoutingRedirect`: a ``POST`` (or any method with a body) to a URL that
  routing redirects with 301/302 (the browser would resend it as a bodiless ``GET``)
  fails loudly (raised by :meth:`Flask.raise_routing_exception`).
* :func:`explain_template_loading_attempts`: with ``EXPLAIN_TEMPLATE_LOADING``, each
  template lookup logs every folder tried (called by the app's Jinja loader).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from jinja2 import BaseLoader
from werkzeug.routing import RequestRedirect

from heron.flask.blueprints import Blueprint
from heron.flask.globals import _cv_request
from heron.flask.scaffold import Scaffold

if TYPE_CHECKING:
    from heron.flask.app import Flask
    from heron.flask.wrappers import Request

__all__ = [
    "DebugFilesKeyError",
    "FormDataRoutingRedirect",
    "attach_enctype_error_multidict",
    "explain_template_loading_attempts",
]

#: What a Jinja loader's ``get_source`` returns: the source, its file, its up-to-date check.
_Source = tuple[str, str | None, Callable[[], bool] | None]


class DebugFilesKeyError(KeyError, AssertionError):
    """``request.files[key]`` of a form that sent no files (debug mode only).

    The form was not sent as ``multipart/form-data``, so the browser sent the file's name
    as a text field instead of its contents. A ``KeyError`` (so ``except KeyError`` still
    catches it) whose message says how to fix the form.

    Args:
        request: The request whose ``files`` lacked ``key``.
        key: The name looked up.
    """

    def __init__(self, request: Request, key: str) -> None:
        message = (
            f"You tried to access the file {key!r} in the request.files dictionary but it"
            f" does not exist. The mimetype for the request is {request.mimetype!r} instead"
            " of 'multipart/form-data' which means that no file contents were transmitted."
            ' To fix this error you should provide enctype="multipart/form-data" in your'
            " form."
        )
        sent = request.form.getlist(key)
        if sent:
            names = ", ".join(repr(name) for name in sent)
            message += (
                f"\n\nThe browser instead transmitted some file names. This was submitted: {names}"
            )
        super().__init__(message)
        self.msg = message

    def __str__(self) -> str:
        # KeyError's own __str__ would quote the message as a key.
        return self.msg


class FormDataRoutingRedirect(AssertionError):
    """A request with a body was redirected by routing with a code that loses the body.

    Raised in debug mode instead of the 301/302 redirect (a missing trailing slash, most
    often) that would make the browser send the form again as a ``GET`` without its data.
    Routing's own redirects are 308, which keep the method and the body.

    Args:
        request: The request whose ``routing_exception`` is the redirect.
    """

    def __init__(self, request: Request) -> None:
        redirect = request.routing_exception
        assert isinstance(redirect, RequestRedirect)
        parts = [
            f"A request was sent to '{request.url}', but routing issued a redirect to the"
            f" canonical URL '{redirect.new_url}'."
        ]
        if redirect.new_url.partition("?")[0] == f"{request.base_url}/":
            parts.append(
                " The URL was defined with a trailing slash. Flask will redirect to the URL"
                " with a trailing slash if it was accessed without one."
            )
        parts.append(
            " Send requests to the canonical URL, or use 307 or 308 for routing redirects."
            " Otherwise, browsers will drop form data.\n\n"
            "This exception is only raised in debug mode."
        )
        super().__init__("".join(parts))


def attach_enctype_error_multidict(request: Request) -> None:
    """Make ``request.files[key]`` raise :class:`DebugFilesKeyError` for a form field.

    Only a key the form has (the file's name, sent as text) gets the explanation; any
    other missing key raises the usual ``KeyError`` (a 400 in a view).

    Args:
        request: The request whose ``files`` to change (in place).
    """
    files = request.files
    original = type(files)

    def lookup(self: Any, key: str) -> Any:
        try:
            return original.__getitem__(self, key)
        except KeyError as exc:
            if key not in request.form:
                raise
            error = DebugFilesKeyError(request, key)
            raise error.with_traceback(exc.__traceback__) from None

    # A subclass that looks like the original (same name and module in reprs and errors).
    explaining = type(
        original.__name__,
        (original,),
        {
            "__getitem__": lookup,
            "__module__": original.__module__,
            "__qualname__": original.__qualname__,
        },
    )
    files.__class__ = explaining


def _describe_loader(loader: BaseLoader) -> Iterator[str]:
    """The loader's class, then its public settings (a folder, a list of folders)."""
    cls = type(loader)
    yield f"class: {cls.__module__}.{cls.__name__}"
    for name, value in sorted(vars(loader).items()):
        if name.startswith("_"):
            continue
        if isinstance(value, (list, tuple)):
            if all(isinstance(item, str) for item in value):
                yield f"{name}:"
                yield from (f"  - {item}" for item in value)
        elif isinstance(value, (str, int, float, bool)):
            yield f"{name}: {value!r}"


def _describe_owner(owner: object) -> str:
    if isinstance(owner, Blueprint):
        return f"blueprint {owner.name!r} ({owner.import_name})"
    if isinstance(owner, Scaffold):  # the other scaffold is the application
        return f"application {owner.import_name!r}"
    return repr(owner)


def explain_template_loading_attempts(
    app: Flask,
    template: str,
    attempts: list[tuple[BaseLoader, Scaffold, _Source | None]],
) -> None:
    """Log (at ``INFO``, on ``app.logger``) where ``template`` was looked for.

    One entry per loader tried: whose it is (the app's, a blueprint's), its settings, and
    whether it found the template; then an error when none did, or a warning when several
    did (the first one wins). From a blueprint's view, a hint about template folders.

    Args:
        app: The application.
        template: The template's name.
        attempts: Each loader, its owner, and what its ``get_source`` returned (None: not
            found).
    """
    lines = [f"Locating template {template!r}:"]
    found = 0
    for number, (loader, owner, source) in enumerate(attempts, start=1):
        lines.append(f"{number:5}: trying loader of {_describe_owner(owner)}")
        lines.extend(f"       {line}" for line in _describe_loader(loader))
        if source is None:
            lines.append("       -> no match")
        else:
            found += 1
            lines.append(f"       -> found ({source[1] or '<string>'!r})")
    if found == 0:
        lines.append("Error: the template could not be found.")
    elif found > 1:
        lines.append("Warning: multiple loaders returned a match for the template.")
    ctx = _cv_request.get(None)
    blueprint = None if ctx is None else ctx.request.blueprint
    if blueprint is not None and found != 1:
        lines.append(
            "  The template was looked up from an endpoint that belongs to the blueprint"
            f" {blueprint!r}."
        )
        lines.append("  Maybe you did not place a template in the right folder?")
        lines.append("  See https://flask.palletsprojects.com/blueprints/#templates")
    app.logger.info("\n".join(lines))
