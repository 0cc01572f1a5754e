"""Live updates: new posts pushed to open boards (WebSocket) and dashboards (SSE).

Through ``heron.channels``: in-process by default, Redis pub/sub with ``REDIS_URL``, so a
post made on one worker reaches the browsers connected to every other worker.
"""

from __future__ import annotations

import json

from heron import APIRouter, WebSocket, url_for
from heron.channels import sse_fan_out, websocket_fan_out
from heron.sse import EventSourceResponse

from .deps import broadcast
from .models import Post

__all__ = ["CHANNEL", "announce", "router"]

CHANNEL = "board:posts"

router = APIRouter()


def post_event(post: Post) -> str:
    """The JSON a live client receives for a new post."""
    return json.dumps(
        {
            "type": "post",
            "id": post.id,
            "title": post.title,
            "body": post.body[:300],
            "author": post.author.username,
            "created": post.created.isoformat(),
            "url": url_for("post_page", post_id=post.id),
        }
    )


async def announce(post: Post) -> None:
    """Tell every open board (of every worker) about ``post``."""
    await broadcast.publish(CHANNEL, post_event(post))


@router.websocket("/ws/board")
async def board_updates(websocket: WebSocket) -> None:
    """New posts as JSON text frames, for the board page's script."""
    await websocket_fan_out(websocket, broadcast, CHANNEL)


@router.get("/api/events", response_class=EventSourceResponse, tags=["live"])
async def events() -> EventSourceResponse:
    """New posts as server-sent events (``event: message``, JSON data), for dashboards."""
    return sse_fan_out(broadcast, CHANNEL)
