"""Response classes: each is an ASGI app that sends itself.

Called by the route handlers (``handlers``) and by user code; calls ``background`` after
the body is out. Header bytes are built once per response in ``init_headers``; JSON goes
through pydantic-core's encoder (datetimes, UUIDs, Decimals, dataclasses, models).
"""

from __future__ import annotations

import hashlib
import http.cookies
import os
import re
import stat
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime, formatdate, parsedate_to_datetime
from mimetypes import guess_type
from typing import Any, Literal
from urllib.parse import quote

import anyio
import pydantic_core

from heron.background import BackgroundTask
from heron.concurrency import iterate_in_threadpool
from heron.datastructures import URL, Headers, MutableHeaders, encode_header, validate_header
from heron.exceptions import ClientDisconnect, HeronError, RangeIgnored, RangeNotSatisfiable
from heron.types import Message, Receive, Scope, Send

__all__ = [
    "FileResponse",
    "HTMLResponse",
    "JSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
    "StreamingResponse",
    "jsonify",
    "make_response",
]


class Response:
    """A response with a body known up front.

    Args:
        content: ``bytes``, ``str`` (encoded with ``charset``) or ``None``.
        status_code: The HTTP status.
        headers: Extra headers; ``content-length``/``content-type`` are added unless given.
        media_type: The media type; defaults to the class's ``media_type``.
        background: A task to run after the body is sent.
    """

    media_type: str | None = None
    charset = "utf-8"

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.body = self.render(content)
        self.init_headers(headers)

    def render(self, content: Any) -> bytes | memoryview:
        """Turn ``content`` into body bytes."""
        if content is None:
            return b""
        if isinstance(content, bytes | memoryview):
            return content
        return content.encode(self.charset)  # type: ignore[no-any-return]

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        """Build the raw header list, adding ``content-length`` and ``content-type``."""
        if headers is None:
            raw: list[tuple[bytes, bytes]] = []
            has_length = has_type = False
        else:
            # Validated: no response splitting through user input.
            raw = [encode_header(k, v) for k, v in headers.items()]
            keys = {k for k, _ in raw}
            has_length = b"content-length" in keys
            has_type = b"content-type" in keys
        body = getattr(self, "body", None)
        if (
            body is not None
            and not has_length
            and not (self.status_code < 200 or self.status_code in (204, 304))
        ):
            raw.append((b"content-length", str(len(body)).encode("latin-1")))
        if self.media_type is not None and not has_type:
            raw.append((b"content-type", _content_type(self.media_type, self.charset)))
        self.raw_headers = raw

    @property
    def headers(self) -> MutableHeaders:
        """The response headers, mutable."""
        if not hasattr(self, "_headers"):
            self._headers = MutableHeaders(raw=self.raw_headers)
        return self._headers

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: datetime | str | int | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header.

        Args:
            key: Cookie name.
            value: Cookie value.
            max_age: Lifetime in seconds.
            expires: Expiry as a datetime, an HTTP date, or seconds from now.
            path: Path scope.
            domain: Domain scope.
            secure: Only over HTTPS.
            httponly: Hidden from JavaScript.
            samesite: ``"lax"``, ``"strict"``, ``"none"`` or ``None``.
            partitioned: CHIPS partitioned cookie.
        """
        cookie: http.cookies.BaseCookie[str] = http.cookies.SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        if max_age is not None:
            morsel["max-age"] = max_age
        if expires is not None:
            if isinstance(expires, datetime):
                # HTTP dates are GMT: convert aware datetimes, take naive ones as UTC.
                if expires.tzinfo is None:
                    expires = expires.replace(tzinfo=UTC)
                morsel["expires"] = format_datetime(expires.astimezone(UTC), usegmt=True)
            else:
                morsel["expires"] = expires
        if path is not None:
            morsel["path"] = path
        if domain is not None:
            morsel["domain"] = domain
        if secure:
            morsel["secure"] = True
        if httponly:
            morsel["httponly"] = True
        if samesite is not None:
            if samesite.lower() not in ("strict", "lax", "none"):
                raise ValueError("samesite must be either 'strict', 'lax' or 'none'")
            morsel["samesite"] = samesite
        line = cookie.output(header="").strip()
        if partitioned:
            line += "; Partitioned"
        encoded = line.encode("latin-1")
        # The value is quoted by SimpleCookie, but path/domain/expires are not.
        validate_header(b"set-cookie", encoded)
        self.raw_headers.append((b"set-cookie", encoded))

    def delete_cookie(
        self,
        key: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
    ) -> None:
        """Expire cookie ``key`` in the client."""
        self.set_cookie(
            key,
            max_age=0,
            expires=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the status and headers, the body (none for ``HEAD``), then run ``background``."""
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        if scope.get("method") == "HEAD":
            await send({"type": "http.response.body", "body": b""})
        else:
            await send({"type": "http.response.body", "body": self.body})
        if self.background is not None:
            await self.background()


