"""Many workers, one Redis: ``heron run --workers 2`` with broadcast fan-out and sessions.

A real ``redis-server`` and a real ``heron run`` with two worker processes (uvicorn, then
granian) on free ports. Clients are opened until some are served by each worker (each
says which pid serves it); a message posted to one worker must reach every WebSocket and
SSE client of both, also after Redis was restarted. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from heron_run import Served, heron_run
from redis_server import RedisServer, redis_server

TIMEOUT = 10.0
MAX_CLIENTS = 40  # connections opened at most while looking for the second worker


@dataclass
class Cluster:
    """``heron run --workers 2`` serving ``apps_scale_out:app``, and its Redis."""

    served: Served
    redis: RedisServer
    clients: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    @property
    def port(self) -> int:
        return self.served.port

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request on a new connection (so the kernel may pick either worker)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            headers = {"Connection": "close", **(headers or {})}
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            answer = {k.lower(): v for k, v in response.getheaders()}
            return response.status, answer, response.read()
        finally:
            conn.close()


@pytest.fixture(scope="module", params=["uvicorn", "granian"])
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    server = ["--server", request.param, "--workers", "2"]
    with (
        redis_server() as redis,
        heron_run("apps_scale_out:app", *server, env={"REDIS_URL": redis.url}) as served,
    ):
        running = Cluster(served, redis)
        _wait_for_both_workers(running)
        with running.clients:
            yield running


def _wait_for_both_workers(cluster: Cluster) -> None:
    """Both workers answer (they start one after the other): bounded polling of /pid."""
    seen: set[str] = set()
    deadline = time.monotonic() + 20
    while len(seen) < 2:
        assert time.monotonic() < deadline, f"only worker(s) {seen} answered"
        status, _, body = cluster.request("GET", "/pid")
        if status == 200:
            seen.add(json.loads(body)["pid"])


def _open_on_both_workers(open_client: Callable[[], tuple[Any, str]]) -> dict[str, list[Any]]:
    """Open clients until at least one is served by each of the two workers."""
    by_pid: dict[str, list[Any]] = {}
    for _ in range(MAX_CLIENTS):
        client, pid = open_client()
        by_pid.setdefault(pid, []).append(client)
        if len(by_pid) == 2:
            return by_pid
    raise AssertionError(f"{MAX_CLIENTS} connections all went to worker(s) {sorted(by_pid)}")


class SSEClient:
    """A ``text/event-stream`` reader over http.client (chunked decoding included)."""

    def __init__(self, port: int, path: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        self.conn.request("GET", path)
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        self.pid = self.response.getheader("x-worker-pid") or ""
        assert self.read_event() == {"comment": "subscribed"}

    def read_event(self) -> dict[str, str]:
        """The next event's fields (comments as ``comment``); skips keep-alive pings."""
        fields: dict[str, str] = {}
        while True:
            line = self.response.readline().decode().rstrip("\r\n")
            if not line:
                if fields and fields != {"comment": "ping"}:
                    return fields
                fields = {}
                continue
            name, _, value = line.partition(":")
            fields["comment" if name == "" else name] = value.strip()

    def close(self) -> None:
        self.conn.close()


def _websocket(cluster: Cluster, channel: str) -> tuple[ClientConnection, str]:
    url = f"ws://127.0.0.1:{cluster.port}/ws/{channel}"
    ws = cluster.clients.enter_context(connect(url, open_timeout=TIMEOUT, close_timeout=1))
    return ws, json.loads(ws.recv(timeout=TIMEOUT))["pid"]


def _sse(cluster: Cluster, channel: str) -> tuple[SSEClient, str]:
    client = SSEClient(cluster.port, f"/sse/{channel}")
    cluster.clients.callback(client.close)
    return client, client.pid


def _publish(cluster: Cluster, channel: str, message: str) -> None:
    """POST the message to some worker; retried while Redis is still coming back (503)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        status, _, body = cluster.request("POST", f"/publish/{channel}", message.encode())
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert status == 200, body


def _receive_everywhere(
    websockets: list[ClientConnection], streams: list[SSEClient], expected: dict[str, Any]
) -> None:
    for ws in websockets:
        assert json.loads(ws.recv(timeout=TIMEOUT)) == expected
    for stream in streams:
        event = stream.read_event()
        if expected.get("type") == "missed":
            assert event == {"event": "missed", "data": json.dumps({"count": None})}
        else:
            assert json.loads(event["data"]) == expected


def test_fan_out_reaches_every_client_of_both_workers_and_survives_a_redis_restart(
    cluster: Cluster,
) -> None:
    ws_by_pid = _open_on_both_workers(lambda: _websocket(cluster, "news"))
    sse_by_pid = _open_on_both_workers(lambda: _sse(cluster, "news"))
    assert set(ws_by_pid) == set(sse_by_pid)  # the same two workers
    websockets = [ws for clients in ws_by_pid.values() for ws in clients]
    streams = [stream for clients in sse_by_pid.values() for stream in clients]

    _publish(cluster, "news", json.dumps({"n": 1}))
    _receive_everywhere(websockets, streams, {"n": 1})

    cluster.redis.stop()
    status, _, _ = cluster.request("POST", "/publish/news", b"lost")
    assert status == 503  # publishing while Redis is down: a clear 503, not a 500
    cluster.redis.start()

    # Each worker reconnects, resubscribes, then tells its subscribers they may have
    # missed messages; after that, fan-out works again.
    missed = {"type": "missed", "channel": "news", "count": None}
    _receive_everywhere(websockets, streams, missed)
    _publish(cluster, "news", json.dumps({"n": 2}))
    _receive_everywhere(websockets, streams, {"n": 2})
    assert "Traceback" not in cluster.served.log()


def test_a_session_started_on_one_worker_is_seen_by_the_other(cluster: Cluster) -> None:
    status, headers, body = cluster.request(
        "POST", "/login", b'{"user": "ann"}', {"Content-Type": "application/json"}
    )
    assert status == 200
    login_pid, cookie = json.loads(body)["pid"], headers["set-cookie"].split(";")[0]
    seen_on: set[str] = set()
    for _ in range(MAX_CLIENTS):
        status, _, body = cluster.request("GET", "/me", headers={"Cookie": cookie})
        answer = json.loads(body)
        assert (status, answer["user"]) == (200, "ann")
        seen_on.add(answer["pid"])
        if seen_on - {login_pid}:
            break
    assert seen_on - {login_pid}, "every /me request went to the login worker"
    # Without the cookie, no worker knows the visitor.
    status, _, body = cluster.request("GET", "/me")
    assert json.loads(body)["user"] is None
