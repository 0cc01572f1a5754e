"""The ASGI lifespan protocol: startup, shutdown and the state they hand to requests.

Called by ``Heron`` for the ``lifespan`` scope. A ``lifespan=`` context manager runs
around the app's life; the mapping it yields is copied into every request's
``request.state`` (through the server's ``scope["state"]``). ``on_startup`` and
``on_shutdown`` callables run before and after it.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from heron.concurrency import run_in_threadpool
from heron.types import Receive, Scope, Send

__all__ = ["LifespanRunner"]


async def _call(func: Callable[[], Any]) -> None:
    if inspect.iscoroutinefunction(func):
        await func()
    else:
        await run_in_threadpool(func)


class LifespanRunner:
    """Runs the lifespan of one application.

    Args:
        lifespan: ``lifespan(app)`` returning an async context manager (may yield a mapping).
        on_startup: Callables run at startup, before ``lifespan`` is entered.
        on_shutdown: Callables run at shutdown, after ``lifespan`` is exited.
    """

    def __init__(
        self,
        lifespan: Callable[[Any], AbstractAsyncContextManager[Any]] | None,
        on_startup: Sequence[Callable[[], Any]],
        on_shutdown: Sequence[Callable[[], Any]],
    ) -> None:
        self.lifespan = lifespan
        self.on_startup = list(on_startup)
        self.on_shutdown = list(on_shutdown)

    @asynccontextmanager
    async def context(self, app: Any) -> AsyncIterator[Any]:
        """Startup handlers, the lifespan context, then shutdown handlers."""
        for handler in self.on_startup:
            await _call(handler)
        if self.lifespan is None:
            yield None
        else:
            async with self.lifespan(app) as state:
                yield state
        for handler in self.on_shutdown:
            await _call(handler)

    async def __call__(self, app: Any, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the ASGI lifespan protocol for ``app`` around :meth:`context`.

        Startup is complete once the context is entered; the mapping the lifespan yields
        goes into ``scope["state"]``. A failure is sent as ``lifespan.startup.failed`` or
        ``lifespan.shutdown.failed`` and re-raised.

        Raises:
            RuntimeError: The lifespan yields state but the server has no ``"state"``.
        """
        started = False
        await receive()  # lifespan.startup
        try:
            async with self.context(app) as state:
                if state is not None:
                    if "state" not in scope:
                        raise RuntimeError(
                            'The server does not support "state" in the lifespan scope.'
                        )
                    scope["state"].update(state)
                await send({"type": "lifespan.startup.complete"})
                started = True
                await receive()  # lifespan.shutdown
        except BaseException:
            text = traceback.format_exc()
            if started:
                await send({"type": "lifespan.shutdown.failed", "message": text})
            else:
                await send({"type": "lifespan.startup.failed", "message": text})
            raise
        await send({"type": "lifespan.shutdown.complete"})
