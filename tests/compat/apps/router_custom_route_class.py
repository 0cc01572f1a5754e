"""A custom ``APIRoute`` subclass (``route_class=``) wrapping the route handler."""

from collections.abc import Callable

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.routing import APIRoute


class TaggedRoute(APIRoute):
    def get_route_handler(self) -> Callable:
        original_route_handler = super().get_route_handler()

        async def custom_route_handler(request: Request) -> Response:
            response: Response = await original_route_handler(request)
            response.headers["X-Route"] = self.name
            return response

        return custom_route_handler


app = FastAPI()
router = APIRouter(route_class=TaggedRoute)


@app.get("/")
async def not_tagged():
    return {"message": "Not tagged"}


@router.get("/tagged/{n}")
async def tagged(n: int):
    return {"n": n}


app.include_router(router)

REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/", {}),
    ("GET", "/tagged/3", {}),
    ("GET", "/tagged/x", {}),
]
