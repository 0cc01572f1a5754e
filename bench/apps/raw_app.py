"""Hand-written raw ASGI app: the lower bound every framework is compared to.

msgspec for JSON encode/decode + validation of the POST body, urllib.parse for the query
string, module-level Jinja2 environment for /html.
"""

from pathlib import Path
from urllib.parse import parse_qsl

import jinja2
import msgspec

TEMPLATES = Path(__file__).parent / "templates"
env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
template = env.get_template("items.html")
ITEMS = [{"id": i, "name": f"Item {i}", "price": i * 1.25, "tags": ["a", "b"]} for i in range(20)]


class Item(msgspec.Struct):
    name: str
    price: float
    quantity: int
    tags: list[str]
    active: bool


encode = msgspec.json.encode
decode_item = msgspec.json.Decoder(Item).decode

PLAIN_BODY = b"Hello, World!"
PLAIN_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"13")],
}
JSON_CT = (b"content-type", b"application/json")
HTML_CT = (b"content-type", b"text/html; charset=utf-8")


async def _respond(send, status, content_type, body):
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [content_type, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _error(send, status, detail):
    await _respond(send, status, JSON_CT, encode({"detail": detail}))


async def _read_body(receive):
    message = await receive()
    body = message.get("body", b"")
    if not message.get("more_body", False):
        return body
    chunks = [body]
    while message.get("more_body", False):
        message = await receive()
        chunks.append(message.get("body", b""))
    return b"".join(chunks)


async def _lifespan(receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope, receive, send):
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        return
    path = scope["path"]
    method = scope["method"]
    if method == "GET":
        if path == "/plaintext":
            await send(PLAIN_START)
            await send({"type": "http.response.body", "body": PLAIN_BODY})
            return
        if path == "/json":
            await _respond(send, 200, JSON_CT, encode({"message": "Hello, World!"}))
            return
        if path == "/html":
            body = template.render(title="Items & prices", items=ITEMS).encode()
            await _respond(send, 200, HTML_CT, body)
            return
        if path.startswith("/items/"):
            try:
                item_id = int(path[7:])
            except ValueError:
                await _error(send, 404, "Not Found")
                return
            q = None
            limit = 10
            for key, value in parse_qsl(scope["query_string"].decode("latin-1")):
                if key == "q":
                    q = value
                elif key == "limit":
                    try:
                        limit = int(value)
                    except ValueError:
                        await _error(send, 422, "limit must be an integer")
                        return
            await _respond(send, 200, JSON_CT, encode({"item_id": item_id, "q": q, "limit": limit}))
            return
    elif method == "POST" and path == "/items":
        body = await _read_body(receive)
        try:
            item = decode_item(body)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            await _error(send, 422, str(exc))
            return
        await _respond(send, 200, JSON_CT, encode(item))
        return
    await _error(send, 404, "Not Found")
