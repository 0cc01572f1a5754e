"""A ``heron.flask`` app served by real servers in tests/flask/test_asgi.py."""

from __future__ import annotations

import threading
import time
from typing import Any

from heron.flask import Flask, g, request, session

app = Flask(__name__)
app.secret_key = "test-secret"


@app.route("/whoami")
def whoami() -> dict[str, Any]:
    # Each request sets g and the session from its own query, then sleeps so that many
    # requests overlap, then reads them back: a leak between requests shows as a mismatch.
    name = request.args["name"]
    g.name = name
    session["name"] = name
    time.sleep(0.01)
    return {
        "arg": name,
        "g": g.name,
        "session": session["name"],
        "path": request.full_path,
        "thread": threading.get_ident(),
    }


@app.route("/slow")
def slow() -> str:
    time.sleep(1.5)
    return "slow"


@app.route("/fast")
async def fast() -> str:
    return "fast"


@app.route("/echo", methods=["POST"])
def echo() -> dict[str, Any]:
    return {"form": request.form.to_dict(), "files": sorted(request.files)}
