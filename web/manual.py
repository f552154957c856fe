"""The pay page's manual payments: the seller's methods beside the card (name, description,
fee, the hint for the comment), *I have paid* with a date and a comment, and what became of the
buyer's last declaration (waiting for the seller, or rejected and why)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bots.phone import read_buyer_email
from domain.i18n import format_money, t
from domain.invoice import Invoice
from domain.manual import BUYER, SYSTEM, ManualMethod, ManualPayment, ManualState
from domain.money import Money
from storage.repository import new_id
from storage.settings import Settings
from storage.uow import UnitOfWork

COMMENT_LIMIT = 200  #: characters
LATEST_ZONE = timedelta(hours=14)  #: UTC+14: the first place where a new day begins


def offered(uow: UnitOfWork, invoice: Invoice) -> tuple[list[ManualMethod], list[ManualPayment]]:
    """The seller's methods, and the invoice's manual payments."""
    return (uow.manual.methods(invoice.seller_id, invoice.amount.currency),
            uow.manual.for_invoice(invoice.id))


@dataclass(frozen=True)
class ManualView:
    """What the pay page shows of manual payments: the seller's methods and the buyer's last
    declaration (waiting for the seller, or rejected and why)."""
    options: list[tuple[int, str]]  #: (method id, what the buyer reads)
    hints: str  #: the methods' hints for the comment
    rejected: str  #: why the buyer's last declaration was rejected, or ""
    waiting: str  #: the buyer's declaration the seller is checking, or ""
    today: str  #: ISO date: the latest date of payment the form takes


def view(methods: list[ManualMethod], payments: list[ManualPayment], currency: str,
         amount: Money, lang: str) -> ManualView:
    from workers.manual_render import method_name
    last = payments[-1] if payments else None
    rejected = waiting = ""
    if last is not None and last.state is ManualState.REJECTED:
        reason = t(lang, "pay_manual_timeout") if last.decided_by == SYSTEM else last.reason
        rejected = t(lang, "pay_manual_rejected", method=method_name(last.method_name, lang),
                     reason=reason or "")
    if last is not None and last.is_open:
        waiting = t(lang, "pay_manual_waiting", method=method_name(last.method_name, lang))
    options = []
    for method in methods:
        fee = method.fee(amount)
        charged = method.charge_in(currency)
        label = method_name(method.name, lang) + (
            f" — {method.description}" if method.description else "") + (
            f" ({t(lang, 'pay_manual_fee', fee=format_money(fee, lang))})"
            if fee is not None and fee.amount > 0 and charged == currency else "") + (
            f" ({t(lang, 'pay_manual_charge_in', currency=charged)})"
            if charged != currency else "")
        options.append((method.id, label))
    hints = "; ".join(m.comment_hint for m in methods if m.comment_hint)
    return ManualView(options, hints, rejected, waiting, date.today().isoformat())


def declare(open_payment: Callable[..., tuple[str, list[int]]],
            uow_factory: Callable[[], UnitOfWork], settings: Settings, code: str,
            form: dict[str, str], lang: str) -> tuple[str, list[int]]:
    """The buyer's *I have paid*: checked, then an open manual payment (one at a time per
    invoice) by `open_payment` (workers.manual.open_payment, handed in by the composition
    root). Returns the outcome ("invalid", "card_under_way", or see open_payment) and the events
    to notify."""
    try:
        method_id = int(form.get("method", ""))
        paid_on = date.fromisoformat(form.get("paid_on", "").strip())
    except ValueError:
        return "invalid", []
    if paid_on > (datetime.now(UTC) + LATEST_ZONE).date():  # "today" wherever the buyer is
        return "invalid", []
    typed_email = form.get("email", "").strip()[:254]
    email = read_buyer_email(typed_email) if typed_email else None
    if typed_email and email is None:
        return "invalid", []
    comment = " ".join(form.get("comment", "").split())[:COMMENT_LIMIT]
    with uow_factory().readonly() as uow:
        invoice = uow.invoices.by_code(code)
        if invoice is not None and (invoice.in_flight or invoice.settling):
            # a card payment is at the bank: paying another way too could pay twice (the page
            # hides the form then; this refuses one posted anyway)
            return "card_under_way", []
    return open_payment(uow_factory, settings.manual_payment_timeout, code=code,
                        method_id=method_id, paid_on=paid_on, comment=comment, by=BUYER,
                        payment_id=new_id(), email=email, language=lang)
