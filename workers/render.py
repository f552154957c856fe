"""What the seller reads when something happens to an invoice, in their language."""
from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
from domain.i18n import format_money, status_word, t
from domain.invoice import Invoice, InvoiceStatus
from domain.messaging import Button, OutboundMessage
from domain.money import Money
from domain.qr import qr_png
from storage.repository import Seller
from storage.tables import InvoiceEventRow
from workers.fiscal.texts import FISCAL_MESSAGES, fiscal_text
from workers.manual_render import MANUAL_EVENTS, render_manual

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


def _provider_reason(payload: dict, lang: str) -> str:
    """The provider's refusal in the seller's words: made from its code, never shown raw (the raw
    words stay in the event, for support's history)."""
    return decline_text(payload.get("code") or code_in(payload.get("reason")), lang)


def render_event(event: InvoiceEventRow, invoice: Invoice, seller: Seller,
                 base_url: str) -> OutboundMessage:
    """The seller's message about `event`, in their language (which also lets Viber keep the
    main menu under the message's own buttons)."""
    return dataclasses.replace(_render(event, invoice, seller, base_url), lang=seller.language)


def _render(event: InvoiceEventRow, invoice: Invoice, seller: Seller,
            base_url: str) -> OutboundMessage:
    lang = seller.language
    amount = format_money(invoice.amount, lang)
    payload = json.loads(event.payload or "{}")
    base = dict(channel=invoice.channel, chat_id=invoice.chat_id, reply_to=invoice.message_id)
    if event.name == "InvoiceLinkIssued":
        link = pay_link(base_url, invoice.code)
        text = t(lang, "invoice_ready", amount=amount, description=_described(invoice), link=link,
                 expires=local_time(invoice.expires_at, seller.country))
        return OutboundMessage(channel=invoice.channel, chat_id=invoice.chat_id, text=text,
                               photo_png=qr_png(link) if invoice.channel == "telegram" else None,
                               photo_url=f"{base_url}/qr/{invoice.code}.png",
                               buttons=invoice_buttons(invoice, lang))
    if event.name in MANUAL_EVENTS or (event.name == "InvoicePaid" and payload.get("manual")):
        return render_manual(event.name, payload, invoice, seller, base)
    if event.name == "InvoicePaid":
        received = Money.parse_provider(payload["amount"], payload["currency"])
        if payload.get("mismatch"):
            expected = Money.parse_provider(payload["expected_amount"], payload["expected_currency"])
            return OutboundMessage(text=t(
                lang, "paid_mismatch", expected=format_money(expected, lang),
                received=format_money(received, lang), description=_described(invoice)), **base)
        key = "paid_late" if payload.get("late") else "paid"
        details = invoice.buyer_details
        buyer = t(lang, "paid_buyer", details=details) if details else ""
        return OutboundMessage(text=t(lang, key, amount=format_money(received, lang),
                                      description=_described(invoice)) + buyer,
                               buttons=paid_buttons(invoice, lang), **base)
    if event.name in FISCAL_MESSAGES:
        return OutboundMessage(text=fiscal_text(event.name, payload, lang, _described(invoice)),
                               **base)
    if event.name == "ExtraPaymentReceived":
        received = Money.parse_provider(payload["amount"], payload["currency"])
        return OutboundMessage(text=t(lang, "paid_twice", amount=format_money(received, lang),
                                      description=_described(invoice),
                                      payment_id=payload["provider_payment_id"]), **base)
    if event.name == "PaymentInProgress":
        return OutboundMessage(text=t(lang, "payment_in_progress", amount=amount,
                                      description=_described(invoice),
                                      status=payload.get("raw_status", "")), **base)
    if event.name == "PollingStopped":
        return OutboundMessage(text=t(lang, "polling_stopped", amount=amount,
                                      description=_described(invoice),
                                      reason=_provider_reason(payload, lang)), **base)
    if event.name == "PaymentDeclined":
        reason = decline_reason(payload.get("code"), payload.get("reason"), lang)
        return OutboundMessage(text=t(lang, "declined", amount=amount,
                                      description=_described(invoice), reason=reason), **base)
    if event.name == "InvoiceFailed":
        return OutboundMessage(text=t(lang, "failed", amount=amount, description=_described(invoice),
                                      reason=_provider_reason(payload, lang)), **base)
    if event.name == "InvoiceRefunded":
        refunded = Money.parse_provider(payload["amount"], payload["currency"])
        if payload.get("full"):
            return OutboundMessage(text=t(lang, "refunded", amount=format_money(refunded, lang),
                                          description=_described(invoice)), **base)
        left = invoice.refundable
        return OutboundMessage(text=t(lang, "refund_partial", amount=format_money(refunded, lang),
                                      description=_described(invoice),
                                      left=format_money(left, lang)),
                               buttons=paid_buttons(invoice, lang), **base)
    if event.name in ("RefundPending", "RefundRefused"):
        refund = Money.parse_provider(payload["amount"], payload["currency"])
        key = "refund_pending" if event.name == "RefundPending" else "refund_refused"
        return OutboundMessage(text=t(lang, key, amount=format_money(refund, lang),
                                      description=_described(invoice),
                                      status=payload.get("raw_status", ""),
                                      reason=_provider_reason(payload, lang)),
                               **base)
    if event.name in ("InvoiceExpired", "InvoiceCancelled"):
        key = "expired" if event.name == "InvoiceExpired" else "cancelled"
        return OutboundMessage(text=t(lang, key, amount=amount, description=_described(invoice)),
                               **base)
    # StatusUnchanged: the seller asked; say where things stand
    if invoice.is_open:
        status = (t(lang, "status_declined_retry") if invoice.latest_attempt.declined
                  else t(lang, "status_at_bank") if invoice.in_flight  # never LiqPay's word
                  else status_word(invoice.status, lang))
        text = t(lang, "still_pending", amount=amount, status=status)
        return OutboundMessage(text=text, buttons=invoice_buttons(invoice, lang), **base)
    return OutboundMessage(text=t(lang, "status_is", amount=amount,
                                  status=status_word(invoice.status, lang)), **base)
