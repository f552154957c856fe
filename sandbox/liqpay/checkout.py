"""The buyer's pages: the checkout form, its card submission and the 3-D Secure step, rendered
from the templates in `sandbox/liqpay/templates/`."""
from __future__ import annotations

from html import escape
from pathlib import Path
from string import Template
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sandbox.liqpay.orders import PAID, Orders
from sandbox.liqpay.wire import ERRORS

_TEMPLATES = Path(__file__).parent / "templates"


def _template(name: str) -> Template:
    return Template((_TEMPLATES / name).read_text(encoding="utf-8"))


class CheckoutPages(Orders):
    """GET/POST /api/3/checkout, POST /api/3/pay/{token}, GET/POST /api/3/3ds/{token}."""

    def _page(self, title: str, body: str, status_code: int = 200) -> HTMLResponse:
        return HTMLResponse(_template("layout.html").substitute(title=escape(title), body=body),
                            status_code=status_code)

    def _message(self, heading: str, message: str, *, ok: bool = False, status_code: int = 200,
                 details: str = "") -> HTMLResponse:
        body = _template("message.html").substitute(
            css="ok" if ok else "error", heading=escape(heading), message=escape(message), details=details)
        return self._page(heading, body, status_code)

    def _outcome_page(self, state: dict[str, Any]) -> Response:
        if state["status"] == "3ds_verify":
            return RedirectResponse(f"../3ds/{state['token']}", status_code=303)
        if state.get("result_url") and state["status"] not in (None, "3ds_verify"):
            return RedirectResponse(state["result_url"], status_code=303)
        if state["status"] in PAID:
            return self._message("Payment successful", f"{state['amount']} {state['currency']} paid.", ok=True)
        reason = ERRORS.get(state["err_code"] or "", "Payment failed")
        return self._message("Payment failed", reason)

    async def _checkout(self, request: Request) -> Response:
        fields = await self._form(request)
        state = self._open(fields.get("data", ""), fields.get("signature", ""))
        if isinstance(state, str):
            return self._message("Payment request refused", f"{state}: {ERRORS[state]}", status_code=400)
        if state["status"] in PAID:
            return self._message("Already paid", f"Order {state['order_id']} is already paid.", ok=True)
        if state["cancelled"]:
            return self._message("Invoice cancelled", ERRORS["invoice_canceled"])
        if self._expired(state):
            if state["status"] is None:
                self._settle(state, "error", "expired")
            return self._message("Payment expired", f"Order {state['order_id']} expired on "
                                 f"{state['expired_date']} UTC and can no longer be paid.")
        body = _template("checkout.html").substitute(
            merchant=escape(state["public_key"]), description=escape(state["description"]),
            amount=escape(str(state["amount"])), currency=escape(state["currency"]),
            order_id=escape(state["order_id"]), expires=escape(str(state.get("expired_date") or "—")),
            action=f"pay/{state['token']}",
        )
        return self._page(f"Pay {state['amount']} {state['currency']}", body)

    def _by_token(self, token: str) -> dict[str, Any] | None:
        return next((s for s in list(self.orders.values()) if s["token"] == token), None)

    async def _pay_form(self, request: Request) -> Response:
        fields = await self._form(request)
        state = self._by_token(request.path_params["token"])
        if state is None:
            return self._message("Unknown payment", ERRORS["payment_not_found"], status_code=404)
        if state["status"] in PAID:
            return self._message("Already paid", f"Order {state['order_id']} is already paid.", ok=True)
        status = self._charge(state, fields.get("card", ""))
        if status == "error" and state["err_code"] == "expired":
            return self._message("Payment expired", f"Order {state['order_id']} expired and was not charged.")
        return self._outcome_page(state)

    async def _threeds(self, request: Request) -> Response:
        fields = await self._form(request)
        state = self._by_token(request.path_params["token"])
        if state is None:
            return self._message("Unknown payment", ERRORS["payment_not_found"], status_code=404)
        if request.method == "POST":
            self._confirm(state, fields.get("code", ""))
            return self._outcome_page(state)
        if state["status"] != "3ds_verify":
            return self._outcome_page(state)
        body = _template("threeds.html").substitute(
            merchant=escape(state["public_key"]), amount=escape(str(state["amount"])),
            currency=escape(state["currency"]), card_mask=escape(state["card_mask"] or ""),
            action=escape(state["token"]),
        )
        return self._page("3-D Secure", body)
