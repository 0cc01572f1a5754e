"""Serving files from a directory: ``StaticFiles`` (FastAPI's) and the app's ``static/`` folder.

Called by the router (a ``Mount`` of ``StaticFiles``, or the ``static`` route an app adds
for its static folder); calls ``FileResponse``, which answers ETag, Last-Modified, 304,
Range and HEAD. Every path goes through :func:`safe_join` (``heron.utils``'s, re-exported
here) before the disk is touched: NUL bytes, backslashes, absolute paths, ``..`` segments
that climb out and (unless ``follow_symlink``) symlinks that point out of the directory
all end in a 404.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import stat
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from heron.datastructures import URL
from heron.exception_handlers import respond_to_exception
from heron.exceptions import HeronError, HTTPException
from heron.requests import RequestContext
from heron.responses import FileResponse, RedirectResponse, Response
from heron.routes import Route, get_route_path
from heron.types import Receive, Scope, Send
from heron.utils import safe_join

if TYPE_CHECKING:
    from heron.applications import Heron

__all__ = [
    "StaticFiles",
    "app_directory",
    "install_static_folder",
    "safe_join",
    "static_folder_route",
]

PathLike = str | os.PathLike[str]


def _inside(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives (Windows)
        return False


class StaticFiles:
    """An ASGI app serving the files of one or more directories.

    Mount it: ``app.mount("/static", StaticFiles(directory="static"), name="static")``.

    Args:
        directory: The directory to serve.
        packages: Python packages whose ``statics`` folder is served too, as names or as
            ``(package, folder)`` pairs; looked up after ``directory``.
        html: HTML mode: a directory answers its ``index.html`` (redirecting ``/dir`` to
            ``/dir/``), and a missing file answers ``404.html`` when there is one.
        check_dir: Raise at construction when ``directory`` does not exist.
        follow_symlink: Serve symlinks that point out of the directory (the link itself
            must still be inside it).

    Raises:
        HeronError: ``check_dir`` and the directory does not exist, or a package has no
            such folder.
    """

    def __init__(
        self,
        *,
        directory: PathLike | None = None,
        packages: Sequence[str | tuple[str, str]] | None = None,
        html: bool = False,
        check_dir: bool = True,
        follow_symlink: bool = False,
    ) -> None:
        self.directory = directory
        self.packages = packages
        self.all_directories = self.get_directories(directory, packages)
        self.html = html
        self.config_checked = False
        self.follow_symlink = follow_symlink
        if check_dir and directory is not None and not os.path.isdir(directory):
            raise HeronError(f"Directory '{directory}' does not exist")
        self._roots: list[str] | None = None

    def get_directories(
        self,
        directory: PathLike | None = None,
        packages: Sequence[str | tuple[str, str]] | None = None,
    ) -> list[PathLike]:
        """The directories to look files up in, ``directory`` first, then the packages'."""
        directories: list[PathLike] = [] if directory is None else [directory]
        for package in packages or ():
            name, folder = (package, "statics") if isinstance(package, str) else package
            spec = importlib.util.find_spec(name)
            if spec is None or spec.origin is None:
                raise HeronError(f"Package {name!r} could not be found")
            path = os.path.join(os.path.dirname(spec.origin), folder)
            if not os.path.isdir(path):
                raise HeronError(f"Directory '{folder}' in package {name!r} could not be found")
            directories.append(path)
        return directories

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the file at the request's path below the mount; a WebSocket is closed.

        The directory is checked on the first request. An ``HTTPException`` (a 404…) goes
        through the application's exception handlers, as a route's would.
        """
        if scope["type"] != "http":
            # A WebSocket reached a static mount: nothing to serve, close it politely.
            await send({"type": "websocket.close", "code": 1000, "reason": ""})
            return
        if not self.config_checked:
            await self.check_config()
            self.config_checked = True
        try:
            response = await self.get_response(self.get_path(scope), scope)
        except HTTPException as exc:
            # Through the application's exception handlers, as a route's 404 would be.
            await respond_to_exception(RequestContext.of(scope, receive, send), exc)
            return
        await response(scope, receive, send)

    def get_path(self, scope: Scope) -> str:
        """The requested path below the mount point, ``/``-separated, without a leading ``/``."""
        return get_route_path(scope).lstrip("/")

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The response for ``path`` (the override point of FastAPI's subclasses).

        Raises:
            HTTPException: 404 when nothing may be served, 405 for methods other than
                GET and HEAD, 401 when the file cannot be read.
        """
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(405, headers={"Allow": "GET, HEAD"})
        full_path, stat_result = await self._lookup(path)
        if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
            return self.file_response(full_path, stat_result, scope)
        if stat_result is not None and stat.S_ISDIR(stat_result.st_mode) and self.html:
            index = f"{path.rstrip('/')}/index.html" if path.strip("/") else "index.html"
            full_path, stat_result = await self._lookup(index)
            if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
                if not scope["path"].endswith("/"):
                    return _slash_redirect(scope)
                return self.file_response(full_path, stat_result, scope)
        if self.html:
            full_path, stat_result = await self._lookup("404.html")
            if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
                return FileResponse(full_path, status_code=404, stat_result=stat_result)
        raise HTTPException(404)

    async def _lookup(self, path: str) -> tuple[str, os.stat_result | None]:
        try:
            return await anyio.to_thread.run_sync(self.lookup_path, path)
        except PermissionError:
            raise HTTPException(401) from None
        except OSError as exc:
            if exc.errno in (errno.ENAMETOOLONG, errno.ELOOP, errno.EINVAL):
                raise HTTPException(404) from None
            raise
        except ValueError:  # anything else os.stat refuses as a path
            raise HTTPException(404) from None

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        """The real path and ``os.stat`` of ``path`` in the first directory having it.

        Returns ``("", None)`` when no directory has it, or when ``path`` is unsafe
        (see :func:`safe_join`) or resolves out of its directory.
        """
        for root in self._real_roots():
            joined = safe_join(root, path)
            if joined is None:
                return "", None
            # SECURITY(CVE-2023-29159, CVE-2024-32982): resolve first, then compare whole
            # path components (commonpath), never string prefixes.
            full_path = os.path.abspath(joined) if self.follow_symlink else os.path.realpath(joined)
            if not _inside(full_path, root):
                continue
            try:
                return full_path, os.stat(full_path)
            except (FileNotFoundError, NotADirectoryError):
                continue
        return "", None

    def _real_roots(self) -> list[str]:
        if self._roots is None:
            resolve = os.path.abspath if self.follow_symlink else os.path.realpath
            self._roots = [resolve(os.fspath(d)) for d in self.all_directories]
        return self._roots

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """A ``FileResponse`` for a found file (it answers 304 and ranges itself)."""
        return FileResponse(full_path, status_code=status_code, stat_result=stat_result)

    async def check_config(self) -> None:
        """Check once that ``directory`` is a directory, so a typo fails loudly.

        Raises:
            HeronError: It does not exist or is not a directory.
        """
        if self.directory is None:
            return
        try:
            stat_result = await anyio.to_thread.run_sync(os.stat, self.directory)
        except FileNotFoundError:
            raise HeronError(f"StaticFiles directory '{self.directory}' does not exist.") from None
        if not stat.S_ISDIR(stat_result.st_mode):
            raise HeronError(f"StaticFiles path '{self.directory}' is not a directory.")


