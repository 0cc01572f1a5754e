"""Serving a ``heron.flask`` app over ASGI: the environ, the body, the worker thread.

Called by :meth:`heron.flask.app.Flask.__call__` for each HTTP request of a Flask rule.
Flask's steps are synchronous (views read ``request.form`` without ``await``), so they run
where Heron runs every sync handler, in a worker thread of the thread pool::

    serve_http: environ_of(scope) → [worker thread: app.wsgi_app(environ, start_response),
      the body joined when it is a sequence] → http.response.start, http.response.body
      (a streamed body: each chunk pulled in a worker thread)

The request body is read from the event loop the first time the view (or a hook) reads
``request.form``/``data``/``json``/``stream``, within the app's ``max_body_size`` (413
past it) and ``body_read_timeout`` (408), through :class:`BodyStream`. The thread runs in
one :class:`contextvars.Context` for the whole request (dispatch and every chunk of a
streamed body), so ``stream_with_context`` keeps its context from chunk to chunk. A view
that blocks holds a worker thread, never the event loop: async routes keep answering.
"""

from __future__ import annotations

import contextvars
import io
import sys
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import anyio.from_thread
import anyio.to_thread
from werkzeug.exceptions import BadRequest, ClientDisconnected, HTTPException

from heron.exceptions import ClientDisconnect, HTTPError
from heron.requests import read_body
from heron.types import Message, Receive, Scope, Send

if TYPE_CHECKING:
    from heron.flask.app import Flask

__all__ = ["BodyStream", "environ_of", "in_request_thread", "preload_body", "serve_http"]

#: Bodies declaring at most this many bytes are read before the view runs (see prefetch).
_PREFETCH_LIMIT = 64 * 1024

#: True in the worker thread serving a request (so async views await on the event loop).
_request_thread: ContextVar[bool] = ContextVar("heron.flask.request_thread", default=False)
#: The body of the request served in this context.
_body: ContextVar[BodyStream | None] = ContextVar("heron.flask.body", default=None)


def in_request_thread() -> bool:
    """Whether this code runs in the worker thread of a request served over ASGI."""
    return _request_thread.get()


def preload_body() -> None:
    """Read the current request's body now (before an async view runs on the event loop)."""
    body = _body.get()
    if body is not None:
        body.load()


