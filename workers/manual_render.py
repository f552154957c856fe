"""What the seller reads about manual payments: a declared payment (with *Approve*, *Approve
with corrections* and *Reject*), a rejection (theirs or the timeout's), and an invoice paid by
hand."""
from __future__ import annotations

from datetime import date
from typing import Any

from domain.actions import ApproveManual, CorrectManual, RejectManual
from domain.i18n import format_money, t
from domain.invoice import Invoice
from domain.messaging import Button, OutboundMessage
from domain.money import Money
from storage.repository import Seller

def decision_buttons(payment_id: str, lang: str) -> tuple[tuple[Button, ...], ...]:
    """Under an open manual payment; the bot checks the payment is the tapping seller's."""
    return ((ApproveManual(payment_id).button(t(lang, "btn_manual_approve")),
             RejectManual(payment_id).button(t(lang, "btn_manual_reject"))),
            (CorrectManual(payment_id).button(t(lang, "btn_manual_correct")),))


def method_name(name: str, lang: str) -> str:
    """A method as the seller reads it: the built-in *Cash* in their language."""
    return t(lang, "btn_cash") if name == "Cash" else name


def shown_date(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d.%m.%Y")


def render_manual(name: str, payload: dict[str, Any], invoice: Invoice, seller: Seller,
                  base: dict[str, Any]) -> OutboundMessage:
    from workers.render import paid_buttons  # render.py hands manual events over to here

    lang = seller.language
    described = f" — {invoice.description}" if invoice.description else ""
    if name == "InvoicePaid":
        received = Money.parse_provider(payload["amount"], payload["currency"])
        if payload.get("mismatch"):
            expected = Money.parse_provider(payload["expected_amount"],
                                            payload["expected_currency"])
            text = t(lang, "paid_mismatch", expected=format_money(expected, lang),
                     received=format_money(received, lang), description=described)
        else:
            text = t(lang, "paid_manual", method=method_name(payload["manual"], lang),
                     amount=format_money(received, lang), description=described)
        details = invoice.buyer_details
        buyer = t(lang, "paid_buyer", details=details) if details else ""
        return OutboundMessage(text=text + buyer, buttons=paid_buttons(invoice, lang), **base)
    if name == "ManualPaymentOpened":
        amount = Money.parse_provider(payload["amount"], payload["currency"])
        comment = t(lang, "manual_comment", comment=payload["comment"]) \
            if payload.get("comment") else ""
        key = "manual_opened" if payload["by"] == "buyer" else "manual_opened_by_seller"
        return OutboundMessage(
            text=t(lang, key, amount=format_money(amount, lang), description=described,
                   method=method_name(payload["method"], lang), date=shown_date(payload["paid_on"]),
                   comment=comment),
            buttons=decision_buttons(payload["payment_id"], lang), **base)
    # ManualPaymentRejected
    amount = Money.parse_provider(payload["amount"], payload["currency"])
    key = "manual_auto_rejected" if payload.get("automatic") else "manual_rejected"
    return OutboundMessage(text=t(lang, key, amount=format_money(amount, lang),
                                  description=described,
                                  method=method_name(payload["method"], lang),
                                  reason=payload["reason"]), **base)
