"""Plain data types of HTTP: URLs, headers, query strings, forms, uploads, state.

Sans-IO: nothing here awaits a socket except ``UploadFile``'s file methods. Called by
``requests``, ``responses``, ``routing`` and the middleware; calls nothing else in heron.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import ItemsView, Iterable, Iterator, KeysView, Mapping, Sequence, ValuesView
from typing import Any, BinaryIO, Generic, NamedTuple, TypeVar, cast
from urllib.parse import SplitResult, parse_qsl, unquote, urlencode, urlsplit

from heron.concurrency import run_in_threadpool
from heron.types import Scope

__all__ = [
    "URL",
    "Address",
    "Default",
    "DefaultPlaceholder",
    "FormData",
    "Headers",
    "ImmutableMultiDict",
    "MultiDict",
    "MutableHeaders",
    "QueryParams",
    "State",
    "URLPath",
    "UploadFile",
    "add_vary",
    "encode_header",
    "parse_query_string",
    "validate_header",
]

_KT = TypeVar("_KT")
_VT = TypeVar("_VT")
_T = TypeVar("_T")


def parse_query_string(query_string: str) -> list[tuple[str, str]]:
    """Split a query string into ``(name, value)`` pairs, blank values kept.

    The same result as ``urllib.parse.parse_qsl(qs, keep_blank_values=True)`` (``+`` is a
    space, percent-escapes decode as UTF-8 with replacement characters), never raising.
    """
    # PERF: parse_qsl costs ~11 Python calls per pair (coercion, unquote, checks); this is
    # one loop that unquotes only components holding a '%'. items-get: -2.5 µs.
    pairs: list[tuple[str, str]] = []
    for field in query_string.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        if "+" in name:
            name = name.replace("+", " ")
        if "%" in name:
            name = unquote(name)
        if "+" in value:
            value = value.replace("+", " ")
        if "%" in value:
            value = unquote(value)
        pairs.append((name, value))
    return pairs


class Address(NamedTuple):
    """A network peer: ``host`` and ``port``."""

    host: str
    port: int


class URL:
    """An immutable URL, parsed on first use.

    Args:
        url: The URL text.
        scope: Build the URL of an ASGI request instead.
    """

    __slots__ = ("_components", "_url")

    def __init__(self, url: str = "", scope: Scope | None = None) -> None:
        if scope is not None:
            url = _url_from_scope(scope)
        self._url = url
        self._components: SplitResult | None = None

    @property
    def components(self) -> SplitResult:
        """The parsed parts (``urllib.parse.SplitResult``)."""
        if self._components is None:
            self._components = urlsplit(self._url)
        return self._components

    @property
    def scheme(self) -> str:
        """``http``, ``https``, ``ws`` or ``wss``."""
        return self.components.scheme

    @property
    def netloc(self) -> str:
        """``host[:port]`` with any user info."""
        return self.components.netloc

    @property
    def path(self) -> str:
        """The path, percent-encoded as in the URL text."""
        return self.components.path

    @property
    def query(self) -> str:
        """The query string without ``?``."""
        return self.components.query

    @property
    def fragment(self) -> str:
        """The fragment without ``#``."""
        return self.components.fragment

    @property
    def username(self) -> str | None:
        """User name from the netloc, if any."""
        return self.components.username

    @property
    def password(self) -> str | None:
        """Password from the netloc, if any."""
        return self.components.password

    @property
    def hostname(self) -> str | None:
        """Host name without port."""
        return self.components.hostname

    @property
    def port(self) -> int | None:
        """Explicit port, if any."""
        return self.components.port

    @property
    def is_secure(self) -> bool:
        """Whether the scheme is ``https`` or ``wss``."""
        return self.scheme in ("https", "wss")

    def replace(self, **kwargs: Any) -> URL:
        """Return a copy with components replaced (``scheme``, ``path``, ``hostname``…)."""
        if {"username", "password", "hostname", "port"} & kwargs.keys():
            hostname = kwargs.pop("hostname", None)
            port = kwargs.pop("port", self.port)
            username = kwargs.pop("username", self.username)
            password = kwargs.pop("password", self.password)
            if hostname is None:
                netloc = self.netloc
                _, _, hostname = netloc.rpartition("@")
                if hostname[-1:] != "]":
                    hostname = hostname.rsplit(":", 1)[0]
            netloc = hostname
            if port is not None:
                netloc += f":{port}"
            if username is not None:
                userpass = username + (f":{password}" if password is not None else "")
                netloc = f"{userpass}@{netloc}"
            kwargs["netloc"] = netloc
        return URL(self.components._replace(**kwargs).geturl())

    def include_query_params(self, **kwargs: Any) -> URL:
        """Return a copy with these query parameters added or replaced."""
        params = MultiDict(parse_qsl(self.query, keep_blank_values=True))
        params.update({str(key): str(value) for key, value in kwargs.items()})
        return self.replace(query=urlencode(params.multi_items()))

    def replace_query_params(self, **kwargs: Any) -> URL:
        """Return a copy whose query string holds exactly these parameters."""
        return self.replace(query=urlencode([(str(k), str(v)) for k, v in kwargs.items()]))

    def remove_query_params(self, keys: str | Sequence[str]) -> URL:
        """Return a copy without these query parameters."""
        drop = {keys} if isinstance(keys, str) else set(keys)
        items = [(k, v) for k, v in parse_qsl(self.query, keep_blank_values=True) if k not in drop]
        return self.replace(query=urlencode(items))

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self._url)

    def __str__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        url = self._url
        if self.password:
            url = str(self.replace(password="********"))
        return f"{type(self).__name__}({url!r})"