class BodyStream(io.RawIOBase):
    """``wsgi.input``: the request body, read from the event loop on first use.

    Args:
        receive: The ASGI receive callable.
        scope: The request's scope (its declared length is checked first).
        limit: The largest body accepted, in bytes (None: no limit).
    """

    def __init__(self, receive: Receive, scope: Scope, limit: int | None) -> None:
        super().__init__()
        self._receive = receive
        self._scope = scope
        self._limit = limit
        self._buffer: io.BytesIO | None = None
        self._error: HTTPException | None = None

    def load(self) -> None:
        """Read the whole body (once), from the worker thread.

        Raises:
            werkzeug.exceptions.HTTPException: 413 (too large), 408 (too slow), 400
                (ambiguous framing, the client went away).
        """
        if self._error is not None:
            raise self._error
        if self._buffer is not None:
            return
        if not in_request_thread():
            raise RuntimeError(
                "The request body can only be read by Flask-style (heron.flask) code in the"
                " request's worker thread."
            )
        self._buffer = io.BytesIO(anyio.from_thread.run(self._read))

    async def prefetch(self) -> None:
        """Read a small declared body now, on the event loop (no thread hop later).

        PERF: a view reading a small JSON or form body would otherwise cross back to the
        event loop from its worker thread (items-post, Flask app on Heron: 2,479 req/s
        before this).
        """
        try:
            self._buffer = io.BytesIO(await self._read())
        except HTTPException as exc:
            # Raised to the view when it reads the body, as Flask's steps expect.
            self._error = exc

    async def _read(self) -> bytes:
        try:
            return await read_body(self._receive, self._limit, self._scope)
        except HTTPError as exc:
            # Werkzeug's exception of the same code: Flask's error handlers answer it.
            raise _werkzeug_error(exc) from None
        except ClientDisconnect:
            raise ClientDisconnected() from None

    def readable(self) -> bool:
        """Always readable."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill ``buffer`` from the body."""
        self.load()
        assert self._buffer is not None
        return self._buffer.readinto(buffer)

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes of the body (all of it by default)."""
        self.load()
        assert self._buffer is not None
        return self._buffer.read(-1 if size is None else size)

    def readline(self, size: int | None = -1) -> bytes:
        """One line of the body."""
        self.load()
        assert self._buffer is not None
        return self._buffer.readline(-1 if size is None else size)


def _werkzeug_error(exc: HTTPError) -> HTTPException:
    from werkzeug.exceptions import default_exceptions

    cls = default_exceptions.get(exc.status_code, BadRequest)
    return cls(description=str(exc.detail))


def environ_of(scope: Scope, body: Any) -> dict[str, Any]:
    """The WSGI environ of an HTTP scope (PEP 3333), its body read from ``body``.

    Header names with ``_`` are dropped, as WSGI servers do: ``X_Forwarded_For`` would
    otherwise arrive as ``HTTP_X_FORWARDED_FOR``, the same key as the real header.
    """
    root_path: str = scope.get("root_path", "")
    path: str = scope["path"]
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    server = scope.get("server") or ("localhost", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        # WSGI carries paths as latin-1 strings of the raw (UTF-8) bytes.
        "SCRIPT_NAME": root_path.encode("utf-8").decode("latin-1"),
        "PATH_INFO": path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] if server[1] is not None else 80),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "asgi.scope": scope,
    }
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"] = client[0]
        environ["REMOTE_PORT"] = str(client[1])
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1")
        if "_" in name:
            continue
        value = raw_value.decode("latin-1")
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        if key in environ:
            # Repeated headers join with a comma; cookies (split by HTTP/2) with "; ".
            value = environ[key] + ("; " if key == "HTTP_COOKIE" else ",") + value
        environ[key] = value
    return environ


class _Started:
    """What ``start_response`` received, and the body written through its ``write``."""

    __slots__ = ("headers", "status", "written")

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.written: list[bytes] = []

    def __call__(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info is not None and exc_info[1] is not None and self.headers:
            raise exc_info[1].with_traceback(exc_info[2])
        self.status = int(status[:3])
        self.headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
        ]
        return self.written.append


def _run_app(app: Flask, environ: dict[str, Any]) -> tuple[_Started, bytes, _Chunks | None]:
    """In the worker thread: the app's answer, its body joined unless it streams."""
    started = _Started()
    iterable = app.wsgi_app(environ, started)
    response = environ.get("heron.flask.response")
    buffered = isinstance(iterable, (list, tuple)) or (
        response is not None
        and getattr(response, "is_sequence", False)
        and not getattr(response, "direct_passthrough", False)
    )
    if buffered:
        try:
            return started, b"".join([*started.written, *iterable]), None
        finally:
            _close(iterable)
    iterator = iter(iterable)
    # The first chunk here: start_response may be called as late as the first iteration.
    first = next(iterator, None)
    head = b"".join(started.written) + (first or b"")
    if first is None:
        _close(iterable)
        return started, head, None
    return started, head, _Chunks(iterator, iterable)


class _Chunks:
    """The rest of a streamed body, and the iterable to close when it is done."""

    __slots__ = ("iterable", "iterator")

    def __init__(self, iterator: Iterator[bytes], iterable: Iterable[bytes]) -> None:
        self.iterator = iterator
        self.iterable = iterable


def _close(iterable: Any) -> None:
    close = getattr(iterable, "close", None)
    if close is not None:
        close()


def _next_chunk(chunks: _Chunks) -> bytes | None:
    return next(chunks.iterator, None)


async def serve_http(
    app: Flask,
    scope: Scope,
    receive: Receive,
    send: Send,
    environ: dict[str, Any],
) -> None:
    """Answer one HTTP request through the app's Flask steps in a worker thread.

    ``environ`` is the request's (:func:`environ_of`, made by the app to match its rules);
    its body stream is set here.
    """
    body = BodyStream(receive, scope, app.max_body_size)
    environ["wsgi.input"] = body
    length = environ.get("CONTENT_LENGTH")
    if length and length.isdigit() and 0 < int(length) <= _PREFETCH_LIMIT:
        await body.prefetch()
    context = contextvars.copy_context()
    context.run(_request_thread.set, True)
    context.run(_body.set, body)
    try:
        started, head, rest = await anyio.to_thread.run_sync(context.run, _run_app, app, environ)
    except Exception:
        # Only errors Flask propagates (PROPAGATE_EXCEPTIONS, debug, testing) get here.
        await _send_500(send)
        raise
    await send(
        {"type": "http.response.start", "status": started.status, "headers": started.headers}
    )
    if rest is None:
        await send({"type": "http.response.body", "body": head})
        return
    try:
        await send({"type": "http.response.body", "body": head, "more_body": True})
        while (chunk := await anyio.to_thread.run_sync(context.run, _next_chunk, rest)) is not None:
            if chunk:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    finally:
        await anyio.to_thread.run_sync(context.run, _close, rest.iterable)


async def _send_500(send: Send) -> None:
    message: Message = {
        "type": "http.response.start",
        "status": 500,
        "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"21")],
    }
    await send(message)
    await send({"type": "http.response.body", "body": b"Internal Server Error"})
