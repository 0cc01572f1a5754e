"""``app.dependency_overrides``: a dependency replaced for the whole app, with its params."""

from typing import Annotated

from fastapi import Depends, FastAPI

app = FastAPI()


async def common_parameters(q: str | None = None, skip: int = 0, limit: int = 100):
    return {"q": q, "skip": skip, "limit": limit}


def get_settings():
    return {"env": "production"}


@app.get("/items/")
async def read_items(commons: Annotated[dict, Depends(common_parameters)]):
    return {"message": "Hello Items!", "params": commons}


@app.get("/settings/")
def read_settings(settings: Annotated[dict, Depends(get_settings)]):
    return settings


async def override_dependency(q: str | None = None, flag: bool = False):
    return {"q": q, "skip": 5, "limit": 10, "flag": flag}


app.dependency_overrides[common_parameters] = override_dependency
app.dependency_overrides[get_settings] = lambda: {"env": "test"}

REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/", {}),
    ("GET", "/items/?q=foo&skip=100&limit=200", {}),
    ("GET", "/items/?flag=yes", {}),
    ("GET", "/items/?flag=nope&skip=bad", {}),
    ("GET", "/settings/", {}),
]