# A Host header that cannot change how the URL parses (CVE-2026-48710: ``foo/?x=`` made
# request.url.path differ from scope["path"]): a name or an IPv6 literal, then a port.
_VALID_HOST = re.compile(r"(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]*)?")


def _url_from_scope(scope: Scope) -> str:
    scheme = scope.get("scheme", "http")
    path = scope["path"]  # ASGI: path already includes root_path
    # The path is decoded: a "?" or "#" in it (sent as %3F / %23) must not start a query
    # or a fragment when the URL text is parsed again.
    if "?" in path or "#" in path:
        path = path.replace("?", "%3F").replace("#", "%23")
    query_string = scope.get("query_string", b"")
    host = None
    for key, value in scope["headers"]:
        if key == b"host":
            host = value.decode("latin-1")
            break
    if host is not None and _VALID_HOST.fullmatch(host) is None:
        host = None  # malformed: fall back to the server address, as Starlette 1.0.1
    if host is not None:
        url = f"{scheme}://{host}{path}"
    elif scope.get("server") is None:
        # Without an authority, "//evil.com" would read as a host: keep it a path.
        url = "/%2F" + path[2:] if path.startswith("//") else path
    else:
        host, port = scope["server"]
        if ":" in host:
            host = f"[{host}]"  # an IPv6 literal
        default_port = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(scheme)
        url = (
            f"{scheme}://{host}{path}"
            if port == default_port
            else f"{scheme}://{host}:{port}{path}"
        )
    if query_string:
        url += "?" + query_string.decode("latin-1")
    return url


class URLPath(str):
    """A path built by ``url_path_for``; ``make_absolute_url`` joins it to a base URL.

    Args:
        path: The path.
        protocol: ``"http"``, ``"websocket"`` or ``""``.
        host: A host for host-routed paths.
    """

    protocol: str
    host: str

    def __new__(cls, path: str, protocol: str = "", host: str = "") -> URLPath:
        """Make the string; ``__init__`` then keeps ``protocol`` and ``host`` on it."""
        return str.__new__(cls, path)

    def __init__(self, path: str, protocol: str = "", host: str = "") -> None:
        self.protocol = protocol
        self.host = host

    def make_absolute_url(self, base_url: str | URL) -> URL:
        """Return this path as an absolute URL under ``base_url``."""
        base = base_url if isinstance(base_url, URL) else URL(base_url)
        scheme = base.scheme
        if self.protocol == "websocket":
            scheme = "wss" if base.is_secure else "ws"
        elif self.protocol == "http":
            scheme = "https" if base.is_secure else "http"
        netloc = self.host or base.netloc
        path = base.path.rstrip("/") + str(self)
        return URL(f"{scheme}://{netloc}{path}")


