"""What the seller reads when something happens to an invoice, in their language."""
from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from collections.abc import Callable
from typing import Any

from babel.core import get_global

from domain.actions import (
    CancelInvoiceTap,
    CheckStatusTap,
    ManualRefundTap,
    RecordForInvoice,
    RefundTap,
    SendByEmail,
    SendBySms,
)
from domain.declines import code_in, decline_text
from domain.attempts import decline_reason
from domain.events import (
    Event,
    ExtraPaymentReceived,
    InvoiceCancelled,
    InvoiceExpired,
    InvoiceFailed,
    InvoiceLinkIssued,
    InvoicePaid,
    InvoiceRefunded,
    ManualPaymentOpened,
    ManualPaymentRejected,
    PaymentDeclined,
    PaymentInProgress,
    PollingStopped,
    RefundPending,
    RefundRefused,
    StatusUnchanged,
    stored_event,
)
from domain.fiscal import (
    FiscalReceiptIssued,
    FiscalReceiptPending,
    FiscalReceiptRefused,
    FiscalReceiptStuck,
)
from domain.i18n import format_money, status_word, t
from domain.invoice import Invoice, InvoiceStatus
from domain.messaging import Button, OutboundMessage
from domain.money import Money
from domain.qr import qr_png
from storage.repository import Seller
from storage.tables import InvoiceEventRow
from workers.fiscal.texts import fiscal_text
from workers.manual_render import render_manual

#: the zone of a country with several, where chatpay's sellers are (others show UTC)
MAIN_ZONES = {"UA": "Europe/Kyiv"}


def zone_of(country: str | None) -> tzinfo:
    """The seller's zone: a country's one zone (or its main one in MAIN_ZONES), else UTC."""
    zones = get_global("territory_zones").get(country or "", []) if country else []
    name = MAIN_ZONES.get(country or "") or (zones[0] if len(zones) == 1 else None)
    try:
        return ZoneInfo(name) if name else UTC
    except ZoneInfoNotFoundError:
        return UTC


def local_time(moment: datetime, country: str | None) -> str:
    """A moment as a person in the seller's country reads it: "2026-12-03 13:45 EET". A country
    with one zone (or a main one in MAIN_ZONES) shows it; unknown or ambiguous ones show UTC."""
    local = moment.astimezone(zone_of(country))
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "UTC")


def pay_link(base_url: str, code: str) -> str:
    return f"{base_url}/p/{code}"


def invoice_buttons(invoice: Invoice, lang: str) -> tuple[tuple[Button, ...], ...]:
    code = invoice.code
    return ((CheckStatusTap(code).button(t(lang, "btn_check")),
             CancelInvoiceTap(code).button(t(lang, "btn_cancel"))),
            (SendBySms(code).button(t(lang, "btn_send_sms")),
             SendByEmail(code).button(t(lang, "btn_send_email"))),
            (RecordForInvoice(code).button(t(lang, "btn_record_for_invoice")),))


def live_buttons(invoice: Invoice, lang: str) -> tuple[tuple[Button, ...], ...]:
    """What still makes sense under the invoice's QR message in its present state: all of it
    while it can be paid; *Refund* once paid; *Check status* once it failed, expired or was
    cancelled (a payment the provider confirms late is still found); nothing once refunded."""
    if invoice.status in (InvoiceStatus.CREATED, InvoiceStatus.PENDING):
        return invoice_buttons(invoice, lang)
    if invoice.status in (InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_REFUNDED):
        return paid_buttons(invoice, lang)
    if invoice.status is InvoiceStatus.REFUNDED:
        return ()
    return ((CheckStatusTap(invoice.code).button(t(lang, "btn_check")),),)


def paid_buttons(invoice: Invoice, lang: str) -> tuple[tuple[Button, ...], ...]:
    """Under a paid invoice's messages: *Refund*, while anything is left to refund (an invoice
    paid by hand is refunded by hand: `mrf:`, no provider call)."""
    if invoice.refundable.amount <= 0:
        return ()
    tap = ManualRefundTap(invoice.code) if invoice.manual else RefundTap(invoice.code)
    return ((tap.button(t(lang, "btn_refund")),),)


