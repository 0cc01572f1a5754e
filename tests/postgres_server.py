"""A real PostgreSQL server on a free loopback port, for tests that need PostgreSQL.

``with postgres_server() as server:`` runs ``initdb`` in a temporary directory, starts
``postgres`` on a free port (listening on 127.0.0.1 only, its unix socket in the same
directory, ``trust`` authentication, durability turned off for speed), waits until it
accepts connections and yields a :class:`PostgresServer`; leaving the block stops it and
removes the directory. ``server.stop()`` and ``server.start()`` take it down and bring it
back on the same port with the same data, for "the database went away" tests, and
``server.create_database()`` gives each test a database of its own.

The binaries come from Debian's ``postgresql`` package (``/usr/lib/postgresql/*/bin``;
``.ci/run`` installs it). ``initdb`` and ``postgres`` refuse to run as root: as root, they
run as the ``postgres`` system user (the directory is chowned to it). They are started with
``subprocess.Popen(user=...)`` rather than through ``runuser``, so the stop signal reaches
``postgres`` itself and not a wrapper that might not forward it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from servers import free_port

__all__ = ["PostgresServer", "postgres_server"]

STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
# Settings for a throwaway test server: nothing is worth an fsync.
SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "50",
    "shared_buffers": "16MB",
    "log_min_messages": "warning",
}
_names = itertools.count(1)


def _bin_dir() -> Path:
    """The directory of ``initdb``/``postgres``: the newest Debian version, else PATH."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    for directory in reversed(versions):
        if (directory / "postgres").exists():
            return directory
    found = shutil.which("initdb") or shutil.which("postgres")
    if found is None:
        raise RuntimeError(
            "PostgreSQL is not installed: apt-get install -y postgresql (.ci/run does)"
        )
    return Path(found).resolve().parent


def _run_as() -> dict[str, Any]:
    """``Popen`` options that drop root to the ``postgres`` user (nothing when not root)."""
    if os.geteuid() != 0:
        return {}
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError(
            "Running as root and there is no 'postgres' user to run PostgreSQL as "
            "(Debian's postgresql package creates it)"
        ) from None
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


@dataclass
class PostgresServer:
    """One PostgreSQL server this test session started (and restarts) on ``port``."""

    port: int
    directory: Path
    host: str = "127.0.0.1"
    user: str = "postgres"
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    @property
    def log_path(self) -> Path:
        return self.directory / "postgres.log"

    def url(self, database: str = "postgres", driver: str = "asyncpg") -> str:
        """A SQLAlchemy URL of ``database`` on this server (``driver=""``: none)."""
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{database}"

    def init(self) -> None:
        """Create the data directory (``initdb``), owned by the user the server runs as."""
        options = _run_as()
        if options:
            os.chown(self.directory, options["user"], options["group"])
        subprocess.run(
            [
                str(_bin_dir() / "initdb"),
                "--pgdata",
                str(self.data_dir),
                "--username",
                self.user,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                "--no-sync",
                "--no-instructions",
            ],
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            **options,
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        settings = {
            **SETTINGS,
            "port": str(self.port),
            "unix_socket_directories": str(self.directory),
        }
        command = [str(_bin_dir() / "postgres"), "-D", str(self.data_dir)]
        for name, value in settings.items():
            command += ["-c", f"{name}={value}"]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                **_run_as(),
            )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"postgres exited with {self.proc.returncode}:\n{self.log_path.read_text()}"
                )
            if self.ready():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"postgres did not start in time:\n{self.log_path.read_text()}")

    def client(self, program: str, *arguments: str) -> list[str]:
        """The command line of client ``program`` (``psql``…) aimed at this server."""
        return [
            str(_bin_dir() / program),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--username",
            self.user,
            *arguments,
        ]

    def ready(self) -> bool:
        """Whether the server accepts connections now (``pg_isready``)."""
        result = subprocess.run(
            self.client("pg_isready", "--timeout", "2"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return result.returncode == 0

    def stop(self) -> None:
        """Stop the server: "fast" shutdown (SIGINT: sessions are cut), SIGKILL if stuck."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_TIMEOUT)

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run ``sql`` with ``psql`` (as a client: any user may); returns its output."""
        result = subprocess.run(
            self.client(
                "psql",
                "--dbname",
                database,
                "--no-psqlrc",
                "--tuples-only",
                "--no-align",
                "--set",
                "ON_ERROR_STOP=1",
                "--command",
                sql,
            ),
            check=True,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()

    def create_database(self, prefix: str = "test") -> str:
        """Create a new empty database; returns its SQLAlchemy (asyncpg) URL."""
        name = f"{prefix}_{next(_names)}"
        self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A started :class:`PostgresServer`, stopped (and its directory removed) on exit."""
    with tempfile.TemporaryDirectory(prefix="heron-pg-") as directory:
        server = PostgresServer(port=free_port(), directory=Path(directory))
        server.init()
        server.start()
        try:
            yield server
        finally:
            server.stop()