class ImmutableMultiDict(Mapping[_KT, _VT], Generic[_KT, _VT]):
    """A read-only mapping that keeps every value of repeated keys.

    ``d[key]`` and ``d.get(key)`` give the last value; ``d.getlist(key)`` gives all.
    """

    __slots__ = ("_dict", "_list")

    def __init__(
        self, *args: ImmutableMultiDict[_KT, _VT] | Mapping[_KT, _VT] | Iterable[tuple[_KT, _VT]]
    ) -> None:
        value: Any = args[0] if args else []
        if isinstance(value, ImmutableMultiDict):
            items: list[tuple[_KT, _VT]] = value.multi_items()
        elif isinstance(value, Mapping):
            items = list(value.items())
        else:
            items = list(value)
        self._list = items
        self._dict = dict(items)

    def getlist(self, key: Any) -> list[_VT]:
        """Every value given for ``key``, in order."""
        return [v for k, v in self._list if k == key]

    def multi_items(self) -> list[tuple[_KT, _VT]]:
        """Every ``(key, value)`` pair, repeated keys included."""
        return list(self._list)

    def keys(self) -> KeysView[_KT]:
        """The distinct keys, in the order they first appear."""
        return self._dict.keys()

    def values(self) -> ValuesView[_VT]:
        """The last value of each key (:meth:`getlist` gives them all)."""
        return self._dict.values()

    def items(self) -> ItemsView[_KT, _VT]:
        """Each key with its last value (:meth:`multi_items` gives every pair)."""
        return self._dict.items()

    def __getitem__(self, key: _KT) -> _VT:
        return self._dict[key]

    def __contains__(self, key: object) -> bool:
        return key in self._dict

    def __iter__(self) -> Iterator[_KT]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return False
        return sorted(map(repr, self._list)) == sorted(map(repr, other._list))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.multi_items()!r})"


class MultiDict(ImmutableMultiDict[Any, Any]):
    """A mutable :class:`ImmutableMultiDict`."""

    __slots__ = ()

    def __setitem__(self, key: Any, value: Any) -> None:
        self.setlist(key, [value])

    def __delitem__(self, key: Any) -> None:
        self._list = [(k, v) for k, v in self._list if k != key]
        del self._dict[key]

    def pop(self, key: Any, default: Any = None) -> Any:
        """Remove ``key`` and return its last value (or ``default``)."""
        self._list = [(k, v) for k, v in self._list if k != key]
        return self._dict.pop(key, default)

    def poplist(self, key: Any) -> list[Any]:
        """Remove ``key`` and return all its values (``[]`` when absent)."""
        values = [v for k, v in self._list if k == key]
        self.pop(key)
        return values

    def popitem(self) -> tuple[Any, Any]:
        """Remove a key and return it with its last value.

        Raises:
            KeyError: When empty.
        """
        key, value = self._dict.popitem()
        self._list = [(k, v) for k, v in self._list if k != key]
        return key, value

    def clear(self) -> None:
        """Remove every key."""
        self._list.clear()
        self._dict.clear()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        """Return the value of ``key``, adding it with ``default`` first when absent."""
        if key not in self._dict:
            self.append(key, default)
        return self._dict[key]

    def setlist(self, key: Any, values: list[Any]) -> None:
        """Replace every value of ``key`` by ``values``."""
        if not values:
            self.pop(key, None)
            return
        self._list = [(k, v) for k, v in self._list if k != key] + [(key, v) for v in values]
        self._dict[key] = values[-1]

    def append(self, key: Any, value: Any) -> None:
        """Add one more value for ``key``."""
        self._list.append((key, value))
        self._dict[key] = value

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Replace the values of the keys given."""
        incoming = MultiDict(*args).multi_items() + list(kwargs.items())
        keys = {k for k, _ in incoming}
        self._list = [(k, v) for k, v in self._list if k not in keys] + incoming
        self._dict.update(incoming)


class QueryParams(ImmutableMultiDict[str, str]):
    """The query string, parsed (blank values kept).

    Args:
        params: A query string (``str`` or ``bytes``), a mapping or pairs.
    """

    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        value: Any = args[0] if args else []
        if isinstance(value, str):
            super().__init__(parse_query_string(value))
        elif isinstance(value, bytes):
            super().__init__(parse_query_string(value.decode("latin-1")))
        else:
            super().__init__(value)
        if kwargs:
            self._list += list(kwargs.items())
            self._dict.update(kwargs)

    def __str__(self) -> str:
        return urlencode(self._list)


def add_vary(raw: list[tuple[bytes, bytes]], token: bytes) -> None:
    """Add ``token`` to the ``Vary`` header of raw ASGI headers in place, once.

    Looks at every ``Vary`` line, not only the first (an app may send several), and adds
    nothing when one already holds the token or ``*``.
    """
    first = -1
    wanted = token.lower()
    for index, (name, value) in enumerate(raw):
        if name.lower() == b"vary":
            tokens = [t.strip().lower() for t in value.split(b",")]
            if wanted in tokens or b"*" in tokens:
                return
            if first < 0:
                first = index
    if first < 0:
        raw.append((b"vary", token))
    else:
        name, value = raw[first]
        raw[first] = (name, value + b", " + token if value.strip() else token)


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only HTTP headers kept as the raw ASGI list.

    Args:
        headers: A mapping of names to values.
        raw: The ASGI ``[(name, value)]`` byte pairs (names lower-case).
        scope: Read the headers of an ASGI scope.
    """

    __slots__ = ("_list",)

    def __init__(
        self,
        headers: Mapping[str, str] | None = None,
        raw: list[tuple[bytes, bytes]] | None = None,
        scope: Scope | None = None,
    ) -> None:
        if headers is not None:
            self._list = [
                (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()
            ]
        elif raw is not None:
            self._list = raw
        elif scope is not None:
            # PERF: share the server's list; MutableHeaders copies on write via its own list.
            self._list = scope["headers"] = list(scope["headers"])
        else:
            self._list = []

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        """The raw ``(name, value)`` byte pairs."""
        return self._list

    def keys(self) -> list[str]:  # type: ignore[override]
        """Every header name, lower-case, once per header line (repeats included)."""
        return [k.decode("latin-1") for k, _ in self._list]

    def values(self) -> list[str]:  # type: ignore[override]
        """Every header value, once per header line, in order."""
        return [v.decode("latin-1") for _, v in self._list]

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        """Every ``(name, value)`` pair, names lower-case, repeated names included."""
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self._list]

    def getlist(self, key: str) -> list[str]:
        """Every value of header ``key``, in order."""
        name = key.lower().encode("latin-1")
        return [v.decode("latin-1") for k, v in self._list if k == name]

    def mutablecopy(self) -> MutableHeaders:
        """A mutable copy."""
        return MutableHeaders(raw=list(self._list))

    def __getitem__(self, key: str) -> str:
        name = key.lower().encode("latin-1")
        for k, v in self._list:
            if k == name:
                return v.decode("latin-1")
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        name = key.lower().encode("latin-1")
        return any(k == name for k, _ in self._list)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._list)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return False
        return sorted(self._list) == sorted(other._list)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        as_dict = dict(self.items())
        if len(as_dict) == len(self):
            return f"{type(self).__name__}({as_dict!r})"
        return f"{type(self).__name__}(raw={self.raw!r})"


