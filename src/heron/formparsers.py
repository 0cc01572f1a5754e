"""Request bodies parsed as forms: urlencoded and ``multipart/form-data``.

Called by ``requests.Request.form()``; calls python-multipart (the byte-level state machines),
``datastructures`` (``FormData``, ``UploadFile``) and ``concurrency`` (disk writes off the loop).

Two layers. The decoders (:class:`URLEncodedDecoder`, :class:`MultipartDecoder`) are sans-IO:
bytes in, events out, every limit checked as the bytes arrive, nothing awaited — so they can be
unit-tested and fuzzed without a server. :func:`parse_form` is the thin async driver: it pulls
chunks from the body stream, counts them against ``max_body_size``, feeds the decoder and writes
file events to spooled :class:`~heron.datastructures.UploadFile` objects.

Every bad input is answered with ``HTTPError``: 400 for malformed bodies and exceeded form
limits, 413 for a body over ``max_body_size``. Memory stays bounded: a field is kept only up to
``max_part_size`` (so fields total at most ``max_fields * max_part_size``, less under a
``max_body_size``), a file spools to disk past :data:`SPOOL_MAX_SIZE`, and one stream chunk is
the most ever held for a file. Upload file names are the client's text, kept as given; Heron
never uses them as a path (spool files are anonymous temporary files).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote_to_bytes

from heron.concurrency import run_in_threadpool
from heron.datastructures import FormData, Headers, UploadFile, spooled_upload
from heron.exceptions import HTTPError

try:
    from python_multipart.exceptions import FormParserError
    from python_multipart.multipart import (
        MultipartParser,
        QuerystringParser,
        parse_options_header,
    )
except ModuleNotFoundError:  # pragma: no cover - python-multipart < 0.0.13 used the old name
    from multipart.exceptions import FormParserError  # type: ignore[no-redef]
    from multipart.multipart import (  # type: ignore[no-redef]
        MultipartParser,
        QuerystringParser,
        parse_options_header,
    )

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks, QuerystringCallbacks

__all__ = [
    "MAX_BOUNDARY_LENGTH",
    "SPOOL_MAX_SIZE",
    "FileChunk",
    "FileEnd",
    "FileStart",
    "FormEvent",
    "FormField",
    "MultipartDecoder",
    "URLEncodedDecoder",
    "parse_form",
]

SPOOL_MAX_SIZE = 1024 * 1024
"""An uploaded file is kept in memory up to this many bytes, then spooled to disk."""

MAX_BOUNDARY_LENGTH = 256
"""Longest multipart boundary accepted (RFC 2046 asks for at most 70; python-multipart's cap)."""


# ── events: what a decoder reports ──────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class FormField:
    """A complete non-file field, decoded to text.

    Attributes:
        name: The field name.
        value: The field value.
    """

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class FileStart:
    """A file part begins (a part whose ``Content-Disposition`` has a ``filename``).

    Attributes:
        name: The field name.
        filename: The client's file name, as sent; not safe to use as a path.
        headers: The part's headers.
    """

    name: str
    filename: str
    headers: Headers


@dataclass(frozen=True, slots=True)
class FileChunk:
    """Bytes of the current file part.

    Attributes:
        data: The bytes, at most one stream chunk long.
    """

    data: bytes


@dataclass(frozen=True, slots=True)
class FileEnd:
    """The current file part is complete."""


FormEvent = FormField | FileStart | FileChunk | FileEnd
"""Anything a decoder's ``feed`` or ``close`` returns."""


# ── shared checks ───────────────────────────────────────────────────────────────────────────


def _too_many(kind: str, limit: float) -> HTTPError:
    # COMPAT(starlette): same wording as Starlette, which FastAPI users' tests match on.
    return HTTPError(400, f"Too many {kind}. Maximum number of {kind} is {limit}.")


def _part_too_large(limit: int) -> HTTPError:
    size = f"{limit // 1024}KB" if limit % 1024 == 0 else f"{limit} bytes"
    return HTTPError(400, f"Part exceeded maximum size of {size}.")


def _decode(raw: bytes | bytearray, charset: str) -> str:
    try:
        return raw.decode(charset)
    except UnicodeDecodeError:
        raise HTTPError(400, f"Form data is not valid {charset}.") from None


# Every byte a form's syntax relies on must mean the same in the declared charset; this rules out
# UTF-16/32, UTF-7, EBCDIC and bytes-to-bytes codecs (``rot13``, ``base64``), all of which would
# make the parsers split the body in the wrong places.
_ASCII_PROBE = "".join(map(chr, range(0x20, 0x7F))) + "\t\r\n"
_ASCII_PROBE_BYTES = _ASCII_PROBE.encode("ascii")


def _charset(options: Mapping[bytes, bytes]) -> str:
    raw = options.get(b"charset")
    if raw is None:
        return "utf-8"
    charset = raw.decode("latin-1").strip().lower()
    try:
        compatible = _ASCII_PROBE.encode(charset) == _ASCII_PROBE_BYTES
    except (LookupError, UnicodeError):
        compatible = False
    if not compatible:
        raise HTTPError(400, f"Unsupported charset {charset[:40]!r} in Content-Type.")
    return charset


# ── application/x-www-form-urlencoded ───────────────────────────────────────────────────────

# NOTE: browsers always escape a literal "%" as "%25", so a "%" not followed by two hex digits
# is a broken client or a probe; rejecting it beats guessing (urllib would keep it verbatim).
_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def _unquote(raw: bytes, charset: str) -> str:
    if _BAD_ESCAPE.search(raw):
        raise HTTPError(400, "Invalid percent-encoding in form data.")
    return _decode(unquote_to_bytes(raw.replace(b"+", b" ")), charset)


class URLEncodedDecoder:
    """Sans-IO decoder of an ``application/x-www-form-urlencoded`` body.

    Only ``&`` separates fields (WHATWG; ``;`` is data). A field without ``=`` has the value
    ``""``. Limits are checked inside python-multipart's callbacks, so a single huge chunk stops
    at the first field over a limit instead of being parsed to the end.

    Args:
        charset: The body's charset (ASCII-compatible).
        max_fields: Most fields accepted.
        max_part_size: Largest field name, and largest field value, in bytes (before decoding).
    """

    __slots__ = (
        "_charset",
        "_events",
        "_fields",
        "_max_fields",
        "_max_part_size",
        "_name",
        "_parser",
        "_value",
        "finished",
    )

    def __init__(
        self,
        *,
        charset: str = "utf-8",
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> None:
        self._charset = charset
        self._max_fields = max_fields
        self._max_part_size = max_part_size
        self._fields = 0
        self._name = bytearray()
        self._value = bytearray()
        self._events: list[FormEvent] = []
        self.finished = False
        callbacks: QuerystringCallbacks = {
            "on_field_start": self._on_field_start,
            "on_field_name": self._on_field_name,
            "on_field_data": self._on_field_data,
            "on_field_end": self._on_field_end,
        }
        self._parser = QuerystringParser(callbacks)

    @property
    def field_count(self) -> int:
        """Fields seen so far, including one that was rejected for a limit."""
        return self._fields

    def feed(self, data: bytes) -> list[FormEvent]:
        """Parse the next bytes of the body.

        Returns:
            The fields completed by these bytes.

        Raises:
            HTTPError: 400 for too many fields, a field over ``max_part_size``, a bad
                percent-escape or text invalid in the charset.
        """
        self._parser.write(data)
        return self._take()

    def close(self) -> list[FormEvent]:
        """Signal the end of the body.

        Returns:
            The last field, if the body did not end with ``&``.
        """
        self._parser.finalize()
        self.finished = True
        return self._take()

    def _take(self) -> list[FormEvent]:
        events, self._events = self._events, []
        return events

    def _on_field_start(self) -> None:
        self._fields += 1
        if self._fields > self._max_fields:
            raise _too_many("fields", self._max_fields)

    def _append(self, buffer: bytearray, data: bytes, start: int, end: int) -> None:
        if len(buffer) + (end - start) > self._max_part_size:
            raise _part_too_large(self._max_part_size)
        buffer += data[start:end]

    def _on_field_name(self, data: bytes, start: int, end: int) -> None:
        self._append(self._name, data, start, end)

    def _on_field_data(self, data: bytes, start: int, end: int) -> None:
        self._append(self._value, data, start, end)

    def _on_field_end(self) -> None:
        name = _unquote(bytes(self._name), self._charset)
        value = _unquote(bytes(self._value), self._charset)
        self._events.append(FormField(name, value))
        self._name.clear()
        self._value.clear()


# ── multipart/form-data ─────────────────────────────────────────────────────────────────────


def _check_boundary(boundary: bytes) -> bytes:
    if not boundary:
        raise HTTPError(400, "Missing boundary in multipart/form-data Content-Type.")
    if len(boundary) > MAX_BOUNDARY_LENGTH:
        raise HTTPError(
            400, f"Multipart boundary is longer than the maximum of {MAX_BOUNDARY_LENGTH} bytes."
        )
    if not (boundary.isascii() and boundary.decode("ascii").isprintable()):
        raise HTTPError(400, "Invalid multipart boundary.")
    return boundary


class MultipartDecoder:
    """Sans-IO decoder of a ``multipart/form-data`` body.

    Emits a :class:`FormField` per non-file part (kept in memory, at most ``max_part_size``
    bytes) and ``FileStart``, ``FileChunk``…, ``FileEnd`` per file part (a part with a
    ``filename``; never buffered here). Per-part header count and size are capped by
    python-multipart (8 headers of at most 4 KiB each). ``Content-Transfer-Encoding`` is not
    decoded (RFC 7578 §4.7 deprecates it), and ``name*=``/``filename*=`` are ignored in favour of
    the plain parameters (RFC 7578 §4.2).

    Args:
        boundary: The boundary from the ``Content-Type``.
        charset: Charset of field names, values and file names (ASCII-compatible).
        max_files: Most file parts accepted.
        max_fields: Most non-file parts accepted.
        max_part_size: Largest non-file part, in bytes.

    Raises:
        HTTPError: 400 for a missing, too long or non-printable boundary.
    """

    __slots__ = (
        "_charset",
        "_events",
        "_fed",
        "_field",
        "_fields",
        "_files",
        "_header_name",
        "_header_value",
        "_headers",
        "_max_fields",
        "_max_files",
        "_max_part_size",
        "_name",
        "_parser",
        "finished",
    )

    def __init__(
        self,
        boundary: bytes,
        *,
        charset: str = "utf-8",
        max_files: int | float = 1000,
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> None:
        self._charset = charset
        self._max_files = max_files
        self._max_fields = max_fields
        self._max_part_size = max_part_size
        self._files = 0
        self._fields = 0
        self._fed = False
        self._events: list[FormEvent] = []
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: list[tuple[bytes, bytes]] = []
        self._name = ""
        # The current part's bytes when it is a field; None while in a file part.
        self._field: bytearray | None = None
        self.finished = False
        callbacks: MultipartCallbacks = {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_end": self._on_end,
        }
        self._parser = MultipartParser(_check_boundary(boundary), callbacks)

    @property
    def field_count(self) -> int:
        """Non-file parts seen so far."""
        return self._fields

    @property
    def file_count(self) -> int:
        """File parts seen so far."""
        return self._files

    def feed(self, data: bytes) -> list[FormEvent]:
        """Parse the next bytes of the body; bytes after the closing boundary are ignored.

        Returns:
            The events these bytes completed.

        Raises:
            HTTPError: 400 for a malformed body or an exceeded limit.
        """
        self._fed = self._fed or bool(data)
        try:
            self._parser.write(data)
        except FormParserError as exc:
            raise HTTPError(400, f"Malformed multipart body: {exc}") from None
        return self._take()

    def close(self) -> list[FormEvent]:
        """Signal the end of the body. An empty body is an empty form.

        Raises:
            HTTPError: 400 when the closing boundary never came (a truncated body).
        """
        if self._fed and not self.finished:
            raise HTTPError(400, "Malformed multipart body: no closing boundary.")
        self.finished = True
        return self._take()

    def _take(self) -> list[FormEvent]:
        events, self._events = self._events, []
        return events

    def _on_part_begin(self) -> None:
        self._headers = []
        self._field = None

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers.append((bytes(self._header_name).lower(), bytes(self._header_value).strip()))
        self._header_name.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        dispositions = [value for name, value in self._headers if name == b"content-disposition"]
        if not dispositions:
            raise HTTPError(400, "Missing Content-Disposition header in a multipart part.")
        if len(dispositions) > 1:
            # NOTE: two dispositions could name two different fields; a proxy and Heron might
            # each pick another one, so refuse rather than choose.
            raise HTTPError(400, "Duplicate Content-Disposition header in a multipart part.")
        _, options = parse_options_header(dispositions[0].decode("latin-1"))
        if b"name" not in options:
            # COMPAT(starlette): same wording.
            raise HTTPError(
                400, 'The Content-Disposition header field "name" must be provided.'
            )
        self._name = _decode(options[b"name"], self._charset)
        filename = options.get(b"filename")
        if filename is None:
            self._fields += 1
            if self._fields > self._max_fields:
                raise _too_many("fields", self._max_fields)
            self._field = bytearray()
            return
        self._files += 1
        if self._files > self._max_files:
            raise _too_many("files", self._max_files)
        headers = Headers(raw=self._headers)
        self._events.append(FileStart(self._name, _decode(filename, self._charset), headers))

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._field is None:
            self._events.append(FileChunk(data[start:end]))
            return
        if len(self._field) + (end - start) > self._max_part_size:
            raise _part_too_large(self._max_part_size)
        self._field += data[start:end]

    def _on_part_end(self) -> None:
        if self._field is None:
            self._events.append(FileEnd())
        else:
            self._events.append(FormField(self._name, _decode(self._field, self._charset)))

    def _on_end(self) -> None:
        self.finished = True


# ── the async driver ────────────────────────────────────────────────────────────────────────


async def _write_upload(upload: UploadFile, data: bytes) -> None:
    size = upload.size or 0
    if size <= SPOOL_MAX_SIZE < size + len(data):
        # NOTE: this write makes SpooledTemporaryFile roll over to disk (copying what it holds);
        # UploadFile.write would do that on the event loop (Starlette CVE-2025-54121). Belongs
        # in UploadFile.write itself; kept here until datastructures does it.
        await run_in_threadpool(upload.file.write, data)
        upload.size = size + len(data)
    else:
        await upload.write(data)


class _FormBuilder:
    """Turns decoder events into ``FormData``, owning the uploads until it is returned."""

    __slots__ = ("_items", "_upload", "_uploads")

    def __init__(self) -> None:
        self._items: list[tuple[str, UploadFile | str]] = []
        self._uploads: list[UploadFile] = []
        self._upload: UploadFile | None = None

    async def apply(self, events: list[FormEvent]) -> None:
        for event in events:
            if isinstance(event, FileChunk):
                assert self._upload is not None
                await _write_upload(self._upload, event.data)
            elif isinstance(event, FormField):
                self._items.append((event.name, event.value))
            elif isinstance(event, FileStart):
                upload = spooled_upload(event.filename, event.headers, SPOOL_MAX_SIZE)
                self._uploads.append(upload)
                self._items.append((event.name, upload))
                self._upload = upload
            else:
                self._upload = None

    async def build(self) -> FormData:
        for upload in self._uploads:
            await upload.seek(0)
        return FormData(self._items)

    def discard(self) -> None:
        # NOTE: synchronous on purpose: this runs while an error or a cancellation unwinds, when
        # awaiting a worker thread could itself be cancelled. Closing an already-unlinked spool
        # file only releases its descriptor.
        for upload in self._uploads:
            upload.file.close()


def _check_content_length(headers: Headers, max_body_size: int | None) -> None:
    value = headers.get("content-length")
    if value is None:
        return
    if not (value.isascii() and value.isdigit()):
        # NOTE: "-1", "+5", " 5", "5, 5", "0x10", "1e3": int() accepts some of these, and a
        # negative length once made python-multipart buffer the whole body (GHSA-v9pg-7xvm-68hf).
        raise HTTPError(400, "Invalid Content-Length header.")
    # More than 20 digits exceeds any real limit, and int() refuses over 4300 digits.
    if max_body_size is not None and (len(value) > 20 or int(value) > max_body_size):
        raise HTTPError(413, f"Request body is larger than {max_body_size} bytes")


async def _collect(
    decoder: URLEncodedDecoder | MultipartDecoder,
    stream: AsyncIterator[bytes],
    max_body_size: int | None,
) -> FormData:
    builder = _FormBuilder()
    received = 0
    try:
        async for chunk in stream:
            received += len(chunk)
            if max_body_size is not None and received > max_body_size:
                raise HTTPError(413, f"Request body is larger than {max_body_size} bytes")
            await builder.apply(decoder.feed(chunk))
            if decoder.finished:
                break  # the rest is a multipart epilogue, ignored: no need to read it.
        await builder.apply(decoder.close())
        return await builder.build()
    except BaseException:
        builder.discard()
        raise
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()


async def parse_form(
    headers: Headers,
    stream: AsyncIterator[bytes],
    *,
    max_files: int | float = 1000,
    max_fields: int | float = 1000,
    max_part_size: int = 1024 * 1024,
    max_body_size: int | None = None,
) -> FormData:
    """Parse a request body as a form, chosen by its ``Content-Type``.

    ``application/x-www-form-urlencoded`` and ``multipart/form-data`` are parsed as the chunks
    arrive; any other (or no) ``Content-Type`` gives an empty ``FormData`` without reading the
    body. Non-file values are ``str``; file parts are :class:`~heron.datastructures.UploadFile`
    objects, kept in memory up to :data:`SPOOL_MAX_SIZE` and then on disk, rewound to the start.
    The caller owns the returned uploads (``await form.close()``); on any error they are closed
    here. The stream is consumed, and closed if it has an ``aclose`` method.

    Args:
        headers: The request headers.
        stream: The body, as chunks of bytes.
        max_files: Most file parts accepted (multipart only).
        max_fields: Most non-file fields accepted.
        max_part_size: Largest non-file field in bytes; for urlencoded bodies, also the largest
            field name.
        max_body_size: Largest body in bytes, or ``None`` for no limit.

    Returns:
        The fields, in body order (repeated names kept).

    Raises:
        HTTPError: 413 when the body (or its ``Content-Length``) exceeds ``max_body_size``;
            400 for a malformed body or header, an unsupported charset, text invalid in the
            charset, or an exceeded ``max_files``, ``max_fields`` or ``max_part_size``.
        ClientDisconnect: The client went away before the whole body arrived.
    """
    content_type, options = parse_options_header(headers.get("content-type"))
    decoder: URLEncodedDecoder | MultipartDecoder
    if content_type == b"multipart/form-data":
        decoder = MultipartDecoder(
            options.get(b"boundary", b""),
            charset=_charset(options),
            max_files=max_files,
            max_fields=max_fields,
            max_part_size=max_part_size,
        )
    elif content_type == b"application/x-www-form-urlencoded":
        decoder = URLEncodedDecoder(
            charset=_charset(options), max_fields=max_fields, max_part_size=max_part_size
        )
    else:
        return FormData()
    _check_content_length(headers, max_body_size)
    return await _collect(decoder, stream, max_body_size)
