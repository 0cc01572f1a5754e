"""Tests for heron.formparsers: urlencoded and multipart forms, their limits and bad inputs.

Bodies go through ``parse_form`` with a small async generator stream, and through
``Request(scope, receive).form()`` with a hand-built ASGI scope. The security cases carry the
catalogue id of /work/shared/design/SECURITY.md (A1…A21, B1, B2) they guard.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
import tracemalloc
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, BinaryIO, cast

import anyio
import pytest

import heron.formparsers as formparsers
from heron.datastructures import FormData, Headers, QueryParams, UploadFile, spooled_upload
from heron.exceptions import ClientDisconnect, HTTPError
from heron.formparsers import (
    SPOOL_MAX_SIZE,
    FileChunk,
    FileEnd,
    FileStart,
    FormField,
    MultipartDecoder,
    URLEncodedDecoder,
    parse_form,
)
from heron.requests import Request
from heron.types import Message

pytestmark = pytest.mark.anyio

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data; boundary=B"


# -- helpers ------------------------------------------------------------------------------


class Body:
    """An async byte stream that records how much of it was read and whether it was closed."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self.read = 0
        self.closed = False

    def __aiter__(self) -> Body:
        return self

    async def __anext__(self) -> bytes:
        await anyio.lowlevel.checkpoint()
        for chunk in self._chunks:
            self.read += len(chunk)
            return chunk
        raise StopAsyncIteration

    async def aclose(self) -> None:
        self.closed = True


def chunked(body: bytes, size: int) -> list[bytes]:
    return [body[i : i + size] for i in range(0, len(body), size)] or [b""]


class NeverRead:
    """A body stream that fails the test if it is read."""

    def __aiter__(self) -> NeverRead:
        return self

    async def __anext__(self) -> bytes:
        raise AssertionError("the body must not be read")


def never_read() -> NeverRead:
    return NeverRead()


def part(
    name: str | bytes,
    value: bytes | str = b"",
    *,
    filename: str | bytes | None = None,
    content_type: str | None = None,
    headers: Iterable[bytes] = (),
) -> bytes:
    raw_name = name if isinstance(name, bytes) else name.encode()
    disposition = b'Content-Disposition: form-data; name="' + raw_name + b'"'
    if filename is not None:
        raw_filename = filename if isinstance(filename, bytes) else filename.encode()
        disposition += b'; filename="' + raw_filename + b'"'
    lines = [disposition, *headers]
    if content_type is not None:
        lines.append(b"Content-Type: " + content_type.encode())
    data = value if isinstance(value, bytes) else value.encode()
    return b"\r\n".join(lines) + b"\r\n\r\n" + data


def multipart(*parts: bytes, boundary: bytes = b"B") -> bytes:
    body = b"".join(b"--" + boundary + b"\r\n" + p + b"\r\n" for p in parts)
    return body + b"--" + boundary + b"--\r\n"


async def parse(
    body: bytes | Iterable[bytes],
    content_type: str | None = MULTIPART,
    *,
    extra_headers: dict[str, str] | None = None,
    **limits: Any,
) -> FormData:
    headers = {} if content_type is None else {"content-type": content_type}
    headers.update(extra_headers or {})
    chunks = [body] if isinstance(body, bytes) else body
    return await parse_form(Headers(headers), Body(chunks), **limits)


async def rejected(
    body: bytes | Iterable[bytes], content_type: str | None = MULTIPART, **kwargs: Any
) -> HTTPError:
    with pytest.raises(HTTPError) as info:
        await parse(body, content_type, **kwargs)
    return info.value


async def values(form: FormData) -> list[tuple[str, Any]]:
    """The form as pairs; uploads become (filename, content_type, bytes)."""
    pairs: list[tuple[str, Any]] = []
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            pairs.append((key, (value.filename, value.content_type, await value.read())))
        else:
            pairs.append((key, value))
    await form.close()
    return pairs


