"""Flask's request steps, in the order a request meets them (a mixin of ``Flask``).

Called by :meth:`Flask.wsgi_app` for each request, in the worker thread that serves it
(``heron.flask.asgi``) or in the test client's thread. Each step is a method of the
application, as in Flask, so extensions and subclasses can call or override it::

    respond(environ): request_context(environ).push()
      → full_dispatch_request: request_started → preprocess_request → dispatch_request
        → finalize_request: make_response → process_response → request_finished
      → errors: handle_user_exception → handle_http_exception | handle_exception (500)
      → ctx.pop(): do_teardown_request → do_teardown_appcontext
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

from werkzeug.datastructures import Headers
from werkzeug.exceptions import BadRequest, BadRequestKeyError, HTTPException, InternalServerError
from werkzeug.routing import RequestRedirect, RoutingException
from werkzeug.wrappers import Response as BaseResponse

from heron.flask.debughelpers import FormDataRoutingRedirect
from heron.flask.globals import _cv_app, _cv_request, request, request_ctx
from heron.flask.signals import (
    appcontext_tearing_down,
    got_request_exception,
    request_finished,
    request_started,
    request_tearing_down,
)
from heron.responses import Response as HeronResponse

if TYPE_CHECKING:
    import logging

    from heron.flask.config import Config
    from heron.flask.ctx import RequestContext
    from heron.flask.json.provider import JSONProvider
    from heron.flask.sessions import SessionInterface
    from heron.flask.wrappers import Request, Response

    _Funcs = dict[str | None, list[Callable[..., Any]]]

__all__ = ["RequestSteps"]

_SENTINEL: Any = object()


class RequestSteps:
    """Flask's request steps, as methods of the application."""

    if TYPE_CHECKING:
        # What the steps use of the application (``Flask`` and ``Scaffold`` define them).
        config: Config
        testing: bool
        logger: logging.Logger
        json: JSONProvider
        response_class: type[Response]
        session_interface: SessionInterface
        view_functions: dict[str, Callable[..., Any]]
        error_handler_spec: dict[
            str | None, dict[int | None, dict[type[BaseException], Callable[..., Any]]]
        ]
        before_request_funcs: _Funcs
        after_request_funcs: _Funcs
        teardown_request_funcs: _Funcs
        url_value_preprocessors: _Funcs
        teardown_appcontext_funcs: list[Callable[[BaseException | None], None]]

        @property
        def debug(self) -> bool: ...  # noqa: D102 - declarations of Flask's members
        def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]: ...  # noqa: D102
        def request_context(self, environ: dict[str, Any]) -> RequestContext: ...  # noqa: D102
        @staticmethod
        def _get_exc_class_and_code(
            exc_class_or_code: type[Exception] | int,
        ) -> tuple[type[Exception], int | None]: ...

    def wsgi_app(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """The WSGI application: one request through Flask's steps.

        ``app.wsgi_app = Middleware(app.wsgi_app)`` wraps it, as in Flask.
        """
        response = self.respond(environ)
        environ["heron.flask.response"] = response
        return response(environ, start_response)

    def respond(self, environ: dict[str, Any]) -> BaseResponse:
        """The response to ``environ``, its request context pushed and popped around it."""
        ctx = self.request_context(environ)
        error: BaseException | None = None
        try:
            try:
                ctx.push()
                response = self.full_dispatch_request()
            except Exception as exc:
                error = exc
                response = self.handle_exception(exc)
            except BaseException:
                error = sys.exc_info()[1]
                raise
            return response
        finally:
            if (keep := environ.get("werkzeug.debug.preserve_context")) is not None:
                # The test client's `with client:` keeps the contexts for the test to read.
                keep(_cv_app.get())
                keep(_cv_request.get())
            if error is not None and self.should_ignore_error(error):
                error = None
            ctx.pop(error)

    def full_dispatch_request(self) -> Response:
        """The request's steps, from ``request_started`` to the finished response."""
        self._got_first_request = True
        try:
            request_started.send(self, _async_wrapper=self.ensure_sync)
            rv = self.preprocess_request()
            if rv is None:
                rv = self.dispatch_request()
        except Exception as exc:
            rv = self.handle_user_exception(exc)
        return self.finalize_request(rv)

    def preprocess_request(self) -> Any:
        """The URL value preprocessors, then the ``before_request`` functions.

        Returns:
            The first value a ``before_request`` function returns (the response), or None.
        """
        names = (None, *reversed(request.blueprints))
        for name in names:
            for func in self.url_value_preprocessors.get(name, ()):
                func(request.endpoint, request.view_args)
        for name in names:
            for func in self.before_request_funcs.get(name, ()):
                rv = self.ensure_sync(func)()
                if rv is not None:
                    return rv
        return None

    def dispatch_request(self) -> Any:
        """Call the matched view with the URL's values (or raise the routing error)."""
        req = request_ctx.request
        if req.routing_exception is not None:
            self.raise_routing_exception(req)
        rule = req.url_rule
        assert rule is not None
        if getattr(rule, "provide_automatic_options", False) and req.method == "OPTIONS":
            return self.make_default_options_response()
        view_args = req.view_args or {}
        return self.ensure_sync(self.view_functions[rule.endpoint])(**view_args)

    def raise_routing_exception(self, request: Request) -> Any:
        """Raise the request's routing error (404, 405, or a redirect to the slash URL).

        In debug mode, a redirect that would make the browser drop the body (a 301 or 302
        of a ``POST``) raises :class:`~heron.flask.debughelpers.FormDataRoutingRedirect`.
        """
        error = request.routing_exception
        assert error is not None
        if (
            self.debug
            and isinstance(error, RequestRedirect)
            and error.code not in (307, 308)
            and request.method not in ("GET", "HEAD", "OPTIONS")
        ):
            raise FormDataRoutingRedirect(request)
        raise error

    def make_default_options_response(self) -> Response:
        """The automatic ``OPTIONS`` answer: an empty response listing the allowed methods."""
        adapter = request_ctx.url_adapter
        assert adapter is not None
        response = self.response_class()
        response.allow.update(adapter.allowed_methods())
        return response

    def finalize_request(self, rv: Any, from_error_handler: bool = False) -> Response:
        """The response of a view's (or handler's) value, after the ``after_request`` steps."""
        response = self.make_response(rv)
        try:
            response = self.process_response(response)
            request_finished.send(self, _async_wrapper=self.ensure_sync, response=response)
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception("Request finalizing failed with an error while handling an error")
        return response

    def make_response(self, rv: Any) -> Response:  # noqa: C901 - Flask's return conventions
        """Turn a view's return value into a response.

        Accepted: a response, ``str``/``bytes``, a ``dict``/``list`` (JSON), an iterator
        of strings or bytes (streamed), a WSGI callable, and the tuples ``(body, status,
        headers)``, ``(body, status)`` and ``(body, headers)``.

        Raises:
            TypeError: None, a tuple of another shape, or a value of another type.
        """
        status: Any = None
        headers: Any = None
        if isinstance(rv, tuple):
            if len(rv) == 3:
                rv, status, headers = rv
            elif len(rv) == 2:
                if isinstance(rv[1], (Headers, dict, tuple, list)):
                    rv, headers = rv
                else:
                    rv, status = rv
            else:
                raise TypeError(
                    "The view function did not return a valid response tuple. The tuple must"
                    " have the form (body, status, headers), (body, status), or (body,"
                    " headers)."
                )
        if rv is None:
            raise TypeError(
                f"The view function for {request.endpoint!r} did not return a valid response."
                " The function either returned None or ended without a return statement."
            )
        if not isinstance(rv, self.response_class):
            if isinstance(rv, (str, bytes, bytearray)) or isinstance(rv, Iterator):
                rv = self.response_class(rv, status=status, headers=headers)  # type: ignore[arg-type]
                status = headers = None
            elif isinstance(rv, (dict, list)):
                rv = self.json.response(rv)
            elif isinstance(rv, HeronResponse):
                # A Heron response from a Flask view: its status, headers and body as they are.
                rv = self.response_class(
                    bytes(rv.body),
                    status=rv.status_code,
                    headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in rv.raw_headers],
                )
            elif isinstance(rv, BaseResponse) or callable(rv):
                try:
                    rv = self.response_class.force_type(rv, request.environ)
                except TypeError as exc:
                    raise TypeError(
                        f"{exc}\nThe view function did not return a valid response. The return"
                        " type must be a string, dict, list, tuple with headers or status,"
                        " Response instance, or WSGI callable, but it was a"
                        f" {type(rv).__name__}."
                    ).with_traceback(sys.exc_info()[2]) from None
            else:
                raise TypeError(
                    "The view function did not return a valid response. The return type must"
                    " be a string, dict, list, tuple with headers or status, Response instance,"
                    f" or WSGI callable, but it was a {type(rv).__name__}."
                )
        response = cast("Response", rv)
        if status is not None:
            if isinstance(status, (str, bytes, bytearray)):
                response.status = status  # type: ignore[assignment]
            else:
                response.status_code = status
        if headers:
            response.headers.update(headers)
        return response

    def process_response(self, response: Response) -> Response:
        """``after_this_request`` functions, ``after_request`` functions, then the session saved."""
        ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
        for func in ctx._after_request_functions:
            response = self.ensure_sync(func)(response)
        for name in (*ctx.request.blueprints, None):
            for func in reversed(self.after_request_funcs.get(name, ())):
                response = self.ensure_sync(func)(response)
        # The private attribute: saving must not mark the session accessed itself.
        if not self.session_interface.is_null_session(ctx._session):
            self.session_interface.save_session(self, ctx._session, response)  # type: ignore[arg-type]
        return response

    def do_teardown_request(self, exc: BaseException | None = _SENTINEL) -> None:
        """The ``teardown_request`` functions, innermost blueprint first, then the app's."""
        if exc is _SENTINEL:
            exc = sys.exc_info()[1]
        for name in (*request.blueprints, None):
            for func in reversed(self.teardown_request_funcs.get(name, ())):
                self.ensure_sync(func)(exc)
        request_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    def do_teardown_appcontext(self, exc: BaseException | None = _SENTINEL) -> None:
        """The ``teardown_appcontext`` functions, last registered first."""
        if exc is _SENTINEL:
            exc = sys.exc_info()[1]
        for func in reversed(self.teardown_appcontext_funcs):
            self.ensure_sync(func)(exc)
        appcontext_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    # ------------------------------------------------------------ errors

    def _find_error_handler(self, e: Exception, blueprints: list[str]) -> Callable[..., Any] | None:
        """The handler of ``e``: by code then class, the innermost blueprint first."""
        exc_class, code = self._get_exc_class_and_code(type(e))
        names = (*blueprints, None)
        for c in (code, None) if code is not None else (None,):
            for name in names:
                handlers = self.error_handler_spec[name][c]
                if not handlers:
                    continue
                for cls in exc_class.__mro__:
                    handler = handlers.get(cls)
                    if handler is not None:
                        return handler
        return None

    def trap_http_exception(self, e: Exception) -> bool:
        """Whether an HTTP error is re-raised as it is (``TRAP_*`` settings) instead of handled."""
        if self.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad_request is None and self.debug and isinstance(e, BadRequestKeyError):
            return True
        if trap_bad_request:
            return isinstance(e, BadRequest)
        return False

    def handle_http_exception(self, e: HTTPException) -> Any:
        """The registered handler's answer to an HTTP error, or the error (its own page)."""
        if e.code is None or isinstance(e, RoutingException):
            # Redirects (RequestRedirect) are answers, not errors.
            return e
        handler = self._find_error_handler(e, request.blueprints)
        if handler is None:
            return e
        return self.ensure_sync(handler)(e)

    def handle_user_exception(self, e: Exception) -> Any:
        """An error raised by a view or hook: its handler's answer, or raised again."""
        if isinstance(e, BadRequestKeyError) and (
            self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]
        ):
            e.show_exception = True
        if isinstance(e, HTTPException) and not self.trap_http_exception(e):
            return self.handle_http_exception(e)
        handler = self._find_error_handler(e, request.blueprints)
        if handler is None:
            raise e
        return self.ensure_sync(handler)(e)

    def handle_exception(self, e: Exception) -> Response:
        """An unhandled error: raised again in debug or testing, else logged and a 500."""
        exc_info = sys.exc_info()
        got_request_exception.send(self, _async_wrapper=self.ensure_sync, exception=e)
        propagate = self.config["PROPAGATE_EXCEPTIONS"]
        if propagate is None:
            propagate = self.testing or self.debug
        if propagate:
            if exc_info[1] is e:
                raise
            raise e
        self.log_exception(exc_info)
        server_error: Any = InternalServerError(original_exception=e)
        handler = self._find_error_handler(server_error, request.blueprints)
        if handler is not None:
            server_error = self.ensure_sync(handler)(server_error)
        return self.finalize_request(server_error, from_error_handler=True)

    def log_exception(
        self,
        exc_info: tuple[type[BaseException], BaseException, TracebackType]
        | tuple[None, None, None],
    ) -> None:
        """Log an unhandled error with the request's path and method."""
        self.logger.error(f"Exception on {request.path} [{request.method}]", exc_info=exc_info)

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Whether teardown functions should not see ``error`` (never, by default)."""
        return False
