"""The incoming connection: its ``Request`` and the ``RequestContext`` Heron keeps for it.

Called by endpoints, dependencies and middleware that ask for a ``Request``, and by every
step of the request path (they take the :class:`RequestContext`); calls ``datastructures``
(parsing) and ``formparsers`` (forms). Nothing is parsed until a property is read: a
handler that never touches ``request.headers`` never pays for them.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Coroutine,
    Generator,
    Iterator,
    Mapping,
    MutableMapping,
)
from contextlib import AbstractAsyncContextManager, AsyncExitStack, aclosing
from typing import TYPE_CHECKING, Any, NoReturn, cast

import anyio

from heron._flask_spellings import FlaskOnly, FormMethod, JSONMethod
from heron.background import BackgroundTasks
from heron.datastructures import URL, Address, FormData, Headers, QueryParams, State
from heron.exceptions import ClientDisconnect, HTTPError
from heron.formparsers import parse_form
from heron.responses import Response
from heron.types import Message, Receive, Scope, Send

if TYPE_CHECKING:
    from heron.applications import Heron
    from heron.websockets import WebSocket

__all__ = [
    "CONTEXT_KEY",
    "ClientDisconnect",
    "FormCall",
    "HTTPConnection",
    "Request",
    "RequestContext",
    "cookie_parser",
    "read_body",
]


# SECURITY(CVE-2024-7592): http.cookies._unquote is quadratic in backslashes before
# CPython 3.11.10 / 3.12.6 (a 32 KB cookie took seconds). This is the fixed version's
# linear equivalent: ``\ooo`` (octal, first digit 0-3) or ``\x`` for any other character.
_unquote_escapes = re.compile(r"\\(?:([0-3][0-7][0-7])|(.))").sub


def _unquote_escape(match: re.Match[str]) -> str:
    octal = match[1]
    return chr(int(octal, 8)) if octal else match[2]


def _unquote(value: str) -> str:
    """``http.cookies._unquote``, in linear time on every Python version."""
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return value
    return _unquote_escapes(_unquote_escape, value[1:-1])


def cookie_parser(cookie_string: str) -> dict[str, str]:
    """Parse a ``Cookie`` header the way browsers send it.

    Lenient like browsers (RFC 6265 in practice): pairs split on ``;``, a pair without
    ``=`` is a value with an empty name, values are unquoted. Never raises.
    """
    cookie_dict: dict[str, str] = {}
    for chunk in cookie_string.split(";"):
        if "=" in chunk:
            key, val = chunk.split("=", 1)
        else:
            key, val = "", chunk
        key, val = key.strip(), val.strip()
        if key or val:
            cookie_dict[key] = _unquote(val)
    return cookie_dict


class HTTPConnection(Mapping[str, Any]):
    """What HTTP requests and WebSockets have in common; a read-only view of the scope.

    Args:
        scope: The ASGI connection scope.
        receive: The ASGI receive callable.
    """

    __slots__ = (
        "_base_url",
        "_cookies",
        "_headers",
        "_query_params",
        "_receive",
        "_state",
        "_url",
        "scope",
    )

    def __init__(self, scope: Scope, receive: Receive | None = None) -> None:
        self.scope = scope
        self._receive = receive
        self._url: URL | None = None
        self._base_url: URL | None = None
        self._headers: Headers | None = None
        self._query_params: QueryParams | None = None
        self._cookies: dict[str, str] | None = None
        self._state: State | None = None

    def __getitem__(self, key: str) -> Any:
        return self.scope[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.scope)

    def __len__(self) -> int:
        return len(self.scope)

    # Identity, so a connection can be a dict key; Mapping would make it unhashable.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    @property
    def app(self) -> Heron:
        """The application serving this connection."""
        return cast("Heron", self.scope["app"])

    @property
    def url(self) -> URL:
        """The full URL of the request."""
        if self._url is None:
            self._url = URL(scope=self.scope)
        return self._url

    @property
    def base_url(self) -> URL:
        """The URL of the application root (with ``root_path``), ending in ``/``."""
        if self._base_url is None:
            root_path = self.scope.get("app_root_path", self.scope.get("root_path", ""))
            path = root_path if root_path.endswith("/") else root_path + "/"
            scope = {**self.scope, "path": path, "root_path": "", "query_string": b""}
            self._base_url = URL(scope=scope)
        return self._base_url

    @property
    def headers(self) -> Headers:
        """The request headers (case-insensitive)."""
        if self._headers is None:
            self._headers = Headers(raw=self.scope["headers"])
        return self._headers

    @property
    def query_params(self) -> QueryParams:
        """The parsed query string."""
        if self._query_params is None:
            self._query_params = QueryParams(self.scope.get("query_string", b""))
        return self._query_params

    #: Flask's name for :attr:`query_params` (``request.args.get("page")``).
    args = query_params

    @property
    def path_params(self) -> dict[str, Any]:
        """Path parameters captured by the route, converted."""
        return cast("dict[str, Any]", self.scope.get("path_params", {}))

    @property
    def cookies(self) -> dict[str, str]:
        """Cookies sent by the client."""
        if self._cookies is None:
            # HTTP/2 may split the cookies over several Cookie fields (RFC 9113 8.2.3).
            cookie_headers = self.headers.getlist("cookie")
            self._cookies = cookie_parser("; ".join(cookie_headers)) if cookie_headers else {}
        return self._cookies

    @property
    def client(self) -> Address | None:
        """The client's ``(host, port)``, when the server knows it."""
        client = self.scope.get("client")
        return None if client is None else Address(*client)

    @property
    def state(self) -> State:
        """Per-request attributes; starts with the lifespan state."""
        if self._state is None:
            self._state = State(self.scope.setdefault("state", {}))
        return self._state

    @property
    def session(self) -> dict[str, Any]:
        """The session, when the app has sessions (a ``secret_key`` or ``SessionMiddleware``)."""
        session = self.scope.get("session")
        if session is None:
            # Heron's own cookie sessions load on first use, through the context.
            ctx: RequestContext | None = self.scope.get(CONTEXT_KEY)
            session = ctx.find_session() if ctx is not None else None
            if session is None:
                raise AssertionError(
                    "SessionMiddleware must be installed to access request.session"
                )
        return cast("dict[str, Any]", session)

    @property
    def auth(self) -> Any:
        """Set by an authentication middleware."""
        if "auth" not in self.scope:
            raise AssertionError(
                "AuthenticationMiddleware must be installed to access request.auth"
            )
        return self.scope["auth"]

    @property
    def user(self) -> Any:
        """Set by an authentication middleware."""
        if "user" not in self.scope:
            raise AssertionError(
                "AuthenticationMiddleware must be installed to access request.user"
            )
        return self.scope["user"]

    def url_for(self, name: str, /, **path_params: Any) -> URL:
        """Absolute URL of route ``name`` (query parameters via ``_query={...}``)."""
        url_path = self.app.url_path_for(name, **path_params)
        return url_path.make_absolute_url(base_url=self.base_url)


