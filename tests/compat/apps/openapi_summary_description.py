"""Summary, description, docstrings (cut at a form feed) and the ``info`` object."""

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI(
    title="ChimichangApp",
    summary="Deadpool's favorite app. Nuff said.",
    description=(
        "ChimichangApp API helps you do awesome stuff. 🚀\n\n## Items\n\nYou can **read items**."
    ),
    version="0.0.1",
    terms_of_service="http://example.com/terms/",
    contact={
        "name": "Deadpoolio the Amazing",
        "url": "http://x-force.example.com/contact/",
        "email": "dp@x-force.example.com",
    },
    license_info={"name": "Apache 2.0", "identifier": "Apache-2.0"},
)


class Item(BaseModel):
    """An item.

    \f
    Internal notes that stay out of the document.
    """

    name: str
    price: float


@app.post("/items/", summary="Create an item", response_description="The created item")
async def create_item(item: Item) -> Item:
    """
    Create an item with all the information:

    - **name**: each item must have a name
    - **price**: required
    \f
    :param item: User input.
    """
    return item


@app.get("/plain/", description="Given explicitly, wins over the docstring")
async def plain():
    """Not used."""
    return {}


@app.get("/no_doc/")
async def no_doc():
    return {}


REQUESTS = [
    ("POST", "/items/", {"json": {"name": "x", "price": 1.5}}),
    ("GET", "/openapi.json", {}),
]
