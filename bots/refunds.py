"""What both bots do in the refund dialog, whatever the messenger: find what is left to refund,
read the amount the seller typed (the invoice amount rules, and no more than is left), and build
the RefundInvoice command.

One refund at a time: while a refund of the invoice is in flight, *Refund* answers at once that
it is still in progress (naming its amount); the worker decides the same under the invoice's row
lock, so two Confirm taps racing still make one refund."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from bots.invoices import read_amount
from domain.commands import RefundInvoice
from domain.i18n import format_money, t
from domain.i18n_refunds import refusal_text
from domain.invoice import Invoice
from domain.money import Money
from storage.uow import UnitOfWork


def refundable_invoice(uow_factory: Callable[[], UnitOfWork], seller_id: int,
                       code: str) -> Invoice | None:
    """The seller's own invoice by its code (with its refunds), or None."""
    with uow_factory().readonly() as uow:
        invoice = uow.invoices.by_code(code)
    # an invoice paid by hand is refunded by hand (bots.manual), never through the provider
    return invoice if invoice is not None and invoice.seller_id == seller_id \
        and not invoice.manual else None


def refusal(invoice: Invoice | None, lang: str) -> str | None:
    """Why this invoice may not be refunded now, in the seller's language; None: it may."""
    if invoice is None:
        return t(lang, "refund_nothing_left")
    flying = invoice.refund_in_flight
    if flying is not None:
        return refusal_text("refund_in_flight", flying.amount, lang)
    if invoice.refundable.amount <= 0:
        return t(lang, "refund_nothing_left")
    return None


def ask_text(left: Money, lang: str) -> str:
    return t(lang, "refund_ask_amount", left=format_money(left, lang))


def read_refund_amount(text: str, left: Money, maximum: Decimal,
                       lang: str) -> tuple[Money | None, str]:
    """The amount to refund, or None and the reply saying what is wrong with it."""
    amount, problem = read_amount(text, left.currency, maximum, lang)
    if amount is None:
        return None, problem
    if amount.amount > left.amount:
        return None, t(lang, "refund_more_than_left", left=format_money(left, lang))
    return amount, ""


def confirm_text(amount: Money, description: str, lang: str) -> str:
    return t(lang, "refund_confirm", amount=format_money(amount, lang),
             description=f" — {description}" if description else "")


def refund_command(channel: str, chat_id: str, key: str, seller_id: int, code: str,
                   amount: str) -> RefundInvoice:
    """One refund per confirming tap: `key` (the tap's message) makes a redelivered one the same
    refund, never a second."""
    return RefundInvoice(refund_id=f"{channel}:{chat_id}:{key}", code=code, seller_id=seller_id,
                         amount=amount)


def requested_text(amount: str, currency: str, lang: str) -> str:
    return t(lang, "refund_requested", amount=format_money(Money(Decimal(amount), currency), lang))
