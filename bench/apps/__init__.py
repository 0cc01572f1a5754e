"""Benchmark apps: one module per framework, each exposing ``app`` with the same five endpoints.

GET  /plaintext             -> "Hello, World!" (text/plain)
GET  /json                  -> {"message": "Hello, World!"}
GET  /items/{item_id:int}   -> {"item_id": int, "q": str | None, "limit": int (default 10)}
POST /items                 -> the validated 5-field item echoed as JSON
GET  /html                  -> templates/items.html rendered with 20 items (Jinja2)
"""
