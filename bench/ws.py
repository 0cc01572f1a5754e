#!/usr/bin/env python3
"""WebSocket benchmark: echo round trips and broadcast fan-out, Heron vs FastAPI vs Starlette.

    bench/.venv/bin/python bench/ws.py                       # 10 s per measurement
    bench/.venv/bin/python bench/ws.py --duration 2 --frameworks heron   # a smoke run

Same method as bench/run.py: one uvicorn worker pinned to CPU 0 (httptools, uvloop, the
websockets-sansio protocol), the load generator pinned to CPU 1, every phase bounded in
time. Each server is checked first (an echo must come back; a published message must reach
a subscriber) before anything is timed.

* echo: ``--echo-clients`` (8) connections each send a text message and wait for it back,
  in a loop; reported: round trips per second (all clients together).
* broadcast: ``--subscribers`` (100) connections on ``/sub`` and one publisher on ``/pub``;
  the publisher sends bursts of ``--burst`` (10) messages and waits until every subscriber
  has the last one. Reported: messages published per second and deliveries per second
  (= published x subscribers when nothing is dropped; drops are counted and reported).

Heron fans out with heron.channels (``websocket_fan_out``, memory://); FastAPI and
Starlette with the ``broadcaster`` package (memory://), their usual companion. Apps are in
bench/apps/ws_*.py. The load generator is Python (websockets' asyncio client): compare the
frameworks' ratios, not the absolute figures, which the client bounds too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
VENV = BENCH_DIR / ".venv"
VENV_PY = VENV / "bin" / "python"
RESULTS = BENCH_DIR / "results"
FRAMEWORKS = {
    "heron": "apps.ws_heron",
    "fastapi": "apps.ws_fastapi",
    "starlette": "apps.ws_starlette",
}
LABELS = {"heron": "Heron", "fastapi": "FastAPI", "starlette": "Starlette"}
PHASE_TIMEOUT = 60.0  # no phase runs longer than this, whatever happens


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- server


class Server:
    """``uvicorn apps.ws_<framework>:app`` pinned to CPU 0."""

    def __init__(self, framework: str, log_dir: Path) -> None:
        self.framework = framework
        self.port = free_port()
        self.log_path = log_dir / f"ws-{framework}.log"
        self.cmd = [
            "taskset", "-c", "0", str(VENV_PY), "-m", "uvicorn", f"{FRAMEWORKS[framework]}:app",
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
            "--http", "httptools", "--loop", "uvloop", "--ws", "websockets-sansio",
            "--log-level", "warning", "--no-access-log", "--app-dir", str(BENCH_DIR),
        ]
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            self.cmd, cwd=BENCH_DIR, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.framework} exited:\n{self.log_path.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.framework} did not start:\n{self.log_path.read_text()}")

    def __exit__(self, *exc_info: object) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


# --------------------------------------------------------------------------- load


async def echo_load(port: int, clients: int, duration: float) -> dict[str, float]:
    from websockets.asyncio.client import connect

    url = f"ws://127.0.0.1:{port}/echo"
    counts = [0] * clients

    async def client(index: int, stop_at: float) -> None:
        async with connect(url, open_timeout=10) as ws:
            message = f"hello {index}"
            await ws.send(message)  # the check: the echo comes back unchanged
            assert await asyncio.wait_for(ws.recv(), 10) == message
            while time.monotonic() < stop_at:
                await ws.send(message)
                await ws.recv()
                counts[index] += 1

    stop_at = time.monotonic() + duration
    started = time.monotonic()
    await asyncio.wait_for(
        asyncio.gather(*(client(i, stop_at) for i in range(clients))), duration + PHASE_TIMEOUT
    )
    elapsed = time.monotonic() - started
    return {"round_trips_per_s": sum(counts) / elapsed, "round_trips": sum(counts)}


async def broadcast_load(
    port: int, subscribers: int, burst: int, duration: float
) -> dict[str, float]:
    from websockets.asyncio.client import connect

    base = f"ws://127.0.0.1:{port}"
    last_seen = [-1] * subscribers
    received = [0] * subscribers
    markers = [0] * subscribers
    progress = asyncio.Event()

    async def subscriber(index: int, ws: object) -> None:
        async for text in ws:  # type: ignore[attr-defined]
            if text.startswith("{"):  # a Heron "missed" marker: messages were dropped
                markers[index] += 1
                continue
            last_seen[index] = int(text)
            received[index] += 1
            progress.set()

    async with asyncio.timeout(duration + PHASE_TIMEOUT):
        sockets = [await connect(base + "/sub", open_timeout=10, max_queue=None)
                   for _ in range(subscribers)]
        tasks = [asyncio.create_task(subscriber(i, ws)) for i, ws in enumerate(sockets)]
        try:
            async with connect(base + "/pub", open_timeout=10) as publisher:

                async def all_reached(target: int) -> None:
                    while min(last_seen) < target:
                        progress.clear()
                        await progress.wait()

                await publisher.send("0")  # the check: every subscriber gets it
                await asyncio.wait_for(all_reached(0), 10)
                sequence = 0
                started = time.monotonic()
                stop_at = started + duration
                while time.monotonic() < stop_at:
                    for _ in range(burst):
                        sequence += 1
                        await publisher.send(str(sequence))
                    await all_reached(sequence)
                elapsed = time.monotonic() - started
        finally:
            for task in tasks:
                task.cancel()
            for ws in sockets:
                await ws.close()
    deliveries = sum(received) - subscribers  # minus the check message
    return {
        "published_per_s": sequence / elapsed,
        "deliveries_per_s": deliveries / elapsed,
        "published": sequence,
        "dropped": sequence * subscribers - deliveries,
        "missed_markers": sum(markers),
    }


def run_load(kind: str, port: int, args: argparse.Namespace) -> dict[str, float]:
    """Run one load phase in a fresh interpreter pinned to CPU 1."""
    code = (
        "import asyncio, json, sys; sys.path.insert(0, %r); import ws; "
        "print(json.dumps(asyncio.run(ws.%s)))"
    )
    if kind == "echo":
        call = f"echo_load({port}, {args.echo_clients}, {args.duration})"
    else:
        call = f"broadcast_load({port}, {args.subscribers}, {args.burst}, {args.duration})"
    result = subprocess.run(
        ["taskset", "-c", "1", str(VENV_PY), "-c", code % (str(BENCH_DIR), call)],
        capture_output=True, text=True, timeout=args.duration + 2 * PHASE_TIMEOUT,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{kind} load failed:\n{result.stderr[-3000:]}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


# --------------------------------------------------------------------------- report


def report(results: dict[str, dict[str, dict[str, float]]], args: argparse.Namespace) -> str:
    lines = [
        f"### WebSockets {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"uvicorn (httptools, uvloop, websockets-sansio), 1 worker on CPU 0; Python load "
        f"generator on CPU 1; {args.duration:g} s per measurement.",
        "",
        f"| framework | echo round trips/s ({args.echo_clients} clients) | broadcast messages/s "
        f"| deliveries/s to {args.subscribers} clients | dropped |",
        "|---|---|---|---|---|",
    ]
    for name, result in results.items():
        echo, fan = result.get("echo", {}), result.get("broadcast", {})
        lines.append(
            f"| {LABELS[name]} | {echo.get('round_trips_per_s', 0):,.0f} "
            f"| {fan.get('published_per_s', 0):,.0f} | {fan.get('deliveries_per_s', 0):,.0f} "
            f"| {fan.get('dropped', 0):,.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--frameworks", default="heron,fastapi,starlette")
    parser.add_argument("--echo-clients", type=int, default=8)
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--burst", type=int, default=10)
    args = parser.parse_args()
    if not in_venv():
        if not VENV_PY.exists():
            sys.exit("bench/.venv is missing: run `python bench/run.py --inproc-only` once")
        os.execv(str(VENV_PY), [str(VENV_PY), str(Path(__file__).resolve()), *sys.argv[1:]])
    frameworks = [name.strip() for name in args.frameworks.split(",") if name.strip()]
    unknown = set(frameworks) - set(FRAMEWORKS)
    if unknown:
        sys.exit(f"unknown frameworks: {', '.join(sorted(unknown))}")
    log_dir = RESULTS / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name in frameworks:
        with Server(name, log_dir) as server:
            results[name] = {
                "echo": run_load("echo", server.port, args),
                "broadcast": run_load("broadcast", server.port, args),
            }
        print(f"[ws] {name}: {json.dumps(results[name])}", flush=True)
    text = report(results, args)
    print(text)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"{stamp}-ws.json").write_text(json.dumps(results, indent=2))
    (RESULTS / f"{stamp}-ws.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
