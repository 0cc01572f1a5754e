"""Running sync code without blocking the event loop.

Sync endpoints, dependencies and file reads go through ``run_in_threadpool``; the
worker-thread limit is anyio's default capacity limiter (40 threads).
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import ParamSpec, TypeVar

import anyio.to_thread

__all__ = ["iterate_in_threadpool", "run_in_threadpool", "run_until_first_complete"]

P = ParamSpec("P")
T = TypeVar("T")


async def run_in_threadpool(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call ``func`` in a worker thread and return its result.

    Context variables are copied into the thread, so ``request``-scoped contextvars
    set on the loop are visible to sync code.
    """
    ctx = contextvars.copy_context()
    call = functools.partial(_boxed, ctx, func, *args, **kwargs)
    return (await anyio.to_thread.run_sync(call))[0]


def _boxed(
    ctx: contextvars.Context, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> tuple[T]:
    # NOTE: the result travels in a tuple: trio refuses a thread's function that returns a
    # coroutine (a sync callable returning an awaitable, which the caller awaits).
    return (ctx.run(func, *args, **kwargs),)


class _StopIteration(Exception):
    pass


def _next(iterator: Iterator[T]) -> T:
    # StopIteration cannot cross a Future boundary, so it travels as another exception.
    try:
        return next(iterator)
    except StopIteration:
        raise _StopIteration from None


async def iterate_in_threadpool(iterator: Iterable[T]) -> AsyncIterator[T]:
    """Iterate a sync iterable, each ``next()`` in a worker thread."""
    as_iterator = iter(iterator)
    while True:
        try:
            yield await anyio.to_thread.run_sync(_next, as_iterator)
        except _StopIteration:
            break


async def run_until_first_complete(*args: tuple[Callable[..., object], dict[str, object]]) -> None:
    """Run several coroutine functions; when one finishes, cancel the others."""
    async with anyio.create_task_group() as tg:

        async def run(func: Callable[..., object], kwargs: dict[str, object]) -> None:
            await func(**kwargs)  # type: ignore[misc]
            tg.cancel_scope.cancel()

        for func, kwargs in args:
            tg.start_soon(run, func, kwargs)
