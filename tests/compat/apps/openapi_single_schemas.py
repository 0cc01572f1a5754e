"""``separate_input_output_schemas=False``: one schema per model (computed fields apart)."""

from fastapi import FastAPI
from pydantic import BaseModel, computed_field


class Item(BaseModel):
    name: str
    description: str | None = None


class Priced(BaseModel):
    price: float

    @computed_field  # type: ignore[prop-decorator]  # pydantic's advice for mypy
    @property
    def with_tax(self) -> float:
        return self.price * 2


app = FastAPI(separate_input_output_schemas=False)


@app.post("/items/")
def create_item(item: Item) -> Item:
    return item


@app.get("/items/")
def read_items() -> list[Item]:
    return [Item(name="Portal Gun", description="Device to travel through the multi-rick-verse")]


@app.post("/priced/")
def priced(item: Priced) -> Priced:
    return item


REQUESTS = [("POST", "/items/", {"json": {"name": "x"}}), ("GET", "/items/", {})]
