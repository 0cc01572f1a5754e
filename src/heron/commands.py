"""``AppGroup``: click groups whose commands run with the app loaded (Flask's ``AppGroup``).

Called by ``app.cli`` and ``router.cli`` (each is an :class:`AppGroup`) and by the
``heron`` command (``heron.cli``), which lists an app's commands and those of its included
routers; calls click, the app's lifespan (through ``TestClient``) and
``heron.globals.app_context``. Imported on first use of ``cli``: click takes ~33 ms to
import, so programs without commands never pay for it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import anyio
import click

from heron.globals import app_context, g
from heron.testclient import TestClient

__all__ = ["APP_LOADER", "AppGroup", "running"]

#: The key of ``click.Context.meta`` where the ``heron`` command leaves its app loader
#: (``heron.cli.load_app``), for commands of a group that is not an app's own.
APP_LOADER = "heron.load_app"


@contextmanager
def _app_context(app: Any, state: dict[str, Any]) -> Iterator[None]:
    """``current_app`` is ``app``; ``g`` starts with the lifespan state (as a request's)."""
    with app_context(app):
        for name, value in state.items():
            setattr(g, name, value)
        yield


@contextmanager
def running(app: Any, *, lifespan: bool = True) -> Iterator[Callable[..., Any]]:
    """Run ``app``'s lifespan and app context around a block; yields ``call(func, ...)``.

    ``call`` runs ``func`` here (the main thread: signals, the terminal and IPython work
    as usual); when it returns an awaitable, that is awaited on the lifespan's event loop,
    so async resources the lifespan made (engines, pools) are used on their own loop.
    """
    with ExitStack() as stack:
        portal = None
        state: dict[str, Any] = {}
        if lifespan:
            # NOTE: TestClient's `with` is exactly what is needed: the ASGI lifespan
            # protocol (the whole app, middleware included) on an event loop in a thread,
            # kept until the block ends; its errors are the app's own exceptions.
            client = TestClient(app)
            stack.callback(client.close)
            stack.enter_context(client)
            portal, state = client.portal, client.app_state
        stack.enter_context(_app_context(app, state))

        def call(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            result = func(*args, **kwargs)
            if not inspect.isawaitable(result):
                return result

            async def in_context() -> Any:
                with _app_context(app, state):
                    return await result

            return anyio.run(in_context) if portal is None else portal.call(in_context)

        yield call


def _find_app(ctx: click.Context) -> Any:
    """The app of the group the command belongs to, else the one ``heron`` loads."""
    current: click.Context | None = ctx
    while current is not None:
        app = getattr(current.command, "app", None)
        if app is not None:
            return app
        current = current.parent
    loader = ctx.find_root().meta.get(APP_LOADER)
    if loader is None:
        raise click.UsageError("No app to run this command with: run it through `heron`.")
    return loader(None)[1]


def _app_callback(
    func: Callable[..., Any], with_appcontext: bool, lifespan: bool
) -> Callable[..., Any]:
    @functools.wraps(func)
    def callback(*args: Any, **kwargs: Any) -> Any:
        if not with_appcontext:
            result = func(*args, **kwargs)
            if inspect.isawaitable(result):

                async def wait() -> Any:
                    return await result

                return anyio.run(wait)
            return result
        with running(_find_app(click.get_current_context()), lifespan=lifespan) as call:
            return call(func, *args, **kwargs)

    return callback


class AppGroup(click.Group):
    """A ``click.Group`` whose commands run with the app loaded (Flask's ``AppGroup``).

    ``app.cli`` is one, and so can be any group added to it
    (``app.cli.add_command(AppGroup("users"))``, the blueprint habit). Each command runs
    inside the app's lifespan (startup before, shutdown after, even when it fails) and app
    context: ``current_app`` is the app and ``g`` holds what the lifespan yielded. An
    ``async def`` command runs on the lifespan's event loop.

    ``@group.command(with_appcontext=False)`` runs a command bare (Flask's option);
    ``@group.command(lifespan=False)`` keeps the app context but skips the lifespan (a
    command that must not open connections).

    Args:
        name: The group's name.
        commands: Initial commands.
        app: The application (set for ``app.cli``); None: the app ``heron`` loads.
        **attrs: ``click.Group`` options.
    """

    def __init__(
        self,
        name: str | None = None,
        commands: Any = None,
        *,
        app: Any = None,
        **attrs: Any,
    ) -> None:
        super().__init__(name, commands, **attrs)
        self.app = app

    def command(
        self, *args: Any, with_appcontext: bool = True, lifespan: bool = True, **kwargs: Any
    ) -> Any:
        """Decorator adding a command (``click.command``'s arguments), run with the app.

        Args:
            *args: ``click.command``'s positional arguments (the name), or the function
                when used without parentheses.
            with_appcontext: Run inside the app's lifespan and app context.
            lifespan: Run the lifespan (with ``with_appcontext``).
            **kwargs: ``click.command``'s options.

        Returns:
            The decorator (or the command, without parentheses).
        """
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return self.command(with_appcontext=with_appcontext, lifespan=lifespan)(args[0])

        def decorator(func: Callable[..., Any]) -> click.Command:
            callback = _app_callback(func, with_appcontext, lifespan)
            command: click.Command = click.Group.command(self, *args, **kwargs)(callback)
            return command

        return decorator

    def group(self, *args: Any, **kwargs: Any) -> Any:
        """Decorator adding a sub-group, an :class:`AppGroup` unless ``cls`` says otherwise."""
        kwargs.setdefault("cls", AppGroup)
        return super().group(*args, **kwargs)

    def _router_commands(self) -> dict[str, click.Command]:
        """The ``cli`` groups of the routers included in the app (an app's group only).

        A group named None (``cli_group=None``) adds its commands themselves.
        """
        if self.app is None or getattr(self.app, "router", None) is None:
            return {}
        found: dict[str, click.Command] = {}
        for router in self.app.router.included_routers():
            group: AppGroup | None = router.__dict__.get("cli")
            if group is None or not group.commands:
                continue  # never asked for, or empty: nothing to list
            if group.name:
                found.setdefault(group.name, group)
            else:
                for name, command in group.commands.items():
                    found.setdefault(name, command)
        return found

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command ``cmd_name``: the group's own, else an included router's."""
        command = super().get_command(ctx, cmd_name)
        return command if command is not None else self._router_commands().get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The names of the group's commands and of the included routers', sorted."""
        return sorted({*super().list_commands(ctx), *self._router_commands()})
