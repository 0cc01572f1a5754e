"""Nested routers: include_router into a router, prefixes composed, path params in prefixes."""

from fastapi import APIRouter, FastAPI

app = FastAPI()
users = APIRouter(prefix="/users")
posts = APIRouter(prefix="/{user_id}/posts")
admin = APIRouter()


@posts.get("/")
def list_posts(user_id: int):
    return {"user_id": user_id, "posts": []}


@posts.get("/{post_id}")
def read_post(user_id: int, post_id: int, full: bool = False):
    return {"user_id": user_id, "post_id": post_id, "full": full}


@users.get("/")
def list_users():
    return ["ann"]


@admin.get("/stats")
def stats():
    return {"users": 1}


users.include_router(posts)
app.include_router(users, prefix="/v1")
app.include_router(admin, prefix="/admin")
app.include_router(users, prefix="/v2")

REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/v1/users/", {}),
    ("GET", "/v1/users/3/posts/", {}),
    ("GET", "/v1/users/3/posts/9?full=1", {}),
    ("GET", "/v1/users/x/posts/9", {}),
    ("GET", "/v2/users/3/posts/", {}),
    ("GET", "/admin/stats", {}),
    ("GET", "/users/", {}),
]
