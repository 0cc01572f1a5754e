"""Sending files Flask's way: ``send_file`` and ``send_from_directory``.

Called by handlers (``return send_file("report.pdf", as_attachment=True)``); calls
``responses`` (a :class:`~heron.responses.FileResponse` for a path, a
:class:`~heron.responses.StreamingResponse` for a file object), ``utils.safe_join`` and
``globals`` (the current app, whose ``app_dir`` relative paths start from). The headers
are Flask's: ``Content-Disposition`` with the file's name (RFC 6266, ``filename*`` for
non-ASCII names), ``Cache-Control: no-cache`` unless ``max_age`` is given, ``ETag`` and
``Last-Modified``; a path answers ``304`` and ``Range`` requests unless
``conditional=False``.
"""

from __future__ import annotations

import io
import os
import stat
import time
import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, formatdate
from mimetypes import guess_type
from typing import IO, Any
from urllib.parse import quote

from heron.exceptions import HTTPException
from heron.globals import context_var, current_context, enable
from heron.responses import FileResponse, Response, StreamingResponse
from heron.utils import safe_join

__all__ = ["send_file", "send_from_directory"]

# PERF: relative paths start from the current app's directory, found through the context
# globals; a program sending files turns them on (~2,900 CPU instructions per request), as
# one rendering templates does.
enable()

#: Bytes read from a file object per chunk sent.
CHUNK_SIZE = 64 * 1024

MaxAge = int | timedelta | Callable[[str | None], int | timedelta | None] | None

# RFC 6266 token characters: a file name made only of them needs no quotes.
_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _app_path(path: str) -> str:
    """``path``, relative to the current app's directory unless absolute (Flask's root path).

    Raises:
        OutsideContextError: A relative path, and neither a request nor an app context.
    """
    if os.path.isabs(path):
        return path
    app = current_context("send_file with a relative path").app
    return os.path.join(app.app_dir, path) if app is not None else path


def _disposition(kind: str, name: str) -> str:
    """``Content-Disposition`` for ``name``: as a token, quoted, or with ``filename*``.

    Control characters are dropped from the plain ``filename``; ``filename*`` carries the
    exact name, percent-encoded (RFC 5987), for non-ASCII names.
    """
    plain = "".join(char for char in name if char.isprintable())
    if not plain.isascii():
        # COMPAT(flask): an ASCII fallback (accents dropped) for clients without filename*.
        ascii_name = unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode()
        encoded = quote(name, safe="!#$&+-.^_`|~")
        return f"{kind}; filename={_quoted(ascii_name)}; filename*=UTF-8''{encoded}"
    return f"{kind}; filename={_quoted(plain)}"


