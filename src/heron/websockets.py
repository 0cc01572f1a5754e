"""The WebSocket connection an endpoint talks to.

Called by WebSocket endpoints (through ``handlers.websocket_session``) and by WebSocket
exception handlers; calls the ASGI ``receive``/``send`` it was built with. ``WebSocket``
tracks both sides of the connection and refuses what the ASGI protocol forbids (sending
before accepting, receiving after the disconnect…) with a ``RuntimeError`` that names
the mistake, instead of a confusing error from the server.

Received messages are checked before the endpoint sees them: a message of the wrong frame
type, one that is not JSON when JSON is asked for, or one over the size limit raises
``WebSocketMessageError`` (a ``WebSocketException``), which Heron's routes answer with a
close frame carrying its code (1003, 1007, 1009). Typed messages (``receive_model``)
validate with pydantic and, by configuration, close with 1007 or answer an error frame.
The limit and the policy come from :class:`WebSocketOptions`: the app's
(``Heron(websocket_options=...)``), overridden per endpoint by :func:`websocket_options`.

Browsers do not apply CORS to WebSocket handshakes, and they send the site's cookies with
them: a page of another site could open a socket on the user's session (cross-site
WebSocket hijacking). :func:`check_origin` refuses such handshakes before the endpoint
runs, by their ``Origin`` header, against ``WebSocketOptions.allowed_origins``.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Hashable, Iterable, Sequence
from contextlib import AsyncExitStack
from typing import Any, Final, Literal, TypeVar, cast

import pydantic
import pydantic_core

from heron.dependencies.models import Dependant
from heron.dependencies.solving import solve
from heron.exception_handlers import respond_to_exception
from heron.exceptions import (
    WebSocketDisconnect,
    WebSocketJSONDecodeError,
    WebSocketMessageError,
    WebSocketRequestValidationError,
)
from heron.requests import HTTPConnection, RequestContext
from heron.responses import PlainTextResponse
from heron.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "DEFAULT_MAX_MESSAGE_SIZE",
    "WebSocket",
    "WebSocketClose",
    "WebSocketDisconnect",
    "WebSocketOptions",
    "WebSocketState",
    "check_origin",
    "deny_handshake",
    "websocket_api_handler",
    "websocket_options",
    "websocket_session",
]

logger = logging.getLogger("heron.websockets")

_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])

#: The default largest message, in bytes: uvicorn's default ``--ws-max-size``, so an app
#: served by uvicorn with its defaults sees no difference.
DEFAULT_MAX_MESSAGE_SIZE: Final = 16 * 1024 * 1024

InvalidMessagePolicy = Literal["close", "error"]


@dataclasses.dataclass(frozen=True, slots=True)
class WebSocketOptions:
    """How a WebSocket endpoint treats what it receives.

    Args:
        max_message_size: The largest message accepted, in bytes (text counts its UTF-8
            bytes); a larger one closes the socket with 1009. ``None``: no limit of
            Heron's (the server's own limit still applies, see docs/websockets.md).
        invalid_message: What ``receive_model``/``iter_model`` do with a message that is
            not valid JSON or does not validate: ``"close"`` the socket with 1007 (1003
            for the wrong frame type), or answer an ``"error"`` frame
            (``{"type": "error", "detail": [...]}``) and wait for the next message.
        allowed_origins: The ``Origin`` values whose handshakes are accepted besides the
            app's own origin (``"https://app.example.com"``; ``"*"``: any). ``None``: only
            the app's own origin when the app has CSRF protection (``heron.csrf``: apps
            with a ``secret_key``), any origin otherwise, as in FastAPI. A handshake
            without ``Origin`` (not from a browser) is always accepted.

    Raises:
        ValueError: A negative size, an unknown policy, or an origin that is not
            ``scheme://host[:port]``, ``null`` or ``*``.
    """

    max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE
    invalid_message: InvalidMessagePolicy = "close"
    allowed_origins: Sequence[str] | None = None

    def __post_init__(self) -> None:
        if self.max_message_size is not None and self.max_message_size < 0:
            raise ValueError(f"max_message_size must be >= 0, not {self.max_message_size!r}")
        if self.invalid_message not in ("close", "error"):
            raise ValueError(
                f'invalid_message must be "close" or "error", not {self.invalid_message!r}'
            )
        if self.allowed_origins is not None:
            if isinstance(self.allowed_origins, str):
                raise ValueError("allowed_origins must be a list of origins, not a string")
            origins = tuple(origin.rstrip("/").lower() for origin in self.allowed_origins)
            for origin in origins:
                if origin not in ("*", "null") and not _ORIGIN.fullmatch(origin):
                    raise ValueError(f"{origin!r} is not an origin (scheme://host[:port])")
            object.__setattr__(self, "allowed_origins", origins)


# A serialized origin (RFC 6454): scheme, host, optional port; no path, no user info.
_ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::[0-9]+)?", re.ASCII)

_FOREIGN_ORIGIN = "Origin not allowed"

_DEFAULT_OPTIONS = WebSocketOptions()
_OPTIONS_ATTRIBUTE = "__heron_websocket_options__"


class _Unset(enum.Enum):
    UNSET = enum.auto()


_UNSET = _Unset.UNSET


def websocket_options(
    *,
    max_message_size: int | _Unset | None = _UNSET,
    invalid_message: InvalidMessagePolicy | _Unset = _UNSET,
    allowed_origins: Iterable[str] | _Unset | None = _UNSET,
) -> Callable[[_F], _F]:
    """Decorator overriding the app's :class:`WebSocketOptions` for one endpoint.

    Only the options given change; the others stay the app's. The endpoint function is
    returned as it is (the options are kept on it), so the decorator may sit above or
    below ``@app.websocket(...)``.

    Args:
        max_message_size: The endpoint's largest message, in bytes (``None``: no limit).
        invalid_message: ``"close"`` or ``"error"`` (see :class:`WebSocketOptions`).
        allowed_origins: Other sites allowed to open this endpoint (see
            :class:`WebSocketOptions`).
    """
    overrides: dict[str, Any] = {}
    if max_message_size is not _UNSET:
        overrides["max_message_size"] = max_message_size
    if invalid_message is not _UNSET:
        overrides["invalid_message"] = invalid_message
    if allowed_origins is not _UNSET:
        overrides["allowed_origins"] = allowed_origins
    # Check the values now, not per request (and keep them normalised).
    checked = dataclasses.replace(_DEFAULT_OPTIONS, **overrides)
    overrides = {name: getattr(checked, name) for name in overrides}

    def decorator(func: _F) -> _F:
        setattr(func, _OPTIONS_ATTRIBUTE, overrides)
        return func

    return decorator


@functools.lru_cache(maxsize=512)
def _adapter(model: Any) -> pydantic.TypeAdapter[Any]:
    # PERF: building a TypeAdapter costs ~100 µs; one per message type, built once.
    return pydantic.TypeAdapter(model)


def _truncate_reason(reason: str) -> str:
    """A close reason within the 123 bytes a close frame has room for."""
    encoded = reason.encode("utf-8")
    if len(encoded) <= 123:
        return reason
    return encoded[:120].decode("utf-8", "ignore") + "..."


def _invalid_model_message(errors: list[dict[str, Any]]) -> WebSocketMessageError:
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    reason = f"Invalid message: {where + ': ' if where else ''}{first.get('msg', '')}"
    return WebSocketMessageError(1007, _truncate_reason(reason), errors)


class WebSocketState(enum.Enum):
    """Where one side of a WebSocket stands."""

    CONNECTING = 0
    CONNECTED = 1
    DISCONNECTED = 2
    RESPONSE = 3


# For each application state: the messages the app may send, and the state each leads to.
_SEND_TRANSITIONS: dict[WebSocketState, dict[str, WebSocketState]] = {
    WebSocketState.CONNECTING: {
        "websocket.accept": WebSocketState.CONNECTED,
        "websocket.close": WebSocketState.DISCONNECTED,
        "websocket.http.response.start": WebSocketState.RESPONSE,
    },
    WebSocketState.CONNECTED: {
        "websocket.send": WebSocketState.CONNECTED,
        "websocket.close": WebSocketState.DISCONNECTED,
    },
    WebSocketState.RESPONSE: {"websocket.http.response.body": WebSocketState.RESPONSE},
}

# For each client state: the messages the client may send, and the state each leads to.
_RECEIVE_TRANSITIONS: dict[WebSocketState, dict[str, WebSocketState]] = {
    WebSocketState.CONNECTING: {"websocket.connect": WebSocketState.CONNECTED},
    WebSocketState.CONNECTED: {
        "websocket.receive": WebSocketState.CONNECTED,
        "websocket.disconnect": WebSocketState.DISCONNECTED,
    },
}


def _expected(transitions: Iterable[str]) -> str:
    return " or ".join(f'"{name}"' for name in transitions)


def _check_mode(mode: str) -> None:
    if mode not in ("text", "binary"):
        raise RuntimeError('The "mode" argument should be "text" or "binary".')


def _raise_on_disconnect(message: Message) -> None:
    if message["type"] == "websocket.disconnect":
        # NOTE: ASGI says a disconnect without a code means 1005 (no status received).
        raise WebSocketDisconnect(message.get("code", 1005), message.get("reason"))


class WebSocket(HTTPConnection):
    """A WebSocket connection: the handshake request plus the messages both ways.

    Args:
        scope: The ASGI ``websocket`` scope.
        receive: The ASGI receive callable.
        send: The ASGI send callable.

    Attributes:
        client_state: What the client has done (connect, disconnect).
        application_state: What the application has done (accept, close, deny).
    """

    __slots__ = ("_options", "_ws_receive", "_ws_send", "application_state", "client_state")

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "websocket"
        super().__init__(scope, receive)
        self._ws_receive = receive
        self._ws_send = send
        self._options: WebSocketOptions | None = None
        self.client_state = WebSocketState.CONNECTING
        self.application_state = WebSocketState.CONNECTING

    @property
    def options(self) -> WebSocketOptions:
        """The options in force: the endpoint's :func:`websocket_options` over the app's.

        Assignable, e.g. to lift the size limit after authenticating the client.
        """
        if self._options is None:
            # Read from the app and the endpoint the router put in the scope (both are
            # ASGI-standard keys, set before the endpoint runs), once per connection.
            base = getattr(self.scope.get("app"), "websocket_options", None) or _DEFAULT_OPTIONS
            overrides = getattr(self.scope.get("endpoint"), _OPTIONS_ATTRIBUTE, None)
            self._options = dataclasses.replace(base, **overrides) if overrides else base
        return self._options

    @options.setter
    def options(self, value: WebSocketOptions) -> None:
        self._options = value

    async def receive(self) -> Message:
        """Receive the next raw ASGI message (``websocket.connect``, ``.receive``…).

        Raises:
            RuntimeError: The client already disconnected, or sent a message the protocol
                does not allow at this point.
        """
        transitions = _RECEIVE_TRANSITIONS.get(self.client_state)
        if transitions is None:
            raise RuntimeError('Cannot call "receive" once a disconnect message has been received.')
        message = await self._ws_receive()
        state = transitions.get(message["type"])
        if state is None:
            raise RuntimeError(
                f"Expected ASGI message {_expected(transitions)}, but got {message['type']!r}"
            )
        self.client_state = state
        return message

    async def send(self, message: Message) -> None:
        """Send a raw ASGI message (``websocket.accept``, ``.send``, ``.close``…).

        Raises:
            RuntimeError: The message is not allowed in the current state (e.g. sending
                data before ``accept``, or anything after ``close``).
            WebSocketDisconnect: The client is gone (code 1006).
        """
        transitions = _SEND_TRANSITIONS.get(self.application_state)
        if transitions is None:
            raise RuntimeError('Cannot call "send" once a close message has been sent.')
        state = transitions.get(message["type"])
        if state is None:
            raise RuntimeError(
                f"Expected ASGI message {_expected(transitions)}, but got {message['type']!r}"
            )
        if message["type"] == "websocket.http.response.body" and not message.get("more_body"):
            state = WebSocketState.DISCONNECTED
        self.application_state = state
        try:
            await self._ws_send(message)
        except OSError:
            # NOTE: ASGI servers raise OSError when sending to a client that has gone;
            # endpoints handle one exception for "the client left", WebSocketDisconnect.
            self.application_state = WebSocketState.DISCONNECTED
            raise WebSocketDisconnect(code=1006) from None

    async def accept(
        self,
        subprotocol: str | None = None,
        headers: Iterable[tuple[bytes, bytes]] | None = None,
    ) -> None:
        """Accept the connection (reading the client's ``websocket.connect`` first if needed).

        Args:
            subprotocol: The subprotocol chosen among those the client offered.
            headers: Extra response headers for the handshake.
        """
        if self.client_state is WebSocketState.CONNECTING:
            await self.receive()
        await self.send(
            {"type": "websocket.accept", "subprotocol": subprotocol, "headers": list(headers or [])}
        )

    def _check_connected(self) -> None:
        if self.application_state is not WebSocketState.CONNECTED:
            raise RuntimeError('WebSocket is not connected. Need to call "accept" first.')

    def _check_size(self, data: str | bytes) -> None:
        limit = self.options.max_message_size
        if limit is None:
            return
        size = len(data)
        # PERF: a str's UTF-8 size is between len() and 4 * len(): encode only in between.
        if isinstance(data, str) and size <= limit < 4 * size:
            size = len(data.encode("utf-8"))
        if size > limit:
            raise WebSocketMessageError(1009, f"Message too big: over {limit} bytes")

    async def _receive_data(self, kind: Literal["text", "bytes"]) -> Any:
        """The next message's data of ``kind``, checked against the type and size limits."""
        self._check_connected()
        message = await self.receive()
        _raise_on_disconnect(message)
        data = message.get(kind)
        if data is None:
            expected = "text" if kind == "text" else "binary"
            # NOTE: 1003 is "unsupported data": a binary frame where text was expected.
            raise WebSocketMessageError(1003, f"Expected a {expected} message")
        self._check_size(data)
        return data

    async def _receive_json_text(self, mode: Literal["text", "binary"]) -> str | bytes:
        _check_mode(mode)
        return cast("str | bytes", await self._receive_data("text" if mode == "text" else "bytes"))

    async def receive_text(self) -> str:
        """Receive a text message.

        Raises:
            WebSocketDisconnect: The client disconnected.
            WebSocketMessageError: A binary message (1003) or one over the size limit (1009).
            RuntimeError: The connection was not accepted.
        """
        return cast(str, await self._receive_data("text"))

    async def receive_bytes(self) -> bytes:
        """Receive a binary message.

        Raises:
            WebSocketDisconnect: The client disconnected.
            WebSocketMessageError: A text message (1003) or one over the size limit (1009).
            RuntimeError: The connection was not accepted.
        """
        return cast(bytes, await self._receive_data("bytes"))

    async def receive_json(self, mode: Literal["text", "binary"] = "text") -> Any:
        """Receive a JSON message, sent as text or as UTF-8 bytes.

        Raises:
            WebSocketDisconnect: The client disconnected.
            WebSocketMessageError: The wrong frame type (1003), not UTF-8 or nested too
                deeply for the decoder (1007), or over the size limit (1009);
                ``WebSocketJSONDecodeError`` (1007, also a ``json.JSONDecodeError``) when
                it is not JSON.
            RuntimeError: The connection was not accepted, or ``mode`` is unknown.
        """
        data = await self._receive_json_text(mode)
        try:
            text = data if isinstance(data, str) else data.decode("utf-8")
        except UnicodeDecodeError:
            raise WebSocketMessageError(1007, "Invalid UTF-8 in a JSON message") from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise WebSocketJSONDecodeError(exc) from None
        except RecursionError:
            # SECURITY(J2): "[" * 100_000 is valid JSON to the grammar but not to the
            # decoder's recursion; a RecursionError escaping would be a 1011 and a traceback.
            raise WebSocketMessageError(1007, "Invalid JSON: nested too deeply") from None

    async def receive_model(
        self,
        model: type[_T],
        mode: Literal["text", "binary"] = "text",
        *,
        invalid_message: InvalidMessagePolicy | None = None,
    ) -> _T:
        """Receive a JSON message validated as ``model`` (a pydantic model or any type).

        With the ``"error"`` policy an invalid message is answered with an error frame,
        ``{"type": "error", "detail": [pydantic errors]}``, and the next one is read.

        Args:
            model: The message type: ``BaseModel`` subclass, dataclass, ``list[Item]``,
                a discriminated union…
            mode: The frame type carrying the JSON, ``"text"`` or ``"binary"``.
            invalid_message: ``"close"`` or ``"error"``; the endpoint's option when None.

        Raises:
            WebSocketDisconnect: The client disconnected.
            WebSocketMessageError: With the ``"close"`` policy: the wrong frame type
                (1003), invalid JSON or a message that does not validate (1007, with the
                pydantic errors in ``errors``); whatever the policy: over the size
                limit (1009).
            RuntimeError: The connection was not accepted, or ``mode`` is unknown.
        """
        adapter = _adapter(cast("Hashable", model))
        policy = invalid_message or self.options.invalid_message
        while True:
            try:
                data = await self._receive_json_text(mode)
                return cast(_T, adapter.validate_json(data))
            except pydantic.ValidationError as exc:
                errors = json.loads(exc.json(include_url=False))
                error = _invalid_model_message(errors)
            except WebSocketMessageError as exc:
                if exc.code != 1003:
                    raise
                error = exc
                errors = [{"type": "frame_type", "loc": [], "msg": exc.reason}]
            if policy == "close":
                raise error
            await self.send_json({"type": "error", "detail": errors})

    async def iter_model(
        self,
        model: type[_T],
        mode: Literal["text", "binary"] = "text",
        *,
        invalid_message: InvalidMessagePolicy | None = None,
    ) -> AsyncIterator[_T]:
        """Yield messages validated as ``model`` until the client disconnects.

        Invalid messages are handled as in :meth:`receive_model`.
        """
        try:
            while True:
                yield await self.receive_model(model, mode, invalid_message=invalid_message)
        except WebSocketDisconnect:
            pass

    async def iter_text(self) -> AsyncIterator[str]:
        """Yield text messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_text()
        except WebSocketDisconnect:
            pass

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """Yield binary messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_bytes()
        except WebSocketDisconnect:
            pass

    async def iter_json(self, mode: Literal["text", "binary"] = "text") -> AsyncIterator[Any]:
        """Yield JSON messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_json(mode)
        except WebSocketDisconnect:
            pass

    async def send_text(self, data: str) -> None:
        """Send a text message."""
        await self.send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary message."""
        await self.send({"type": "websocket.send", "bytes": data})

    async def send_model(self, value: Any, mode: Literal["text", "binary"] = "text") -> None:
        """Send a pydantic model (or any value pydantic can serialize) as JSON.

        Models use their own serialization (aliases, field serializers); datetimes,
        UUIDs, dataclasses and the like are encoded as in responses.

        Raises:
            RuntimeError: ``mode`` is unknown.
        """
        _check_mode(mode)
        data = pydantic_core.to_json(value, by_alias=True)
        if mode == "text":
            await self.send({"type": "websocket.send", "text": data.decode("utf-8")})
        else:
            await self.send({"type": "websocket.send", "bytes": data})

    async def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        """Send ``data`` as compact JSON, in a text or a binary message.

        Raises:
            RuntimeError: ``mode`` is unknown.
        """
        _check_mode(mode)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if mode == "text":
            await self.send({"type": "websocket.send", "text": text})
        else:
            await self.send({"type": "websocket.send", "bytes": text.encode("utf-8")})

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the connection (before ``accept``, this refuses the handshake).

        Args:
            code: The WebSocket close code.
            reason: A short text for the client.
        """
        await self.send({"type": "websocket.close", "code": code, "reason": reason or ""})

    async def send_denial_response(self, response: ASGIApp) -> None:
        """Refuse the handshake with an HTTP response (status, headers, body).

        Args:
            response: Any Heron response (or ASGI app answering HTTP).

        Raises:
            RuntimeError: The server does not support the ASGI denial extension.
        """
        if "websocket.http.response" not in self.scope.get("extensions", {}):
            raise RuntimeError(
                "The server doesn't support the Websocket Denial Response extension."
            )

        async def send(message: Message) -> None:
            # NOTE: responses speak HTTP; on a WebSocket the same messages are prefixed.
            kind = message["type"]
            if kind.startswith("http.response."):
                message = {**message, "type": "websocket." + kind}
            await self.send(message)

        await response(self.scope, self._ws_receive, send)


async def deny_handshake(scope: Scope, send: Send, response: ASGIApp, reason: str) -> None:
    """Refuse a WebSocket handshake before accepting it (for middleware).

    With the ASGI denial-response extension the client gets ``response`` as an HTTP
    answer; without it, a policy-violation close, which servers answer with 403.

    Args:
        scope: The ``websocket`` scope.
        send: The ASGI send callable.
        response: An HTTP response (any Heron response).
        reason: The close reason when denial responses are not supported.
    """
    if "websocket.http.response" not in (scope.get("extensions") or {}):
        await send({"type": "websocket.close", "code": 1008, "reason": _truncate_reason(reason)})
        return

    async def prefixed(message: Message) -> None:
        await send({**message, "type": "websocket." + message["type"]})

    async def no_receive() -> Message:
        raise RuntimeError("A denial response does not read the connection")

    await response(scope, no_receive, prefixed)


def _allowed_origins(websocket: WebSocket) -> Sequence[str] | None:
    """The origins accepted besides the app's own; None: any origin.

    The endpoint's or the app's ``allowed_origins``, else the app's default policy,
    ``app.websocket_origins`` (None, any origin, unless a battery set it: ``heron.csrf``
    sets ``()``, the app's own origin only, where the session cookie authenticates).
    """
    allowed = websocket.options.allowed_origins
    if allowed is None:
        allowed = getattr(websocket.scope.get("app"), "websocket_origins", None)
    if allowed is None or "*" in allowed:
        return None
    return allowed


async def check_origin(websocket: WebSocket) -> bool:
    """Refuse a handshake from another site's page (cross-site WebSocket hijacking).

    Browsers send ``Origin`` with every handshake and, unlike ``fetch``, apply no CORS to
    it. A handshake is accepted when it has no ``Origin`` (not a browser), when its
    origin's host is the request's ``Host`` (the app's own pages; the scheme is not
    compared, so a TLS-terminating proxy needs no configuration), or when the origin is
    in ``websocket.options.allowed_origins``. Otherwise it is refused with 403 (a 1008
    close where the server has no denial responses) and False is returned.

    Called by the WebSocket route handlers before the endpoint and its dependencies run.

    Args:
        websocket: The connection, not yet accepted.

    Returns:
        Whether the endpoint may run.
    """
    origins = websocket.headers.getlist("origin")
    if not origins:
        return True
    allowed = _allowed_origins(websocket)
    if allowed is None:
        return True
    origin = origins[0].strip().lower()
    host = websocket.headers.get("host", "").strip().lower()
    if len(origins) == 1 and (origin in allowed or (host and origin.partition("://")[2] == host)):
        return True

    # repr() keeps control characters of the request out of the log as they are.
    logger.warning(
        "WebSocket handshake refused: Origin %r is not allowed on %r (Host %r)",
        origins[0][:200],
        websocket.url.path[:200],
        host[:200],
    )
    refusal = PlainTextResponse(_FOREIGN_ORIGIN, status_code=403)
    await deny_handshake(websocket.scope, websocket._ws_send, refusal, _FOREIGN_ORIGIN)
    websocket.application_state = WebSocketState.DISCONNECTED
    return False


class WebSocketClose:
    """An ASGI app that closes the WebSocket (e.g. a router's answer to no match).

    Args:
        code: The WebSocket close code.
        reason: A short text for the client.
    """

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Close the WebSocket with this object's ``code`` and ``reason``."""
        await send({"type": "websocket.close", "code": self.code, "reason": self.reason})


# ---------------------------------------------------------------- route handlers


def websocket_session(func: Callable[[WebSocket], Any]) -> ASGIApp:
    """Wrap ``async func(websocket)`` as an ASGI app (a Starlette-style WebSocket endpoint).

    Refuses a handshake from another site's page first (:func:`check_origin`); an
    exception of ``func`` goes to the exception handlers.
    """

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ctx = RequestContext.of(scope, receive, send)
        websocket = ctx.websocket = WebSocket(scope, receive=receive, send=send)
        if not await check_origin(websocket):
            return  # another site's page: refused before the endpoint runs
        try:
            await func(websocket)
        except Exception as exc:
            await respond_to_exception(ctx, exc)

    return app


def websocket_api_handler(plan: Dependant) -> ASGIApp:
    """The ASGI app of a WebSocket route whose arguments come from its signature.

    Solves the arguments on the connection's context (dependencies first, ``yield`` ones
    in one exit stack closed when the endpoint returns); invalid ones raise
    ``WebSocketRequestValidationError`` (a 1008 close by default). A client that leaves
    ends the endpoint quietly.
    """

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ctx = RequestContext.of(scope, receive, send)
        ctx.websocket = WebSocket(scope, receive=receive, send=send)
        if not await check_origin(ctx.websocket):
            return  # another site's page: refused before the dependencies run
        try:
            async with AsyncExitStack() as request_stack:
                ctx.request_stack = ctx.function_stack = request_stack
                kwargs = await solve(plan, ctx)
                if ctx.errors:
                    raise WebSocketRequestValidationError(ctx.errors)
                await plan.call(**kwargs)
        except WebSocketDisconnect:
            pass  # the client left: nothing to answer, nothing to log
        except Exception as exc:
            await respond_to_exception(ctx, exc)

    return app
