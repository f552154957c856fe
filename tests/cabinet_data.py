"""Invoices in the states a seller's cabinet shows, written through the domain and the
repositories (the same path the workers take): paid by card, refunded in part, paid in cash,
open, expired. The cabinet's tests and `bench/cabinet.py` use it."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from domain.invoice import Invoice
from domain.manual import ManualPayment
from domain.money import Money
from domain.ports import ProviderStatus
from storage.repository import Seller, new_code, new_id
from storage.uow import UnitOfWork

UoW = Callable[[], UnitOfWork]


def seller(uow: UoW, channel: str = "telegram", external_id: str = "5001",
           language: str = "en") -> Seller:
    with uow() as unit:
        made = unit.sellers.upsert(channel, external_id, name="Olena", phone="+380501234567",
                                   country="UA", currency="UAH", language=language)
        unit.commit()
    return made


def _new(seller_id: int, amount: str, at: datetime, description: str = "",
         email: str | None = None, name: str | None = None, phone: str | None = None,
         provider: str = "liqpay") -> Invoice:
    invoice = Invoice.create(
        id=new_id(), code=new_code(), seller_id=seller_id, amount=Money(Decimal(amount), "UAH"),
        description=description, provider=provider, idempotency_key=new_id(), created_at=at,
        expires_at=at + timedelta(hours=24), channel="telegram", chat_id="5001")
    invoice.buyer_email, invoice.buyer_name, invoice.buyer_phone = email, name, phone
    if provider != "manual":
        invoice.issue_link(f"https://pay.example/{invoice.code}")
    return invoice


def open_invoice(uow: UoW, seller_id: int, amount: str, at: datetime, **details: str) -> str:
    invoice = _new(seller_id, amount, at, **details)
    with uow() as unit:
        unit.invoices.add(invoice)
        unit.commit()
    return invoice.code


def card_paid(uow: UoW, seller_id: int, amount: str, at: datetime, **details: str) -> str:
    """An invoice the buyer paid by card at `at` (its code)."""
    invoice = _new(seller_id, amount, at - timedelta(minutes=5), **details)
    invoice.apply(ProviderStatus(order_id=invoice.order_id, outcome="paid", raw_status="success",
                                 amount=invoice.amount, provider_payment_id=new_id()[:12]), at)
    with uow() as unit:
        unit.invoices.add(invoice)
        unit.commit()
    return invoice.code


def declined_then_paid(uow: UoW, seller_id: int, amount: str, at: datetime) -> str:
    """A card declined (LiqPay's `limit`), then the buyer's second attempt paid (its code)."""
    invoice = _new(seller_id, amount, at - timedelta(minutes=5))
    invoice.apply(ProviderStatus(order_id=invoice.order_id, outcome="failed", raw_status="failure",
                                 error_code="limit", error_description="Insufficient funds"),
                  at - timedelta(minutes=4))
    second = invoice.start_attempt(at - timedelta(minutes=3))
    assert second is not None
    invoice.issue_link(f"https://pay.example/{second.order_id}")
    invoice.apply(ProviderStatus(order_id=second.order_id, outcome="paid", raw_status="success",
                                 amount=invoice.amount, provider_payment_id=new_id()[:12]), at)
    with uow() as unit:
        unit.invoices.add(invoice)
        unit.commit()
    return invoice.code


def card_refunded(uow: UoW, code: str, amount: str, at: datetime) -> None:
    """A finished refund of `amount` of a card-paid invoice."""
    with uow() as unit:
        invoice = unit.invoices.by_code(code, for_update=True)
        assert invoice is not None
        refund_id = f"test:{new_id()}"
        invoice.request_refund(refund_id, Money(Decimal(amount), "UAH"), at)
        invoice.refund_answered(refund_id, ProviderStatus(
            order_id=invoice.order_id, outcome="refunded", raw_status="reversed",
            amount=Money(Decimal(amount), "UAH")), at)
        unit.invoices.save(invoice)
        unit.commit()


def cash_paid(uow: UoW, seller_id: int, amount: str, at: datetime, method: str = "Cash",
              method_id: int = 0) -> str:
    """A payment the seller recorded by hand (as *Record payment* does)."""
    invoice = _new(seller_id, amount, at, provider="manual")
    payment = ManualPayment.recorded(
        f"telegram:{seller_id}", at, id=f"rec-{invoice.id}", invoice_id=invoice.id,
        seller_id=seller_id, method_id=method_id, method_name=method,
        amount=invoice.amount, paid_on=date.fromordinal(at.toordinal()), comment="",
        expires_at=at)
    invoice.pay_manually(invoice.amount, method, at)
    with uow() as unit:
        unit.invoices.add(invoice)
        unit.manual.add(payment)
        unit.commit()
    return invoice.code


def expired(uow: UoW, seller_id: int, amount: str, at: datetime) -> str:
    invoice = _new(seller_id, amount, at)
    invoice.expire(at + timedelta(hours=25), None, timedelta(days=7))
    with uow() as unit:
        unit.invoices.add(invoice)
        unit.commit()
    return invoice.code


def now() -> datetime:
    return datetime.now(UTC)
