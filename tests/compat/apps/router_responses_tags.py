"""Router-level ``responses``, ``deprecated``, ``include_in_schema`` do not change answers."""

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel


class Message(BaseModel):
    message: str


router = APIRouter(prefix="/r", tags=["r"], responses={404: {"model": Message}}, deprecated=True)


@router.get("/{item_id}", responses={200: {"description": "found"}}, include_in_schema=False)
def read(item_id: str):
    if item_id != "foo":
        return JSONResponse(status_code=404, content={"message": "Item not found"})
    return {"id": "foo", "value": "there goes my hero"}


app = FastAPI()
app.include_router(router, tags=["outer"], responses={418: {"description": "teapot"}})

REQUESTS: list[tuple[str, str, dict[str, object]]] = [("GET", "/r/foo", {}), ("GET", "/r/bar", {})]