# RFC 9110 field names are tokens; values may not hold control characters other than HTAB
# (CR/LF would split the response: uvicorn CVE-2020-7695). The same rule as uvicorn's.
_HEADER_NAME = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_HEADER_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


def validate_header(name: bytes, value: bytes) -> None:
    """Refuse a response header that could split the response or corrupt the header block.

    Raises:
        ValueError: For a name that is not an RFC 9110 token, or a value with CR, LF, NUL
            or another control character.
    """
    if _HEADER_NAME.fullmatch(name) is None:
        raise ValueError(f"Invalid header name {name!r}")
    if _BAD_HEADER_VALUE.search(value) is not None:
        raise ValueError(f"Invalid header value for {name!r}: control characters (CR, LF, ...)")


def encode_header(name: str, value: str) -> tuple[bytes, bytes]:
    """A response header as ASGI bytes (name lower-cased), validated.

    Raises:
        ValueError: As :func:`validate_header`; ``UnicodeEncodeError`` outside latin-1.
    """
    encoded = (name.lower().encode("latin-1"), value.encode("latin-1"))
    # PERF: C-level str checks pass the usual headers (~0.15 µs) without the two regexes.
    if not (value.isprintable() and name.isascii() and name.replace("-", "").isalnum()):
        validate_header(*encoded)
    return encoded


class MutableHeaders(Headers):
    """Headers that can be changed; changes write through to the raw list.

    Names and values set here are validated (:func:`validate_header`).
    """

    __slots__ = ()

    def __setitem__(self, key: str, value: str) -> None:
        name, encoded = encode_header(key, value)
        found = False
        kept: list[tuple[bytes, bytes]] = []
        for k, v in self._list:
            if k == name:
                if not found:
                    kept.append((k, encoded))
                    found = True
            else:
                kept.append((k, v))
        if not found:
            kept.append((name, encoded))
        self._list[:] = kept

    def __delitem__(self, key: str) -> None:
        name = key.lower().encode("latin-1")
        self._list[:] = [(k, v) for k, v in self._list if k != name]

    def setdefault(self, key: str, value: str) -> str:
        """Set ``key`` unless present; return its value."""
        if key in self:
            return self[key]
        self.append(key, value)
        return value

    def update(self, other: Mapping[str, str]) -> None:
        """Set every header of ``other``."""
        for key, value in other.items():
            self[key] = value

    def append(self, key: str, value: str) -> None:
        """Add a header line, keeping existing ones of the same name."""
        self._list.append(encode_header(key, value))

    def add_vary_header(self, vary: str) -> None:
        """Add a token to ``Vary`` unless already there (any ``Vary`` line, or ``*``)."""
        add_vary(self._list, vary.encode("latin-1"))


