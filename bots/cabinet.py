"""The seller's cabinet, whatever the messenger: where it opens (the Mini App's URL, Viber's
one-time signed link), the totals of a period in the seller's zone, the `/report` text, and the
cabinet's actions as the same commands the bot publishes (so the same rules hold)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from bots.invoices import create_invoice, read_recipient, send_link
from bots.refunds import read_refund_amount, refund_command
from domain import cabinet
from domain.commands import CancelInvoice, Command, RefundManualPayment, SendReport
from domain.i18n import t
from domain.invoice import Invoice, InvoiceStatus
from storage.repository import Seller
from storage.settings import Settings
from storage.uow import UnitOfWork
from workers.reports import chart, report_text, totals, zone  # noqa: F401  (the page's too)

#: cabinet actions are keyed like the bot's taps, so a repeated request is one action
CHANNEL = "cabinet"


def cabinet_url(settings: Settings) -> str:
    return f"{settings.public_base_url}/cabinet/"


def viber_link(uow_factory: Callable[[], UnitOfWork], settings: Settings, seller_id: int,
               now: datetime | None = None) -> str:
    """A one-time link that signs the seller in (stored, so it works once)."""
    now = now or datetime.now(UTC)
    link_id, token, expires = cabinet.new_link(settings.secret_key, seller_id, now)
    with uow_factory() as uow:
        uow.cabinet.add_link(link_id, seller_id, expires)
        uow.commit()
    return f"{settings.public_base_url}/cabinet/enter?t={token}"


def report(seller: Seller, channel: str, chat_id: str) -> SendReport:
    """`/report` and *📊 Report*: a worker draws the chart and sends both."""
    return SendReport(seller_id=seller.id, channel=channel, chat_id=chat_id)


def digest_text(uow_factory: Callable[[], UnitOfWork], seller: Seller) -> str:
    """*Settings → Daily report*: what is set, and how to change it."""
    with uow_factory().readonly() as uow:
        hour = uow.cabinet.digest_hour(seller.id)
    state = (t(seller.language, "digest_off") if hour is None
             else t(seller.language, "digest_on", hour=f"{hour:02d}"))
    return f"{state}\n\n{t(seller.language, 'digest_ask_hour')}"


def set_digest(uow_factory: Callable[[], UnitOfWork], seller: Seller, text: str) -> str | None:
    """The hour the seller typed (0–23, or off), stored; the reply, or None when it is neither."""
    typed = text.strip().lower().removesuffix(":00")
    hour: int | None
    if typed in ("off", "вимк", "выкл", "0ff", "-"):
        hour = None
    elif typed.isdigit() and 0 <= int(typed) <= 23:
        hour = int(typed)
    else:
        return None
    with uow_factory() as uow:
        uow.cabinet.set_digest_hour(seller.id, hour)
        uow.commit()
    return (t(seller.language, "digest_off") if hour is None
            else t(seller.language, "digest_on", hour=f"{hour:02d}"))


# --- actions: the bot's commands, built from what the cabinet's page sent ---

def own_invoice(uow_factory: Callable[[], UnitOfWork], seller: Seller,
                code: str) -> Invoice | None:
    with uow_factory().readonly() as uow:
        invoice = uow.invoices.by_code(code)
    return invoice if invoice is not None and invoice.seller_id == seller.id else None


def refund(invoice: Invoice, seller: Seller, key: str,
           amount_text: str) -> tuple[Command | None, str]:
    """*Refund* all (no amount) or part: the bot's RefundInvoice (RefundManualPayment for an
    invoice paid by hand, refunded whole), or None and what is wrong."""
    lang, left = seller.language, invoice.refundable
    if left.amount <= 0:
        return None, t(lang, "refund_nothing_left")
    if invoice.manual:
        return RefundManualPayment(code=invoice.code, seller_id=seller.id,
                                   comment="cabinet"), ""
    amount = left
    if amount_text.strip():
        read, problem = read_refund_amount(amount_text, left, Decimal(left.amount), lang)
        if read is None:
            return None, problem
        amount = read
    return refund_command(CHANNEL, str(seller.id), key, seller.id, invoice.code,
                          str(amount.amount)), ""


def cancel(invoice: Invoice, seller: Seller) -> tuple[Command | None, str]:
    if invoice.status not in (InvoiceStatus.CREATED, InvoiceStatus.PENDING):
        return None, t(seller.language, "cannot_cancel",
                       status=t(seller.language, f"status_{invoice.status}"))
    return CancelInvoice(code=invoice.code, seller_id=seller.id), ""


def send(invoice: Invoice, seller: Seller, key: str, to: str) -> tuple[Command | None, str]:
    """*Send link*: to a phone by SMS, or to an address by e-mail (an @ decides)."""
    via = "email" if "@" in to else "sms"
    recipient, problem = read_recipient(via, to, seller.country, seller.language)
    if recipient is None:
        return None, problem
    return send_link(CHANNEL, str(seller.id), key, seller.id, invoice.code, via, recipient), ""


def duplicate(invoice: Invoice, seller: Seller, key: str) -> Command:
    """A new invoice with the same amount and description, sent to the seller's chat."""
    return create_invoice(seller.channel, seller.external_id, f"dup{key}", seller.id,
                          str(invoice.amount.amount), invoice.amount.currency,
                          invoice.description, seller.language)
