"""Registering a fiscal receipt with the seller's PRRO (Checkbox), once per payment.

A receipt row is claimed in the database before Checkbox is called (two workers never work on one
at a time; a killed worker's claim runs out), and Checkbox is first asked whether it already has
our receipt id: a try whose answer was lost, or a worker killed after Checkbox accepted the sale,
is finished, never registered again. Checkbox itself refuses a second receipt with the same id.
Unreachable: tried again with backoff within the PRRO's 36-hour window. Refused: the seller hears
Checkbox's reason once, and the receipt can be retried after the fix.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from domain import commands
from domain.errors import FiscalRejected, FiscalUnavailable, ServiceUnavailable
from domain.events import Event
from domain.fiscal import CASH, RETURN, FiscalReceipt, ReceiptState
from domain.i18n import t
from domain.invoice import Invoice
from storage.fiscal import FiscalSettings
from storage.secrets import SecretBox
from storage.wiring import Wired
from workers.fiscal.paid_line import add_to_paid_message
from workers.providers.checkbox import DEFAULT_TIMEOUT as CHECKBOX_TIMEOUT
from workers.providers.checkbox import CheckboxClient, ShiftNotOpen
from workers.runtime import Deps

log = logging.getLogger(__name__)

CLAIM = timedelta(minutes=3)  #: longer than one attempt can take (each call times out in 15 s)
READ_WAITS = (0.2, 0.5, 1.0, 2.0)  #: seconds between reads of a CREATED receipt in one attempt
CURRENCY_REASON = "@fiscal_reason_currency"


def now() -> datetime:
    return datetime.now(UTC)


_http: httpx.Client | None = None
_http_lock = threading.Lock()


def shared_http() -> httpx.Client:
    """One connection pool for every Checkbox call of this process: a receipt no longer opens
    (and closes) a connection of its own, with its TLS handshake. Its clients never close it."""
    global _http
    with _http_lock:
        if _http is None:
            _http = httpx.Client(timeout=CHECKBOX_TIMEOUT)
        return _http


def client_for(settings: FiscalSettings, d: Deps) -> CheckboxClient:
    box = SecretBox.from_settings(d.settings)
    return CheckboxClient(d.settings.checkbox_base, box.decrypt(settings.license_key_encrypted
                                                                or ""),
                          box.decrypt(settings.pin_encrypted or ""), http=shared_http())


def register_receipt(receipt_id: str, d: Deps, *, moment: datetime | None = None) -> None:
    """One attempt at a receipt that is due; nothing if another worker holds it or it is done."""
    moment = moment or now()
    with d.uow() as uow:
        receipt = uow.fiscal.claim(receipt_id, moment, moment + CLAIM)
        if receipt is None:
            return
        settings = uow.fiscal.settings(receipt.seller_id)
        invoice = uow.invoices.get(receipt.invoice_id)
        seller = uow.sellers.get(receipt.seller_id)
        sale = uow.fiscal.get(receipt.related_id) if receipt.related_id else None
        uow.commit()
    assert invoice is not None and seller is not None
    shift_used = False
    try:
        event, shift_used = _attempt(receipt, settings, invoice, seller.language, sale, d,
                                     moment)
    except FiscalUnavailable as exc:
        log.warning("Fiscal receipt %s of %s not registered yet: %s", receipt.id, invoice.code,
                    exc)
        event = receipt.unavailable(moment, str(exc))
    except FiscalRejected as exc:
        log.warning("Fiscal receipt %s of %s refused: %s", receipt.id, invoice.code, exc)
        event = receipt.refuse(str(exc))
    if receipt.state is ReceiptState.STUCK:
        log.error("Fiscal receipt %s of %s is stuck: Checkbox kept it CREATED for 36 hours.",
                  receipt.id, invoice.code)
    _record(receipt, event, invoice, d, shift_used=shift_used, moment=moment)


def _attempt(receipt: FiscalReceipt, settings: FiscalSettings | None, invoice: Invoice,
             lang: str, sale: FiscalReceipt | None, d: Deps,
             moment: datetime) -> tuple[Event | None, bool]:
    if settings is None or not settings.connected:
        raise FiscalRejected("@fiscal_reason_not_connected")
    if receipt.currency != "UAH":
        raise FiscalRejected(f"{CURRENCY_REASON}:{receipt.currency}")
    if receipt.kind == RETURN and (sale is None or sale.state is not ReceiptState.DONE):
        if sale is None or sale.state is ReceiptState.REFUSED:
            raise FiscalRejected("@fiscal_reason_no_sale")
        raise FiscalUnavailable("the sale receipt is not registered yet")
    client = client_for(settings, d)
    shift_used = False
    try:
        found = client.receipt(receipt.id)  # registered already: finish it, never twice
        if found is None:
            body = _body(receipt, invoice, settings, lang)
            client.ensure_shift()
            shift_used = True
            try:
                found = client.sell(body)
            except ShiftNotOpen:  # closed between our two calls (the day's end): open again
                client.ensure_shift()
                found = client.sell(body)
            # just sold: Checkbox usually fiscalises it within a second or two. A receipt
            # found CREATED on a later look is read once; the backoff spaces the looks.
            found = _settled(client, receipt.id, found)
    finally:
        client.close()
    status = found.get("status")
    if status == "DONE" and found.get("fiscal_code"):
        code, link = str(found["fiscal_code"]), f"{d.settings.checkbox_receipts}/{receipt.id}"
        issued = receipt.issue(code, link)
        if issued is not None and receipt.kind != RETURN \
                and add_to_paid_message(invoice, code, link, d):
            issued = replace(issued, in_paid_message=True)  # type: ignore[type-var]
        return issued, shift_used
    if status == "ERROR":
        return receipt.refuse(str(found.get("error") or found.get("message")
                                  or "@fiscal_reason_error"),
                              errored=True), shift_used
    return receipt.accept(moment), shift_used


def _settled(client: CheckboxClient, receipt_id: str, found: dict[str, Any]) -> dict[str, Any]:
    """Read a CREATED receipt a few times, backing off, until DONE or ERROR."""
    for wait in READ_WAITS:
        if found.get("status") in ("DONE", "ERROR"):
            break
        time.sleep(wait)
        found = client.receipt(receipt_id) or found
    return found


def _body(receipt: FiscalReceipt, invoice: Invoice, settings: FiscalSettings,
          lang: str) -> dict[str, Any]:
    """The sale (or return): one line, the price in kopecks, the quantity in thousandths."""
    name = (invoice.description or settings.goods_name or t(lang, "fiscal_default_goods"))
    cash = receipt.payment_type == CASH
    payment: dict[str, Any] = {"type": receipt.payment_type, "value": receipt.amount_minor,
                               "label": "Готівка" if cash else "Платіжна картка"}
    if receipt.card_mask and not cash:
        payment["card_mask"] = receipt.card_mask
    if receipt.auth_code:
        payment["auth_code"] = receipt.auth_code
    if receipt.rrn and not cash:
        payment["rrn"] = receipt.rrn
    body: dict[str, Any] = {
        "id": receipt.id,
        "goods": [{"good": {"code": invoice.code, "name": name.strip()[:256],
                            "price": receipt.amount_minor},
                   "quantity": 1000, "is_return": receipt.kind == RETURN}],
        "payments": [payment],
    }
    if receipt.kind == RETURN:
        body["related_receipt_id"] = receipt.related_id
    return body


def _record(receipt: FiscalReceipt, event: Event | None, invoice: Invoice, d: Deps, *,
            shift_used: bool, moment: datetime) -> None:
    """Save the receipt (letting it go), write the step in the invoice's history, tell the seller
    when the step says so, and come back when it is due again."""
    with d.uow() as uow:
        uow.fiscal.save(receipt)
        if shift_used:
            uow.fiscal.shift_opened(receipt.seller_id, moment)
        row = (uow.events.record(event, str(invoice.status), str(invoice.status), moment)
               if event is not None else None)
        uow.commit()
    try:
        if row is not None and row.notify and row.id is not None:
            d.bus.publish(commands.NotifySeller(row.id))
        if receipt.is_open and receipt.next_try_at is not None:
            delay = max(0, int((receipt.next_try_at - moment).total_seconds() * 1000))
            d.bus.publish(commands.RegisterFiscalReceipt(receipt.id), delay_ms=delay)
        if receipt.kind != RETURN and invoice.buyer_email \
                and (not receipt.is_open or receipt.told_pending):
            # with the link now; or without it, when Checkbox is away (the buyer is not kept
            # waiting for hours); sent once either way (workers/receipts.py)
            d.bus.publish(commands.SendReceipt(invoice.id, "paid"))
    except ServiceUnavailable:
        pass  # the scheduler's scans find the row, the event and the receipt anyway


def retry_refused(d: Deps, by: str, *, invoice_ref: str | None = None,
                  seller_id: int | None = None) -> list[str]:
    """Retry refused receipts after the cause was fixed, under the same ids: an invoice's
    (`invoice_ref`: its id or code) or a seller's. Returns the receipts queued again."""
    moment = now()
    queued = []
    with d.uow() as uow:
        if invoice_ref is not None:
            invoice = uow.invoices.get(invoice_ref) or uow.invoices.by_code(invoice_ref)
            receipts = uow.fiscal.for_invoice(invoice.id) if invoice else []
        else:  # a reconnect: what the register refused, not what no register can take
            receipts = [r for r in uow.fiscal.refused_for_seller(seller_id or 0)
                        if not (r.reason or "").startswith(CURRENCY_REASON)]
        for receipt in receipts:
            previous = receipt.id
            event = receipt.retry(moment, by)
            invoice = uow.invoices.get(receipt.invoice_id)
            if event is not None and invoice is not None:
                uow.fiscal.save(receipt, previous_id=previous)
                uow.events.record(event, str(invoice.status), str(invoice.status), moment)
                queued.append(receipt.id)
        uow.commit()
    for receipt_id in queued:
        d.bus.publish(commands.RegisterFiscalReceipt(receipt_id))
    return queued


def scan(d: Wired, moment: datetime) -> int:
    """Re-queue receipts that are due and held by nobody (a lost message, a killed worker)."""
    with d.uow().readonly() as uow:
        due = uow.fiscal.due(moment - timedelta(seconds=30))
    for receipt_id in due:
        d.bus.publish(commands.RegisterFiscalReceipt(receipt_id))
    return len(due)
