"""Run a real ASGI server (uvicorn or granian) in a subprocess, for end-to-end tests.

``serve("apps_bad_input:app")`` starts the server on a free loopback port, waits until it
accepts connections and yields a :class:`Server`; leaving the block stops it (SIGTERM to
its own process group, SIGKILL after a grace period). Every wait has a hard timeout.

The server's stdout and stderr go to a log file; ``Server.log()`` reads it, so a test can
assert that a bad request left no traceback behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "RawResponse",
    "Server",
    "exchange",
    "free_port",
    "granian_available",
    "read_response",
    "serve",
]

TESTS_DIR = Path(__file__).resolve().parent
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
SOCKET_TIMEOUT = 5.0


@dataclass
class Server:
    """A running server: where it listens and what it logged."""

    host: str
    port: int
    kind: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    _log_mark: int = field(default=0, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    def log(self) -> str:
        """Everything the server printed so far."""
        return self.log_path.read_bytes().decode("utf-8", "replace")

    def mark_log(self) -> None:
        """Remember the current end of the log; :meth:`new_log` reads from there."""
        self._log_mark = self.log_path.stat().st_size

    def new_log(self) -> str:
        """What the server printed since the last :meth:`mark_log`."""
        with self.log_path.open("rb") as fh:
            fh.seek(self._log_mark)
            return fh.read().decode("utf-8", "replace")

    def alive(self) -> bool:
        return self.proc.poll() is None


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def granian_available() -> bool:
    try:
        import granian  # noqa: F401
    except ImportError:
        return False
    return True


def _command(kind: str, app: str, host: str, port: int, http: str, app_dir: Path,
             extra: Sequence[str]) -> list[str]:
    if kind == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", app,
            "--host", host, "--port", str(port),
            "--app-dir", str(app_dir),
            "--http", http,
            "--log-level", "warning",
            "--no-access-log",
            "--lifespan", "on",
            *extra,
        ]
    if kind == "granian":
        return [
            sys.executable, "-m", "granian", app,
            "--interface", "asgi",
            "--host", host, "--port", str(port),
            "--workers", "1",
            "--working-dir", str(app_dir),
            "--log-level", "warning",
            *extra,
        ]
    raise ValueError(f"unknown server kind {kind!r}")


def _wait_until_accepting(proc: subprocess.Popen[bytes], host: str, port: int,
                          deadline: float) -> bool:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server's own process group: SIGTERM, then SIGKILL after a grace period."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=STOP_TIMEOUT)


@contextlib.contextmanager
def serve(
    app: str,
    *,
    kind: str = "uvicorn",
    http: str = "auto",
    host: str = "127.0.0.1",
    app_dir: Path = TESTS_DIR,
    extra_args: Sequence[str] = (),
    env: dict[str, str] | None = None,
    startup_timeout: float = STARTUP_TIMEOUT,
    attempts: int = 3,
) -> Iterator[Server]:
    """Serve ``module:attr`` with uvicorn (``http``: auto, h11, httptools) or granian.

    Raises:
        RuntimeError: The server did not accept connections within ``startup_timeout``
            (the message holds its log).
    """
    log_file = tempfile.NamedTemporaryFile(
        prefix=f"heron-{kind}-", suffix=".log", delete=False
    )
    log_path = Path(log_file.name)
    proc_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    proc: subprocess.Popen[bytes] | None = None
    try:
        for _ in range(attempts):
            port = free_port(host)
            proc = subprocess.Popen(
                _command(kind, app, host, port, http, app_dir, extra_args),
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                cwd=str(app_dir),
                env=proc_env,
                start_new_session=True,  # its own process group, so _stop reaches workers
            )
            if _wait_until_accepting(proc, host, port, time.monotonic() + startup_timeout):
                break
            _stop(proc)
            proc = None
        if proc is None:
            log_file.flush()
            raise RuntimeError(
                f"{kind} did not start serving {app}:\n{log_path.read_text('utf-8', 'replace')}"
            )
        yield Server(host=host, port=port, kind=f"{kind}-{http}", proc=proc, log_path=log_path)
    finally:
        if proc is not None:
            _stop(proc)
        log_file.close()
        with contextlib.suppress(OSError):
            log_path.unlink()


# ---------------------------------------------------------------- raw HTTP/1.1 over a socket


@dataclass
class RawResponse:
    """A parsed HTTP/1.x response; ``status`` is 0 when the server closed without one."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    raw: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def header_list(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.headers if key == name]


def _recv_until(sock: socket.socket, buf: bytearray, done: Callable[[bytes], bool],
                deadline: float) -> bool:
    """Receive into ``buf`` until ``done(buf)``; False at EOF. Raises TimeoutError."""
    while not done(bytes(buf)):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no complete response before the deadline")
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return False
        except TimeoutError:
            raise TimeoutError("no complete response before the deadline") from None
        if not chunk:
            return False
        buf += chunk
    return True


def _dechunk(data: bytes) -> tuple[bytes, bool]:
    body = bytearray()
    pos = 0
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0:
            return bytes(body), False
        size = int(data[pos:end].split(b";")[0].strip() or b"0", 16)
        if size == 0:
            return bytes(body), data.find(b"\r\n\r\n", end) >= 0 or data.endswith(b"0\r\n\r\n")
        start = end + 2
        if len(data) < start + size + 2:
            return bytes(body), False
        body += data[start : start + size]
        pos = start + size + 2


def read_response(sock: socket.socket, *, head: bool = False, timeout: float = SOCKET_TIMEOUT,
                  buffer: bytearray | None = None) -> RawResponse:
    """Read one response from ``sock`` (raises TimeoutError after ``timeout`` seconds).

    Pass the same ``buffer`` to successive calls on one connection (pipelining): bytes
    received past the end of a response are kept there for the next call.
    """
    deadline = time.monotonic() + timeout
    buf = buffer if buffer is not None else bytearray()
    if not _recv_until(sock, buf, lambda b: b"\r\n\r\n" in b, deadline) and (
        b"\r\n\r\n" not in buf
    ):
        leftover = bytes(buf)
        buf.clear()
        return RawResponse(0, [], b"", leftover)
    head_end = buf.index(b"\r\n\r\n") + 4
    lines = bytes(buf[: head_end - 4]).split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers.append((name.strip().lower().decode("latin-1"), value.strip().decode("latin-1")))
    response = RawResponse(status, headers, b"", bytes(buf[:head_end]))
    del buf[:head_end]
    if head or status in (204, 304) or 100 <= status < 200:
        return response
    length = response.header("content-length")
    if length is not None:
        size = int(length)
        _recv_until(sock, buf, lambda b: len(b) >= size, deadline)
        response.body = bytes(buf[:size])
        del buf[:size]
    elif (response.header("transfer-encoding") or "").lower() == "chunked":
        _recv_until(sock, buf, lambda b: _dechunk(b)[1], deadline)
        response.body = _dechunk(bytes(buf))[0]
        buf.clear()
    else:
        _recv_until(sock, buf, lambda b: False, deadline)
        response.body = bytes(buf)
        buf.clear()
    response.raw += response.body
    return response


def exchange(address: tuple[str, int], data: bytes, *, head: bool = False,
             timeout: float = SOCKET_TIMEOUT) -> RawResponse:
    """Send raw ``data`` on a new connection and read one response.

    ``status`` is 0 when the server closed the connection without answering.
    """
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered (and closed) before reading everything
        return read_response(sock, head=head, timeout=timeout)
