"""Small helpers for apps: route ids, and checks for file names and URLs a client sent.

``generate_unique_id`` is FastAPI's ``fastapi.utils`` helper; ``safe_filename``,
``safe_join`` and ``is_safe_url`` turn an upload's file name, a path from the URL or a
``?next=`` URL into something safe to use. Called by ``routing``, ``files``,
``staticfiles`` and by apps; vocabulary level: imports nothing from the rest of Heron at
run time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

__all__ = ["generate_unique_id", "is_safe_url", "safe_filename", "safe_join"]

_NOT_WORD = re.compile(r"\W")


def generate_unique_id(route: Any) -> str:
    """The default unique id of an API route: its name, path and method, as one identifier.

    It is the route's OpenAPI ``operationId`` (unless ``operation_id=`` is given) and names
    its generated models (``Body_<unique id>``). Pass another function as
    ``generate_unique_id_function=`` to an app, a router or a route to change them.

    Args:
        route: An ``APIRoute``.

    Returns:
        ``<name><path>_<method>`` with every non-word character replaced by ``_``; for
        ``read_item`` at ``GET /items/{item_id}``: ``read_item_items__item_id__get``.
    """
    identifier = _NOT_WORD.sub("_", f"{route.name}{route.path_format}")
    methods = getattr(route, "openapi_methods", None) or sorted(route.methods)
    return f"{identifier}_{methods[0].lower()}"


# The most a file system takes in one name (ext4, NTFS, APFS: 255).
_MAX_FILENAME = 255


def safe_filename(filename: str | None) -> str | None:
    r"""A client's file name reduced to a name safe to join to a directory, or None.

    ``UploadFile.filename`` is exactly what the client sent (``../../etc/passwd``,
    ``C:\Windows\x.txt``…), as in FastAPI; pass it through this before it reaches a
    path. Kept: the last segment after any ``/`` or ``\``, without control characters,
    surrounding spaces or leading dots (no hidden files), cut to 255 bytes of UTF-8 (what
    file systems take) keeping the extension. Nothing left (``""``, ``..``,
    ``C:\dir\``) gives None.

    Args:
        filename: The client's file name (``upload.filename``).

    Returns:
        The safe name, or None: store the file under a name of your own.
    """
    if not filename:
        return None
    # SECURITY(Django CVE-2021-28658): the base name on every OS, whatever the separator.
    name = re.split(r"[/\\]", filename)[-1]
    name = "".join(char for char in name if char.isprintable()).strip().lstrip(". ")
    if not name:
        return None
    if len(name.encode("utf-8")) <= _MAX_FILENAME:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 16:
        stem, extension = name, ""
    room = _MAX_FILENAME - len(extension.encode("utf-8")) - len(dot)
    return stem.encode("utf-8")[:room].decode("utf-8", "ignore") + dot + extension


# Windows opens these device names in every directory, with any extension; reading one can
# hang forever (Werkzeug CVE-2025-66221 and follow-ups). Checked only where they exist.
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"COM{i}" for i in "123456789"}
    | {f"LPT{i}" for i in "123456789"}
)


def _is_windows_device(segment: str) -> bool:
    stem = segment.split(".", 1)[0].strip().upper()
    return stem in _WINDOWS_DEVICES


def safe_join(directory: str, path: str) -> str | None:
    """``directory`` joined with the relative ``path``, or None if ``path`` could leave it.

    Refused: NUL bytes, backslashes, absolute paths (``/x``, ``//host/share``), ``..``
    segments, and on Windows drive letters and device names (``CON``, ``nul.txt``…).
    Symlinks are not resolved here; callers compare real paths afterwards (or follow
    them, as ``send_from_directory`` does, like Flask).

    Args:
        directory: The trusted base directory.
        path: The untrusted, ``/``-separated relative path.

    Returns:
        The joined path, or None.
    """
    # SECURITY(Werkzeug CVE-2024-49766, Starlette #3287; SECURITY.md C2-C4).
    if "\x00" in path or "\\" in path or path.startswith("/"):
        return None
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if ".." in parts:
        return None
    if os.name == "nt" and any(":" in part or _is_windows_device(part) for part in parts):
        return None
    return os.path.join(directory, *parts)


# What browsers strip or read as "/" before they parse a URL; no safe redirect needs one.
_URL_MANGLED = re.compile(r"[\x00-\x20\x7f\\]")


def is_safe_url(url: str | None, allowed_hosts: Iterable[str] = (), *, https: bool = False) -> bool:
    r"""Whether redirecting to ``url`` (a ``?next=`` parameter…) stays on allowed hosts.

    Safe: a relative URL (``/account``, ``page?x=1``), or an absolute one whose host (with
    its port, if any) is in ``allowed_hosts``, e.g. ``[request.url.netloc]``. Unsafe:
    other hosts, ``//evil.example``, ``/\evil.example`` and other spellings browsers
    read as a host, schemes other than http(s) (``javascript:``), ``http:evil.example``,
    user info, and any control character, space or backslash (browsers strip or rewrite
    them before parsing).

    Args:
        url: The candidate URL.
        allowed_hosts: Host names (``example.com``, ``example.com:8443``) accepted in an
            absolute URL; case-insensitive.
        https: Require ``https`` for absolute URLs.

    Returns:
        True when a redirect to ``url`` cannot leave the allowed hosts.
    """
    # SECURITY(Django CVE-2018-14574, aiohttp CVE-2021-21330): open redirects.
    if not url or _URL_MANGLED.search(url):
        return False
    parts = urlsplit(url)
    if not parts.scheme and not url.startswith("//"):
        return not parts.netloc  # a path: relative to this site
    if url.startswith("///") or parts.scheme.lower() not in ("", "http", "https"):
        return False
    if https and parts.scheme.lower() != "https":
        return False
    netloc = parts.netloc.lower()
    if not netloc or "@" in netloc:
        return False
    return netloc in {host.lower() for host in allowed_hosts}
