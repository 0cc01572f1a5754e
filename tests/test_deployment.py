"""Deployment behind a reverse proxy: ``heron run`` with proxy headers and a root path.

nginx is not started here: the test sends what nginx sends (``X-Forwarded-For``,
``X-Forwarded-Proto``, the path with the prefix stripped) from 127.0.0.1, the address
``heron run`` trusts by default (``--forwarded-allow-ips``).
"""

import http.client
import json
from collections.abc import Iterator

import pytest
from websockets.sync.client import connect

from heron_run import Served, heron_run

TIMEOUT = 10.0
FORWARDED = {
    "Host": "example.com",
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
}


@pytest.fixture(scope="module")
def behind_proxy() -> Iterator[Served]:
    with heron_run("apps_websockets:app", "--root-path", "/api") as served:
        yield served


def get(served: Served, path: str, headers: dict[str, str]) -> dict[str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=TIMEOUT)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        assert response.status == 200
        return dict(json.loads(response.read()))
    finally:
        conn.close()


def test_http_behind_a_proxy_sees_the_public_url_and_client(behind_proxy: Served) -> None:
    # nginx: location /api/ { proxy_pass http://app/; } strips the prefix.
    assert get(behind_proxy, "/whoami", FORWARDED) == {
        "url": "https://example.com/api/whoami",
        "client": "203.0.113.7",
        "root_path": "/api",
        "url_for": "https://example.com/api/whoami",
    }


def test_without_proxy_headers_the_direct_connection_is_seen(behind_proxy: Served) -> None:
    answer = get(behind_proxy, "/whoami", {"Host": "internal:8000"})
    assert (answer["url"], answer["client"]) == ("http://internal:8000/api/whoami", "127.0.0.1")


def test_websocket_behind_a_proxy(behind_proxy: Served) -> None:
    url = f"ws://127.0.0.1:{behind_proxy.port}/whoami"
    headers = {k: v for k, v in FORWARDED.items() if k != "Host"}
    with connect(url, additional_headers=headers, open_timeout=TIMEOUT) as ws:
        assert json.loads(ws.recv(timeout=TIMEOUT)) == {
            "url": f"wss://127.0.0.1:{behind_proxy.port}/api/whoami",
            "client": "203.0.113.7",
        }
