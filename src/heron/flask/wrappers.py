"""Flask's ``Request`` and ``Response``: Werkzeug's, with the application's settings.

Called by :class:`heron.flask.app.Flask` (``request_class``, ``response_class``) and by
user code (``Response(...)``, ``isinstance(rv, Response)``). Werkzeug's WSGI wrappers are
the well-kept library Flask code expects (``request.form`` a ``MultiDict``, files as
``FileStorage``, ``request.environ``…); Heron builds the environ from the ASGI scope and
reads the body from the event loop the first time a view asks for it
(:mod:`heron.flask.asgi`). The limits come from the current application's config
(``MAX_CONTENT_LENGTH``, ``MAX_FORM_MEMORY_SIZE``, ``MAX_FORM_PARTS``), as in Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.wrappers import Request as _Request, Response as _Response

from heron.flask import json
from heron.flask.debughelpers import attach_enctype_error_multidict
from heron.flask.globals import _find_app

if TYPE_CHECKING:
    from werkzeug.routing import Rule

__all__ = ["Request", "Response"]


class Request(_Request):
    """The request of a view: Werkzeug's request and what routing found.

    Attributes:
        url_rule: The matched rule (None before matching or when nothing matched).
        view_args: The values of the rule's variables.
        routing_exception: The routing error (404, 405, a redirect) raised at dispatch.
    """

    json_module: Any = json
    url_rule: Rule | None = None
    view_args: dict[str, Any] | None = None
    routing_exception: HTTPException | None = None

    _max_content_length: int | None = None
    _max_form_memory_size: int | None = None
    _max_form_parts: int | None = None

    @property
    def max_content_length(self) -> int | None:
        """The largest body read (the app's ``MAX_CONTENT_LENGTH``), None for no limit."""
        if self._max_content_length is not None:
            return self._max_content_length
        app = _find_app()
        return None if app is None else app.config["MAX_CONTENT_LENGTH"]

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @property
    def max_form_memory_size(self) -> int | None:
        """The largest non-file form field (the app's ``MAX_FORM_MEMORY_SIZE``)."""
        if self._max_form_memory_size is not None:
            return self._max_form_memory_size
        app = _find_app()
        return 500_000 if app is None else app.config["MAX_FORM_MEMORY_SIZE"]

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value

    @property  # type: ignore[override]
    def max_form_parts(self) -> int | None:
        """The most multipart parts parsed (the app's ``MAX_FORM_PARTS``)."""
        if self._max_form_parts is not None:
            return self._max_form_parts
        app = _find_app()
        return 1000 if app is None else app.config["MAX_FORM_PARTS"]

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._max_form_parts = value

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule (``"blog.index"``), None when nothing matched."""
        return None if self.url_rule is None else self.url_rule.endpoint

    @property
    def blueprint(self) -> str | None:
        """The dotted name of the blueprint of the matched endpoint, if any."""
        endpoint = self.endpoint
        if endpoint is not None and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """The blueprint and its parents, innermost first (``["a.b", "a"]``)."""
        name = self.blueprint
        if name is None:
            return []
        parts = name.split(".")
        return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]

    def _load_form_data(self) -> None:
        """Parse the form, then in debug mode explain ``files[key]`` of a form without files.

        A form sent without ``enctype="multipart/form-data"`` has the file's name as a
        text field: :class:`heron.flask.debughelpers.DebugFilesKeyError` says so.
        """
        super()._load_form_data()
        app = _find_app()
        if (
            app is not None
            and app.debug
            and self.mimetype != "multipart/form-data"
            and not self.files
        ):
            attach_enctype_error_multidict(self)

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """The body parsed as JSON (Werkzeug's), with deep nesting refused as bad JSON.

        SECURITY: ``[[[[...`` nested past Python's recursion limit raises RecursionError in
        ``json.loads`` (a 500 on Flask); here it is the 400 of any invalid body.
        """
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            if silent:
                return None
            return self.on_json_loading_failed(ValueError("JSON nested too deeply"))

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        """Refuse a body that is not JSON: 400 (the parser's message only in debug)."""
        try:
            return super().on_json_loading_failed(e)
        except BadRequest:
            app = _find_app()
            if app is not None and app.debug:
                raise
            # COMPAT(flask): outside debug the 400 does not echo the parser's message.
            raise BadRequest() from e


class Response(_Response):
    """A response: Werkzeug's, HTML by default, with the app's cookie size limit."""

    default_mimetype: str | None = "text/html"
    json_module: Any = json
    # COMPAT(flask): Location stays as given (a relative URL is valid, RFC 9110).
    autocorrect_location_header = False

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """The app's ``MAX_COOKIE_SIZE`` (Werkzeug warns above it)."""
        app = _find_app()
        if app is None:
            return super().max_cookie_size
        return int(app.config["MAX_COOKIE_SIZE"])
