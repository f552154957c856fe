"""The buyer's page: an invoice's checkout (`pageUrl`), where a test card pays or is declined;
rendered from the Jinja2 templates in `sandbox/monobank/templates/`."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sandbox.monobank.invoices import Invoices

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                        autoescape=select_autoescape(default=True))
CURRENCY = {980: "UAH", 840: "USD", 978: "EUR"}


class CheckoutPage(Invoices):
    """GET and POST /pay/{invoiceId}."""

    merchants: dict[str, str]  #: token -> merchant name

    def _render(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(TEMPLATES.get_template(name).render(**context),
                            status_code=status_code)

    def _message(self, title: str, message: str, *, ok: bool = False,
                 status_code: int = 200) -> HTMLResponse:
        return self._render("message.html", status_code, title=title, message=message, ok=ok)

    async def _page(self, request: Request) -> Response:
        with self._lock:
            invoice = self.invoices.get(request.path_params["invoice_id"])
            if invoice is not None:
                self._expire_if_due(invoice)
        if invoice is None:
            return self._message("Unknown invoice", "No invoice has this id.", status_code=404)
        if request.method == "POST":
            form = await request.form()
            card = form.get("card")
            self.charge(invoice, card if isinstance(card, str) else "")
            if invoice["redirectUrl"] and invoice["status"] in ("success", "failure"):
                return RedirectResponse(invoice["redirectUrl"], status_code=303)
        status = invoice["status"]
        amount = Decimal(invoice["amount"]).scaleb(-2)
        currency = CURRENCY[invoice["ccy"]]
        if status == "success" or status == "reversed":
            return self._message("Paid", f"{amount} {currency} paid.", ok=True)
        if status == "failure":
            return self._message("Payment failed", invoice["failureReason"] or "")
        if status == "expired":
            return self._message("Invoice expired", "This invoice can no longer be paid.")
        return self._render("checkout.html", invoice=invoice, amount=amount, currency=currency,
                            merchant=self.merchants.get(invoice["token"], "monobank"))