def _described(invoice: Invoice) -> str:
    return f" — {invoice.description}" if invoice.description else ""


def _provider_reason(code: str | None, reason: str | None, lang: str) -> str:
    """The provider's refusal in the seller's words: made from its code, never shown raw (the raw
    words stay in the event, for support's history)."""
    return decline_text(code or code_in(reason), lang)


def render_event(event: InvoiceEventRow, invoice: Invoice, seller: Seller,
                 base_url: str) -> OutboundMessage:
    """The seller's message about the stored `event`, in their language (which also lets Viber
    keep the main menu under the message's own buttons)."""
    typed = stored_event(event.name, event.invoice_id, json.loads(event.payload or "{}"))
    return dataclasses.replace(render(typed, invoice, seller, base_url), lang=seller.language)


def render(event: Event | None, invoice: Invoice, seller: Seller,
           base_url: str) -> OutboundMessage:
    """The seller's message about `event`: each kind has its own function (RENDERERS); one
    without (StatusUnchanged, or a kind this code does not know) says where things stand."""
    about = _About(invoice, seller, base_url)
    if event is None:
        return _status(event, about)
    return RENDERERS.get(type(event), _status)(event, about)


@dataclasses.dataclass(frozen=True)
class _About:
    """What every message says about the invoice, in the seller's language."""
    invoice: Invoice
    seller: Seller
    base_url: str

    @property
    def lang(self) -> str:
        return self.seller.language

    @property
    def amount(self) -> str:
        return format_money(self.invoice.amount, self.lang)

    @property
    def described(self) -> str:
        return _described(self.invoice)

    def money(self, amount: str, currency: str) -> str:
        return format_money(Money.parse_provider(amount, currency), self.lang)

    def message(self, text: str, **extra: Any) -> OutboundMessage:
        """A message in the invoice's chat, replying to its QR message."""
        return OutboundMessage(channel=self.invoice.channel, chat_id=self.invoice.chat_id,
                               reply_to=self.invoice.message_id, text=text, **extra)

    @property
    def base(self) -> dict[str, Any]:
        return dict(channel=self.invoice.channel, chat_id=self.invoice.chat_id,
                    reply_to=self.invoice.message_id)


def _link_issued(event: InvoiceLinkIssued, a: _About) -> OutboundMessage:
    invoice, lang = a.invoice, a.lang
    link = pay_link(a.base_url, invoice.code)
    text = t(lang, "invoice_ready", amount=a.amount, description=a.described, link=link,
             expires=local_time(invoice.expires_at, a.seller.country))
    return OutboundMessage(channel=invoice.channel, chat_id=invoice.chat_id, text=text,
                           photo_png=qr_png(link) if invoice.channel == "telegram" else None,
                           photo_url=f"{a.base_url}/qr/{invoice.code}.png",
                           buttons=invoice_buttons(invoice, lang))


def _paid(event: InvoicePaid, a: _About) -> OutboundMessage:
    if event.manual:
        return _manual(event, a)
    lang = a.lang
    received = a.money(event.amount, event.currency)
    if event.mismatch:
        expected = a.money(event.expected_amount or "0", event.expected_currency or "")
        return a.message(t(lang, "paid_mismatch", expected=expected, received=received,
                           description=a.described))
    details = a.invoice.buyer_details
    buyer = t(lang, "paid_buyer", details=details) if details else ""
    return a.message(t(lang, "paid_late" if event.late else "paid", amount=received,
                       description=a.described) + buyer,
                     buttons=paid_buttons(a.invoice, lang))


def _manual(event: Event, a: _About) -> OutboundMessage:
    return render_manual(event.name, event.payload(), a.invoice, a.seller, a.base)


def _fiscal(event: Event, a: _About) -> OutboundMessage:
    return a.message(fiscal_text(event.name, event.payload(), a.lang, a.described))


def _paid_twice(event: ExtraPaymentReceived, a: _About) -> OutboundMessage:
    return a.message(t(a.lang, "paid_twice", amount=a.money(event.amount, event.currency),
                       description=a.described, payment_id=event.provider_payment_id))