def _content_type(media_type: str, charset: str) -> bytes:
    if media_type.startswith("text/") and "charset=" not in media_type.lower():
        media_type += f"; charset={charset}"
    return media_type.encode("latin-1")


class HTMLResponse(Response):
    """A ``text/html`` response."""

    media_type = "text/html"


class PlainTextResponse(Response):
    """A ``text/plain`` response."""

    media_type = "text/plain"


class JSONResponse(Response):
    """A JSON response, encoded by pydantic-core.

    ``content`` may hold anything pydantic-core serialises: dicts, lists, models,
    dataclasses, datetimes, UUIDs, Decimals, enums.
    """

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """Encode ``content`` as compact UTF-8 JSON."""
        # PERF: pydantic-core's Rust encoder; ~3x faster than json.dumps on small dicts,
        # and it understands the types handlers return without a jsonable_encoder pass.
        # NaN and infinities become ``null`` (as in pydantic's model_dump_json): the
        # ``NaN`` / ``Infinity`` tokens are not JSON and clients' parsers reject them.
        return pydantic_core.to_json(content, serialize_unknown=False, inf_nan_mode="null")


def jsonify(*args: Any, **kwargs: Any) -> JSONResponse:
    """Flask's ``jsonify``: a JSON response of the arguments.

    One argument is sent as it is, several as a list, keyword arguments as an object, and
    nothing as ``null``. The body is Heron's JSON (:class:`JSONResponse`): compact UTF-8,
    keys in their order, datetimes in ISO 8601, where Flask sorts keys, escapes non-ASCII
    characters and writes dates as HTTP dates.

    Args:
        *args: The value, or the items of a list.
        **kwargs: The members of an object.

    Returns:
        An ``application/json`` response with status 200.

    Raises:
        TypeError: Both positional and keyword arguments, as in Flask.
    """
    if args and kwargs:
        raise TypeError("jsonify() takes either args or kwargs, not both")
    data: Any = args[0] if len(args) == 1 else (list(args) or kwargs or None)
    return JSONResponse(data)


