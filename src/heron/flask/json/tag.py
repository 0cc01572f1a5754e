"""Tagged JSON: lossless JSON for a few Python types JSON lacks (Flask's ``flask.json.tag``).

The session cookie's serializer. A value JSON cannot represent as is becomes a one-key
object whose key names its type, a *tag* starting with a space so it rarely collides
with real data::

    (1, 2)                       ->  {" t": [1, 2]}
    b"hi"                        ->  {" b": "aGk="}
    Markup("<b>")                ->  {" m": "<b>"}
    UUID("12345678-...")         ->  {" u": "12345678..."}        (32 hex digits)
    datetime(2024, 1, 1)         ->  {" d": "Mon, 01 Jan 2024 00:00:00 GMT"}
    {" t": 1} (looks tagged)     ->  {" di": {" t__": 1}}

Dicts and lists are walked and their items tagged. The format is Flask's, byte for byte,
so a session cookie written by Flask reads the same here and the reverse.

Other types are added by subclassing :class:`JSONTag` and registering the class. For
example, an ``OrderedDict`` kept as ``[key, value]`` pairs must be checked before plain
dicts, so it goes first in the order::

    class TagOrderedDict(JSONTag):
        __slots__ = ()
        key = " od"

        def check(self, value):
            return isinstance(value, OrderedDict)

        def to_json(self, value):
            return [[k, self.serializer.tag(v)] for k, v in value.items()]

        def to_python(self, value):
            return OrderedDict(value)

    app.session_interface.serializer.register(TagOrderedDict, index=0)
"""

from __future__ import annotations

from base64 import b64decode, b64encode
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from markupsafe import Markup
from typing_extensions import override
from werkzeug.http import http_date, parse_date

from heron.flask.json import dumps as _dumps, loads as _loads

__all__ = [
    "JSONTag",
    "PassDict",
    "PassList",
    "TagBytes",
    "TagDateTime",
    "TagDict",
    "TagMarkup",
    "TagTuple",
    "TagUUID",
    "TaggedJSONSerializer",
]


class JSONTag:
    """One type the :class:`TaggedJSONSerializer` knows how to write and read back.

    A subclass sets :attr:`key` and implements :meth:`check`, :meth:`to_json` and
    :meth:`to_python`.

    Args:
        serializer: The serializer this tag belongs to, for tagging nested values
            (``self.serializer.tag(item)``).
    """

    __slots__ = ("serializer",)

    #: The tag marking this type in the JSON (``" t"``...). Empty for a tag that only
    #: rewrites a value in place (dicts and lists) and is never read back by key.
    key: ClassVar[str] = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        self.serializer = serializer

    def check(self, value: Any) -> bool:
        """Whether this tag handles ``value``.

        Args:
            value: Any value being serialized.

        Returns:
            ``True`` when :meth:`tag` should write it.
        """
        raise NotImplementedError

    def to_json(self, value: Any) -> Any:
        """The JSON form of ``value``, without the tag around it.

        Args:
            value: A value :meth:`check` accepted.

        Returns:
            Data JSON can hold.
        """
        raise NotImplementedError

    def to_python(self, value: Any) -> Any:
        """The Python value back from its JSON form (the tag already taken off).

        Args:
            value: What :meth:`to_json` produced, after a JSON round trip.

        Returns:
            The original value.
        """
        raise NotImplementedError

    def tag(self, value: Any) -> Any:
        """The JSON form of ``value`` wrapped in ``{key: ...}``.

        Args:
            value: A value :meth:`check` accepted.

        Returns:
            The tagged form.
        """
        return {self.key: self.to_json(value)}


class TagDict(JSONTag):
    """A dict whose one key is a tag: written so that reading it does not untag it.

    The key gets a ``"__"`` suffix inside a ``" di"`` tag, taken off when read back.
    """

    __slots__ = ()
    key = " di"

    @override
    def check(self, value: Any) -> bool:
        # Only a dict that the reader would take for a tagged value needs escaping.
        if not isinstance(value, dict) or len(value) != 1:
            return False
        return next(iter(value)) in self.serializer.tags

    @override
    def to_json(self, value: Any) -> Any:
        ((name, item),) = value.items()
        return {name + "__": self.serializer.tag(item)}

    @override
    def to_python(self, value: Any) -> Any:
        ((name, item),) = value.items()
        return {name.removesuffix("__"): item}


class PassDict(JSONTag):
    """Any other dict: stays a JSON object, its values tagged (keys are strings)."""

    __slots__ = ()

    @override
    def check(self, value: Any) -> bool:
        return isinstance(value, dict)

    @override
    def to_json(self, value: Any) -> Any:
        return {name: self.serializer.tag(item) for name, item in value.items()}

    @override
    def tag(self, value: Any) -> Any:
        return self.to_json(value)


class TagTuple(JSONTag):
    """A tuple: a JSON array of its tagged items, under ``" t"``."""

    __slots__ = ()
    key = " t"

    @override
    def check(self, value: Any) -> bool:
        return isinstance(value, tuple)

    @override
    def to_json(self, value: Any) -> Any:
        return [self.serializer.tag(item) for item in value]

    @override
    def to_python(self, value: Any) -> Any:
        return tuple(value)