def _quoted(value: str) -> str:
    if value and all(char in _TOKEN for char in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _http_date(value: datetime | float) -> str:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return format_datetime(aware.astimezone(UTC), usegmt=True)
    return formatdate(value, usegmt=True)


def _cache_headers(max_age: MaxAge, path: str | None) -> dict[str, str]:
    """``Cache-Control`` and ``Expires`` (Flask's: ``no-cache`` when no ``max_age``)."""
    if max_age is None:
        ctx = context_var.get()
        config = getattr(ctx.app, "config", None) if ctx is not None else None
        # COMPAT(flask): the app's SEND_FILE_MAX_AGE_DEFAULT (None: revalidate each time).
        max_age = config.get("SEND_FILE_MAX_AGE_DEFAULT") if config is not None else None
    if callable(max_age):
        max_age = max_age(path)
    if isinstance(max_age, timedelta):
        max_age = int(max_age.total_seconds())
    if max_age is None:
        return {"Cache-Control": "no-cache"}
    expires = formatdate(time.time() + max_age, usegmt=True)
    if max_age > 0:
        return {"Cache-Control": f"public, max-age={max_age}", "Expires": expires}
    return {"Cache-Control": f"no-cache, max-age={max_age}", "Expires": expires}


class _FileChunks:
    """A binary file object read in chunks (in the thread pool), closed when done.

    ``StreamingResponse`` closes it when the stream ends, fails, or is never read
    (``HEAD``): a generator not yet started would not close its file.
    """

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        chunk = self._file.read(CHUNK_SIZE)
        if not chunk:
            raise StopIteration
        return chunk

    def close(self) -> None:
        self._file.close()


def _remaining_size(file: IO[bytes]) -> int | None:
    """The bytes left to read in ``file``, when it is a ``BytesIO`` or a regular file."""
    if isinstance(file, io.BytesIO):
        return file.getbuffer().nbytes - file.tell()
    try:
        info = os.fstat(file.fileno())
        return info.st_size - file.tell() if stat.S_ISREG(info.st_mode) else None
    except (AttributeError, OSError, ValueError):
        return None


def _file_object_response(file: IO[bytes], media_type: str, headers: dict[str, str]) -> Response:
    # Typed binary, but a text file passed by mistake would stream str chunks as UTF-8.
    opened: object = file
    if isinstance(opened, io.TextIOBase):
        raise ValueError("Files must be opened in binary mode or use BytesIO.")
    size = _remaining_size(file)
    if size is not None:
        headers["Content-Length"] = str(size)
    return StreamingResponse(_FileChunks(file), headers=headers, media_type=media_type)


def send_file(
    path_or_file: str | os.PathLike[str] | IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | float | None = None,
    max_age: MaxAge = None,
) -> Response:
    """Flask's ``send_file``: a response sending a file's contents.

    A path is sent as a :class:`~heron.responses.FileResponse` (read in the thread pool,
    ``HEAD``, and, with ``conditional``, ``304`` for ``If-None-Match``/``If-Modified-Since``
    and ``206`` for ``Range``); a missing file answers 404. A binary file object is
    streamed from its current position and closed at the end.

    Args:
        path_or_file: A path, relative to the current app's ``app_dir`` unless absolute
            (never a path a client chose: see :func:`send_from_directory`), or a binary
            file object.
        mimetype: The media type; guessed from ``download_name`` or the path when omitted
            (``application/octet-stream`` when unknown).
        as_attachment: Ask the browser to save the file (``Content-Disposition:
            attachment``) rather than show it (``inline``).
        download_name: The name the browser shows or saves it under (the path's last part
            by default).
        conditional: Answer conditional and range requests (paths only).
        etag: Send an ``ETag`` computed from the file (``True``), this one (a string), or
            none (``False``).
        last_modified: The ``Last-Modified`` time (the file's by default, for a path).
        max_age: Seconds browsers may cache the file (``Cache-Control: public,
            max-age=N`` and ``Expires``), or a function of the path giving them; None: the
            app's ``SEND_FILE_MAX_AGE_DEFAULT`` config, else ``no-cache``.

    Returns:
        The response.

    Raises:
        TypeError: No media type can be guessed, or an attachment has no name.
        ValueError: A text-mode file object, or an ``etag`` with a double quote.
        OutsideContextError: A relative path outside a request or app context.
    """
    path: str | None = None
    file: IO[bytes] | None = None
    if isinstance(path_or_file, str | os.PathLike):
        path = _app_path(os.fspath(path_or_file))
        if download_name is None:
            download_name = os.path.basename(path)
    else:
        file = path_or_file
    if mimetype is None:
        if download_name is None:
            raise TypeError(
                "Unable to detect the MIME type because a file name is not available. Either "
                "set 'download_name', pass a path instead of a file, or set 'mimetype'."
            )
        mimetype = guess_type(download_name)[0] or "application/octet-stream"
    headers = _cache_headers(max_age, path)
    if download_name is not None:
        kind = "attachment" if as_attachment else "inline"
        headers["Content-Disposition"] = _disposition(kind, download_name)
    elif as_attachment:
        raise TypeError(
            "No name provided for attachment. Either set 'download_name' or pass a path "
            "instead of a file."
        )
    if last_modified is not None:
        headers["Last-Modified"] = _http_date(last_modified)
    if isinstance(etag, str):
        if '"' in etag:
            raise ValueError("An ETag cannot contain a double quote")
        headers["ETag"] = f'"{etag}"'
    if file is not None:
        return _file_object_response(file, mimetype, headers)
    assert path is not None
    response = FileResponse(path, headers=headers, media_type=mimetype)
    response.conditional = conditional
    response.stat_etag = etag is True
    return response


def send_from_directory(directory: str | os.PathLike[str], path: str, **kwargs: Any) -> Response:
    """Flask's ``send_from_directory``: send ``path``, taken from the URL, from ``directory``.

    ``path`` is joined with :func:`heron.utils.safe_join`: one that could leave the
    directory (a ``..`` segment, an absolute path, a backslash, a NUL byte; on Windows a
    drive or a device name) or is not a regular file answers 404 (an
    :class:`~heron.exceptions.HTTPException`, so the app's 404 handler runs). Symbolic
    links inside the directory are followed, as in Flask.

    Args:
        directory: The trusted directory, relative to the current app's ``app_dir``
            unless absolute.
        path: The client's path below it (a ``{path:path}`` parameter).
        **kwargs: :func:`send_file`'s options.

    Returns:
        The response.

    Raises:
        HTTPException: 404 for a path outside the directory or no such file.
    """
    joined = safe_join(_app_path(os.fspath(directory)), path)
    try:
        found = joined is not None and stat.S_ISREG(os.stat(joined).st_mode)
    except (OSError, ValueError):  # missing, unreadable, a name too long
        found = False
    if not found or joined is None:
        raise HTTPException(404)
    return send_file(joined, **kwargs)
