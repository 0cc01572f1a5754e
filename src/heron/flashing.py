"""Flash messages: a message stored in the session by one request, shown by the next.

Called by handlers (``flash``) and templates (``get_flashed_messages``); calls
``heron.sessions`` for the current request's session. Flask's functions and semantics:
messages are kept in the session under ``"_flashes"`` as ``(category, message)`` pairs, and
the first ``get_flashed_messages`` call of a request takes them all out of the session
(later calls in the same request see the same list, filtered as asked: the request's
context keeps what was taken, ``ctx.flashes``).

Both functions find the session of the request being handled through its context (the
context globals), or take ``request=`` explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import TYPE_CHECKING, Any, Literal, overload

from heron.globals import current_context
from heron.requests import CONTEXT_KEY, RequestContext
from heron.sessions import current_session

if TYPE_CHECKING:
    from heron.requests import HTTPConnection

__all__ = ["flash", "get_flashed_messages"]

_KEY = "_flashes"


def _session(request: HTTPConnection | None) -> MutableMapping[str, Any]:
    if request is not None:
        return request.session
    return current_session()


def flash(
    message: str, category: str = "message", *, request: HTTPConnection | None = None
) -> None:
    """Keep ``message`` in the session until the next :func:`get_flashed_messages`.

    Works before any response, including a ``RedirectResponse``: the session cookie (or
    the server copy) carries the message to the next request.

    Args:
        message: The text to show. Stored as a plain string: templates escape it.
        category: Any string; Flask's conventions are ``"message"``, ``"error"``,
            ``"info"`` and ``"warning"``.
        request: The request whose session to use (default: the current one).

    Raises:
        HeronError: No request with a session is being handled and no ``request`` given.
    """
    session = _session(request)
    flashes = list(session.get(_KEY, ()))
    flashes.append((str(category), str(message)))
    session[_KEY] = flashes


@overload
def get_flashed_messages(
    with_categories: Literal[False] = False,
    category_filter: Iterable[str] = (),
    *,
    request: HTTPConnection | None = None,
) -> list[str]: ...
@overload
def get_flashed_messages(
    with_categories: Literal[True],
    category_filter: Iterable[str] = (),
    *,
    request: HTTPConnection | None = None,
) -> list[tuple[str, str]]: ...
def get_flashed_messages(
    with_categories: bool = False,
    category_filter: Iterable[str] = (),
    *,
    request: HTTPConnection | None = None,
) -> list[str] | list[tuple[str, str]]:
    """The flashed messages, removed from the session (Flask's semantics).

    The first call in a request takes every message out of the session, whatever the
    filter; later calls in the same request return from that same set.

    Args:
        with_categories: Return ``(category, message)`` pairs instead of messages.
        category_filter: Only messages in these categories (all when empty).
        request: The request whose session to use (default: the current one).

    Raises:
        HeronError: No request with a session is being handled and no ``request`` given.
    """
    session = _session(request)
    ctx = _context(request)
    flashes = ctx.flashes if ctx is not None else None
    if flashes is None:
        stored = session.pop(_KEY) if _KEY in session else []
        flashes = [(str(category), str(message)) for category, message in _pairs(stored)]
        if ctx is not None:
            ctx.flashes = flashes
    if category_filter:
        wanted = set(category_filter)
        flashes = [pair for pair in flashes if pair[0] in wanted]
    if with_categories:
        return list(flashes)
    return [message for _, message in flashes]


def _context(request: HTTPConnection | None) -> RequestContext | None:
    """The context that keeps this request's taken messages (None: none to keep them)."""
    if request is not None:
        found: RequestContext | None = request.scope.get(CONTEXT_KEY)
        return found
    return current_context("get_flashed_messages")


def _pairs(stored: Any) -> list[tuple[Any, Any]]:
    """The ``(category, message)`` pairs of what the session held; junk is skipped."""
    if not isinstance(stored, list):
        return []
    return [tuple(item) for item in stored if isinstance(item, list | tuple) and len(item) == 2]