class PassList(JSONTag):
    """A list: stays a JSON array, its items tagged."""

    __slots__ = ()

    @override
    def check(self, value: Any) -> bool:
        return isinstance(value, list)

    @override
    def to_json(self, value: Any) -> Any:
        return [self.serializer.tag(item) for item in value]

    @override
    def tag(self, value: Any) -> Any:
        return self.to_json(value)


class TagBytes(JSONTag):
    """Bytes: standard base64 text under ``" b"``."""

    __slots__ = ()
    key = " b"

    @override
    def check(self, value: Any) -> bool:
        return isinstance(value, bytes)

    @override
    def to_json(self, value: Any) -> Any:
        return b64encode(value).decode("ascii")

    @override
    def to_python(self, value: Any) -> Any:
        return b64decode(value)


class TagMarkup(JSONTag):
    """Anything with an ``__html__`` method: its HTML under ``" m"``, read back as Markup."""

    __slots__ = ()
    key = " m"

    @override
    def check(self, value: Any) -> bool:
        return callable(getattr(value, "__html__", None))

    @override
    def to_json(self, value: Any) -> Any:
        return str(value.__html__())

    @override
    def to_python(self, value: Any) -> Any:
        return Markup(value)


class TagUUID(JSONTag):
    """A UUID: its 32 hex digits (no dashes) under ``" u"``."""

    __slots__ = ()
    key = " u"

    @override
    def check(self, value: Any) -> bool:
        return isinstance(value, UUID)

    @override
    def to_json(self, value: Any) -> Any:
        return value.hex

    @override
    def to_python(self, value: Any) -> Any:
        return UUID(value)


class TagDateTime(JSONTag):
    """A datetime: an HTTP date under ``" d"``, read back in UTC to the second.

    A naive datetime is taken as UTC; microseconds are dropped (the HTTP date format has
    none).
    """

    __slots__ = ()
    key = " d"

    @override
    def check(self, value: Any) -> bool:
        return isinstance(value, datetime)

    @override
    def to_json(self, value: Any) -> Any:
        return http_date(value)

    @override
    def to_python(self, value: Any) -> Any:
        return parse_date(value)


class TaggedJSONSerializer:
    """JSON with tags for tuples, bytes, Markup, UUIDs and datetimes (see the module).

    An itsdangerous serializer (``dumps``/``loads``), used for the session cookie.

    Attributes:
        tags: The registered tags with a key, by key (for reading back).
        order: Every registered tag, in the order :meth:`tag` tries them.
    """

    __slots__ = ("order", "tags")

    # COMPAT(flask): the order decides which tag wins (a dict that looks tagged before
    # other dicts) and so the exact output; it is Flask's.
    #: The tag classes every new serializer registers, in order.
    default_tags: ClassVar[list[type[JSONTag]]] = [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]

    def __init__(self) -> None:
        self.tags: dict[str, JSONTag] = {}
        self.order: list[JSONTag] = []
        for tag_class in self.default_tags:
            self.register(tag_class)

    def register(
        self, tag_class: type[JSONTag], force: bool = False, index: int | None = None
    ) -> None:
        """Add a tag to this serializer.

        Args:
            tag_class: The :class:`JSONTag` subclass; it is instantiated with this
                serializer.
            force: Replace a tag registered under the same key instead of refusing.
            index: Where to insert the tag in :attr:`order` (``0``: tried first, for a
                special case of a type an existing tag handles). ``None`` appends it.

        Raises:
            KeyError: The tag's key is already registered and ``force`` is false.
        """
        tag = tag_class(self)
        if tag.key:
            if tag.key in self.tags and not force:
                raise KeyError(f"Tag '{tag.key}' is already registered.")
            self.tags[tag.key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)

    def tag(self, value: Any) -> Any:
        """The JSON-ready form of ``value``: tagged by the first tag that accepts it.

        Args:
            value: The data.

        Returns:
            ``value`` itself when no tag accepts it (strings, numbers, ``None``...).
        """
        tag = next((candidate for candidate in self.order if candidate.check(value)), None)
        return value if tag is None else tag.tag(value)

    def untag(self, value: dict[str, Any]) -> Any:
        """The Python value a tagged object stands for.

        Args:
            value: A JSON object, its own values already untagged.

        Returns:
            The value the tag rebuilds, or ``value`` unchanged when it is not a one-key
            object with a registered tag.
        """
        if len(value) == 1:
            ((key, inner),) = value.items()
            tag = self.tags.get(key)
            if tag is not None:
                return tag.to_python(inner)
        return value

    def _untag_tree(self, value: Any) -> Any:
        """Untag a parsed JSON document from the leaves up."""
        if isinstance(value, list):
            return [self._untag_tree(item) for item in value]
        if isinstance(value, dict):
            return self.untag({key: self._untag_tree(item) for key, item in value.items()})
        return value

    def dumps(self, value: Any) -> str:
        """Tag ``value`` and write it as compact JSON (no spaces).

        Args:
            value: The data.

        Returns:
            The JSON text.
        """
        # Through heron.flask.json: inside an application context its provider writes
        # (sorted keys), as Flask does.
        return _dumps(self.tag(value), separators=(",", ":"))

    def loads(self, value: str | bytes) -> Any:
        """Parse JSON written by :meth:`dumps` and rebuild the tagged values.

        Args:
            value: The JSON text, or its UTF-8 bytes.

        Returns:
            The data.
        """
        return self._untag_tree(_loads(value))
