"""The stand-in itself: its merchants (tokens), knobs and routes. Paths are monobank's under the
mount point (`/api/merchant/...`); the buyer's page is `/pay/{invoiceId}`; the rest are control
paths that are not monobank's (`/merchants`, `/faults`, `/webhooks/release`, `/refunds/finish`)."""
from __future__ import annotations

import json
import secrets
import threading
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from sandbox.monobank.checkout import CheckoutPage
from sandbox.monobank.invoices import REFUND_MODES, Refused, iso_date
from sandbox.monobank.webhooks import WEBHOOK_ORDERS, Signer

SANDBOX_TOKEN = "sandbox-monobank-token"  #: the merchant the stand-in opens with
SANDBOX_MERCHANT = "Sandbox shop"
FAIL_ANSWERS = {"500": (500, '{"errCode":"INTERNAL_ERROR","errText":"stand-in fault"}'),
                "429": (429, '{"errCode":"TMR","errText":"too many requests"}'),
                "garbage": (200, "<html>not JSON</html>")}


class MonobankSandbox(CheckoutPage):
    """The stand-in's state and its ASGI `app`. Knobs are plain attributes, settable at any time."""

    def __init__(self, merchants: dict[str, str] | None = None, *, webhooks: bool = True) -> None:
        self.merchants = dict(merchants) if merchants is not None \
            else {SANDBOX_TOKEN: SANDBOX_MERCHANT}
        self.signer = Signer()
        self.webhooks = webhooks
        self.webhook_order = ""
        self.refund_mode = ""
        #: "500" | "429" (too many requests) | "garbage" (not JSON): every monobank path answers so
        self.fail_mode = ""
        self.invoices: dict[str, dict[str, Any]] = {}
        self.webhook_log: list[dict[str, Any]] = []
        self.held_webhooks: list[tuple[str, str, bytes, str]] = []
        self._lock = threading.RLock()
        self._start_delivery()
        self.app = Starlette(routes=[
            Route("/api/merchant/invoice/create", self._api, methods=["POST"]),
            Route("/api/merchant/invoice/status", self._api, methods=["GET"]),
            Route("/api/merchant/invoice/cancel", self._api, methods=["POST"]),
            Route("/api/merchant/invoice/remove", self._api, methods=["POST"]),
            Route("/api/merchant/details", self._api, methods=["GET"]),
            Route("/api/merchant/pubkey", self._api, methods=["GET"]),
            Route("/pay/{invoice_id}", self._page, methods=["GET", "POST"], name="pay"),
            Route("/merchants", self._open_merchant, methods=["POST"]),
            Route("/merchants/{token}/revoke", self._revoke, methods=["POST"]),
            Route("/faults", self._faults, methods=["GET", "POST"]),
            Route("/webhooks/release", self._release, methods=["POST"]),
            Route("/refunds/finish", self._finish_refunds, methods=["POST"]),
        ])

    # -- monobank's API ------------------------------------------------------------------------

    async def _api(self, request: Request) -> Response:
        if self.fail_mode in FAIL_ANSWERS:
            status, text = FAIL_ANSWERS[self.fail_mode]
            return PlainTextResponse(text, status)
        token = request.headers.get("x-token", "")
        if token not in self.merchants:
            return JSONResponse({"errCode": "FORBIDDEN", "errText": "forbidden"}, 403)
        body: dict[str, Any] = {}
        if request.method == "POST":
            try:
                body = json.loads(await request.body())
            except ValueError:
                return JSONResponse({"errCode": "BAD_REQUEST", "errText": "not JSON"}, 400)
            if not isinstance(body, dict):
                return JSONResponse({"errCode": "BAD_REQUEST", "errText": "not an object"}, 400)
        try:
            return JSONResponse(self._answer(request, token, body))
        except Refused as exc:
            return JSONResponse({"errCode": exc.code, "errText": exc.text}, exc.status)

    def _answer(self, request: Request, token: str, body: dict[str, Any]) -> dict[str, Any]:
        what = request.url.path.rsplit("/api/merchant/", 1)[-1]
        if what == "invoice/create":
            invoice = self.create_invoice(token, body)
            return {"invoiceId": invoice["invoiceId"],
                    "pageUrl": str(request.url_for("pay", invoice_id=invoice["invoiceId"]))}
        if what == "invoice/status":
            invoice = self.invoice_of(token, request.query_params.get("invoiceId", ""))
            return self.describe(invoice)
        if what == "invoice/cancel":
            operation = self.cancel_payment(token, body)
            return {"status": operation["status"], "createdDate": iso_date(operation["created_ms"]),
                    "modifiedDate": iso_date(operation["modified_ms"])}
        if what == "invoice/remove":
            self.remove(token, str(body.get("invoiceId") or ""))
            return {}
        if what == "details":
            return {"merchantId": token[-8:], "merchantName": self.merchants[token],
                    "edrpou": "00000000"}
        return {"key": self.signer.pubkey}  # pubkey

    # -- control paths (not monobank's) --------------------------------------------------------

    def add_merchant(self, name: str = "") -> str:
        """Open a merchant (a seller's own); its token, accepted from now on."""
        token = f"sandbox-{secrets.token_urlsafe(24)}"
        with self._lock:
            self.merchants[token] = name or f"Shop {token[-4:]}"
        return token

    def revoke(self, token: str) -> bool:
        """Revoke a token, as its owner can in the business cabinet: every call with it is
        refused with 403 from now. False if no merchant has it."""
        with self._lock:
            return self.merchants.pop(token, None) is not None

    async def _open_merchant(self, request: Request) -> JSONResponse:
        form = await request.form()
        name = form.get("name")
        token = self.add_merchant(name if isinstance(name, str) else "")
        return JSONResponse({"token": token, "merchantName": self.merchants[token]})

    async def _revoke(self, request: Request) -> JSONResponse:
        if not self.revoke(request.path_params["token"]):
            return JSONResponse({"error": "No merchant has this token."}, 404)
        return JSONResponse({"revoked": True})

    async def _faults(self, request: Request) -> JSONResponse:
        """GET shows the knobs; POST sets those its form names (`webhook_order=reverse`)."""
        if request.method == "POST":
            form = await request.form()
            allowed = {"webhook_order": WEBHOOK_ORDERS, "refund_mode": REFUND_MODES,
                       "fail_mode": ("", *FAIL_ANSWERS), "webhooks": ("0", "1")}
            for name, values in allowed.items():
                value = form.get(name)
                if value is None:
                    continue
                if value not in values:
                    return JSONResponse({"error": f"{name} takes one of {values}"}, 400)
                setattr(self, name, value == "1" if name == "webhooks" else value)
            if form.get("rotate_key"):
                self.signer.rotate()
        return JSONResponse({"webhook_order": self.webhook_order, "refund_mode": self.refund_mode,
                             "fail_mode": self.fail_mode, "webhooks": self.webhooks})

    async def _release(self, request: Request) -> JSONResponse:
        return JSONResponse({"released": self.release_webhooks()})

    async def _finish_refunds(self, request: Request) -> JSONResponse:
        return JSONResponse({"finished": self.finish_refunds()})

    # -- helpers for tests and benches ---------------------------------------------------------

    def pay(self, invoice_id: str, card: str) -> str:
        """Pay an invoice as the card form would; its status after."""
        return self.charge(self.invoices[invoice_id], card)

