"""Manual payments: open → approved | rejected, approved → refunded; the fee arithmetic; the
invoice a manual payment pays, flagged manual."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import events
from domain.errors import InvalidTransition
from domain.invoice import Invoice, InvoiceStatus
from domain.manual import (
    MANUAL_PAYMENT_TIMEOUT,
    SYSTEM,
    ManualMethod,
    ManualPayment,
    ManualState,
    builtin_cash,
)
from domain.money import Money, round_money

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SELLER = "seller:7"


def uah(text: str) -> Money:
    return Money(Decimal(text), "UAH")


def method(**terms: object) -> ManualMethod:
    return ManualMethod(id=3, seller_id=7, name="Card to card", account_currency="UAH",
                        **terms)  # type: ignore[arg-type]


def open_payment(amount: str = "250.00", by: str = "buyer") -> ManualPayment:
    return ManualPayment.open(
        id="mp1", invoice_id="inv1", seller_id=7, method_id=3, method_name="Card to card",
        amount=uah(amount), paid_on=date(2026, 3, 1), comment="**** 4242", created_at=AT,
        expires_at=AT + MANUAL_PAYMENT_TIMEOUT, created_by=by)


def pending_invoice() -> Invoice:
    invoice = Invoice.create(
        id="inv1", code="abcDEF2345", seller_id=7, amount=uah("250.00"), description="Coffee",
        provider="liqpay", idempotency_key="telegram:42:100", created_at=AT,
        expires_at=AT + timedelta(hours=24), channel="telegram", chat_id="42")
    invoice.issue_link("https://pay.example/abc")
    invoice.events.clear()
    return invoice


# -- the state machine ---------------------------------------------------------------------------

def test_a_buyers_declaration_opens_and_asks_the_seller() -> None:
    payment = open_payment()
    assert payment.state is ManualState.OPEN
    assert [type(e) for e in payment.events] == [events.ManualPaymentOpened]
    assert payment.events[0].notifies_seller


def test_a_seller_record_is_approved_at_once_and_does_not_ask_anyone() -> None:
    payment = ManualPayment.recorded(
        SELLER, AT, id="mp1", invoice_id="inv1", seller_id=7, method_id=0, method_name="Cash",
        amount=uah("10.00"), paid_on=date(2026, 3, 1), comment="", expires_at=AT)
    assert payment.state is ManualState.APPROVED and payment.decided_by == SELLER
    assert [e.name for e in payment.events] == ["ManualPaymentOpened", "ManualPaymentApproved"]
    assert not any(e.notifies_seller for e in payment.events)


def test_approving_with_corrections_records_each_corrected_field() -> None:
    payment = open_payment()
    changed = payment.approve(SELLER, AT, amount=uah("240.00"), paid_on=date(2026, 2, 28),
                              comment="cash at the stall")
    assert changed == {"amount": "250.00 UAH → 240.00 UAH", "date": "2026-03-01 → 2026-02-28",
                       "comment": "**** 4242 → cash at the stall"}
    approved = payment.events[-1]
    assert isinstance(approved, events.ManualPaymentApproved)
    assert (approved.amount, approved.by, approved.changed) == ("240.00", SELLER, changed)
    assert payment.state is ManualState.APPROVED


def test_approving_unchanged_fields_records_no_correction() -> None:
    payment = open_payment()
    assert payment.approve(SELLER, AT, amount=uah("250.00"), comment="**** 4242") == {}


def test_a_double_approve_changes_nothing() -> None:
    payment = open_payment()
    payment.approve(SELLER, AT)
    before = len(payment.events)
    with pytest.raises(InvalidTransition):
        payment.approve(SELLER, AT, amount=uah("1.00"))
    assert payment.amount == uah("250.00") and len(payment.events) == before


def test_rejecting_keeps_the_reason_and_who() -> None:
    payment = open_payment()
    payment.reject(SELLER, AT, "no such transfer")
    assert (payment.state, payment.reason, payment.decided_by) == (
        ManualState.REJECTED, "no such transfer", SELLER)
    rejected = payment.events[-1]
    assert isinstance(rejected, events.ManualPaymentRejected)
    assert rejected.notifies_seller and not rejected.automatic


def test_reject_after_approve_is_refused() -> None:
    payment = open_payment()
    payment.approve(SELLER, AT)
    with pytest.raises(InvalidTransition):
        payment.reject(SELLER, AT, "changed my mind")
    assert payment.state is ManualState.APPROVED


def test_the_timeout_rejects_an_open_payment_by_itself_and_not_before() -> None:
    payment = open_payment()
    assert not payment.expire(AT + MANUAL_PAYMENT_TIMEOUT - timedelta(seconds=1))
    assert payment.expire(AT + MANUAL_PAYMENT_TIMEOUT)
    assert (payment.state, payment.decided_by, payment.reason) == (
        ManualState.REJECTED, SYSTEM, "timeout")
    assert payment.events[-1].automatic  # type: ignore[attr-defined]
    assert not payment.expire(AT + MANUAL_PAYMENT_TIMEOUT * 2)  # once


def test_approve_after_the_auto_reject_is_refused() -> None:
    payment = open_payment()
    payment.expire(AT + MANUAL_PAYMENT_TIMEOUT)
    with pytest.raises(InvalidTransition):
        payment.approve(SELLER, AT + MANUAL_PAYMENT_TIMEOUT)


def test_a_decided_payment_is_never_auto_rejected() -> None:
    payment = open_payment()
    payment.approve(SELLER, AT)
    assert not payment.expire(AT + MANUAL_PAYMENT_TIMEOUT * 2)
    assert payment.state is ManualState.APPROVED


def test_only_an_approved_payment_is_refunded_and_only_once() -> None:
    payment = open_payment()
    with pytest.raises(InvalidTransition):
        payment.refund(SELLER, AT, "gave it back")
    payment.approve(SELLER, AT)
    payment.refund(SELLER, AT, "gave it back")
    assert (payment.state, payment.reason) == (ManualState.REFUNDED, "gave it back")
    with pytest.raises(InvalidTransition):
        payment.refund(SELLER, AT, "again")


ACTIONS = ("approve", "reject", "expire", "refund")


@given(st.lists(st.sampled_from(ACTIONS), max_size=8))
def test_any_sequence_of_actions_follows_the_state_machine(actions: list[str]) -> None:
    allowed = {ManualState.OPEN: {"approve": ManualState.APPROVED,
                                  "reject": ManualState.REJECTED,
                                  "expire": ManualState.REJECTED},
               ManualState.APPROVED: {"refund": ManualState.REFUNDED}}
    payment = open_payment()
    late = AT + MANUAL_PAYMENT_TIMEOUT
    for action in actions:
        before, count = payment.state, len(payment.events)
        expected = allowed.get(before, {}).get(action)
        try:
            if action == "expire":
                payment.expire(late)
            elif action == "reject":
                payment.reject(SELLER, late, "no")
            elif action == "refund":
                payment.refund(SELLER, late, "back")
            else:
                payment.approve(SELLER, late)
        except InvalidTransition:
            assert expected is None
        assert payment.state is (expected or before)
        assert len(payment.events) == count + (expected is not None)  # one event per transition


# -- the invoice a manual payment pays ---------------------------------------------------------

def test_an_approved_payment_pays_the_invoice_flagged_manual() -> None:
    invoice = pending_invoice()
    assert invoice.pay_manually(uah("250.00"), "Cash", AT)
    assert invoice.status is InvoiceStatus.PAID and invoice.manual
    paid = invoice.events[-1]
    assert isinstance(paid, events.InvoicePaid)
    assert (paid.manual, paid.mismatch, paid.late) == ("Cash", False, False)


def test_a_corrected_amount_is_paid_with_the_mismatch_told() -> None:
    invoice = pending_invoice()
    invoice.pay_manually(uah("240.00"), "Cash", AT)
    assert invoice.amount_mismatch and invoice.paid_amount == uah("240.00")


def test_an_invoice_already_paid_is_not_paid_again_by_hand() -> None:
    invoice = pending_invoice()
    invoice.pay_manually(uah("250.00"), "Cash", AT)
    assert not invoice.pay_manually(uah("250.00"), "Cash", AT)
    assert sum(isinstance(e, events.InvoicePaid) for e in invoice.events) == 1


def test_an_expired_invoice_approved_by_hand_is_paid_late() -> None:
    invoice = pending_invoice()
    invoice.expire(AT + timedelta(hours=25), None, timedelta(days=7))
    assert invoice.pay_manually(uah("250.00"), "Cash", AT + timedelta(hours=26))
    assert invoice.status is InvoiceStatus.PAID and invoice.paid_late


def test_a_manual_refund_refunds_the_invoice_without_a_provider() -> None:
    invoice = pending_invoice()
    invoice.pay_manually(uah("250.00"), "Cash", AT)
    assert invoice.refund_manually("mp1-refund", uah("250.00"), AT)
    assert invoice.status is InvoiceStatus.REFUNDED
    assert invoice.refunded_amount == uah("250.00")
    assert not invoice.refund_manually("mp1-refund", uah("250.00"), AT)  # once


def test_a_card_invoice_is_not_refunded_by_hand() -> None:
    invoice = pending_invoice()
    assert not invoice.refund_manually("x", uah("250.00"), AT)


# -- the method's terms and fees -----------------------------------------------------------------

def test_the_fee_adds_the_percent_and_the_fixed_fee_rounded_once() -> None:
    terms = method(commission_percent=Decimal("1.5"), fixed_fee=Decimal("5"))
    assert terms.fee(uah("100.00")) == uah("6.50")
    assert terms.fee(uah("0.33")) == uah("5.00")  # 0.00495 + 5 → 5.00495 → 5.00
    assert terms.fee(uah("0.34")) == uah("5.01")  # 0.0051 + 5 → 5.0051 → 5.01
    assert terms.net(uah("100.00")) == uah("93.50")


def test_a_half_minor_unit_rounds_away_from_zero() -> None:
    assert method(commission_percent=Decimal("0.5")).fee(uah("1.00")) == uah("0.01")  # 0.005
    assert method(commission_percent=Decimal("2.5")).fee(Money(Decimal("1"), "JPY")) == \
        Money(Decimal("0"), "JPY")  # 0.025 → 0
    assert method(commission_percent=Decimal("50")).fee(Money(Decimal("1"), "JPY")) == \
        Money(Decimal("1"), "JPY")  # 0.5 → 1


def test_a_fixed_fee_in_another_currency_is_not_added_blind() -> None:
    terms = method(fixed_fee=Decimal("1"), fixed_fee_currency="USD")
    assert terms.fee(uah("100.00")) is None and terms.net(uah("100.00")) is None
    assert terms.fee(Money(Decimal("100.00"), "USD")) == Money(Decimal("1.00"), "USD")


def test_the_buyer_pays_in_their_currency_when_accepted_else_the_charge_currency() -> None:
    terms = method(accepted_currencies=("UAH", "EUR"), charge_currency="USD")
    assert terms.charge_in("EUR") == "EUR"
    assert terms.charge_in("PLN") == "USD"
    assert method().charge_in("PLN") == "UAH"  # no charge currency: the account's
    assert method().accepts("UAH") and not method().accepts("EUR")


def test_cash_is_built_in_in_the_sellers_currency_without_a_fee() -> None:
    cash = builtin_cash(7, "UAH")
    assert cash.builtin and cash.accepts("UAH") and not cash.fiscal
    assert cash.fee(uah("99.99")) == uah("0.00")
    assert cash.timeout == MANUAL_PAYMENT_TIMEOUT == timedelta(days=30)


@given(minor=st.integers(min_value=1, max_value=10**9),
       percent=st.decimals(min_value=0, max_value=100, places=3),
       fixed_minor=st.integers(min_value=0, max_value=10**6),
       currency=st.sampled_from(["UAH", "USD", "JPY", "KWD"]))
def test_the_fee_is_a_whole_minor_unit_within_half_a_unit_of_the_exact_figure(
        minor: int, percent: Decimal, fixed_minor: int, currency: str) -> None:
    amount = Money.from_minor_units(minor, currency)
    fixed = Money.from_minor_units(fixed_minor, currency).amount
    fee = ManualMethod(id=1, seller_id=1, name="m", account_currency=currency,
                       commission_percent=percent, fixed_fee=fixed).fee(amount)
    assert fee is not None and fee.currency == currency
    exact = amount.amount * percent / 100 + fixed
    unit = Money.from_minor_units(1, currency).amount
    assert abs(fee.amount - exact) <= unit / 2
    assert fee == round_money(exact, currency)  # one rule, the same wherever it is applied
    assert fee.amount >= fixed  # never less than the fixed part


def test_a_card_payment_after_a_manual_one_is_recorded_as_a_second_payment() -> None:
    from domain.ports import ProviderStatus
    invoice = pending_invoice()
    invoice.pay_manually(uah("250.00"), "Cash", AT)
    assert invoice.apply(ProviderStatus("abcDEF2345-1", "paid", "success", uah("250.00"), "pay-9"), AT)
    assert invoice.extra_payment_ids == ("pay-9",) and invoice.status is InvoiceStatus.PAID
    assert isinstance(invoice.events[-1], events.ExtraPaymentReceived)