def _in_progress(event: PaymentInProgress, a: _About) -> OutboundMessage:
    return a.message(t(a.lang, "payment_in_progress", amount=a.amount, description=a.described,
                       status=event.raw_status))


def _polling_stopped(event: PollingStopped, a: _About) -> OutboundMessage:
    return a.message(t(a.lang, "polling_stopped", amount=a.amount, description=a.described,
                       reason=_provider_reason(None, event.reason, a.lang)))


def _declined(event: PaymentDeclined, a: _About) -> OutboundMessage:
    return a.message(t(a.lang, "declined", amount=a.amount, description=a.described,
                       reason=decline_reason(event.code, event.reason, a.lang)))


def _failed(event: InvoiceFailed, a: _About) -> OutboundMessage:
    return a.message(t(a.lang, "failed", amount=a.amount, description=a.described,
                       reason=_provider_reason(event.code, event.reason, a.lang)))


def _refunded(event: InvoiceRefunded, a: _About) -> OutboundMessage:
    lang, refunded = a.lang, a.money(event.amount, event.currency)
    if event.full:
        return a.message(t(lang, "refunded", amount=refunded, description=a.described))
    return a.message(t(lang, "refund_partial", amount=refunded, description=a.described,
                       left=format_money(a.invoice.refundable, lang)),
                     buttons=paid_buttons(a.invoice, lang))


def _refund_pending(event: RefundPending, a: _About) -> OutboundMessage:
    return a.message(t(a.lang, "refund_pending", amount=a.money(event.amount, event.currency),
                       description=a.described, status=event.raw_status,
                       reason=_provider_reason(None, None, a.lang)))


def _refund_refused(event: RefundRefused, a: _About) -> OutboundMessage:
    return a.message(t(a.lang, "refund_refused", amount=a.money(event.amount, event.currency),
                       description=a.described, status="",
                       reason=_provider_reason(None, event.reason, a.lang)))


def _expired(event: InvoiceExpired, a: _About) -> OutboundMessage:
    return a.message(t(a.lang, "expired", amount=a.amount, description=a.described))


def _cancelled(event: InvoiceCancelled, a: _About) -> OutboundMessage:
    return a.message(t(a.lang, "cancelled", amount=a.amount, description=a.described))


def _status(event: Event | None, a: _About) -> OutboundMessage:
    """StatusUnchanged: the seller asked; say where things stand."""
    invoice, lang = a.invoice, a.lang
    if invoice.is_open:
        status = (t(lang, "status_declined_retry") if invoice.latest_attempt.declined
                  else t(lang, "status_at_bank") if invoice.in_flight  # never LiqPay's word
                  else status_word(invoice.status, lang))
        return a.message(t(lang, "still_pending", amount=a.amount, status=status),
                         buttons=invoice_buttons(invoice, lang))
    return a.message(t(lang, "status_is", amount=a.amount,
                       status=status_word(invoice.status, lang)))


Renderer = Callable[[Any, _About], OutboundMessage]

#: the seller's message for each kind of event that tells them something (Event.notifies_seller)
RENDERERS: dict[type[Event], Renderer] = {
    InvoiceLinkIssued: _link_issued,
    InvoicePaid: _paid,
    ExtraPaymentReceived: _paid_twice,
    PaymentInProgress: _in_progress,
    PollingStopped: _polling_stopped,
    PaymentDeclined: _declined,
    InvoiceFailed: _failed,
    InvoiceRefunded: _refunded,
    RefundPending: _refund_pending,
    RefundRefused: _refund_refused,
    InvoiceExpired: _expired,
    InvoiceCancelled: _cancelled,
    StatusUnchanged: _status,
    ManualPaymentOpened: _manual,
    ManualPaymentRejected: _manual,
    FiscalReceiptIssued: _fiscal,
    FiscalReceiptPending: _fiscal,
    FiscalReceiptRefused: _fiscal,
    FiscalReceiptStuck: _fiscal,
}