class UploadFile:
    """An uploaded file, spooled to disk past ``max_size`` bytes in memory.

    Args:
        file: The underlying binary file.
        size: Bytes written so far.
        filename: The client-given file name, as sent (see :func:`heron.utils.safe_filename`).
        headers: The part's headers.
    """

    def __init__(
        self,
        file: BinaryIO,
        *,
        size: int | None = None,
        filename: str | None = None,
        headers: Headers | None = None,
    ) -> None:
        self.file = file
        self.size = size
        self.filename = filename
        self.headers = headers or Headers()

    @property
    def content_type(self) -> str | None:
        """The part's ``Content-Type``."""
        return self.headers.get("content-type")

    @property
    def _in_memory(self) -> bool:
        rolled = getattr(self.file, "_rolled", True)
        return not rolled

    async def write(self, data: bytes) -> None:
        """Append ``data`` to the file."""
        if self.size is not None:
            self.size += len(data)
        if self._in_memory:
            self.file.write(data)
        else:
            await run_in_threadpool(self.file.write, data)

    async def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (all when ``-1``)."""
        if self._in_memory:
            return self.file.read(size)
        return await run_in_threadpool(self.file.read, size)

    async def seek(self, offset: int) -> None:
        """Move to ``offset``."""
        if self._in_memory:
            self.file.seek(offset)
        else:
            await run_in_threadpool(self.file.seek, offset)

    async def close(self) -> None:
        """Close the file (deleting its spool file)."""
        if self._in_memory:
            self.file.close()
        else:
            await run_in_threadpool(self.file.close)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """Let pydantic accept an ``UploadFile`` as it is (form file fields)."""
        from pydantic_core import core_schema

        def check(value: Any) -> UploadFile:
            if not isinstance(value, cls):
                # COMPAT(fastapi): its message, for a text field where a file was expected.
                raise ValueError(f"Expected UploadFile, received: {type(value)}")
            return value

        return core_schema.no_info_plain_validator_function(check)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        """Document a file part as binary content (OpenAPI 3.1), as FastAPI does."""
        return {"type": "string", "contentMediaType": "application/octet-stream"}

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(filename={self.filename!r}, size={self.size!r}, "
            f"headers={self.headers!r})"
        )


def spooled_upload(filename: str | None, headers: Headers, max_size: int) -> UploadFile:
    """Create an empty :class:`UploadFile` kept in memory up to ``max_size`` bytes."""
    file = tempfile.SpooledTemporaryFile(max_size=max_size)
    return UploadFile(cast(BinaryIO, file), size=0, filename=filename, headers=headers)


class FormData(ImmutableMultiDict[str, "UploadFile | str"]):
    """A parsed form: field names to strings or :class:`UploadFile` objects."""

    __slots__ = ()

    async def close(self) -> None:
        """Close every uploaded file."""
        for _, value in self._list:
            if isinstance(value, UploadFile):
                await value.close()


class State:
    """An attribute bag (``app.state``, ``request.state``).

    Args:
        state: Initial attributes.
    """

    _state: dict[str, Any]

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        super().__setattr__("_state", state if state is not None else {})

    def __setattr__(self, key: str, value: Any) -> None:
        self._state[key] = value

    def __getattr__(self, key: str) -> Any:
        if key == "_state":  # not set yet (copy/pickle build instances without __init__)
            raise AttributeError(key)
        try:
            return self._state[key]
        except KeyError:
            raise self._no_attribute(key) from None

    def __delattr__(self, key: str) -> None:
        try:
            del self._state[key]
        except KeyError:
            raise self._no_attribute(key) from None

    def _no_attribute(self, key: str) -> AttributeError:
        return AttributeError(f"'{type(self).__name__}' object has no attribute '{key}'")


class DefaultPlaceholder(Generic[_T]):
    """Marks a value as a default, so an explicit setting can be told apart from it."""

    __slots__ = ("value",)

    def __init__(self, value: _T) -> None:
        self.value = value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DefaultPlaceholder) and other.value == self.value

    def __hash__(self) -> int:
        return hash(("DefaultPlaceholder", repr(self.value)))


def Default(value: _T) -> Any:  # FastAPI's spelling
    """Wrap ``value`` as a default (see :class:`DefaultPlaceholder`)."""
    return DefaultPlaceholder(value)
