"""The ``heron`` command: app discovery, ``routes``, and ``run`` serving for real."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from heron.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def test_routes_table() -> None:
    result = CliRunner().invoke(cli, ["routes", "examples.demo.app"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["Methods", "Path", "Name", "Endpoint"]
    assert any(
        line.split()[:3] == ["GET,HEAD", "/items/{item_id}", "get_item"] for line in lines
    ), result.output
    assert any("POST" in line and "/items" in line for line in lines)


def test_app_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERON_APP", "examples.demo.app:app")
    result = CliRunner().invoke(cli, ["routes"])
    assert result.exit_code == 0 and "/hello/{name}" in result.output


def test_app_discovered_in_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "app.py").write_text(
        "from heron import Heron\napp = Heron()\n@app.get('/found')\nasync def found(): return 1\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HERON_APP", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "app", raising=False)
    result = CliRunner().invoke(cli, ["routes"])
    assert result.exit_code == 0 and "/found" in result.output


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no_such_module_xyz", "Could not import module 'no_such_module_xyz'"),
        ("examples.demo.app:nope", "has no attribute 'nope'"),
    ],
)
def test_bad_app_names_are_usage_errors(target: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["routes", target])
    assert result.exit_code == 2
    assert message in result.output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(*args: str) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "heron", "run", *args, "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    raise AssertionError(f"server did not start: {output}") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


@pytest.mark.parametrize(
    "extra",
    [[], ["--workers", "2"], ["--server", "granian"]],
    ids=["uvicorn", "uvicorn-2-workers", "granian"],
)
def test_run_serves_the_app(extra: list[str]) -> None:
    with serving("examples.demo.app:app", *extra) as base:
        response = httpx.get(base + "/items/1?verbose=true", timeout=5)
        assert response.status_code == 200
        assert response.json()["name"] == "Heron T-shirt"
        assert httpx.get(base + "/items/x", timeout=5).status_code == 422
