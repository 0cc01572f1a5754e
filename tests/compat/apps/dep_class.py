"""Classes as dependencies: ``Depends(Cls)``, ``Annotated[Cls, Depends()]``, callable instances."""

from typing import Annotated

from fastapi import Depends, FastAPI, Query

app = FastAPI()


class CommonQueryParams:
    def __init__(self, q: str | None = None, skip: int = 0, limit: int = 100):
        self.q = q
        self.skip = skip
        self.limit = limit


class FixedContentQueryChecker:
    def __init__(self, fixed_content: str):
        self.fixed_content = fixed_content

    def __call__(self, q: Annotated[str, Query()] = ""):
        return self.fixed_content in q


checker = FixedContentQueryChecker("bar")


@app.get("/items/")
async def read_items(commons: Annotated[CommonQueryParams, Depends()]):
    return {"q": commons.q, "skip": commons.skip, "limit": commons.limit}


@app.get("/users/")
async def read_users(commons: CommonQueryParams = Depends(CommonQueryParams)):
    return {"q": commons.q, "limit": commons.limit}


@app.get("/query-checker/")
async def read_query_check(fixed_content_included: Annotated[bool, Depends(checker)]):
    return {"fixed_content_in_query": fixed_content_included}


REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/items/?q=a&skip=1", {}),
    ("GET", "/items/?limit=nope", {}),
    ("GET", "/users/", {}),
    ("GET", "/query-checker/?q=foobar", {}),
    ("GET", "/query-checker/?q=foo", {}),
    ("GET", "/query-checker/", {}),
]
