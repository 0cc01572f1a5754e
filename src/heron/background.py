"""Work that runs after the response has been sent.

Called by ``responses.Response.__call__`` once the last body chunk is out.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec

from heron.concurrency import run_in_threadpool

__all__ = ["BackgroundTask", "BackgroundTasks"]

P = ParamSpec("P")


class BackgroundTask:
    """One call to make after the response.

    Args:
        func: A sync or async callable; sync ones run in the thread pool.
        *args: Positional arguments for ``func``.
        **kwargs: Keyword arguments for ``func``.
    """

    def __init__(self, func: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.is_async = _is_async_callable(func)

    async def __call__(self) -> None:
        """Make the call; a sync ``func`` runs in the thread pool.

        An awaitable that a sync ``func`` returns is awaited too, so the task really runs.
        """
        if self.is_async:
            await self.func(*self.args, **self.kwargs)
        else:
            result = await run_in_threadpool(self.func, *self.args, **self.kwargs)
            if inspect.isawaitable(result):
                # e.g. ``lambda: send_email(to)`` with an async ``send_email``: without this
                # the coroutine would be dropped and the task would silently never run.
                await result


def _is_async_callable(func: Any) -> bool:
    while isinstance(func, functools.partial):
        func = func.func
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        getattr(func, "__call__", None)  # noqa: B004 - async __call__ on an instance
    )


class BackgroundTasks(BackgroundTask):
    """Several background calls, run in the order they were added.

    Args:
        tasks: Initial tasks.
    """

    def __init__(self, tasks: Sequence[BackgroundTask] | None = None) -> None:
        self.tasks = list(tasks) if tasks else []

    def add_task(self, func: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> None:
        """Queue ``func(*args, **kwargs)`` to run after the response."""
        self.tasks.append(BackgroundTask(func, *args, **kwargs))

    async def __call__(self) -> None:
        """Run the tasks in order; one that raises stops the rest."""
        for task in self.tasks:
            await task()
