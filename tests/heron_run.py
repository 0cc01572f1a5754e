"""``heron run …`` in a subprocess on a free port, for end-to-end tests of the command.

``with heron_run("apps_scale_out:app", "--workers", "2") as served:`` starts it in the
tests directory, waits (bounded) until it accepts connections, and stops its whole
process group on exit (workers included).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from servers import TESTS_DIR, _stop, _wait_until_accepting, free_port

__all__ = ["Served", "heron_run"]

STARTUP_TIMEOUT = 30.0


@dataclass
class Served:
    """A running ``heron run``: its port, process (the master) and log."""

    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text("utf-8", "replace")


@contextlib.contextmanager
def heron_run(app: str, *args: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    """Run ``heron run APP --host 127.0.0.1 --port <free> ARGS…`` until the block ends.

    Raises:
        RuntimeError: It did not accept connections in time (the message holds its log).
    """
    with tempfile.NamedTemporaryFile(prefix="heron-run-", suffix=".log") as log:
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "heron",
            "run",
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            *args,
        ]
        proc = subprocess.Popen(
            command,
            cwd=TESTS_DIR,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: _stop reaches the workers
        )
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            if not _wait_until_accepting(proc, "127.0.0.1", port, deadline):
                raise RuntimeError(f"heron run did not start:\n{Path(log.name).read_text()}")
            yield Served(port, proc, Path(log.name))
        finally:
            _stop(proc)
