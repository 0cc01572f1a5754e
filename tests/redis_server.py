"""A real ``redis-server`` on a free loopback port, for tests that need Redis.

``with redis_server() as server:`` starts one (no persistence, in a temporary directory),
waits until it answers ``PING`` and yields a :class:`RedisServer`; leaving the block stops
it. ``server.stop()`` and ``server.start()`` take it down and bring it back on the same
port, for "Redis went away" tests. The ``redis_server`` fixture in ``conftest.py`` wraps it.

``redis-server`` comes from Debian's ``redis-server`` package (``.ci/run`` installs it).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from servers import free_port

__all__ = ["RedisServer", "redis_server"]

STARTUP_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


@dataclass
class RedisServer:
    """One redis-server process this test started (and restarts) on ``port``."""

    port: int
    directory: Path
    host: str = "127.0.0.1"
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError(
                "redis-server is not installed: apt-get install -y redis-server (.ci/run does)"
            )
        self.proc = subprocess.Popen(
            [
                executable,
                "--port",
                str(self.port),
                "--bind",
                self.host,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--loglevel",
                "warning",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}")
            if self.command(b"PING") == b"+PONG":
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("redis-server did not answer PING in time")

    def stop(self) -> None:
        """Stop the server this object started (SIGTERM, then SIGKILL)."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT)

    def command(self, *words: bytes) -> bytes | None:
        """Send one inline command; the first line of the reply (None if unreachable)."""
        try:
            with socket.create_connection((self.host, self.port), timeout=1.0) as sock:
                sock.sendall(b" ".join(words) + b"\r\n")
                reply = b""
                while not reply.endswith(b"\r\n"):
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    reply += chunk
                return reply.split(b"\r\n", 1)[0]
        except OSError:
            return None


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A started :class:`RedisServer`, stopped (and its directory removed) on exit."""
    with tempfile.TemporaryDirectory(prefix="heron-redis-") as directory:
        server = RedisServer(port=free_port(), directory=Path(directory))
        server.start()
        try:
            yield server
        finally:
            server.stop()
