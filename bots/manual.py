"""What both bots do with manual payments, whatever the messenger: the seller's own payment
behind a button (never another seller's), the methods to choose from, the date and corrected
amount the seller typed, and the commands for approve, reject, record, open and refund."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

from bots.invoices import read_amount
from domain import commands
from domain.i18n import format_money, t
from domain.invoice import Invoice
from domain.manual import ManualMethod, ManualPayment
from domain.money import Money
from storage.repository import Seller
from storage.uow import UnitOfWork

COMMENT_LIMIT = 200  #: characters



def own_payment(uow_factory: Callable[[], UnitOfWork], seller_id: int,
                payment_id: str) -> ManualPayment | None:
    """The payment behind a button, if it is the tapping seller's own."""
    with uow_factory().readonly() as uow:
        payment = uow.manual.get(payment_id)
    return payment if payment is not None and payment.seller_id == seller_id else None


def own_invoice(uow_factory: Callable[[], UnitOfWork], seller_id: int,
                code: str) -> Invoice | None:
    with uow_factory().readonly() as uow:
        invoice = uow.invoices.by_code(code)
    return invoice if invoice is not None and invoice.seller_id == seller_id else None


def methods(uow_factory: Callable[[], UnitOfWork], seller: Seller) -> list[ManualMethod]:
    with uow_factory().readonly() as uow:
        return uow.manual.methods(seller.id, seller.currency or "UAH")


def local_today(country: str | None) -> date:
    """Today where the seller is (the default payment date)."""
    from workers.render import local_time  # presentation only: no provider or messenger client
    return date.fromisoformat(local_time(datetime.now(UTC), country)[:10])


def read_paid_on(text: str, today: date) -> date | None:
    """A payment date the seller typed: DD.MM.YYYY (or DD.MM, this year, or ISO), not after
    today."""
    text = text.strip()
    found = re.fullmatch(r"(\d{1,2})[./-](\d{1,2})(?:[./-](\d{4}))?", text)
    try:
        if found:
            day, month, year = found.groups()
            when = date(int(year or today.year), int(month), int(day))
        else:
            when = date.fromisoformat(text)
    except ValueError:
        return None
    return when if when <= today else None


def read_corrected(text: str, currency: str, maximum: Decimal,
                   lang: str) -> tuple[Money | None, str]:
    """The amount actually received, optionally with another currency: "240", "10 USD"."""
    found = re.fullmatch(r"\s*(.*?)\s*([A-Za-z]{3})?\s*", text)
    number, code = (found.group(1), found.group(2)) if found else (text, None)
    return read_amount(number, (code or currency).upper(), maximum, lang)


def read_comment(text: str) -> str:
    return " ".join(text.split())[:COMMENT_LIMIT]


def method_label(method: ManualMethod, lang: str) -> str:
    from workers.manual_render import method_name
    return method_name(method.name, lang)


def decide(seller_id: int, payment_id: str, approve: bool, reason: str = "",
           corrections: dict[str, str | None] | None = None) -> commands.DecideManualPayment:
    return commands.DecideManualPayment(payment_id=payment_id, seller_id=seller_id,
                                        approve=approve, reason=reason, **(corrections or {}))


def record(channel: str, chat_id: str, key: str, seller: Seller, data: dict[str, str],
           ) -> commands.Command:
    """*Record payment* (no invoice code) or the first step on a card invoice (its code)."""
    if data.get("code"):
        return commands.OpenManualPayment(
            payment_id=f"{channel}:{chat_id}:{key}", code=data["code"], seller_id=seller.id,
            method_id=int(data["method"]), paid_on=data["paid_on"], comment=data["comment"])
    return commands.RecordManualPayment(
        idempotency_key=f"{channel}:{chat_id}:{key}", seller_id=seller.id,
        amount=data["amount"], currency=data["currency"], method_id=int(data["method"]),
        paid_on=data["paid_on"], comment=data["comment"], channel=channel, chat_id=chat_id)


def saving_text(data: dict[str, str], lang: str) -> str:
    if data.get("code"):
        return t(lang, "record_opening")
    return t(lang, "record_saving",
             amount=format_money(Money(Decimal(data["amount"]), data["currency"]), lang))


def refund_ask_text(invoice: Invoice, lang: str) -> str:
    return t(lang, "manual_refund_ask_comment",
             amount=format_money(invoice.paid_amount or invoice.amount, lang))
