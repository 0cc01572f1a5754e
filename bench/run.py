#!/usr/bin/env python3
"""Heron benchmark harness (method: /work/shared/design/PERFORMANCE.md, summary in bench/README.md).

    python bench/run.py                 # everything: HTTP (uvicorn), in-process, import time
    python bench/run.py --duration 5 --frameworks heron,fastapi --endpoints json,items-get
    python bench/run.py --server granian --http-only
    python bench/run.py --inproc-only

The first run creates bench/.venv, installs bench/requirements.txt plus ``-e /work/main`` (heron)
into it and re-executes itself with that interpreter.

HTTP: one server worker pinned to CPU 0 (``taskset -c 0``), ``wrk -t1 -c64`` pinned to CPU 1, per
endpoint a short warm-up then ``--duration`` seconds measured; req/s, ratio to the raw ASGI app on
the same server, p99 latency, worker RSS after the load. Every endpoint is checked (status 200 +
expected body) before it is timed; wrk's non-2xx count is reported as a failure.
In-process: see bench/inproc.py. Import time: median of 5 ``python -c 'import apps.X'`` minus
median of 5 ``python -c pass``.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
VENV = BENCH_DIR / ".venv"
VENV_PY = VENV / "bin" / "python"
RESULTS = BENCH_DIR / "results"
PYCACHE = VENV / "pycache"  # keeps .pyc files out of the source tree (PYTHONPYCACHEPREFIX)
README = BENCH_DIR / "README.md"


# --------------------------------------------------------------------------- venv bootstrap


def _sh(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    print("+ " + " ".join(map(str, cmd)), flush=True)
    return subprocess.run([str(c) for c in cmd], **kw)


def _install_stamp() -> str:
    h = hashlib.sha256()
    h.update((BENCH_DIR / "requirements.txt").read_bytes())
    pyproject = REPO_DIR / "pyproject.toml"
    if pyproject.exists():
        h.update(pyproject.read_bytes())
    return h.hexdigest()


def _heron_importable() -> bool:
    r = subprocess.run([str(VENV_PY), "-c", "import heron"], capture_output=True, cwd="/")
    return r.returncode == 0


def _heron_pth() -> Path:
    site = subprocess.run(
        [str(VENV_PY), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Path(site, "heron_src.pth")


def _install_heron() -> None:
    pth = _heron_pth()
    r = _sh([VENV_PY, "-m", "pip", "install", "-q", "-e", REPO_DIR], capture_output=True, text=True)
    if r.returncode == 0:
        pth.unlink(missing_ok=True)
        return
    print(
        f"! `pip install -e {REPO_DIR}` failed (heron is probably still incomplete):\n"
        + r.stderr.strip()[-1500:],
        flush=True,
    )
    print(
        "! fallback: installing heron's dependencies and adding src/ to the venv via a .pth file",
        flush=True,
    )
    import tomllib

    deps = tomllib.loads((REPO_DIR / "pyproject.toml").read_text())["project"].get(
        "dependencies", []
    )
    if deps:
        _sh([VENV_PY, "-m", "pip", "install", "-q", *deps], check=True)
    pth.write_text(str(REPO_DIR / "src") + "\n")


def ensure_venv(reinstall: bool) -> None:
    """Create/refresh bench/.venv and re-exec this script inside it."""
    if not VENV_PY.exists():
        _sh([sys.executable, "-m", "venv", VENV], check=True)
    stamp_file = VENV / ".bench-install-stamp"
    stamp = _install_stamp()
    if reinstall or not stamp_file.exists() or stamp_file.read_text() != stamp:
        _sh([VENV_PY, "-m", "pip", "install", "-q", "-U", "pip"], check=True)
        _sh(
            [VENV_PY, "-m", "pip", "install", "-q", "-r", BENCH_DIR / "requirements.txt"],
            check=True,
        )
        _install_heron()
        stamp_file.write_text(stamp)
    elif not _heron_importable() or _heron_pth().exists():
        _install_heron()  # heron was incomplete last time: retry the editable install
    if Path(sys.prefix).resolve() != VENV.resolve():
        os.environ["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
        os.execv(str(VENV_PY), [str(VENV_PY), str(Path(__file__).resolve()), *sys.argv[1:]])


# --------------------------------------------------------------------------- helpers


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env["PATH"] = f"{VENV / 'bin'}:{env.get('PATH', '')}"
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def descendants(pid: int) -> list[int]:
    out: list[int] = []
    for c in children(pid):
        out.append(c)
        out += descendants(c)
    return out


def rss_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def http_request(
    port: int,
    method: str,
    path: str,
    body: bytes = b"",
    ctype: str | None = None,
    timeout: float = 5.0,
) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": ctype} if ctype else {}
        conn.request(method, path, body=body or None, headers=headers)
        r = conn.getresponse()
        return r.status, r.getheader("content-type", ""), r.read()
    finally:
        conn.close()


def versions_of(names: list[str]) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for n in names:
        try:
            out[n] = version(n)
        except PackageNotFoundError:
            out[n] = "?"
    return out


# --------------------------------------------------------------------------- checks


def check_heron_source() -> str | None:
    fa = (BENCH_DIR / "apps" / "fastapi_app.py").read_text()
    he = (BENCH_DIR / "apps" / "heron_app.py").read_text()
    expected = (
        fa.replace("from fastapi import FastAPI", "from heron import Heron")
        .replace("fastapi.responses", "heron.responses")
        .replace("FastAPI()", "Heron()")
    )
    if expected != he:
        import difflib

        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(True),
                he.splitlines(True),
                "fastapi_app.py (renamed)",
                "heron_app.py",
            )
        )
        return "heron_app.py is not fastapi_app.py with the import renames:\n" + diff
    return None


def check_post_lua() -> None:
    from common import ITEM_BODY

    lua = (BENCH_DIR / "post.lua").read_text()
    m = re.search(r"wrk\.body\s*=\s*'([^']*)'", lua)
    if not m or m.group(1).encode() != ITEM_BODY:
        sys.exit("bench/post.lua body differs from common.ITEM_BODY")


# --------------------------------------------------------------------------- import time


def import_times(frameworks: list[str], runs: int = 5, log=print) -> dict[str, float | None]:
    from common import FRAMEWORKS

    env = child_env()

    def timed(code: str) -> float | None:
        t = time.perf_counter()
        r = subprocess.run(
            ["taskset", "-c", "0", str(VENV_PY), "-c", code],
            cwd=BENCH_DIR,
            env=env,
            capture_output=True,
            timeout=60,
        )
        dt = time.perf_counter() - t
        return dt if r.returncode == 0 else None

    timed("pass")
    base = statistics.median([timed("pass") for _ in range(runs)])
    out: dict[str, float | None] = {}
    for name in frameworks:
        code = f"import {FRAMEWORKS[name].module}"
        if timed(code) is None:  # warm-up run also writes the .pyc cache
            out[name] = None
            log(f"[import] {name}: import failed")
            continue
        samples = [timed(code) for _ in range(runs)]
        if any(s is None for s in samples):
            out[name] = None
            continue
        out[name] = (statistics.median(samples) - base) * 1000
        log(
            f"[import] {name}: {out[name]:.0f} ms "
            f"(interpreter start {base * 1000:.0f} ms subtracted)"
        )
    return out


# --------------------------------------------------------------------------- HTTP


WRK_RPS = re.compile(r"Requests/sec:\s*([\d.]+)")
WRK_P99 = re.compile(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", re.M)
WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s*(\d+)")
WRK_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
WRK_TOTAL = re.compile(r"(\d+) requests in ([\d.]+)(\w+),")


def parse_wrk(out: str) -> dict:
    res: dict = {"rps": None, "p99_ms": None, "non2xx": 0, "socket_errors": None, "requests": None}
    if m := WRK_RPS.search(out):
        res["rps"] = float(m.group(1))
    if m := WRK_P99.search(out):
        v = float(m.group(1))
        res["p99_ms"] = v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v
    if m := WRK_NON2XX.search(out):
        res["non2xx"] = int(m.group(1))
    if m := WRK_ERRORS.search(out):
        res["socket_errors"] = dict(
            zip(("connect", "read", "write", "timeout"), map(int, m.groups()), strict=True)
        )
    if m := WRK_TOTAL.search(out):
        res["requests"] = int(m.group(1))
    return res


def run_wrk(port: int, ep, duration: int, connections: int) -> tuple[dict, str]:
    cmd = [
        "taskset",
        "-c",
        "1",
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{int(duration)}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    if ep.method == "POST":
        cmd += ["-s", str(BENCH_DIR / "post.lua")]
    cmd.append(f"http://127.0.0.1:{port}{ep.url_path}")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    return parse_wrk(r.stdout), r.stdout + r.stderr


class Server:
    def __init__(self, fw, server: str, log_dir: Path):
        self.fw = fw
        self.kind = "gunicorn" if fw.interface == "wsgi" else server
        self.port = free_port()
        target = f"{fw.module}:app"
        py = str(VENV_PY)
        if self.kind == "uvicorn":
            cmd = [
                py,
                "-m",
                "uvicorn",
                target,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "1",
                "--http",
                "httptools",
                "--loop",
                "uvloop",
                "--log-level",
                "warning",
                "--no-access-log",
                "--app-dir",
                str(BENCH_DIR),
            ]
        elif self.kind == "granian":
            cmd = [
                str(VENV / "bin" / "granian"),
                "--interface",
                "asgi",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "1",
                "--loop",
                "uvloop",
                "--no-ws",
                "--log-level",
                "warning",
                "--no-access-log",
                "--working-dir",
                str(BENCH_DIR),
                target,
            ]
        else:  # gunicorn sync worker for WSGI
            cmd = [
                str(VENV / "bin" / "gunicorn"),
                "--workers",
                "1",
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "--chdir",
                str(BENCH_DIR),
                target,
            ]
        self.cmd = ["taskset", "-c", "0", *cmd]
        self.log_path = log_dir / f"{fw.name}-{self.kind}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> str | None:
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=BENCH_DIR,
            env=child_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return f"server exited with {self.proc.returncode}:\n{self.log_tail()}"
            try:
                http_request(self.port, "GET", "/plaintext", timeout=1.0)
                return None  # answers (any status)
            except OSError:
                time.sleep(0.2)
        return f"server did not answer within {timeout}s:\n{self.log_tail()}"

    def log_tail(self, n: int = 3000) -> str:
        try:
            return self.log_path.read_bytes()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def worker_pid(self) -> int | None:
        if self.proc is None:
            return None
        kids = descendants(self.proc.pid)
        if not kids:
            return self.proc.pid
        # the worker is the largest python child (gunicorn / granian spawn one worker process)
        return max(kids, key=lambda p: rss_mib(p) or 0)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        kids = descendants(self.proc.pid)
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        for pid in kids:  # make sure the workers we spawned are gone too
            for _ in range(25):
                if not os.path.exists(f"/proc/{pid}"):
                    break
                time.sleep(0.2)
            else:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass


def http_sanity(port: int, ep) -> tuple[str | None, list[str]]:
    from common import ITEMS_DEFAULTS_PATH, check_defaults, check_response

    try:
        status, ct, body = http_request(port, ep.method, ep.url_path, ep.body, ep.content_type)
    except OSError as exc:
        return f"request failed: {exc!r}", []
    err = check_response(ep.name, status, ct, body)
    if err:
        return err, []
    notes = []
    if ep.name == "items-get":
        try:
            s, _, b = http_request(port, "GET", ITEMS_DEFAULTS_PATH)
            if e := check_defaults(s, b):
                notes.append(e)
        except OSError as exc:
            notes.append(f"GET {ITEMS_DEFAULTS_PATH} failed: {exc!r}")
    for method, path, query, body in ep.invalid:
        url = path + ("?" + query.decode() if query else "")
        try:
            s, _, b = http_request(port, method, url, body, "application/json" if body else None)
        except OSError as exc:
            notes.append(f"{method} {url} failed: {exc!r}")
            continue
        if not 400 <= s < 500:
            notes.append(f"{method} {url} (invalid input) -> {s} {b[:200]!r}, expected 4xx")
    return None, notes


def run_http(
    frameworks: list[str],
    endpoints: list[str],
    server: str,
    duration: int,
    warmup: int,
    connections: int,
    rounds: int = 5,
    log=print,
) -> dict[str, dict]:
    """All servers are started up front (each pinned to CPU 0, idle while not under load); then per
    endpoint ``rounds`` rounds of ``duration / rounds`` seconds of wrk against each framework in a
    rotating order. Interleaving spreads this VM's slow drifts evenly over the frameworks instead of
    penalising whichever one happened to run during a slow minute."""
    from common import ENDPOINTS, FRAMEWORKS, dist_version

    log_dir = RESULTS / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    rounds = max(1, min(rounds, duration))
    per_round = [duration // rounds + (1 if i < duration % rounds else 0) for i in range(rounds)]
    results: dict[str, dict] = {}
    servers: dict[str, Server] = {}
    try:
        for name in frameworks:
            fw = FRAMEWORKS[name]
            srv = Server(fw, server, log_dir)
            res: dict = {
                "framework": name,
                "server": srv.kind,
                "endpoints": {},
                "error": None,
                "rss_mib": None,
            }
            results[name] = res
            log(f"[http] starting {name} on {srv.kind} :{srv.port} (CPU 0)")
            err = srv.start()
            if err:
                res["error"] = err
                log(f"[http] {name}: ERROR {err}")
                srv.stop()
                continue
            servers[name] = srv
            try:
                res["version"] = dist_version(fw)
            except Exception:
                res["version"] = "?"
        for ep_name in endpoints:
            ep = ENDPOINTS[ep_name]
            active: list[str] = []
            for name, srv in servers.items():
                r: dict = {"error": None, "notes": [], "rounds": []}
                results[name]["endpoints"][ep_name] = r
                err, notes = http_sanity(srv.port, ep)
                r["notes"] = notes
                for note in notes:
                    log(f"[http] {name} {ep_name}: NOTE {note}")
                if err:
                    r["error"] = err
                    log(f"[http] {name} {ep_name}: ERROR {err}")
                else:
                    active.append(name)
            for rnd, secs in enumerate(per_round):
                order = active[rnd % len(active) :] + active[: rnd % len(active)] if active else []
                for name in order:
                    srv, r = servers[name], results[name]["endpoints"][ep_name]
                    if r["error"]:
                        continue
                    if rnd == 0 and warmup > 0:
                        run_wrk(srv.port, ep, warmup, connections)
                    w, raw_out = run_wrk(srv.port, ep, secs, connections)
                    r["rounds"].append(w)
                    if w["rps"] is None:
                        r["error"] = "could not parse wrk output:\n" + raw_out[-2000:]
                    elif w["non2xx"]:
                        r["error"] = f"{w['non2xx']} non-2xx responses of {w['requests']} (wrk)"
                    if srv.proc is not None and srv.proc.poll() is not None:
                        r["error"] = f"server died during the run:\n{srv.log_tail()}"
                    if r["error"]:
                        log(f"[http] {name} {ep_name}: ERROR {r['error']}")
            for name in active:
                r = results[name]["endpoints"][ep_name]
                if r["error"] or not r["rounds"]:
                    continue
                rs = r["rounds"]
                total = sum(w["requests"] or 0 for w in rs)
                seconds = sum((w["requests"] or 0) / w["rps"] for w in rs if w["rps"])
                r["rps"] = total / seconds if seconds else None
                r["rps_rounds"] = [w["rps"] for w in rs]
                p99s = [w["p99_ms"] for w in rs if w["p99_ms"] is not None]
                r["p99_ms"] = statistics.median(p99s) if p99s else None
                r["requests"] = total
                errs = [w["socket_errors"] for w in rs if w["socket_errors"]]
                log(
                    f"[http] {name} {ep_name}: {r['rps']:,.0f} req/s (rounds: "
                    + ", ".join(f"{x:,.0f}" for x in r["rps_rounds"])
                    + f"), p99 {r['p99_ms'] or 0:.2f} ms"
                    + (f", socket errors {errs}" if errs else "")
                )
        for name, srv in servers.items():
            pid = srv.worker_pid()
            results[name]["rss_mib"] = rss_mib(pid) if pid else None
            if srv.proc is not None and pid != srv.proc.pid:
                results[name]["master_rss_mib"] = rss_mib(srv.proc.pid)
    finally:
        for srv in servers.values():
            srv.stop()
    return results


# --------------------------------------------------------------------------- report


def fmt_int(v: float) -> str:
    return f"{v:,.0f}"


def http_tables(
    results: dict[str, dict],
    endpoints: list[str],
    versions: dict[str, str],
    imports: dict[str, float | None] | None,
) -> str:
    from common import FRAMEWORKS, fw_title

    raw = results.get("raw", {}).get("endpoints", {})

    def base(ep):
        r = raw.get(ep) or {}
        return r.get("rps") if not r.get("error") else None

    lines = [
        "| req/s (× raw ASGI) | " + " | ".join(endpoints) + " | RSS MiB |",
        "|---|" + "---|" * (len(endpoints) + 1),
    ]
    p99 = ["| p99 latency, ms | " + " | ".join(endpoints) + " |", "|---|" + "---|" * len(endpoints)]
    for name, res in results.items():
        fw = FRAMEWORKS[name]
        title = fw_title(fw, {name: res.get("version", versions.get(name, ""))})
        if res.get("server") == "gunicorn":
            title += " [gunicorn sync]"
        cells, pcells = [], []
        for ep in endpoints:
            r = res.get("endpoints", {}).get(ep)
            if res.get("error") and not r:
                cells.append("server failed")
                pcells.append("—")
            elif r is None:
                cells.append("—")
                pcells.append("—")
            elif r.get("error"):
                cells.append("FAIL")
                pcells.append("—")
            else:
                b = base(ep)
                ratio = f" ({r['rps'] / b:.2f}×)" if b else ""
                cells.append(fmt_int(r["rps"]) + ratio)
                pcells.append(f"{r['p99_ms']:.2f}" if r.get("p99_ms") is not None else "?")
        rss = res.get("rss_mib")
        lines.append(
            f"| {title} | " + " | ".join(cells) + f" | {rss:.0f} |"
            if rss
            else f"| {title} | " + " | ".join(cells) + " | — |"
        )
        p99.append(f"| {title} | " + " | ".join(pcells) + " |")
    return "\n".join(lines) + "\n\n" + "\n".join(p99)


def import_rss_table(
    imports: dict[str, float | None], http: dict[str, dict] | None, versions: dict[str, str]
) -> str:
    from common import FRAMEWORKS, fw_title

    lines = [
        "| framework | import ms (app module, minus `python -c pass`) "
        "| worker RSS after load, MiB |",
        "|---|---|---|",
    ]
    for name, ms in imports.items():
        rss = (http or {}).get(name, {}).get("rss_mib")
        lines.append(
            f"| {fw_title(FRAMEWORKS[name], versions)} | "
            + (f"{ms:.0f}" if ms is not None else "import failed")
            + " | "
            + (f"{rss:.0f}" if rss else "—")
            + " |"
        )
    return "\n".join(lines)


def failures_section(http: dict[str, dict] | None, inproc: dict[str, dict] | None) -> str:
    out = []
    for mode, results in (("HTTP", http), ("in-process", inproc)):
        for name, res in (results or {}).items():
            if res.get("error"):
                out.append(
                    f"* **{name}** ({mode}): framework/server error:\n\n"
                    f"```\n{res['error'].strip()[-2500:]}\n```"
                )
            for ep, r in res.get("endpoints", {}).items():
                if r.get("error"):
                    out.append(f"* **{name} {ep}** ({mode}): `{r['error'].strip()[:1500]}`")
                for note in r.get("notes", []):
                    out.append(f"* {name} {ep} ({mode}, untimed check): {note}")
    return "\n".join(out)


def heron_fingerprint() -> str:
    """git revision (if any) plus a hash of src/heron/**/*.py: ties results to a code state."""
    h = hashlib.sha256()
    for f in sorted((REPO_DIR / "src" / "heron").rglob("*.py")):
        h.update(str(f.relative_to(REPO_DIR)).encode() + b"\0" + f.read_bytes())
    r = subprocess.run(
        ["git", "-C", str(REPO_DIR), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    rev = r.stdout.strip() if r.returncode == 0 else "no commit"
    return f"git {rev}, src/heron sha256 {h.hexdigest()[:12]}"


def machine_facts() -> str:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:
        debian = open("/etc/debian_version").read().strip()
    except OSError:
        debian = "?"
    wrk_v = (
        subprocess.run(["wrk", "--version"], capture_output=True, text=True)
        .stdout.split("[")[0]
        .strip()
    )
    return (
        f"{os.cpu_count()} vCPU ({cpu}), {mem:.0f} GiB RAM, Debian {debian}, "
        f"Linux {platform.release()}, "
        f"Python {platform.python_version()}, {wrk_v}"
    )


# --------------------------------------------------------------------------- main


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--duration", type=int, default=10, help="wrk seconds per endpoint (default 10)")
    p.add_argument(
        "--warmup",
        type=int,
        default=2,
        help="wrk warm-up seconds per endpoint (default 2, 0 = none)",
    )
    p.add_argument("--connections", type=int, default=64)
    p.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="split --duration into this many interleaved wrk rounds per framework (default 5)",
    )
    p.add_argument(
        "--frameworks", default=None, help="comma list (default: all); raw is always added"
    )
    p.add_argument(
        "--endpoints", default=None, help="comma list: plaintext,json,items-get,items-post,html"
    )
    p.add_argument("--server", choices=["uvicorn", "granian"], default="uvicorn")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--inproc-only", action="store_true")
    mode.add_argument("--http-only", action="store_true")
    p.add_argument("--no-import-time", action="store_true")
    p.add_argument("--inproc-iterations", type=int, default=20000)
    p.add_argument(
        "--inproc-repeat",
        type=int,
        default=3,
        help="in-process repetitions (fresh process each); the lowest median is reported",
    )
    p.add_argument(
        "--update-readme", action="store_true", help="write the tables into bench/README.md"
    )
    p.add_argument("--reinstall", action="store_true", help="reinstall bench/.venv packages")
    p.add_argument("--no-venv", action="store_true", help="use the current interpreter as is")
    args = p.parse_args()

    if not args.no_venv:
        ensure_venv(args.reinstall)
    sys.pycache_prefix = str(PYCACHE)  # no __pycache__ dirs in bench/ or src/
    os.environ["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    sys.path.insert(0, str(BENCH_DIR))
    from common import ENDPOINTS, FRAMEWORKS, dist_version, fw_title
    from inproc import inproc_table, run_inproc

    frameworks = [
        f.strip() for f in (args.frameworks or ",".join(FRAMEWORKS)).split(",") if f.strip()
    ]
    endpoints = [e.strip() for e in (args.endpoints or ",".join(ENDPOINTS)).split(",") if e.strip()]
    for f in frameworks:
        if f not in FRAMEWORKS:
            p.error(f"unknown framework {f!r}; known: {', '.join(FRAMEWORKS)}")
    for e in endpoints:
        if e not in ENDPOINTS:
            p.error(f"unknown endpoint {e!r}; known: {', '.join(ENDPOINTS)}")
    if "raw" not in frameworks:
        frameworks.insert(0, "raw")
    frameworks.sort(key=list(FRAMEWORKS).index)

    check_post_lua()
    if "heron" in frameworks and (err := check_heron_source()):
        sys.exit(err)
    for tool in ("wrk", "taskset"):
        if not args.inproc_only and subprocess.run(["which", tool], capture_output=True).returncode:
            sys.exit(f"{tool} not found (apt-get install -y wrk util-linux)")
    try:
        os.sched_setaffinity(0, {1})  # keep the harness itself off the server core
    except OSError:
        pass

    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    log_lines: list[str] = []

    def log(msg: str) -> None:
        print(msg, flush=True)
        log_lines.append(msg)

    versions = {}
    for n in frameworks:
        try:
            versions[n] = dist_version(FRAMEWORKS[n])
        except Exception:
            versions[n] = "?"
    tools = versions_of(
        [
            "uvicorn",
            "uvloop",
            "httptools",
            "granian",
            "gunicorn",
            "pydantic",
            "pydantic-core",
            "msgspec",
            "jinja2",
        ]
    )

    imports = None if args.no_import_time else import_times(frameworks, log=log)
    http = None
    inproc = None
    if not args.inproc_only:
        http = run_http(
            frameworks,
            endpoints,
            args.server,
            args.duration,
            args.warmup,
            args.connections,
            rounds=args.rounds,
            log=log,
        )
    if not args.http_only:
        runs = []
        for i in range(max(1, args.inproc_repeat)):
            log(f"[inproc] repetition {i + 1}/{args.inproc_repeat}")
            runs.append(
                run_inproc(
                    frameworks,
                    endpoints,
                    iterations=args.inproc_iterations,
                    python=str(Path(sys.executable)),
                    log=log,
                )
            )
        inproc = merge_inproc(runs)

    elapsed = time.monotonic() - started
    server_desc = {
        "uvicorn": f"uvicorn {tools['uvicorn']} "
        f"(httptools {tools['httptools']}, uvloop {tools['uvloop']})",
        "granian": f"granian {tools['granian']} (--interface asgi --loop uvloop)",
    }[args.server]
    md = [
        f"### Results {stamp}",
        "",
        f"Machine: {machine_facts()}.",
        "",
        "Versions: "
        + ", ".join(
            fw_title(FRAMEWORKS[n], versions)
            + (f" ({heron_fingerprint()})" if n == "heron" else "")
            for n in frameworks
            if n != "raw"
        )
        + f"; pydantic {tools['pydantic']} (core {tools['pydantic-core']}), "
        f"msgspec {tools['msgspec']}, "
        f"jinja2 {tools['jinja2']}, gunicorn {tools['gunicorn']}.",
        "",
    ]
    if http is not None:
        md += [
            f"#### HTTP — {server_desc}, 1 worker on CPU 0; wrk -t1 -c{args.connections} on CPU 1, "
            f"{args.duration}s per endpoint in {args.rounds} interleaved rounds "
            f"(after {args.warmup}s warm-up)",
            "",
            "Flask runs on gunicorn's sync worker (WSGI) and is compared to raw ASGI on "
            f"{args.server}.",
            "",
            http_tables(http, endpoints, versions, imports),
            "",
        ]
    if inproc is not None:
        md += [
            f"#### In-process — µs per request (median of 500-request chunks, best of "
            f"{args.inproc_repeat} runs, {args.inproc_iterations} requests after 500 warm-up, "
            "uvloop, CPU 0) and Python calls per request (cProfile, 1,000 requests)",
            "",
            inproc_table(inproc, endpoints),
            "",
        ]
    if imports is not None:
        md += ["#### Import time and memory", "", import_rss_table(imports, http, versions), ""]
    fails = failures_section(http, inproc)
    md += [
        "#### Failures and notes",
        "",
        fails
        or "None: every endpoint returned 200 with the expected "
        "body and rejected invalid input with a 4xx.",
        "",
        f"Wall time of this run: {elapsed / 60:.1f} min.",
        "",
    ]
    report = "\n".join(md)
    print("\n" + report)

    tag = datetime.now().strftime("%Y%m%d-%H%M%S") + f"-{args.server}"
    (RESULTS / f"{tag}.md").write_text(report)
    (RESULTS / f"{tag}.json").write_text(
        json.dumps(
            {
                "date": stamp,
                "args": vars(args),
                "versions": versions,
                "tools": tools,
                "imports": imports,
                "http": http,
                "inproc": inproc,
                "log": log_lines,
            },
            indent=1,
            default=str,
        )
    )
    print(f"saved {RESULTS / tag}.md / .json")
    if args.update_readme:
        update_readme(report, args.server)


def merge_inproc(runs: list[dict[str, dict]]) -> dict[str, dict]:
    """Keep, per framework and endpoint, the repetition with the lowest median µs."""
    merged: dict[str, dict] = {}
    for run in runs:
        for name, res in run.items():
            if name not in merged:
                merged[name] = json.loads(json.dumps(res))
                for r in merged[name].get("endpoints", {}).values():
                    r["us_runs"] = [r.get("us")]
                continue
            cur = merged[name]
            for ep, r in res.get("endpoints", {}).items():
                c = cur["endpoints"].get(ep)
                if c is None:
                    cur["endpoints"][ep] = dict(r, us_runs=[r.get("us")])
                    continue
                c["us_runs"].append(r.get("us"))
                if r.get("error") and not c.get("error"):
                    c["error"] = f"(in one repetition) {r['error']}"
                    c["us"] = None
                elif not c.get("error") and r.get("us") is not None and r["us"] < c["us"]:
                    runs_ = c["us_runs"]
                    c.update(r)
                    c["us_runs"] = runs_
    return merged


def update_readme(report: str, server: str = "uvicorn") -> None:
    """Replace this server's results block (``results`` / ``results-granian``)."""
    key = "results" if server == "uvicorn" else f"results-{server}"
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    text = README.read_text() if README.exists() else ""
    block = f"{start}\n{report}\n{end}"
    if start in text and end in text:
        pre, rest = text.split(start, 1)
        _, post = rest.split(end, 1)
        text = pre + block + post
    else:
        title = "Latest results" if server == "uvicorn" else f"Latest results on {server}"
        text = text.rstrip() + f"\n\n## {title}\n\n" + block + "\n"
    README.write_text(text)
    print(f"updated {README}")


if __name__ == "__main__":
    main()
