"""OpenAPI callbacks (a callback router's routes documented under the operation)."""

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, HttpUrl

app = FastAPI()


class Invoice(BaseModel):
    id: str
    title: str | None = None
    customer: str
    total: float


class InvoiceEvent(BaseModel):
    description: str
    paid: bool


class InvoiceEventReceived(BaseModel):
    ok: bool


invoices_callback_router = APIRouter()


@invoices_callback_router.post(
    "{$callback_url}/invoices/{$request.body.id}", response_model=InvoiceEventReceived
)
def invoice_notification(body: InvoiceEvent):
    pass


@app.post("/invoices/", callbacks=invoices_callback_router.routes)
def create_invoice(invoice: Invoice, callback_url: HttpUrl | None = None):
    """Create an invoice; the external API is called back when it is paid."""
    return {"msg": "Invoice received"}


REQUESTS = [
    ("POST", "/invoices/", {"json": {"id": "1", "customer": "c", "total": 3}}),
    (
        "POST",
        "/invoices/?callback_url=not-a-url",
        {"json": {"id": "1", "customer": "c", "total": 3}},
    ),
]
