"""Refunds: each keyed by its own identity, the refunded total the sum of done ones, never more
than was paid, never one refund counted twice."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import events
from domain.errors import RefundNotAllowed
from domain.invoice import Invoice, InvoiceStatus
from domain.money import Money
from domain.ports import ProviderStatus
from domain.refunds import Refund, RefundState
from workers.providers.liqpay import LiqPayClient, encode_data, sign

AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
AMOUNT = Money(Decimal("250.00"), "UAH")


def uah(text: str) -> Money:
    return Money(Decimal(text), "UAH")


def paid_invoice() -> Invoice:
    invoice = Invoice.create(
        id="inv1", code="abcDEF2345", seller_id=7, amount=AMOUNT, description="Coffee beans",
        provider="liqpay", idempotency_key="telegram:42:100", created_at=AT,
        expires_at=AT + timedelta(hours=24), channel="telegram", chat_id="42")
    invoice.issue_link("https://pay.example/abc")
    invoice.apply(ProviderStatus("abcDEF2345-1", "paid", "success", AMOUNT, "pay-1"), AT)
    invoice.events.clear()
    return invoice


def fact(outcome: str, raw: str, amount: Money | None = None, **extra: object) -> ProviderStatus:
    return ProviderStatus("abcDEF2345-1", outcome, raw, amount, "pay-1", **extra)  # type: ignore[arg-type]


def liqpay_callback(**body: object) -> ProviderStatus:
    """A signed LiqPay callback for the order, read by the real adapter."""
    full = {"public_key": "pub", "order_id": "abcDEF2345-1", "payment_id": "pay-1",
            "amount": Decimal("250.00"), "currency": "UAH", **body}
    data = encode_data(full)
    return LiqPayClient("pub", "priv").parse_callback({"data": data, "signature": sign(data, "priv")})


# -- the refund's own state machine ----------------------------------------------------------

def test_a_refund_goes_requested_pending_done_and_each_step_happens_once():
    refund = Refund("r1", "inv1", uah("50.00"), AT)
    assert refund.pend("refund_wait") and not refund.pend("refund_wait")
    assert refund.finish("reversed") and not refund.finish("reversed")
    assert refund.state is RefundState.DONE
    assert not refund.refuse("error", "late")  # a done refund is not refused afterwards


def test_a_refused_refund_is_not_revived_by_a_later_word():
    refund = Refund("r1", "inv1", uah("50.00"), AT)
    assert refund.refuse("error", "payment_err_status")
    assert not refund.finish("reversed")
    assert refund.state is RefundState.REFUSED and refund.reason == "payment_err_status"


# -- the three reproduced bugs ---------------------------------------------------------------

def test_a_partial_refund_that_keeps_liqpay_status_success_makes_it_partially_refunded():
    invoice = paid_invoice()
    assert invoice.apply(liqpay_callback(status="success", refund_amount=Decimal("100.00")), AT)
    assert invoice.status is InvoiceStatus.PARTIALLY_REFUNDED
    assert invoice.refunded_amount == uah("100.00")
    # the same callback again changes nothing; the next one states the new total
    assert not invoice.apply(liqpay_callback(status="success", refund_amount=Decimal("100.00")), AT)
    assert invoice.apply(liqpay_callback(status="reversed", refund_amount=Decimal("250.00")), AT)
    assert invoice.status is InvoiceStatus.REFUNDED
    assert invoice.refunded_amount == AMOUNT


def test_refund_wait_then_reversed_for_the_same_refund_is_one_refund_not_a_full_one():
    invoice = paid_invoice()
    assert invoice.apply(fact("refund_pending", "refund_wait", uah("50.00")), AT)
    assert invoice.status is InvoiceStatus.PAID  # pending: nothing went back yet
    assert invoice.apply(fact("reversed", "reversed", uah("50.00")), AT)
    assert invoice.status is InvoiceStatus.PARTIALLY_REFUNDED
    assert invoice.refunded_amount == uah("50.00")
    assert len(invoice.refunds) == 1


def test_a_second_separate_partial_refund_is_added_not_dropped():
    invoice = paid_invoice()
    invoice.apply(fact("refunded", "refund", uah("100.00")), AT)
    assert invoice.apply(fact("refunded", "refund", uah("50.00")), AT)
    assert invoice.refunded_amount == uah("150.00")
    assert invoice.apply(fact("refunded", "refund", uah("100.00")), AT) is False  # a redelivery


def test_a_refund_in_another_currency_is_recorded_and_the_next_fact_still_applies():
    invoice = paid_invoice()
    assert invoice.apply(fact("reversed", "reversed", Money(Decimal("10.00"), "USD")), AT)
    assert invoice.status is InvoiceStatus.PARTIALLY_REFUNDED
    [refunded] = [e for e in invoice.events if isinstance(e, events.InvoiceRefunded)]
    assert (refunded.amount, refunded.currency) == ("10.00", "USD")
    assert invoice.refunded_amount == uah("0.00")  # nothing in hryvnias went back yet
    assert invoice.apply(fact("refunded", "refund", uah("250.00")), AT)
    assert invoice.status is InvoiceStatus.REFUNDED


def test_a_provider_refund_of_more_than_was_paid_counts_only_what_was_paid():
    invoice = paid_invoice()
    invoice.apply(fact("refunded", "refund", uah("200.00")), AT)
    invoice.apply(fact("refunded", "refund", uah("100.00")), AT)
    assert invoice.refunded_amount == AMOUNT
    assert invoice.status is InvoiceStatus.REFUNDED


# -- refunds the seller asks for ---------------------------------------------------------------

def test_a_requested_refund_holds_its_amount_back_until_the_provider_answers():
    invoice = paid_invoice()
    invoice.request_refund("r1", uah("200.00"), AT)
    assert invoice.refundable == uah("50.00")
    with pytest.raises(RefundNotAllowed) as refused:
        invoice.request_refund("r2", uah("100.00"), AT)
    assert refused.value.reason == "refund_more_than_left" and refused.value.left == uah("50.00")
    assert invoice.request_refund("r1", uah("200.00"), AT).id == "r1"  # a double tap: the same
    assert len(invoice.refunds) == 1


def test_a_refused_refund_frees_its_amount_and_the_seller_is_told_why():
    invoice = paid_invoice()
    invoice.request_refund("r1", None, AT)
    assert invoice.refundable.amount == 0
    answer = fact("failed", "error", error_code="payment_err_status",
                  error_description="Payment status is not refundable")
    assert invoice.refund_answered("r1", answer, AT)
    assert invoice.refundable == AMOUNT and invoice.status is InvoiceStatus.PAID
    assert [e for e in invoice.events if isinstance(e, events.RefundRefused)] == [
        events.RefundRefused("inv1", "r1", "250.00", "UAH", "Payment status is not refundable")]


def test_our_pending_refund_finished_by_the_providers_callback_is_counted_once():
    invoice = paid_invoice()
    invoice.request_refund("r1", uah("50.00"), AT)
    assert invoice.refund_answered("r1", fact("refund_pending", "refund_wait", uah("50.00")), AT)
    assert invoice.apply(liqpay_callback(status="success", refund_amount=Decimal("50.00")), AT)
    assert not invoice.refund_answered("r1", fact("refunded", "success", uah("50.00")), AT)
    assert invoice.refunded_amount == uah("50.00")
    assert invoice.status is InvoiceStatus.PARTIALLY_REFUNDED
    assert invoice.refunds[0].state is RefundState.DONE


def test_partial_refunds_adding_up_exactly_to_the_paid_amount_make_it_refunded():
    invoice = paid_invoice()
    for i, part in enumerate(("100.00", "100.00", "50.00")):
        invoice.request_refund(f"r{i}", uah(part), AT)
        invoice.refund_answered(f"r{i}", fact("refunded", "success", uah(part)), AT)
    assert invoice.status is InvoiceStatus.REFUNDED
    with pytest.raises(RefundNotAllowed) as refused:
        invoice.request_refund("r9", None, AT)
    assert refused.value.reason == "refund_nothing_left"


# -- any interleaving of refund facts ----------------------------------------------------------

CENTS = st.sampled_from([1, 5000, 10000, 25000, 30000])
STEP = st.one_of(
    st.tuples(st.just("request"), st.sampled_from(["r1", "r2", "r3"]), CENTS),
    st.tuples(st.just("answer"), st.sampled_from(["r1", "r2", "r3"]),
              st.sampled_from(["refunded", "refund_pending", "failed"])),
    st.tuples(st.just("fact"), st.sampled_from(["refunded", "reversed", "refund_pending"]), CENTS),
    st.tuples(st.just("total"), st.sampled_from(["success", "reversed"]), CENTS),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(STEP, max_size=12))
def test_no_interleaving_of_refund_facts_refunds_more_than_paid_or_counts_one_twice(steps):
    invoice = paid_invoice()
    for kind, a, b in steps:
        if kind == "request":
            try:
                invoice.request_refund(a, Money.from_minor_units(b, "UAH"), AT)
            except RefundNotAllowed:
                pass
        elif kind == "answer":
            if any(r.id == a for r in invoice.refunds):
                invoice.refund_answered(a, fact(b, b), AT)
        elif kind == "fact":
            invoice.apply(fact(a, a, Money.from_minor_units(b, "UAH")), AT)
        else:
            invoice.apply(fact("paid" if a == "success" else a, a, AMOUNT,
                               refund_total=Money.from_minor_units(b, "UAH")), AT)
        done = [r for r in invoice.refunds if r.is_done]
        held = sum(r.amount.to_minor_units() for r in invoice.refunds if r.is_open)
        counted = sum(r.amount.to_minor_units() for r in done)
        assert counted <= AMOUNT.to_minor_units()
        assert counted + held <= AMOUNT.to_minor_units()
        assert len({r.id for r in invoice.refunds}) == len(invoice.refunds)
        finished = [e for e in invoice.events if isinstance(e, events.InvoiceRefunded)]
        assert len(finished) == len(done)  # each refund finished, and told, exactly once
        expected = (InvoiceStatus.REFUNDED if counted == AMOUNT.to_minor_units()
                    else InvoiceStatus.PARTIALLY_REFUNDED if done else InvoiceStatus.PAID)
        assert invoice.status is expected