class Spy:
    """Replaces ``spooled_upload`` to keep every upload the parser creates."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.uploads: list[UploadFile] = []
        original = spooled_upload

        def spy(filename: str | None, headers: Headers, max_size: int) -> UploadFile:
            upload = original(filename, headers, max_size)
            self.uploads.append(upload)
            return upload

        monkeypatch.setattr(formparsers, "spooled_upload", spy)

    @property
    def all_closed(self) -> bool:
        return all(upload.file.closed for upload in self.uploads)


def scope(headers: dict[str, str], app: Any = None) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "POST",
        "path": "/",
        "query_string": b"",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "app": app,
    }


def receiver(*messages: Message) -> Any:
    queue = list(messages)

    async def receive() -> Message:
        return queue.pop(0)

    return receive


def body_messages(body: bytes, size: int) -> list[Message]:
    pieces = chunked(body, size)
    return [
        {"type": "http.request", "body": piece, "more_body": i < len(pieces) - 1}
        for i, piece in enumerate(pieces)
    ]


# -- urlencoded ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"a=1&a=2&b=3", [("a", "1"), ("a", "2"), ("b", "3")]),
        (b"blank=&flag&x=", [("blank", ""), ("flag", ""), ("x", "")]),
        (
            b"q=hello+world&r=hello%20world&s=a%2Bb",
            [("q", "hello world"), ("r", "hello world"), ("s", "a+b")],
        ),
        (b"na+me%21=v", [("na me!", "v")]),
        (b"city=Z%C3%BCrich&raw=\xc3\xa9", [("city", "Zürich"), ("raw", "é")]),
        (b"&&a=1&&b=2&", [("a", "1"), ("b", "2")]),
        (b"=orphan", [("", "orphan")]),
        (b"eq=a=b", [("eq", "a=b")]),
        (b"", []),
    ],
)
async def test_urlencoded_values(body: bytes, expected: list[tuple[str, str]]) -> None:
    form = await parse(body, URLENCODED)
    assert form.multi_items() == expected


async def test_urlencoded_repeated_keys_keep_every_value_and_last_wins() -> None:
    form = await parse(b"tag=a&tag=b&tag=c", URLENCODED)
    assert form.getlist("tag") == ["a", "b", "c"]
    assert form["tag"] == "c"


@pytest.mark.parametrize("size", [1, 2, 5, 1000])
async def test_urlencoded_is_the_same_in_any_chunking(size: int) -> None:
    body = b"first=J%C3%B6rg+M&second=a%20b&empty=&last"
    form = await parse(chunked(body, size), URLENCODED)
    assert form.multi_items() == [
        ("first", "Jörg M"),
        ("second", "a b"),
        ("empty", ""),
        ("last", ""),
    ]


@pytest.mark.parametrize(
    "content_type",
    [
        "Application/X-WWW-Form-Urlencoded",
        "application/x-www-form-urlencoded; charset=UTF-8",
        'application/x-www-form-urlencoded; charset="utf-8"',
    ],
)
async def test_urlencoded_content_type_is_case_insensitive_with_parameters(
    content_type: str,
) -> None:
    assert (await parse(b"a=%C3%A9", content_type))["a"] == "é"


async def test_urlencoded_declared_charset_is_used() -> None:
    form = await parse(b"name=Ren%E9", f"{URLENCODED}; charset=latin-1")
    assert form["name"] == "René"


@pytest.mark.parametrize("body", [b"a=%ff", b"a=\xff\xfe", b"%C3=1", b"a=%C3%28"])
async def test_urlencoded_invalid_utf8_is_400(body: bytes) -> None:
    error = await rejected(body, URLENCODED)
    assert (error.status_code, error.detail) == (400, "Form data is not valid utf-8.")


@pytest.mark.parametrize("body", [b"a=%", b"a=%zz", b"a=%4", b"a%g1=1", b"a=100%"])
async def test_urlencoded_bad_percent_escape_is_400(body: bytes) -> None:
    error = await rejected(body, URLENCODED)
    assert (error.status_code, error.detail) == (400, "Invalid percent-encoding in form data.")


@pytest.mark.parametrize(
    "charset", ["no-such-charset", "utf-16", "utf-32", "utf-7", "cp037", "rot13", "base64"]
)
async def test_unsupported_charset_is_400(charset: str) -> None:
    for content_type in (f"{URLENCODED}; charset={charset}", f"{MULTIPART}; charset={charset}"):
        headers = Headers({"content-type": content_type})
        with pytest.raises(HTTPError) as info:
            await parse_form(headers, never_read())
        assert info.value.status_code == 400
        assert info.value.detail == f"Unsupported charset {charset!r} in Content-Type."


async def test_a20_semicolon_is_data_in_forms_and_query_strings() -> None:
    # A20 (GHSA-6jv3-5f52-599m): only "&" separates fields, so "a=1;admin=1" is one field; the
    # query-string parser must agree, or a value could be smuggled past one of them.
    form = await parse(b"a=1;admin=1", URLENCODED)
    assert form.multi_items() == [("a", "1;admin=1")]
    assert QueryParams("a=1;admin=1").multi_items() == form.multi_items()


async def test_a20_semicolon_heavy_body_parses_in_linear_time() -> None:
    start = time.perf_counter()
    form = await parse(b"a=" + b";" * 1_000_000, URLENCODED, max_part_size=2_000_000)
    assert form["a"] == ";" * 1_000_000
    assert time.perf_counter() - start < 2


async def test_a9_urlencoded_too_many_fields_is_400() -> None:
    body = "&".join(f"N{i}=" for i in range(1001)).encode()
    error = await rejected(body, URLENCODED)
    assert (error.status_code, error.detail) == (
        400,
        "Too many fields. Maximum number of fields is 1000.",
    )


async def test_urlencoded_max_fields_boundary_and_custom_value() -> None:
    body = b"a=1&b=2&c=3"
    assert len(await parse(body, URLENCODED, max_fields=3)) == 3
    error = await rejected(body, URLENCODED, max_fields=2)
    assert error.detail == "Too many fields. Maximum number of fields is 2."


async def test_a9_limits_stop_parsing_within_a_single_chunk() -> None:
    decoder = URLEncodedDecoder(max_fields=10)
    with pytest.raises(HTTPError):
        decoder.feed(b"x=1&" * 100_000)
    assert decoder.field_count == 11


async def test_a10_many_repeated_keys_are_refused_quickly() -> None:
    start = time.perf_counter()
    error = await rejected(b"a=1&" * 200_000, URLENCODED)
    assert error.detail == "Too many fields. Maximum number of fields is 1000."
    assert time.perf_counter() - start < 1


async def test_a9_urlencoded_value_and_name_over_max_part_size_are_400() -> None:
    limit = 1024 * 1024
    value_error = await rejected(b"field=" + b"x" * (limit + 1), URLENCODED)
    name_error = await rejected(b"x" * (limit + 1) + b"=1", URLENCODED)
    for error in (value_error, name_error):
        assert (error.status_code, error.detail) == (400, "Part exceeded maximum size of 1024KB.")
    form = await parse(b"field=" + b"x" * limit, URLENCODED)
    assert form["field"] == "x" * limit


async def test_a9_urlencoded_huge_value_keeps_at_most_max_part_size() -> None:
    decoder = URLEncodedDecoder(max_part_size=1024)
    decoder.feed(b"v=" + b"x" * 1024)
    with pytest.raises(HTTPError, match="1KB"):
        decoder.feed(b"x" * 50_000_000)
    assert len(decoder._value) == 1024


# -- multipart: values and files ----------------------------------------------------------


async def test_multipart_fields_and_files() -> None:
    body = multipart(
        part("title", "Hello"),
        part("tags", "a"),
        part("tags", "b"),
        part("doc", b"file\r\ncontent\x00", filename="report.txt", content_type="text/plain"),
        part("empty", b"", filename="empty.bin"),
    )
    form = await parse(body)
    title, doc, empty = form["title"], form["doc"], form["empty"]
    assert title == "Hello"
    assert form.getlist("tags") == ["a", "b"]
    assert isinstance(doc, UploadFile)
    assert (doc.filename, doc.content_type, doc.size) == ("report.txt", "text/plain", 14)
    assert doc.headers["content-disposition"] == 'form-data; name="doc"; filename="report.txt"'
    assert await doc.read() == b"file\r\ncontent\x00"
    assert isinstance(empty, UploadFile)
    assert (empty.filename, empty.content_type, empty.size) == ("empty.bin", None, 0)
    assert await empty.read() == b""
    assert [key for key, _ in form.multi_items()] == ["title", "tags", "tags", "doc", "empty"]
    await form.close()
    assert doc.file.closed


async def test_multipart_part_headers_are_kept_on_the_upload() -> None:
    body = multipart(
        part("f", b"x", filename="a.csv", content_type="text/csv", headers=[b"X-Trace:  7  "])
    )
    form = await parse(body)
    upload = form["f"]
    assert isinstance(upload, UploadFile)
    assert upload.headers["x-trace"] == "7"
    assert upload.headers["content-type"] == "text/csv"
    await form.close()


async def test_multipart_every_split_point_gives_the_same_form() -> None:
    # A15: a "\r\n" or a partial boundary falling across chunks must not change the result.
    body = multipart(
        part("text", "line1\r\nline2\r\n--B-not-a-boundary\r"),
        part("file", b"\r\n--Bx\r\n\r", filename="f.bin"),
        part("last", "\r"),
    )
    expected = [
        ("text", "line1\r\nline2\r\n--B-not-a-boundary\r"),
        ("file", ("f.bin", None, b"\r\n--Bx\r\n\r")),
        ("last", "\r"),
    ]
    for split in range(len(body) + 1):
        form = await parse([body[:split], body[split:]])
        assert await values(form) == expected, split


@pytest.mark.parametrize("size", [1, 3, 64])
async def test_multipart_small_chunks(size: int) -> None:
    body = multipart(part("a", "1"), part("f", b"\x00" * 300, filename="z"))
    assert await values(await parse(chunked(body, size))) == [
        ("a", "1"),
        ("f", ("z", None, b"\x00" * 300)),
    ]


async def test_multipart_utf8_names_values_and_filenames() -> None:
    body = multipart(part("prénom", "Zoë"), part("pièce", b"1", filename="résumé.pdf"))
    assert await values(await parse(body)) == [
        ("prénom", "Zoë"),
        ("pièce", ("résumé.pdf", None, b"1")),
    ]


async def test_multipart_declared_charset_is_used() -> None:
    body = multipart(part("n", "René".encode("latin-1")))
    assert (await parse(body, f"{MULTIPART}; charset=iso-8859-1"))["n"] == "René"


async def test_multipart_invalid_utf8_is_400() -> None:
    for body in (multipart(part("n", b"\xff")), multipart(part(b"\xff", "1"))):
        error = await rejected(body)
        assert (error.status_code, error.detail) == (400, "Form data is not valid utf-8.")


async def test_multipart_empty_filename_is_still_a_file() -> None:
    # Browsers send filename="" and no bytes for a file input left empty.
    form = await parse(multipart(part("f", b"", filename="")))
    assert await values(form) == [("f", ("", None, b""))]


async def test_multipart_content_transfer_encoding_is_not_decoded() -> None:
    # A8: RFC 7578 §4.7 deprecates it; bytes are kept as sent, never decoded in a loop.
    body = multipart(part("f", b"aGk=", headers=[b"Content-Transfer-Encoding: base64"]))
    assert (await parse(body))["f"] == "aGk="


@pytest.mark.parametrize("body", [b"", b"--B--", b"--B--\r\n"])
async def test_multipart_empty_bodies_are_an_empty_form(body: bytes) -> None:
    assert len(await parse(body)) == 0


async def test_multipart_epilogue_is_ignored_and_not_read() -> None:
    # A12 (CVE-2024-53981, CVE-2026-40347): bytes after the closing boundary are skipped; Heron
    # stops reading at the boundary instead of consuming a 50 MB epilogue.
    body = multipart(part("a", "1"))
    stream = Body([body, b"-" * 1_000_000, b"junk" * 1_000_000])
    form = await parse_form(Headers({"content-type": MULTIPART}), stream)
    assert form.multi_items() == [("a", "1")]
    assert stream.read == len(body)
    assert stream.closed


async def test_a12_crlf_preamble_is_skipped_fast_with_little_logging(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    body = b"\r\n" * 5_000_000 + multipart(part("a", "1"))
    start = time.perf_counter()
    form = await parse(chunked(body, 64 * 1024))
    assert form["a"] == "1"
    assert time.perf_counter() - start < 2
    assert len(caplog.records) < 10


async def test_multipart_large_file_spools_to_disk() -> None:
    data = os.urandom(SPOOL_MAX_SIZE + 1)
    form = await parse(
        chunked(
            multipart(part("big", data, filename="big.bin"), part("small", b"s", filename="s")),
            64 * 1024,
        )
    )
    big, small = form["big"], form["small"]
    assert isinstance(big, UploadFile) and isinstance(small, UploadFile)
    assert big.file._rolled  # type: ignore[attr-defined]
    assert not small.file._rolled  # type: ignore[attr-defined]
    assert big.size == SPOOL_MAX_SIZE + 1
    assert await big.read() == data
    await form.close()


async def test_a18_rollover_to_disk_happens_off_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A18 (Starlette CVE-2025-54121): the write that rolls the spool over must not block the loop.
    rollovers: list[int] = []

    class RecordingSpool(tempfile.SpooledTemporaryFile):  # type: ignore[type-arg]
        def rollover(self) -> None:
            rollovers.append(threading.get_ident())
            super().rollover()

    def spooled(filename: str | None, headers: Headers, max_size: int) -> UploadFile:
        spool = cast(BinaryIO, RecordingSpool(max_size=max_size))
        return UploadFile(spool, size=0, filename=filename, headers=headers)

    monkeypatch.setattr(formparsers, "spooled_upload", spooled)
    body = multipart(part("f", b"x" * (SPOOL_MAX_SIZE + 10), filename="f"))
    form = await parse(chunked(body, 64 * 1024))
    assert len(rollovers) == 1
    assert rollovers[0] != threading.get_ident()
    await form.close()


async def test_a15_file_starting_with_cr_parses_in_linear_time() -> None:
    # A15 (Werkzeug CVE-2023-46136): a part that starts with CR and then has no newline.
    async def seconds(size: int) -> float:
        body = multipart(part("f", b"\r" + b"a" * size, filename="f"))
        start = time.perf_counter()
        form = await parse(chunked(body, 64 * 1024))
        elapsed = time.perf_counter() - start
        await form.close()
        return elapsed

    small = await seconds(1_000_000)
    large = await seconds(4_000_000)
    assert large < 6 * small + 0.05


# -- multipart: limits --------------------------------------------------------------------


async def test_a1_too_many_fields_is_400() -> None:
    # A1, A2 (Werkzeug max_form_parts), A4 (Litestar's part limit): Heron counts fields and
    # files separately, as Starlette, and answers 400 (Starlette's choice; Litestar's is 413).
    body = multipart(*(part(f"N{i}") for i in range(1001)))
    error = await rejected(body)
    assert (error.status_code, error.detail) == (
        400,
        "Too many fields. Maximum number of fields is 1000.",
    )


async def test_a1_too_many_files_is_400_and_closes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    body = multipart(*(part(f"N{i}", filename=f"f{i}") for i in range(1001)))
    error = await rejected(chunked(body, 4096))
    assert (error.status_code, error.detail) == (
        400,
        "Too many files. Maximum number of files is 1000.",
    )
    # Files announced in the chunk that failed are never created; the others are closed.
    assert 900 < len(spy.uploads) <= 1000
    assert spy.all_closed


async def test_a1_too_many_files_and_fields_interleaved() -> None:
    body = multipart(
        *(p for i in range(1001) for p in (part(f"F{i}", filename="f"), part(f"N{i}")))
    )
    error = await rejected(body)
    assert error.detail == "Too many files. Maximum number of files is 1000."


async def test_a3_custom_file_and_field_limits_both_sides() -> None:
    body = multipart(part("a", "1"), part("b", "2"), part("f", b"x", filename="x"))
    form = await parse(body, max_fields=2, max_files=1)
    assert len(form.multi_items()) == 3
    await form.close()
    assert (await rejected(body, max_fields=1)).detail == (
        "Too many fields. Maximum number of fields is 1."
    )
    assert (await rejected(body, max_files=0)).detail == (
        "Too many files. Maximum number of files is 0."
    )


@pytest.mark.parametrize(
    ("limit", "message"),
    [(1024 * 1024, "1024KB"), (10 * 1024, "10KB"), (100, "100 bytes")],
)
async def test_a5_field_over_max_part_size_is_400(limit: int, message: str) -> None:
    error = await rejected(multipart(part("big", b"x" * (limit + 1))), max_part_size=limit)
    assert (error.status_code, error.detail) == (400, f"Part exceeded maximum size of {message}.")
    form = await parse(multipart(part("big", b"x" * limit)), max_part_size=limit)
    assert form["big"] == "x" * limit


async def test_a5_max_part_size_does_not_limit_files() -> None:
    form = await parse(multipart(part("f", b"x" * 1000, filename="f")), max_part_size=10)
    assert await values(form) == [("f", ("f", None, b"x" * 1000))]


async def test_a6_field_limit_trips_mid_stream_in_one_byte_chunks() -> None:
    # A6 (Werkzeug CVE-2024-49767): checked per field, not per chunk, and parsing stops there.
    head = b'--B\r\nContent-Disposition: form-data; name="f"\r\n\r\n'
    stream = Body(chunked(head + b"x" * 10_000, 1))
    with pytest.raises(HTTPError, match="1KB"):
        await parse_form(Headers({"content-type": MULTIPART}), stream, max_part_size=1024)
    # The boundary look-behind may hold back a few bytes of data, no more.
    assert stream.read <= len(head) + 1024 + len(b"\r\n--B") + 1
    assert stream.closed


async def test_a7_memory_stays_bounded_for_an_oversized_field() -> None:
    limit = 256 * 1024
    head = b'--B\r\nContent-Disposition: form-data; name="f"\r\n\r\n'

    def chunks() -> Iterable[bytes]:
        yield head
        for _ in range(10 * limit // 65536):
            yield b"x" * 65536

    tracemalloc.start()
    try:
        with pytest.raises(HTTPError):
            await parse(chunks(), max_part_size=limit)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * limit + 1024 * 1024


async def test_max_body_size_is_413() -> None:
    urlencoded = b"a=" + b"x" * 100
    multi = multipart(part("f", b"x" * 100, filename="f"))
    for body, content_type in ((urlencoded, URLENCODED), (multi, MULTIPART)):
        limit = len(body) - 20
        error = await rejected(chunked(body, 10), content_type, max_body_size=limit)
        assert (error.status_code, error.detail) == (
            413,
            f"Request body is larger than {limit} bytes",
        )
        form = await parse(chunked(body, 10), content_type, max_body_size=len(body))
        await form.close()


async def test_max_body_size_closes_files_already_spooled(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    body = multipart(
        part("a", b"x" * (SPOOL_MAX_SIZE + 1), filename="a"), part("b", b"y" * 10_000, filename="b")
    )
    with pytest.raises(HTTPError) as info:
        await parse(chunked(body, 4096), max_body_size=SPOOL_MAX_SIZE + 5000)
    assert info.value.status_code == 413
    assert [u.filename for u in spy.uploads] == ["a", "b"]
    assert spy.all_closed


async def test_content_length_over_max_body_size_is_413_before_reading() -> None:
    headers = Headers({"content-type": URLENCODED, "content-length": "1000"})
    with pytest.raises(HTTPError) as info:
        await parse_form(headers, never_read(), max_body_size=999)
    assert (info.value.status_code, info.value.detail) == (
        413,
        "Request body is larger than 999 bytes",
    )
    huge = Headers({"content-type": URLENCODED, "content-length": "9" * 5000})
    with pytest.raises(HTTPError) as info:
        await parse_form(huge, never_read(), max_body_size=10**9)
    assert info.value.status_code == 413


@pytest.mark.parametrize("value", ["-1", "+5", " 5", "5, 5", "0x10", "1e3", "²", ""])
async def test_a21_invalid_content_length_is_400_before_reading(value: str) -> None:
    for content_type in (URLENCODED, MULTIPART):
        headers = Headers({"content-type": content_type, "content-length": value})
        with pytest.raises(HTTPError) as info:
            await parse_form(headers, never_read())
        assert (info.value.status_code, info.value.detail) == (
            400,
            "Invalid Content-Length header.",
        )


async def test_content_length_is_a_hint_the_stream_is_still_counted() -> None:
    error = await rejected(
        [b"a=" + b"x" * 100], URLENCODED, extra_headers={"content-length": "5"}, max_body_size=50
    )
    assert error.status_code == 413


# -- multipart: malformed bodies and headers ----------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "message"),
    [
        ("multipart/form-data", "Missing boundary in multipart/form-data Content-Type."),
        (
            'multipart/form-data; boundary=""',
            "Missing boundary in multipart/form-data Content-Type.",
        ),
        (
            "multipart/form-data; boundary=" + "x" * 257,
            "Multipart boundary is longer than the maximum of 256 bytes.",
        ),
        ("multipart/form-data; boundary=a\x01b", "Invalid multipart boundary."),
        ("multipart/form-data; boundary=caf\xe9", "Invalid multipart boundary."),
    ],
)
async def test_a14_bad_boundary_is_400_before_reading(content_type: str, message: str) -> None:
    with pytest.raises(HTTPError) as info:
        await parse_form(Headers({"content-type": content_type}), never_read())
    assert (info.value.status_code, info.value.detail) == (400, message)


async def test_a14_boundary_of_256_bytes_is_accepted() -> None:
    boundary = b"x" * 256
    body = multipart(part("a", "1"), boundary=boundary)
    form = await parse(body, "multipart/form-data; boundary=" + boundary.decode())
    assert form["a"] == "1"


async def test_boundary_may_be_quoted_and_use_rfc_2046_characters() -> None:
    boundary = b"----=_Part_0 (x).y:z?"
    body = multipart(part("a", "1"), boundary=boundary)
    assert (await parse(body, f'multipart/form-data; boundary="{boundary.decode()}"'))["a"] == "1"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue',
            "Malformed multipart body: no closing boundary.",
        ),
        (multipart(part("a", "1"))[:-10], "Malformed multipart body: no closing boundary."),
        (b"--B\r\n", "Malformed multipart body: no closing boundary."),
        (b"\r\n\r\n", "Malformed multipart body: no closing boundary."),
        (
            b"--B\r\nContent-Disposition: form-data",
            "Malformed multipart body: no closing boundary.",
        ),
    ],
)
async def test_a16_truncated_body_is_400(body: bytes, message: str) -> None:
    # A16/A17: a body cut short ends with a 400, never a hang; the next parse still works.
    with anyio.fail_after(1):
        error = await rejected(body)
    assert (error.status_code, error.detail) == (400, message)
    assert (await parse(multipart(part("a", "1"))))["a"] == "1"


@pytest.mark.parametrize(
    "body",
    [
        b"garbage before the first boundary\r\n" + multipart(part("a", "1")),
        b"--C\r\n" + part("a", "1") + b"\r\n--C--\r\n",
        b"--B\r\nContent-Disposition form-data\r\n\r\n\r\n--B--\r\n",
        b"--B\r\nBad Header: x\r\n\r\n\r\n--B--\r\n",
        b"--B\r\n: x\r\n\r\n\r\n--B--\r\n",
        b"--Bxx\r\n",
        b"--B\r\nContent-Disposition: x\rX\r\n\r\n\r\n--B--\r\n",
    ],
)
async def test_a17_malformed_body_is_400(body: bytes) -> None:
    error = await rejected(body)
    assert error.status_code == 400
    assert error.detail.startswith("Malformed multipart body: ")


async def test_part_without_content_disposition_is_400() -> None:
    body = multipart(b"Content-Type: text/plain\r\n\r\nx")
    error = await rejected(body)
    assert (error.status_code, error.detail) == (
        400,
        "Missing Content-Disposition header in a multipart part.",
    )


async def test_a14_part_without_name_is_400() -> None:
    for disposition in (b"form-data", b'form-data; filename="a.txt"', b"form-data; name*=utf-8''x"):
        body = multipart(b"Content-Disposition: " + disposition + b"\r\n\r\nx")
        error = await rejected(body)
        assert (error.status_code, error.detail) == (
            400,
            'The Content-Disposition header field "name" must be provided.',
        )


async def test_duplicate_content_disposition_is_400() -> None:
    body = multipart(part("a", "1", headers=[b'Content-Disposition: form-data; name="admin"']))
    error = await rejected(body)
    assert error.detail == "Duplicate Content-Disposition header in a multipart part."


async def test_a13_too_many_part_headers_is_400() -> None:
    ok = multipart(part("a", "1", headers=[b"X-A: 1"] * 7))
    assert (await parse(ok))["a"] == "1"
    error = await rejected(multipart(part("a", "1", headers=[b"X-A: 1"] * 8)))
    assert (error.status_code, error.detail) == (
        400,
        "Malformed multipart body: Maximum header count exceeded",
    )


async def test_a13_huge_part_header_is_400_and_stops_early() -> None:
    body = multipart(part("a", "1", headers=[b"X-A: " + b"v" * 4225]))
    error = await rejected(body)
    assert (error.status_code, error.detail) == (
        400,
        "Malformed multipart body: Maximum header size exceeded",
    )
    # An unterminated header line is refused at the cap, not read to the end of the body.
    stream = Body(chunked(b"--B\r\nX-A: " + b"v" * 10_000_000, 4096))
    with pytest.raises(HTTPError):
        await parse_form(Headers({"content-type": MULTIPART}), stream)
    assert stream.read < 16 * 1024


async def test_a11_content_type_redos_header_is_fast() -> None:
    # A11 (CVE-2024-24762): an options header full of backslashes once hung a regex.
    slashes = "\\" * 65536
    start = time.perf_counter()
    for content_type in (
        f'application/x-www-form-urlencoded; !="{slashes}',
        f"application/x-www-form-urlencoded; a={slashes};" * 2,
        f'multipart/form-data; boundary=B; x="{slashes}',
    ):
        await (await parse(b"", content_type)).close()
    disposition = f'form-data; name="a"; x="{slashes[:4000]}'.encode()
    body = multipart(b"Content-Disposition: " + disposition + b"\r\n\r\n1")
    assert (await parse(body))["a"] == "1"
    assert time.perf_counter() - start < 0.5


async def test_a19_extended_parameters_do_not_override_plain_ones() -> None:
    # A19 (CVE-2026-53537): name*= / filename*= are ignored, so a WAF and Heron agree.
    body = multipart(
        b"Content-Disposition: form-data; name=\"comment\"; name*=utf-8''other\r\n\r\nhi",
        b'Content-Disposition: form-data; name="f"; filename*0="a"; filename*1="b.txt"\r\n\r\nx',
    )
    form = await parse(body)
    assert form.multi_items() == [("comment", "hi"), ("f", "x")]


@pytest.mark.parametrize(
    "filename",
    [
        "../../escape.txt",
        "/tmp/hax0rd.txt",
        "subdir/hax0rd.txt",
        "..\\..\\hax0rd.txt",
        "sub/dir\\hax0rd.txt",
        "\x00.txt",
    ],
)
async def test_b2_client_filename_is_text_never_a_path(
    filename: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # B1/B2: UploadFile.filename is the client's text, unchanged (a handler must sanitise it
    # before using it as a path); Heron's own spool file is anonymous, wherever the cwd is.
    workdir = tmp_path / "a" / "b"
    workdir.mkdir(parents=True)
    monkeypatch.chdir(workdir)
    before = sorted(tmp_path.rglob("*"))
    data = b"x" * (SPOOL_MAX_SIZE + 1)
    form = await parse(chunked(multipart(part("f", data, filename=filename)), 64 * 1024))
    upload = form["f"]
    assert isinstance(upload, UploadFile)
    assert upload.filename == filename
    assert upload.file._rolled  # type: ignore[attr-defined]
    assert sorted(tmp_path.rglob("*")) == before
    assert not Path("/tmp/hax0rd.txt").exists()
    await form.close()


async def test_ie6_full_windows_path_keeps_only_the_file_name() -> None:
    # python-multipart drops the directory IE6 used to send; nothing else is rewritten.
    form = await parse(multipart(part("f", b"x", filename="C:\\\\Users\\\\me\\\\a.txt")))
    upload = form["f"]
    assert isinstance(upload, UploadFile)
    assert upload.filename == "a.txt"
    await form.close()


# -- failures close the files -------------------------------------------------------------


async def test_files_are_closed_when_a_later_part_is_malformed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = Spy(monkeypatch)
    good = multipart(
        part("small", b"s", filename="s"), part("big", b"b" * (SPOOL_MAX_SIZE + 1), filename="b")
    ).removesuffix(b"--B--\r\n")
    bad = b"--B\r\n" + part("x", "1", headers=[b"Bad Header: 1"]) + b"\r\n--B--\r\n"
    with pytest.raises(HTTPError):
        await parse([*chunked(good, 64 * 1024), bad])
    assert len(spy.uploads) == 2
    assert spy.uploads[1].file._rolled  # type: ignore[attr-defined]
    assert spy.all_closed


async def test_disk_full_propagates_and_closes_files(monkeypatch: pytest.MonkeyPatch) -> None:
    class FullDisk(tempfile.SpooledTemporaryFile):  # type: ignore[type-arg]
        def write(self, data: Any) -> int:
            raise OSError(28, "No space left on device")

    opened: list[FullDisk] = []

    def spooled(filename: str | None, headers: Headers, max_size: int) -> UploadFile:
        spool = FullDisk(max_size=max_size)
        opened.append(spool)
        return UploadFile(cast(BinaryIO, spool), size=0, filename=filename, headers=headers)

    monkeypatch.setattr(formparsers, "spooled_upload", spooled)
    with pytest.raises(OSError, match="No space left"):
        await parse(multipart(part("f", b"data", filename="f")))
    assert len(opened) == 1 and opened[0].closed


async def test_cancellation_closes_files(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    started = anyio.Event()

    async def stalled() -> AsyncIterator[bytes]:
        yield b'--B\r\nContent-Disposition: form-data; name="f"; filename="f"\r\n\r\nabc'
        started.set()
        await anyio.sleep_forever()
        yield b""  # pragma: no cover

    async with anyio.create_task_group() as tg:
        tg.start_soon(parse_form, Headers({"content-type": MULTIPART}), stalled())
        await started.wait()
        await anyio.wait_all_tasks_blocked()
        tg.cancel_scope.cancel()
    assert len(spy.uploads) == 1
    assert spy.all_closed


# -- other content types ------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", [None, "application/json", "text/plain", "multipart/mixed; boundary=B", ""]
)
async def test_other_content_types_give_an_empty_form_without_reading(
    content_type: str | None,
) -> None:
    headers = Headers({} if content_type is None else {"content-type": content_type})
    form = await parse_form(headers, never_read())
    assert form == FormData()


# -- sans-IO decoders ---------------------------------------------------------------------


async def test_multipart_decoder_events() -> None:
    decoder = MultipartDecoder(b"B")
    body = multipart(part("a", "1"), part("f", b"xyz", filename="f.txt", content_type="text/x"))
    events = decoder.feed(body[:-15]) + decoder.feed(body[-15:]) + decoder.close()
    headers = Headers(
        raw=[
            (b"content-disposition", b'form-data; name="f"; filename="f.txt"'),
            (b"content-type", b"text/x"),
        ]
    )
    assert events == [
        FormField("a", "1"),
        FileStart("f", "f.txt", headers),
        FileChunk(b"xyz"),
        FileEnd(),
    ]
    assert (decoder.field_count, decoder.file_count, decoder.finished) == (1, 1, True)


async def test_urlencoded_decoder_events() -> None:
    decoder = URLEncodedDecoder()
    assert decoder.feed(b"a=1&b") == [FormField("a", "1")]
    assert decoder.feed(b"=2") == []
    assert decoder.close() == [FormField("b", "2")]
    assert decoder.finished


# -- through Request.form() ---------------------------------------------------------------


async def test_request_form_urlencoded() -> None:
    body = b"name=Jane+Doe&tags=a&tags=b&empty="
    request = Request(scope({"content-type": URLENCODED}), receiver(*body_messages(body, size=7)))
    form = await request.form()
    assert form.multi_items() == [("name", "Jane Doe"), ("tags", "a"), ("tags", "b"), ("empty", "")]
    assert await request.form() is form


async def test_request_form_multipart_and_close() -> None:
    data = os.urandom(SPOOL_MAX_SIZE + 100)
    body = multipart(
        part("title", "T"),
        part("upload", data, filename="d.bin", content_type="application/octet-stream"),
    )
    request = Request(scope({"content-type": MULTIPART}), receiver(*body_messages(body, 65536)))
    form = await request.form()
    upload = form["upload"]
    assert form["title"] == "T"
    assert isinstance(upload, UploadFile)
    assert (upload.filename, upload.content_type, upload.size) == (
        "d.bin",
        "application/octet-stream",
        len(data),
    )
    assert upload.file._rolled  # type: ignore[attr-defined]
    assert await upload.read() == data
    await request.close()
    assert upload.file.closed


async def test_request_form_limits_are_passed_through() -> None:
    body = multipart(part("a", "1"), part("b", "2"))
    request = Request(scope({"content-type": MULTIPART}), receiver(*body_messages(body, 1000)))
    with pytest.raises(HTTPError) as info:
        await request.form(max_fields=1)
    assert (info.value.status_code, info.value.detail) == (
        400,
        "Too many fields. Maximum number of fields is 1.",
    )
    body = multipart(part("a", b"x" * 20))
    request = Request(scope({"content-type": MULTIPART}), receiver(*body_messages(body, 1000)))
    with pytest.raises(HTTPError, match="maximum size of 19 bytes"):
        await request.form(max_part_size=19)


async def test_request_form_app_max_body_size_is_413() -> None:
    app = SimpleNamespace(max_body_size=100)
    body = b"a=" + b"x" * 200
    request = Request(scope({"content-type": URLENCODED}, app), receiver(*body_messages(body, 50)))
    with pytest.raises(HTTPError) as info:
        await request.form()
    assert (info.value.status_code, info.value.detail) == (
        413,
        "Request body is larger than 100 bytes",
    )


async def test_request_form_client_disconnect_closes_files(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    head = b'--B\r\nContent-Disposition: form-data; name="f"; filename="f"\r\n\r\n'
    receive = receiver(
        {"type": "http.request", "body": head + b"x" * 100, "more_body": True},
        {"type": "http.disconnect"},
    )
    request = Request(scope({"content-type": MULTIPART}), receive)
    with pytest.raises(ClientDisconnect):
        await request.form()
    assert len(spy.uploads) == 1
    assert spy.all_closed


async def test_request_form_of_a_json_request_is_empty() -> None:
    request = Request(scope({"content-type": "application/json"}), receiver())
    assert len(await request.form()) == 0