async def _empty_receive() -> NoReturn:
    raise RuntimeError("Receive channel has not been made available")


async def _empty_send(message: Message) -> NoReturn:
    raise RuntimeError("Send channel has not been made available")


class Request(HTTPConnection):
    """An HTTP request; the body is read on demand and kept.

    Args:
        scope: The ASGI ``http`` scope.
        receive: The ASGI receive callable.
        send: The ASGI send callable (used for server push only).
    """

    __slots__ = (
        "_body",
        "_form",
        "_is_disconnected",
        "_json",
        "_pending",
        "_send",
        "_stream_consumed",
    )

    def __init__(self, scope: Scope, receive: Receive = _empty_receive, send: Send = _empty_send):
        super().__init__(scope, receive)
        self._send = send
        self._body: bytes | None = None
        self._json: Any = _UNSET
        self._form: FormData | None = None
        self._stream_consumed = False
        self._is_disconnected = False
        # Body messages that is_disconnected() received, not yet handed to stream().
        self._pending: list[Message] | None = None

    @property
    def method(self) -> str:
        """The HTTP method, upper-case."""
        return cast(str, self.scope["method"])

    @property
    def receive(self) -> Receive:
        """The ASGI receive callable."""
        assert self._receive is not None
        return self._receive

    async def stream(self) -> AsyncGenerator[bytes, None]:
        """Yield the body in chunks as they arrive (or the cached body)."""
        if self._body is not None:
            yield self._body
            yield b""
            return
        if self._stream_consumed:
            raise RuntimeError("Stream consumed")
        _declared_length(self.scope)  # refuses ambiguous framing before reading
        self._stream_consumed = True
        deadline = _body_deadline(self.scope)
        while True:
            if self._pending:
                message = self._pending.pop(0)
            elif deadline is None:
                message = await self.receive()
            else:
                message = await _receive_before(self.receive, deadline)
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                if chunk:
                    yield chunk
                if not message.get("more_body", False):
                    break
            elif message["type"] == "http.disconnect":
                self._is_disconnected = True
                raise ClientDisconnect()
        yield b""

    async def body(self) -> bytes:
        """The whole body, read once and cached.

        Raises:
            HTTPError: 413 when it exceeds the application's ``max_body_size``.
        """
        if self._body is None:
            limit = _max_body_size(self.scope)
            if limit is not None and _declared_length(self.scope) > limit:
                # Refused before reading: no waiting for bytes that may never come.
                raise HTTPError(413, f"Request body is larger than {limit} bytes")
            chunks: list[bytes] = []
            size = 0
            # Closed at once when the limit stops the read (trio warns about a stream
            # left to the garbage collector).
            async with aclosing(self.stream()) as stream:
                async for chunk in stream:
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise HTTPError(413, f"Request body is larger than {limit} bytes")
                    chunks.append(chunk)
            self._body = b"".join(chunks)
        return self._body

    async def _read_json(self) -> Any:
        """The body decoded as JSON (cached): ``await request.json()``.

        Raises:
            HTTPError: 400 when the body is not valid JSON.
        """
        if self._json is _UNSET:
            body = await self.body()
            try:
                self._json = json.loads(body)
            except (ValueError, RecursionError) as exc:
                raise HTTPError(400, f"Invalid JSON body: {exc}") from None
        return self._json

    def _form_call(
        self,
        *,
        max_files: int | float = 1000,
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> FormCall:
        """The body parsed as a form (urlencoded or multipart), cached.

        ``await request.form()``, or ``async with request.form() as form:`` to close the
        uploaded files at the end of the block (Starlette's two spellings). Flask's
        ``request.form["name"]`` raises a ``TypeError`` saying so (``heron.flask`` has it).

        Args:
            max_files: Most file parts accepted.
            max_fields: Most non-file fields accepted.
            max_part_size: Largest non-file field, in bytes.

        Raises:
            HTTPError: 400 for a malformed or too large form.
        """
        return FormCall(self._parse_form(max_files, max_fields, max_part_size))

    if TYPE_CHECKING:
        form = _form_call
        json = _read_json
    else:
        # NOTE: `request.form` and `request.json` are bound readers that refuse Flask's
        # synchronous use with an error naming both spellings (heron._flask_spellings).
        # PERF: made in C (property → partial subclass), only when read: `Request(scope)`
        # is unchanged (~290 ns); `Request(scope).form` 321 → 450 ns, `request.form()`
        # 411 → 620 ns (timeit, Python 3.11), on a call that then parses a whole form.
        form = property(functools.partial(FormMethod, _form_call), doc=_form_call.__doc__)
        json = property(functools.partial(JSONMethod, _read_json), doc=_read_json.__doc__)
        # Flask's synchronous body attributes: reading one says what to write instead.
        data, files, values = FlaskOnly(), FlaskOnly(), FlaskOnly()
        get_json, get_data = FlaskOnly(), FlaskOnly()

    async def _parse_form(
        self, max_files: int | float, max_fields: int | float, max_part_size: int
    ) -> FormData:
        if self._form is None:
            self._form = await parse_form(
                self.headers,
                self.stream(),
                max_files=max_files,
                max_fields=max_fields,
                max_part_size=max_part_size,
                max_body_size=_max_body_size(self.scope),
            )
        return self._form

    async def close(self) -> None:
        """Close uploaded files of the parsed form."""
        if self._form is not None:
            await self._form.close()

    async def is_disconnected(self) -> bool:
        """Whether the client has gone away (checks without blocking)."""
        if not self._is_disconnected:
            message: Message = {}
            with anyio.CancelScope() as cs:
                cs.cancel()
                message = await self.receive()
            if message.get("type") == "http.disconnect":
                self._is_disconnected = True
            elif message.get("type") == "http.request" and self._body is None:
                # A server's receive may return at once when data is buffered: keep the
                # chunk for stream() instead of dropping part of the body (bounded: nothing
                # is kept past the message that ends the body).
                if self._pending is None:
                    self._pending = []
                if not self._pending or self._pending[-1].get("more_body", False):
                    self._pending.append(message)
        return self._is_disconnected

    async def send_push_promise(self, path: str) -> None:
        """Send an HTTP/2 server push promise, when the server supports it."""
        if "http.response.push" in self.scope.get("extensions", {}):
            raw_headers = [
                (k, v) for k, v in self.scope["headers"] if k in (b"accept", b"accept-encoding")
            ]
            await self._send({"type": "http.response.push", "path": path, "headers": raw_headers})


class FormCall(Awaitable[FormData], AbstractAsyncContextManager[FormData]):
    """What ``request.form()`` returns: await it, or use it as an async context manager."""

    __slots__ = ("_form", "_parsing")

    def __init__(self, parsing: Coroutine[Any, Any, FormData]) -> None:
        self._parsing = parsing
        self._form: FormData | None = None

    def __await__(self) -> Generator[Any, None, FormData]:
        return self._parsing.__await__()

    async def __aenter__(self) -> FormData:
        self._form = await self._parsing
        return self._form

    async def __aexit__(self, *exc_info: object) -> None:
        if self._form is not None:
            await self._form.close()


class _Unset:
    pass


_UNSET: Any = _Unset()


def _declared_length(scope: Scope) -> int:
    """The request's ``Content-Length`` (-1 when absent or not a plain number).

    Raises:
        HTTPError: 400 with ``Connection: close`` for framing that two HTTP parsers could
            read apart (request smuggling): ``Transfer-Encoding`` with ``Content-Length``,
            or a ``Transfer-Encoding`` other than ``chunked``.
    """
    length = -1
    encoded = False
    for key, value in scope["headers"]:
        if key == b"content-length":
            if value.isascii() and value.isdigit():
                # More than 18 digits is past any limit (and int() caps at 4300 digits).
                length = int(value) if len(value) <= 18 else 10**18
        elif key == b"transfer-encoding":
            if encoded or value.strip().lower() != b"chunked":
                raise _ambiguous_framing()
            encoded = True
    if encoded and length != -1:
        raise _ambiguous_framing()
    return length


def _ambiguous_framing() -> HTTPError:
    # SECURITY(SECURITY.md G3): servers read such a request by Transfer-Encoding alone and
    # may serve what follows as a second request; RFC 9112 §6.1 says to close the
    # connection after answering one (uvicorn does not), and §6.3 lets a server refuse it.
    return HTTPError(400, "Ambiguous request framing", headers={"Connection": "close"})


async def read_body(receive: Receive, limit: int | None, scope: Scope | None = None) -> bytes:
    """Read the whole request body from ``receive`` (no ``Request`` object needed).

    With ``scope``, a declared ``Content-Length`` over ``limit`` is refused before reading.

    Raises:
        HTTPError: 413 past ``limit`` bytes; 408 past the app's ``body_read_timeout``.
        ClientDisconnect: The client went away first.
    """
    declared = _declared_length(scope) if scope is not None else -1
    if limit is not None and declared > limit:
        # Refused before a byte is read: the client said how much it would send.
        raise HTTPError(413, f"Request body is larger than {limit} bytes")
    deadline = _body_deadline(scope)
    message = await receive() if deadline is None else await _receive_before(receive, deadline)
    if message["type"] == "http.disconnect":
        raise ClientDisconnect()
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):  # PERF: the one-chunk body of small requests
        if limit is not None and len(body) > limit:
            raise HTTPError(413, f"Request body is larger than {limit} bytes")
        return body
    chunks = [body]
    size = len(body)
    while True:
        message = await receive() if deadline is None else await _receive_before(receive, deadline)
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            raise HTTPError(413, f"Request body is larger than {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _body_deadline(scope: Scope | None) -> float | None:
    """When the body must have arrived (``Heron(body_read_timeout=...)``), or None."""
    timeout = getattr(scope.get("app"), "body_read_timeout", None) if scope is not None else None
    return None if timeout is None else anyio.current_time() + timeout


async def _receive_before(receive: Receive, deadline: float) -> Message:
    """``receive()``, or a 408 once ``deadline`` has passed.

    SECURITY(slow bodies, SECURITY.md K1): uvicorn's only timeout is the keep-alive one,
    reset by every byte, so a client sending a byte a second holds a handler forever.
    """
    with anyio.move_on_after(deadline - anyio.current_time()):
        return await receive()
    # The rest of the body may still come: the connection cannot be reused.
    raise HTTPError(408, "Request body not received in time", headers={"Connection": "close"})


def _max_body_size(scope: Scope) -> int | None:
    app = scope.get("app")
    return getattr(app, "max_body_size", None)


# ---------------------------------------------------------------- the request context

#: The scope key under which a connection's :class:`RequestContext` crosses ASGI layers
#: that are not Heron's (user middleware, router middleware, mounted apps). Heron's own
#: steps take the context as a parameter; this key is how an ASGI entry of Heron's finds
#: it again (:meth:`RequestContext.of`).
CONTEXT_KEY = "heron.context"


class RequestContext:
    """Everything Heron keeps for one connection, handed to every step of its path.

    Created once per connection, by the application's entry when the app has web-classic
    layers (sessions, hooks, request checks, the context globals), otherwise by the first
    step that needs one (a route handler with dependencies, a router's layer) through
    :meth:`of`. It holds the one :class:`Request` of the connection (so a body or a form
    read by a check is there for the endpoint), the session, the flashed messages taken
    out of it, the exit stacks of ``yield`` dependencies, the exception handlers of the
    routers the route is under, and what solving the endpoint's arguments produced.

    Args:
        app: The application serving the connection (None for a router served alone).
        scope: The ASGI connection scope.
        receive: The ASGI receive callable.
        send: The ASGI send callable.

    Attributes:
        app: The application.
        scope: The scope, as the current step received it.
        receive: The receive callable, as the current step received it.
        send: The send callable, as the current step received it.
        exception_handlers: The exception handler mappings of the routers the route is
            under, outermost first (a router's layer adds its own).
        request_stack: The exit stack of request-scoped ``yield`` dependencies.
        function_stack: The exit stack of ``scope="function"`` ``yield`` dependencies.
        websocket: The ``WebSocket`` of a WebSocket connection, once made.
        errors: Validation errors collected while solving the endpoint's arguments.
        cache: Dependency values by cache key (``use_cache=True``).
        sub_response: The response whose status, headers and cookies dependencies set.
        background: The background tasks of the request.
        form_response: The page a ``form_template=`` route answers refused input with.
        flashes: The flashed messages taken out of the session by this request.
    """

    __slots__ = (
        "_body",
        "_request",
        "_session",
        "app",
        "background",
        "cache",
        "errors",
        "exception_handlers",
        "flashes",
        "form_response",
        "function_stack",
        "receive",
        "request_stack",
        "scope",
        "send",
        "sub_response",
        "websocket",
    )

    def __init__(self, app: Heron | None, scope: Scope, receive: Receive, send: Send) -> None:
        self.app = app
        self.scope = scope
        self.receive = receive
        self.send = send
        self._request: Request | None = None
        self._body: bytes | None = None
        self._session: MutableMapping[str, Any] | None = None
        self.exception_handlers: tuple[Mapping[Any, Any], ...] = ()
        self.request_stack: AsyncExitStack | None = None
        self.function_stack: AsyncExitStack | None = None
        self.websocket: WebSocket | None = None
        self.errors: list[Any] = []
        self.cache: dict[Any, Any] = {}
        self.sub_response: Response | None = None
        self.background: BackgroundTasks | None = None
        self.form_response: Response | None = None
        self.flashes: list[tuple[str, str]] | None = None
        scope[CONTEXT_KEY] = self

    @classmethod
    def of(cls, scope: Scope, receive: Receive, send: Send) -> RequestContext:
        """The context of the connection ``scope`` belongs to, made if it has none yet.

        Called by Heron's ASGI entries that may sit behind foreign middleware: the
        context then takes the ``scope``, ``receive`` and ``send`` this layer was given
        (a middleware may have wrapped them), and so does its ``Request`` while its body
        is untouched.
        """
        ctx: RequestContext | None = scope.get(CONTEXT_KEY)
        if ctx is None:
            return cls(scope.get("app"), scope, receive, send)
        if ctx.receive is not receive or ctx.send is not send or ctx.scope is not scope:
            ctx._rebind(scope, receive, send)
        return ctx

    @classmethod
    def of_request(cls, request: Request) -> RequestContext:
        """The context ``request`` belongs to, made around it if it has none."""
        ctx: RequestContext | None = request.scope.get(CONTEXT_KEY)
        if ctx is None:
            ctx = cls(request.scope.get("app"), request.scope, request.receive, request._send)
            ctx._request = request
        return ctx

    def _rebind(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope
        self.receive = receive
        self.send = send
        request = self._request
        if request is not None and request._body is None and not request._stream_consumed:
            # NOTE: made by an outer layer (the `request` global in a middleware): the
            # endpoint reads the body through what this layer receives.
            request.scope = scope
            request._receive = receive
            request._send = send

    # ------------------------------------------------------------ the request

    @property
    def request(self) -> Request:
        """The connection's one ``Request`` (made on first use, shared by every step)."""
        request = self._request
        if request is None:
            request = self._request = Request(self.scope, self.receive, self.send)
            if self._body is not None:
                request._body = self._body  # read by the solver already
        return request

    @property
    def connection(self) -> HTTPConnection:
        """The connection: the ``Request``, or the ``WebSocket`` (or its handshake)."""
        if self.scope["type"] == "websocket":
            return self.websocket or HTTPConnection(self.scope, self.receive)
        return self.request

    def use_request(self, request: Request) -> None:
        """Make ``request`` the connection's ``Request`` (a route class's own subclass)."""
        if self._body is not None and request._body is None:
            request._body = self._body
        self._request = request

    @property
    def received_body(self) -> bytes | None:
        """The body, if a step read it whole (for the errors of a refused body)."""
        if self._request is not None:
            return self._request._body
        return self._body

    async def body(self) -> bytes:
        """The request body, read once (no ``Request`` is made for it).

        Raises:
            HTTPError: 413 past the app's ``max_body_size``; 408 past its
                ``body_read_timeout``.
            ClientDisconnect: The client went away first.
        """
        if self._request is not None:
            return await self._request.body()
        if self._body is None:
            # PERF: no Request object unless a step asks for it (items-post: -2 calls).
            limit = getattr(self.app, "max_body_size", None)
            self._body = await read_body(self.receive, limit, self.scope)
        return self._body

    async def close(self) -> None:
        """Close the uploaded files of a form the request parsed."""
        if self._request is not None:
            await self._request.close()

    # ------------------------------------------------------------ the session

    def find_session(self) -> MutableMapping[str, Any] | None:
        """The session: Heron's own (loaded on first use), else a middleware's; None if none.

        The app's ``session_interface`` (``Heron(secret_key=...)``) loads it the first time
        a step asks, so a request that never reads its session never verifies a cookie.
        A session another middleware put in ``scope["session"]`` is found there.
        """
        session = self._session
        if session is not None:
            return session
        session = cast("MutableMapping[str, Any] | None", self.scope.get("session"))
        if session is None:
            interface = getattr(self.app, "session_interface", None)
            if interface is None or self.scope["type"] not in ("http", "websocket"):
                return None
            session = interface.open_session(self)
            # COMPAT(starlette): where request.session and other middleware look.
            self.scope["session"] = session
        self._session = session
        return session

    def set_session(self, session: MutableMapping[str, Any]) -> None:
        """Make ``session`` the connection's session (a session middleware loaded it)."""
        self._session = session
        self.scope["session"] = session

    @property
    def session_loaded(self) -> MutableMapping[str, Any] | None:
        """The session if a step loaded it, else None (nothing to save)."""
        return self._session

    # ------------------------------------------------------------ what solving produces

    def get_sub_response(self) -> Response:
        """The response whose headers, cookies and status apply to the final one."""
        if self.sub_response is None:
            response = Response()
            response.status_code = None  # type: ignore[assignment]
            self.sub_response = response
        return self.sub_response

    def get_background(self) -> BackgroundTasks:
        """The background tasks of this request."""
        if self.background is None:
            self.background = BackgroundTasks()
        return self.background

    @property
    def reserved_form_fields(self) -> frozenset[str]:
        """Form keys that are Heron's, not the endpoint's (the CSRF token, when checked)."""
        fields: frozenset[str] = getattr(self.app, "reserved_form_fields", frozenset())
        return fields