class RedirectResponse(Response):
    """Redirect the client to ``url``.

    Args:
        url: Where to; non-ASCII characters are percent-encoded.
        status_code: 307 by default (method kept); 302/303 for "go GET".
        headers: Extra headers.
        background: A task to run after the response.
    """

    def __init__(
        self,
        url: str | URL,
        status_code: int = 307,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(
            content=b"", status_code=status_code, headers=headers, background=background
        )
        location = quote(str(url), safe=":/%#?=@[]!$&'()*+,;")
        self.headers["location"] = location


ContentStream = AsyncIterable[str | bytes] | Iterable[str | bytes]


class StreamingResponse(Response):
    """A response whose body comes from an iterator, sent chunk by chunk.

    Args:
        content: An async or sync iterable of ``str``/``bytes``; sync ones are iterated
            in the thread pool. Iteration stops when the client disconnects.
        status_code: The HTTP status.
        headers: Extra headers.
        media_type: The media type.
        background: A task to run after the stream ends.
    """

    def __init__(
        self,
        content: ContentStream,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        self._sync_iterator: Iterator[str | bytes] | None = None
        if isinstance(content, AsyncIterable):
            self.body_iterator: AsyncIterable[str | bytes] = content
        else:
            self._sync_iterator = iter(content)
            self.body_iterator = iterate_in_threadpool(self._sync_iterator)
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.init_headers(headers)

    async def _stream(self, send: Send) -> None:
        # Only send() failing means the client went away (ASGI 2.4: OSError); an OSError
        # raised by the iterator itself is a real error and propagates.
        start = {"type": "http.response.start", "status": self.status_code}
        try:
            await send({**start, "headers": self.raw_headers})
        except OSError:
            return
        async for chunk in self.body_iterator:
            if not isinstance(chunk, bytes | memoryview):
                chunk = chunk.encode(self.charset)
            try:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except OSError:
                return
        try:
            await send({"type": "http.response.body", "body": b""})
        except OSError:
            return

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Stream the body until it ends or the client disconnects, then run ``background``.

        The body iterators are closed in every case, even when the task is cancelled.
        """
        try:
            if scope.get("method") == "HEAD":
                await send(
                    {
                        "type": "http.response.start",
                        "status": self.status_code,
                        "headers": self.raw_headers,
                    }
                )
                await send({"type": "http.response.body", "body": b""})
            else:
                await self._stream_until_disconnect(receive, send)
        finally:
            # Shielded: the generators' ``finally`` blocks run even when we are cancelled.
            with anyio.CancelScope(shield=True):
                await self._close_iterators()
        if self.background is not None:
            await self.background()

    async def _stream_until_disconnect(self, receive: Receive, send: Send) -> None:
        # The stream runs in this task and the disconnect watcher in a child, so an error
        # raised by the iterator propagates as itself, not wrapped in an ExceptionGroup.
        error: Exception | None = None
        async with anyio.create_task_group() as tg:

            async def watch_disconnect() -> None:
                await _wait_for_disconnect(receive)
                tg.cancel_scope.cancel()

            tg.start_soon(watch_disconnect)
            try:
                await self._stream(send)
            except ClientDisconnect:
                pass  # the iterator read a request body the client abandoned
            except Exception as exc:
                error = exc
            tg.cancel_scope.cancel()
        if error is not None:
            raise error

    async def _close_iterators(self) -> None:
        await _close_iterator(self.body_iterator)
        # A sync generator stopped half-way is closed too (its ``finally`` runs), as a
        # WSGI server closes the iterable it was given.
        close = getattr(self._sync_iterator, "close", None)
        # (A generator that ran to its end has no frame left: nothing to close.)
        if close is not None and getattr(self._sync_iterator, "gi_frame", True) is not None:
            await anyio.to_thread.run_sync(close)


async def _wait_for_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _close_iterator(iterator: Any) -> None:
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()


def make_response(*args: Any) -> Response:
    """A ``Response`` from what a Flask view returns (Flask's ``make_response``).

    ``str``/``bytes`` is HTML, ``dict``/``list`` JSON, an iterator streams HTML, a
    ``Response`` is used as it is; a tuple ``(body, status)``, ``(body, headers)`` or
    ``(body, status, headers)`` adds a status and headers (to a ``Response`` body too).
    Several arguments are taken as that tuple: ``make_response("Hi", 201)``; none gives an
    empty HTML response, to add headers or cookies to. A status may be a string starting
    with the code (``"201 CREATED"``); headers a mapping or a list of pairs.

    Args:
        *args: The view's return value, or its parts.

    Returns:
        The response.

    Raises:
        HeronError: ``None``, a tuple of another length, or a type Flask does not accept.
    """
    if not args:
        return HTMLResponse()
    raw: Any = args[0] if len(args) == 1 else args
    if isinstance(raw, Response):
        return raw
    status: int | None = None
    headers: dict[str, str] | None = None
    if isinstance(raw, tuple):
        raw, status, headers = _view_tuple(raw)
        if isinstance(raw, Response):
            if status is not None:
                raw.status_code = status
            if headers:
                raw.headers.update(headers)
            return raw
    code = 200 if status is None else status
    if isinstance(raw, str | bytes):
        return HTMLResponse(raw, status_code=code, headers=headers)
    if isinstance(raw, dict | list):
        return JSONResponse(raw, status_code=code, headers=headers)
    if isinstance(raw, Iterator | AsyncIterator):
        return StreamingResponse(raw, status_code=code, headers=headers, media_type="text/html")
    if raw is None:
        raise HeronError("The view function did not return a valid response (it returned None)")
    raise HeronError(f"The view function returned an unsupported type: {type(raw).__name__}")


def _view_tuple(raw: tuple[Any, ...]) -> tuple[Any, int | None, dict[str, str] | None]:
    """``(body, status, headers)`` of a view's tuple (either may be None)."""
    status: Any = None
    headers: Any = None
    if len(raw) == 3:
        body, status, headers = raw
    elif len(raw) == 2:
        body, second = raw
        # COMPAT(flask): a mapping or a list of pairs is headers, anything else the status.
        if isinstance(second, Mapping | list | tuple):
            headers = second
        else:
            status = second
    else:
        raise HeronError(
            "A view's tuple must be (body, status), (body, headers) or (body, status, headers)"
        )
    if isinstance(status, str):
        status = int(status.split(None, 1)[0])  # "201 CREATED", as Werkzeug reads it
    return body, status, dict(headers) if headers is not None else None


#: The most ranges one ``Range`` header may ask for before it is ignored.
MAX_RANGES = 100

# ASCII digits only: str.isdigit() accepts "\xb2" (superscript two), which int() rejects.
_BYTE_RANGE = re.compile(r"([0-9]*)-([0-9]*)")
# A position with more digits than this is past the end of any file (and int() of a
# 5000-digit string raises ValueError).
_MAX_DIGITS = 18


def _position(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= _MAX_DIGITS else 10**_MAX_DIGITS


def parse_range(header: str, size: int) -> list[tuple[int, int]]:
    """Parse ``bytes=a-b, c-, -n`` into sorted, merged half-open ``(start, end)`` ranges.

    Raises:
        RangeIgnored: For a unit other than ``bytes`` or more than ``MAX_RANGES`` ranges.
        RangeNotSatisfiable: For syntax errors or ranges that do not overlap the file.
    """
    unit, eq, spec = header.partition("=")
    if not eq or unit.strip().lower() != "bytes":
        raise RangeIgnored(header)
    # Empty list elements ("0-1, ,") are allowed by the list syntax (RFC 9110 5.6.1).
    parts = [part.strip() for part in spec.split(",")]
    parts = [part for part in parts if part]
    if len(parts) > MAX_RANGES:
        raise RangeIgnored(header)
    ranges: list[tuple[int, int]] = []
    for part in parts:
        match = _BYTE_RANGE.fullmatch(part)
        if match is None:
            raise RangeNotSatisfiable(header)
        first, last = match.groups()
        if first == "":
            if last == "" or _position(last) == 0:
                raise RangeNotSatisfiable(header)
            start, end = max(size - _position(last), 0), size
        else:
            start = _position(first)
            end = size if last == "" else min(_position(last) + 1, size)
        if start >= size or start >= end:
            continue
        ranges.append((start, end))
    if not ranges:
        raise RangeNotSatisfiable(header)
    ranges.sort()
    merged = [ranges[0]]
    for start, end in ranges[1:]:
        last_start, last_end = merged[-1]
        if start <= last_end:
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged


class FileResponse(Response):
    """Send a file from disk, with ETag, Last-Modified, 304, Range (206/416) and HEAD.

    Args:
        path: The file.
        status_code: The status for a full response.
        headers: Extra headers.
        media_type: Guessed from the file name when omitted.
        background: A task to run after the file is sent.
        filename: Offer as a download under this name (``Content-Disposition``).
        stat_result: A prior ``os.stat`` of ``path`` (saves a syscall).
        method: Unused, kept for compatibility.
        content_disposition_type: ``"attachment"`` or ``"inline"``.
    """

    chunk_size = 64 * 1024
    #: Answer conditional (304) and ``Range`` (206) requests, and say so (``Accept-Ranges``);
    #: ``send_file(conditional=False)`` turns it off for its response.
    conditional = True
    #: Send an ``ETag`` made from the file's size and modification time.
    stat_etag = True

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
        filename: str | None = None,
        stat_result: os.stat_result | None = None,
        method: str | None = None,
        content_disposition_type: str = "attachment",
    ) -> None:
        self.path = path
        self.status_code = status_code
        self.filename = filename
        if media_type is None:
            media_type = guess_type(filename or str(path))[0] or "text/plain"
        self.media_type = media_type
        self.background = background
        self.init_headers(headers)
        if filename is not None:
            quoted = quote(filename)
            if quoted != filename:
                disposition = f"{content_disposition_type}; filename*=utf-8''{quoted}"
            else:
                disposition = f'{content_disposition_type}; filename="{filename}"'
            self.headers.setdefault("content-disposition", disposition)
        self.stat_result = stat_result
        if stat_result is not None:
            self._set_stat_headers(stat_result)

    def _set_stat_headers(self, stat_result: os.stat_result) -> None:
        self.headers.setdefault("content-length", str(stat_result.st_size))
        self.headers.setdefault("last-modified", formatdate(stat_result.st_mtime, usegmt=True))
        if self.stat_etag:
            etag_base = f"{stat_result.st_mtime}-{stat_result.st_size}"
            etag = hashlib.md5(etag_base.encode(), usedforsecurity=False).hexdigest()
            self.headers.setdefault("etag", f'"{etag}"')
        if self.conditional:
            self.headers.setdefault("accept-ranges", "bytes")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the file; for ``GET`` and ``HEAD``, conditional and range requests apply.

        A path that is missing or not a regular file gets 404.
        """
        method = scope.get("method", "GET")
        if self.stat_result is None:
            try:
                self.stat_result = await anyio.to_thread.run_sync(os.stat, self.path)
            except (FileNotFoundError, NotADirectoryError):
                await _send_simple(send, 404, b"File not found", send_body=method != "HEAD")
                return
            if not stat.S_ISREG(self.stat_result.st_mode):
                await _send_simple(send, 404, b"File not found", send_body=method != "HEAD")
                return
            self._set_stat_headers(self.stat_result)
        request_headers = Headers(raw=scope["headers"])
        # Conditional requests and ranges are defined for GET (and HEAD) only.
        conditional = self.conditional and self.status_code == 200 and method in ("GET", "HEAD")
        if conditional and _not_modified(request_headers, self.headers):
            await self._send_not_modified(send)
        else:
            await self._send_file(request_headers, send, method, ranged=conditional)
        if self.background is not None:
            await self.background()

    async def _send_not_modified(self, send: Send) -> None:
        keep = {
            b"etag",
            b"last-modified",
            b"cache-control",
            b"content-location",
            b"vary",
            b"expires",
            b"date",
        }
        raw = [(k, v) for k, v in self.raw_headers if k in keep]
        await send({"type": "http.response.start", "status": 304, "headers": raw})
        await send({"type": "http.response.body", "body": b""})

    async def _send_file(
        self, request_headers: Headers, send: Send, method: str, *, ranged: bool
    ) -> None:
        assert self.stat_result is not None
        size = self.stat_result.st_size
        send_body = method != "HEAD"
        range_header = request_headers.get("range")
        ranges: list[tuple[int, int]] | None = None
        if range_header is not None and ranged and _if_range_ok(request_headers, self.headers):
            try:
                ranges = parse_range(range_header, size)
            except RangeIgnored:
                pass
            except RangeNotSatisfiable:
                headers = [(b"content-range", f"bytes */{size}".encode())]
                # COMPAT(fastapi): an empty body; Content-Range says what went wrong.
                await _send_simple(send, 416, b"", headers, send_body)
                return
        if ranges is None:
            raw = self.raw_headers
            await send({"type": "http.response.start", "status": self.status_code, "headers": raw})
            await self._send_ranges(send, [(0, size)] if send_body else [])
            return
        if len(ranges) == 1:
            start, end = ranges[0]
            # Per-call headers: the response may be sent again (another Range, or none).
            raw = _replace_headers(
                self.raw_headers,
                {
                    b"content-range": f"bytes {start}-{end - 1}/{size}".encode(),
                    b"content-length": str(end - start).encode(),
                },
            )
            await send({"type": "http.response.start", "status": 206, "headers": raw})
            await self._send_ranges(send, ranges if send_body else [])
            return
        await self._send_multipart(send, ranges, size, send_body)

    async def _send_multipart(
        self, send: Send, ranges: list[tuple[int, int]], size: int, send_body: bool
    ) -> None:
        boundary = hashlib.md5(os.urandom(16), usedforsecurity=False).hexdigest()
        content_type = self.headers.get("content-type", "application/octet-stream")
        part_heads = [
            (
                f"--{boundary}\r\nContent-Type: {content_type}\r\n"
                f"Content-Range: bytes {start}-{end - 1}/{size}\r\n\r\n"
            ).encode("latin-1")
            for start, end in ranges
        ]
        tail = f"\r\n--{boundary}--\r\n".encode("latin-1")
        length = sum(len(h) for h in part_heads) + sum(e - s for s, e in ranges)
        length += 2 * (len(ranges) - 1) + len(tail)
        raw = _replace_headers(
            self.raw_headers,
            {
                b"content-type": f"multipart/byteranges; boundary={boundary}".encode(),
                b"content-length": str(length).encode(),
            },
        )
        await send({"type": "http.response.start", "status": 206, "headers": raw})
        if not send_body:
            await send({"type": "http.response.body", "body": b""})
            return
        async with await anyio.open_file(self.path, mode="rb") as file:
            for index, ((start, end), head) in enumerate(zip(ranges, part_heads, strict=True)):
                prefix = b"\r\n" if index else b""
                await send({"type": "http.response.body", "body": prefix + head, "more_body": True})
                await self._send_slice(file, send, start, end)
        await send({"type": "http.response.body", "body": tail})

    async def _send_ranges(self, send: Send, ranges: Sequence[tuple[int, int]]) -> None:
        if ranges:
            async with await anyio.open_file(self.path, mode="rb") as file:
                for start, end in ranges:
                    await self._send_slice(file, send, start, end)
        await send({"type": "http.response.body", "body": b""})

    async def _send_slice(self, file: Any, send: Send, start: int, end: int) -> None:
        await file.seek(start)
        remaining = end - start
        while remaining > 0:
            chunk = await file.read(min(self.chunk_size, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": True})


def _replace_headers(
    raw: list[tuple[bytes, bytes]], replace: dict[bytes, bytes]
) -> list[tuple[bytes, bytes]]:
    """A copy of ``raw`` with the headers named in ``replace`` set to its values."""
    return [(k, v) for k, v in raw if k not in replace] + list(replace.items())


async def _send_simple(
    send: Send,
    status: int,
    body: bytes,
    extra: list[tuple[bytes, bytes]] | None = None,
    send_body: bool = True,
) -> None:
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    message: Message = {"type": "http.response.start", "status": status, "headers": headers}
    await send(message)
    await send({"type": "http.response.body", "body": body if send_body else b""})


def _etag_matches(header: str, etag: str) -> bool:
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


def _not_modified(request_headers: Headers, response_headers: Headers) -> bool:
    if_none_match = request_headers.get("if-none-match")
    etag = response_headers.get("etag")
    if if_none_match is not None:
        return etag is not None and _etag_matches(if_none_match, etag)
    if_modified_since = request_headers.get("if-modified-since")
    last_modified = response_headers.get("last-modified")
    if if_modified_since and last_modified:
        try:
            return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
    return False


def _if_range_ok(request_headers: Headers, response_headers: Headers) -> bool:
    if_range = request_headers.get("if-range")
    if if_range is None:
        return True
    if if_range.startswith(('"', "W/")):
        return if_range == response_headers.get("etag")
    return if_range == response_headers.get("last-modified")