def _slash_redirect(scope: Scope) -> Response:
    url = URL(scope=scope)
    # Never "//host/...": a Location starting with two slashes leaves the site.
    return RedirectResponse(url.replace(path="/" + url.path.lstrip("/") + "/"))


# ---------------------------------------------------------------- the app's static folder


class _StaticFolder(StaticFiles):
    """The app's static folder, served by a ``/static/{path:path}`` route named ``static``.

    A route, not a mount: the router keeps matching in its compiled block, and both
    ``url_for("static", filename=...)`` (Flask) and ``url_for("static", path=...)``
    (FastAPI) reach it.
    """

    def get_path(self, scope: Scope) -> str:
        return str(scope.get("path_params", {}).get("path", ""))


def static_folder_route(directory: str | None, url_path: str | None) -> Route | None:
    """The ``static`` route serving ``directory`` under ``url_path``, if the folder exists.

    Args:
        directory: The absolute path of the folder (None: no static folder).
        url_path: The URL prefix (``/static``).

    Returns:
        The route, or None when there is no such folder.
    """
    if directory is None or url_path is None or not os.path.isdir(directory):
        return None
    prefix = "/" + url_path.strip("/") if url_path.strip("/") else ""
    endpoint = _StaticFolder(directory=directory, check_dir=False)
    return Route(f"{prefix}/{{path:path}}", endpoint, name="static", include_in_schema=False)


def app_directory(import_name: str | None = None, *, depth: int = 1) -> str:
    """The directory an application's ``templates/`` and ``static/`` folders are found in.

    With ``import_name`` (``Heron(__name__)``, as ``Flask(__name__)``): the directory of
    that module or package. Without: the directory of the module whose code created the
    app (the first caller outside Heron). The current directory when the module has no
    file (an interactive session, ``python -c``).

    Args:
        import_name: A module name, usually ``__name__``.
        depth: Frames to skip before looking for the caller.

    Returns:
        An absolute directory path.
    """
    filename: Any = None
    if import_name is not None:
        module = sys.modules.get(import_name)
        filename = getattr(module, "__file__", None)
        if filename is None and import_name != "__main__":
            try:
                spec = importlib.util.find_spec(import_name)
            except (ImportError, ValueError):
                spec = None
            filename = spec.origin if spec is not None else None
    else:
        frame = sys._getframe(depth)
        while frame.f_back is not None and _is_heron_frame(frame):
            frame = frame.f_back
        filename = frame.f_globals.get("__file__")
    if not isinstance(filename, str) or not filename:
        return os.getcwd()
    return os.path.dirname(os.path.abspath(filename))


def _is_heron_frame(frame: Any) -> bool:
    name = frame.f_globals.get("__name__", "")
    return name == "heron" or str(name).startswith("heron.")


def install_static_folder(app: Heron) -> None:
    """Append the app's pending ``static`` route to its routes (once, at first use).

    Appended last, so routes and mounts the app registered itself win: a FastAPI app
    that mounts its own ``StaticFiles`` at ``/static`` keeps serving that.
    """
    route = getattr(app, "_static_route", None)
    if route is not None:
        app._static_route = None
        app.router.add_route(route)
