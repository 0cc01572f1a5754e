"""In-process benchmark: framework cost per request without a server or a socket.

Each ASGI app is imported in its own subprocess pinned to CPU 0; its lifespan startup is run
(as uvicorn's ``lifespan=auto`` would), then for every endpoint:

1. sanity check: one request through the full ASGI call must return 200 and the expected body
   (plus untimed checks that invalid input is rejected with a 4xx) -- a wrong 404 is never timed;
2. 500 warm-up requests, then 20,000 timed requests (bounded by --time-limit seconds per endpoint)
   of ``await app(scope, receive, send)`` under uvloop, a fresh uvicorn-like scope per request;
3. the sanity check again (catches state that breaks after many requests);
4. Python calls per request, counted by cProfile over 1,000 requests (Cython/C internals are
   invisible to cProfile; the calls include the harness' ``receive``/``send`` coroutines).

Usage:  bench/.venv/bin/python bench/inproc.py [--frameworks raw,fastapi] [--endpoints json]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import importlib
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    BENCH_DIR,
    ENDPOINTS,
    FRAMEWORKS,
    ITEMS_DEFAULTS_PATH,
    Endpoint,
    check_defaults,
    check_response,
    dist_version,
    fw_title,
)

DISCONNECT = {"type": "http.disconnect"}
BASE_HEADERS = [
    (b"host", b"127.0.0.1:8000"),
    (b"user-agent", b"wrk"),
    (b"accept", b"*/*"),
]


def _headers_for(body: bytes, content_type: str | None) -> list[tuple[bytes, bytes]]:
    headers = list(BASE_HEADERS)
    if content_type:
        headers.append((b"content-type", content_type.encode()))
    if body:
        headers.append((b"content-length", str(len(body)).encode()))
    return headers


def _scope(method: str, path: str, query: bytes, headers, state) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": method,
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": list(headers),
        "state": dict(state),
    }


class Lifespan:
    """Minimal lifespan driver, like uvicorn's ``--lifespan auto``."""

    def __init__(self, app):
        self.app = app
        self.state: dict = {}
        self.supported = False
        self.task: asyncio.Task | None = None
        self.to_app: asyncio.Queue = asyncio.Queue()
        self.from_app: asyncio.Queue = asyncio.Queue()

    async def startup(self, timeout: float = 10.0) -> None:
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        await self.to_app.put({"type": "lifespan.startup"})
        self.task = asyncio.ensure_future(self.app(scope, self.to_app.get, self.from_app.put))
        getter = asyncio.ensure_future(self.from_app.get())
        done, _ = await asyncio.wait(
            {self.task, getter}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if getter in done:
            msg = getter.result()
            if msg["type"] == "lifespan.startup.failed":
                raise RuntimeError(f"lifespan startup failed: {msg.get('message')}")
            self.supported = True
            return
        getter.cancel()
        if not done:
            raise RuntimeError(f"lifespan startup did not complete within {timeout}s")
        # app returned or raised without answering: lifespan not supported (uvicorn 'auto' goes on)
        self.task = None

    async def shutdown(self, timeout: float = 5.0) -> None:
        if not self.supported or self.task is None:
            return
        await self.to_app.put({"type": "lifespan.shutdown"})
        try:
            await asyncio.wait_for(self.task, timeout)
        except Exception:
            pass


async def request_once(app, method, path, query, body, content_type, state, timeout=10.0):
    """One full request; returns (status, content_type, body)."""
    messages: list[dict] = []
    first = True

    async def receive():
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(0)
        return DISCONNECT

    async def send(message):
        messages.append(message)

    scope = _scope(method, path, query, _headers_for(body, content_type), state)
    await asyncio.wait_for(app(scope, receive, send), timeout)
    status = 0
    ct = ""
    chunks = []
    for m in messages:
        if m["type"] == "http.response.start":
            status = m["status"]
            for k, v in m.get("headers", []):
                if bytes(k).lower() == b"content-type":
                    ct = bytes(v).decode("latin-1")
        elif m["type"] == "http.response.body":
            chunks.append(bytes(m.get("body", b"")))
    return status, ct, b"".join(chunks)


async def sanity(app, ep: Endpoint, state) -> tuple[str | None, list[str]]:
    """Returns (error, notes). error -> the endpoint must not be timed."""
    try:
        status, ct, body = await request_once(
            app, ep.method, ep.path, ep.query, ep.body, ep.content_type, state
        )
    except Exception as exc:
        return f"exception: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}", []
    err = check_response(ep.name, status, ct, body)
    notes: list[str] = []
    if err:
        return err, notes
    if ep.name == "items-get":
        try:
            s, _, b = await request_once(app, "GET", ITEMS_DEFAULTS_PATH, b"", b"", None, state)
            e = check_defaults(s, b)
        except Exception as exc:
            e = f"GET {ITEMS_DEFAULTS_PATH} raised {type(exc).__name__}: {exc}"
        if e:
            notes.append(e)
    for method, path, query, body in ep.invalid:
        ctype = "application/json" if body else None
        try:
            s, _, b = await request_once(app, method, path, query, body, ctype, state)
        except Exception as exc:
            notes.append(f"{method} {path}?{query.decode()} raised {type(exc).__name__}: {exc}")
            continue
        if not 400 <= s < 500:
            notes.append(
                f"{method} {path}?{query.decode()} (invalid input) -> {s} {b[:200]!r}, expected 4xx"
            )
    return None, notes


def make_loop(app, ep: Endpoint, state):
    """Build the timed loop for one endpoint. The loop body calls nothing but the app (and the
    app's own receive/send awaits), so cProfile counts only framework work."""
    method, path, query, raw_path = ep.method, ep.path, ep.query, ep.path.encode()
    headers = _headers_for(ep.body, ep.content_type)
    req_msg = {"type": "http.request", "body": ep.body, "more_body": False}
    asgi = {"version": "3.0", "spec_version": "2.4"}
    server = ("127.0.0.1", 8000)
    client = ("127.0.0.1", 50000)
    first = True

    async def receive():
        nonlocal first
        if first:
            first = False
            return req_msg
        return DISCONNECT

    async def send(message):
        pass

    async def loop(n: int) -> None:
        nonlocal first
        for _ in range(n):
            first = True
            scope = {
                "type": "http",
                "asgi": asgi,
                "http_version": "1.1",
                "server": server,
                "client": client,
                "scheme": "http",
                "method": method,
                "root_path": "",
                "path": path,
                "raw_path": raw_path,
                "query_string": query,
                "headers": [*headers],
                "state": {**state},
            }
            await app(scope, receive, send)

    return loop


async def bench_framework(
    fw_name: str,
    endpoints: list[str],
    iterations: int,
    warmup: int,
    profile_n: int,
    time_limit: float,
) -> dict:
    fw = FRAMEWORKS[fw_name]
    result: dict = {"framework": fw_name, "version": "", "endpoints": {}, "error": None}
    try:
        t0 = time.perf_counter()
        mod = importlib.import_module(fw.module)
        app = mod.app
        result["import_s"] = time.perf_counter() - t0
    except Exception:
        result["error"] = "import failed:\n" + traceback.format_exc(limit=10)
        return result
    result["version"] = dist_version(fw)
    lifespan = Lifespan(app)
    try:
        await lifespan.startup()
    except Exception:
        result["error"] = "lifespan startup failed:\n" + traceback.format_exc(limit=10)
        return result
    result["lifespan"] = lifespan.supported
    state = lifespan.state
    for name in endpoints:
        ep = ENDPOINTS[name]
        r: dict = {"us": None, "calls": None, "iterations": 0, "error": None, "notes": []}
        result["endpoints"][name] = r
        err, notes = await sanity(app, ep, state)
        r["notes"] = notes
        if err:
            r["error"] = err
            continue
        loop = make_loop(app, ep, state)
        try:
            await loop(warmup)
            gc.collect()
            done = 0
            elapsed = 0.0
            chunk = max(1, min(500, iterations // 20))
            per_chunk: list[float] = []
            while done < iterations and elapsed < time_limit:
                n = min(chunk, iterations - done)
                t = time.perf_counter()
                await loop(n)
                dt = time.perf_counter() - t
                elapsed += dt
                done += n
                per_chunk.append(dt / n * 1e6)
            r["iterations"] = done
            # median over chunks of 500 requests: robust against VM noise and GC bursts
            r["us"] = statistics.median(per_chunk)
            r["us_mean"] = elapsed / done * 1e6
            r["us_min"] = min(per_chunk)
            err, _ = await sanity(app, ep, state)
            if err:
                r["error"] = "after the timed loop: " + err
                r["us"] = None
                continue
            prof = cProfile.Profile()
            prof.enable()
            await loop(profile_n)
            prof.disable()
            stats = pstats.Stats(prof)
            # minus 2: the profiled loop() coroutine itself and Profile.disable()
            r["calls"] = round((stats.total_calls - 2) / profile_n)
        except Exception:
            r["error"] = "exception while timing:\n" + traceback.format_exc(limit=10)
            r["us"] = None
    await lifespan.shutdown()
    return result


def child_main(args) -> None:
    try:
        os.sched_setaffinity(0, {args.cpu})
    except (AttributeError, OSError):
        pass
    import uvloop

    res = uvloop.run(
        bench_framework(
            args.child,
            args.endpoints.split(","),
            args.iterations,
            args.warmup,
            args.profile_requests,
            args.time_limit,
        )
    )
    print("@@RESULT@@" + json.dumps(res))


def run_inproc(
    frameworks: list[str],
    endpoints: list[str],
    iterations: int = 20000,
    warmup: int = 500,
    profile_requests: int = 1000,
    time_limit: float = 15.0,
    cpu: int = 0,
    python: str | None = None,
    log=print,
) -> dict[str, dict]:
    """Run every framework in its own subprocess; returns {framework: result}."""
    results: dict[str, dict] = {}
    for name in frameworks:
        fw = FRAMEWORKS[name]
        if fw.interface != "asgi":
            continue
        cmd = [
            python or sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            name,
            "--endpoints",
            ",".join(endpoints),
            "--iterations",
            str(iterations),
            "--warmup",
            str(warmup),
            "--profile-requests",
            str(profile_requests),
            "--time-limit",
            str(time_limit),
            "--cpu",
            str(cpu),
        ]
        # generous bound: per endpoint timed loop + profile + imports
        timeout = 60 + len(endpoints) * (time_limit * 2 + 30)
        log(f"[inproc] {name} ...")
        try:
            env = dict(os.environ)
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(
                BENCH_DIR / ".venv" / "pycache"
            )  # no __pycache__ in the tree
            proc = subprocess.run(
                cmd, cwd=BENCH_DIR, capture_output=True, text=True, timeout=timeout, env=env
            )
            line = next(
                (ln for ln in proc.stdout.splitlines() if ln.startswith("@@RESULT@@")), None
            )
            if line is None:
                res = {
                    "framework": name,
                    "endpoints": {},
                    "version": "",
                    "error": f"child exited {proc.returncode}:\n{proc.stderr[-3000:]}",
                }
            else:
                res = json.loads(line[len("@@RESULT@@") :])
        except subprocess.TimeoutExpired:
            res = {
                "framework": name,
                "endpoints": {},
                "version": "",
                "error": f"timed out after {timeout:.0f}s",
            }
        results[name] = res
        if res.get("error"):
            log(f"[inproc] {name}: ERROR {res['error'].strip().splitlines()[-1]}")
        for ep, r in res.get("endpoints", {}).items():
            if r.get("error"):
                log(f"[inproc] {name} {ep}: ERROR {r['error']}")
            else:
                log(
                    f"[inproc] {name} {ep}: {r['us']:.2f} us median (mean {r['us_mean']:.2f}, "
                    f"min {r['us_min']:.2f}), {r['calls']} calls ({r['iterations']} it)"
                )
            for note in r.get("notes", []):
                log(f"[inproc] {name} {ep}: NOTE {note}")
    return results


def inproc_table(results: dict[str, dict], endpoints: list[str]) -> str:
    head = "| µs per request (Python calls per request) | " + " | ".join(endpoints) + " |"
    sep = "|---|" + "---|" * len(endpoints)
    rows = [head, sep]
    for name, res in results.items():
        fw = FRAMEWORKS[name]
        cells = []
        for ep in endpoints:
            r = res.get("endpoints", {}).get(ep)
            if res.get("error") and not r:
                cells.append("error")
            elif r is None:
                cells.append("—")
            elif r.get("error"):
                cells.append("FAIL")
            else:
                cells.append(f"{r['us']:.2f} ({r['calls']})")
        rows.append(
            f"| {fw_title(fw, {name: res.get('version', '')})} | " + " | ".join(cells) + " |"
        )
    return "\n".join(rows)


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--frameworks", default=",".join(n for n, f in FRAMEWORKS.items() if f.interface == "asgi")
    )
    p.add_argument("--endpoints", default=",".join(ENDPOINTS))
    p.add_argument("--iterations", type=int, default=20000)
    p.add_argument("--warmup", type=int, default=500)
    p.add_argument("--profile-requests", type=int, default=1000)
    p.add_argument(
        "--time-limit", type=float, default=15.0, help="max seconds of timed loop per endpoint"
    )
    p.add_argument("--cpu", type=int, default=0)
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child_main(args)
        return
    frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    endpoints = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    for f in frameworks:
        if f not in FRAMEWORKS:
            p.error(f"unknown framework {f!r}; known: {', '.join(FRAMEWORKS)}")
    for e in endpoints:
        if e not in ENDPOINTS:
            p.error(f"unknown endpoint {e!r}; known: {', '.join(ENDPOINTS)}")
    results = run_inproc(
        frameworks,
        endpoints,
        args.iterations,
        args.warmup,
        args.profile_requests,
        args.time_limit,
        args.cpu,
        log=lambda m: print(m, file=sys.stderr, flush=True),
    )
    print(inproc_table(results, endpoints))
    for name, res in results.items():
        if res.get("error"):
            print(f"\n{name}: {res['error']}")
        for ep, r in res.get("endpoints", {}).items():
            if r.get("error"):
                print(f"\n{name} {ep}: {r['error']}")


if __name__ == "__main__":
    main()
