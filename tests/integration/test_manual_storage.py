"""Manual methods and payments in the database (SQLite and PostgreSQL): Cash is there for every
seller and stays, a seller reaches only their own methods, terms come back exactly (decimals,
no floats), and a payment is written back only if nobody changed it meanwhile."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain.invoice import Invoice
from domain.manual import ManualMethod, ManualPayment
from domain.money import Money
from storage.repository import ConcurrentUpdate
from storage.uow import UnitOfWork

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)


def sellers(uow_factory: Callable[[], UnitOfWork]) -> tuple[int, int]:
    with uow_factory() as uow:
        one = uow.sellers.upsert("telegram", "1", currency="UAH").id
        two = uow.sellers.upsert("telegram", "2", currency="USD").id
        uow.session.commit()
    return one, two


def test_every_seller_has_cash_in_their_currency_and_it_cannot_be_removed(uow_factory):
    one, two = sellers(uow_factory)
    with uow_factory() as uow:
        assert [(m.name, m.account_currency, m.builtin) for m in uow.manual.methods(one, "UAH")] \
            == [("Cash", "UAH", True)]
        assert uow.manual.methods(two, "USD")[0].accepts("USD")
        cash = uow.manual.methods(one, "UAH")[0]
        kept = uow.manual.save_method(ManualMethod(**{**cash.__dict__,
                                                       "timeout": timedelta(days=3)}))
        uow.session.commit()
        assert not uow.manual.remove_method(one, kept.id)
        assert [m.timeout for m in uow.manual.methods(one, "UAH")] == [timedelta(days=3)]


def test_a_method_keeps_its_terms_and_only_its_seller_reaches_it(uow_factory):
    one, two = sellers(uow_factory)
    with uow_factory() as uow:
        saved = uow.manual.save_method(ManualMethod(
            id=0, seller_id=one, name="Card", account_currency="UAH",
            commission_percent=Decimal("1.255"), fixed_fee=Decimal("0.5"),
            fixed_fee_currency="USD", accepted_currencies=("UAH", "EUR"),
            charge_currency="EUR", timeout=timedelta(days=9), fiscal=True))
        uow.session.commit()
    with uow_factory() as uow:
        back = uow.manual.method(one, saved.id, "UAH")
        assert back is not None and back == saved
        assert back.fee(Money(Decimal("10.00"), "USD")) == Money(Decimal("0.63"), "USD")
        assert uow.manual.method(two, saved.id, "USD") is None
        assert not uow.manual.remove_method(two, saved.id)  # another seller's: untouched
        uow.manual.save_method(ManualMethod(id=saved.id, seller_id=two, name="Mine now",
                                            account_currency="USD"))  # a new one of theirs
        uow.session.commit()
        assert uow.manual.method(one, saved.id, "UAH").name == "Card"  # type: ignore[union-attr]
        assert uow.manual.remove_method(one, saved.id)
        uow.session.commit()
        assert uow.manual.method(one, saved.id, "UAH") is None


def test_a_payment_changed_meanwhile_is_not_written_over(uow_factory):
    one, _ = sellers(uow_factory)
    with uow_factory() as uow:
        invoice = Invoice.create(
            id="i1", code="c1", seller_id=one, amount=Money(Decimal("5.00"), "UAH"),
            description="", provider="liqpay", idempotency_key="k1", created_at=AT,
            expires_at=AT, channel="telegram", chat_id="1")
        uow.invoices.add(invoice)
        uow.manual.add(ManualPayment.open(
            id="p1", invoice_id="i1", seller_id=one, method_id=0, method_name="Cash",
            amount=invoice.amount, paid_on=date(2026, 3, 1), comment="", created_at=AT,
            expires_at=AT + timedelta(days=30), created_by="buyer"))
        uow.session.commit()
    with uow_factory().readonly() as uow:
        stale = uow.manual.get("p1")  # read by a second worker before the first wrote
    with uow_factory() as first:
        a = first.manual.get("p1")
        assert a is not None and stale is not None
        a.approve("seller:1", AT)
        first.manual.save(a)
        first.session.commit()
    stale.reject("seller:1", AT, "no")
    with uow_factory() as second, pytest.raises(ConcurrentUpdate):
        second.manual.save(stale)
    with uow_factory() as uow:
        assert uow.manual.get("p1").state.value == "approved"  # type: ignore[union-attr]
        assert uow.manual.due_for_auto_reject(AT + timedelta(days=31)) == []
