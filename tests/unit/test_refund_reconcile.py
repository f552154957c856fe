"""One refund at a time, and every refund counted once: the lease on a refund in flight, and a
provider's running refund total read against what was done before plus that one refund."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import events
from domain.errors import RefundNotAllowed
from domain.money import Money
from domain.refunds import REFUND_LEASE, Refund, RefundState, reconcile
from tests.unit.test_refunds import AMOUNT, AT, fact, paid_invoice, uah


def total(text: str, outcome: str = "paid", raw: str = "success") -> object:
    """A callback or status answer stating everything refunded on the order so far."""
    return fact(outcome, raw, AMOUNT, refund_total=uah(text))


ZERO = uah("0.00")

# -- the rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(("running", "before", "flying", "done", "reported"), [
    ("30.00", "20.00", "10.00", True, "0.00"),    # before + the one in flight: it is done
    ("20.00", "20.00", "10.00", False, "0.00"),   # only what was done before: not yet
    ("10.00", "20.00", "10.00", False, "0.00"),   # less: a stale word changes nothing
    ("40.00", "20.00", "10.00", False, "20.00"),  # matches nothing: someone else's refund
    ("25.00", "20.00", "10.00", False, "5.00"),
    ("50.00", "20.00", None, False, "30.00"),     # nothing in flight: all of it reported
    ("20.00", "20.00", None, False, "0.00"),
])
def test_a_running_refund_total_is_read_against_what_was_done_and_the_one_in_flight(
        running, before, flying, done, reported):
    assert reconcile(uah(running), uah(before), uah(flying) if flying else None) == (
        done, uah(reported))


# -- one at a time ---------------------------------------------------------------------------

def test_a_second_refund_while_one_is_in_flight_is_refused_naming_the_amount_in_flight():
    invoice = paid_invoice()
    invoice.request_refund("a", uah("10.00"), AT)
    with pytest.raises(RefundNotAllowed) as refused:
        invoice.request_refund("b", uah("20.00"), AT)
    assert refused.value.reason == "refund_in_flight" and refused.value.left == uah("10.00")
    assert [r.id for r in invoice.refunds] == ["a"]
    assert invoice.request_refund("a", uah("10.00"), AT).id == "a"  # the same tap again


def test_a_pending_refund_is_in_flight_too_and_once_done_the_next_one_is_allowed():
    invoice = paid_invoice()
    invoice.request_refund("a", uah("10.00"), AT)
    assert invoice.refund_answered("a", fact("refund_pending", "refund_wait", uah("10.00")), AT)
    with pytest.raises(RefundNotAllowed):
        invoice.request_refund("b", uah("20.00"), AT)
    assert invoice.apply(total("10.00"), AT)
    assert invoice.refund_in_flight is None
    assert invoice.request_refund("b", uah("20.00"), AT).state is RefundState.REQUESTED


def test_a_card_refund_of_an_invoice_paid_by_hand_is_refused():
    invoice = paid_invoice()
    invoice.manual = True
    with pytest.raises(RefundNotAllowed) as refused:
        invoice.request_refund("a", uah("10.00"), AT)
    assert refused.value.reason == "refund_paid_by_hand" and invoice.refunds == []


# -- the running total -------------------------------------------------------------------------

def test_a_refund_in_flight_is_done_only_when_the_total_adds_up_exactly():
    invoice = paid_invoice()
    invoice.request_refund("a", uah("10.00"), AT)
    assert not invoice.apply(total("0.00"), AT)  # LiqPay states nothing refunded yet
    assert invoice.refunds[0].state is RefundState.REQUESTED
    assert invoice.apply(total("10.00"), AT)
    assert invoice.refunds[0].state is RefundState.DONE
    assert invoice.refunded_amount == uah("10.00")


def test_a_retried_refund_is_not_done_by_another_refunds_money():
    """A's call never reached LiqPay; 20 refunded in LiqPay's cabinet shows a total of 20. That
    is not A: it is recorded as a refund of its own, and A stays to be sent."""
    invoice = paid_invoice()
    invoice.request_refund("a", uah("10.00"), AT)
    assert invoice.apply(total("20.00"), AT)
    a, reported = invoice.refunds
    assert a.state is RefundState.REQUESTED
    assert (reported.ours, reported.amount, reported.state) == (False, uah("20.00"),
                                                                RefundState.DONE)
    assert invoice.apply(total("30.00"), AT)  # then A goes through
    assert a.state is RefundState.DONE and invoice.refunded_amount == uah("30.00")


def test_a_total_matching_nothing_is_recorded_once_however_often_it_comes():
    invoice = paid_invoice()
    assert invoice.apply(total("40.00"), AT)
    for _ in range(3):
        assert not invoice.apply(total("40.00"), AT)
        assert not invoice.apply(total("40.00", "reversed", "reversed"), AT)
    assert [(r.ours, r.amount) for r in invoice.refunds] == [(False, uah("40.00"))]
    assert len([e for e in invoice.events if isinstance(e, events.InvoiceRefunded)]) == 1


def test_two_partial_refunds_told_in_reverse_order_change_nothing():
    invoice = paid_invoice()
    invoice.request_refund("a", uah("10.00"), AT)
    invoice.refund_answered("a", fact("refunded", "success", uah("10.00")), AT)
    invoice.request_refund("b", uah("20.00"), AT)
    invoice.refund_answered("b", fact("refunded", "success", uah("20.00")), AT)
    invoice.events.clear()
    assert not invoice.apply(total("30.00"), AT)  # B's callback, then A's
    assert not invoice.apply(total("10.00"), AT)
    assert invoice.refunded_amount == uah("30.00") and len(invoice.refunds) == 2
    assert invoice.events == []


def test_a_stale_total_while_the_next_refund_is_in_flight_does_not_finish_it():
    invoice = paid_invoice()
    invoice.request_refund("a", uah("10.00"), AT)
    invoice.apply(total("10.00"), AT)
    invoice.request_refund("b", uah("20.00"), AT)
    assert not invoice.apply(total("10.00"), AT)  # A's callback again
    assert invoice.refunds[1].state is RefundState.REQUESTED
    assert invoice.refunded_amount == uah("10.00")


def test_refund_wait_with_the_done_total_marks_the_refund_in_flight_pending():
    invoice = paid_invoice()
    invoice.request_refund("a", uah("10.00"), AT)
    invoice.apply(total("10.00"), AT)
    invoice.request_refund("b", uah("20.00"), AT)
    waiting = fact("refund_pending", "refund_wait", uah("20.00"), refund_total=uah("10.00"))
    assert invoice.apply(waiting, AT)
    assert invoice.refunds[1].state is RefundState.PENDING
    assert invoice.refunded_amount == uah("10.00")


# -- reversed without the running total ------------------------------------------------------

def test_reversed_without_a_total_after_a_partial_refund_is_not_read_as_all_of_it():
    invoice = paid_invoice()
    invoice.request_refund("a", uah("10.00"), AT)
    invoice.apply(total("10.00"), AT)
    reversed_ = fact("reversed", "reversed", AMOUNT)
    assert invoice.needs_refund_status(reversed_)
    assert not invoice.apply(reversed_, AT)
    assert invoice.refunded_amount == uah("10.00")
    assert invoice.apply(total("250.00", "reversed", "reversed"), AT)  # what the status says
    assert invoice.refunded_amount == AMOUNT
    assert [(r.ours, r.amount) for r in invoice.refunds] == [(True, uah("10.00")),
                                                            (False, uah("240.00"))]


def test_reversed_without_a_total_and_nothing_refunded_before_is_all_of_it():
    invoice = paid_invoice()
    reversed_ = fact("reversed", "reversed", AMOUNT)
    assert not invoice.needs_refund_status(reversed_)
    assert invoice.apply(reversed_, AT)
    assert invoice.refunded_amount == AMOUNT


# -- the lease -------------------------------------------------------------------------------

def test_a_refunds_lease_is_held_until_it_expires_and_taken_again_it_asks_first():
    refund = Refund("a", "inv1", uah("10.00"), AT)
    assert refund.claim(AT) and not refund.ask_first
    assert not refund.claim(AT + REFUND_LEASE - timedelta(seconds=1))  # another worker: held
    assert refund.claim(AT + REFUND_LEASE)  # expired: taken over ...
    assert refund.ask_first  # ... and the provider is asked what it refunded before sending
    assert refund.leases == 2


def test_an_answered_refund_is_never_claimed_to_send_again():
    refund = Refund("a", "inv1", uah("10.00"), AT)
    refund.claim(AT)
    assert refund.pend("refund_wait") and refund.lease_until is None
    assert not refund.claim(AT + timedelta(hours=1))
    done = Refund("b", "inv1", Money(Decimal("5.00"), "UAH"), AT)
    done.finish("success")
    assert not done.claim(AT)


# -- any order of LiqPay's callbacks -----------------------------------------------------------

OPS = st.lists(st.one_of(
    st.tuples(st.just("ask"), st.sampled_from([1, 1000, 5000, 12000, 25000])),
    st.tuples(st.just("liqpay"), st.just(0)),  # LiqPay takes our refund call (or refuses it)
    st.tuples(st.just("answer"), st.just(0)),  # its answer to our call arrives (or is lost)
    st.tuples(st.just("callback"), st.integers(0, 30)),  # any callback told so far, again
    st.tuples(st.just("cabinet"), st.sampled_from([1, 700, 3000])),
), max_size=25)


@settings(max_examples=300, deadline=None)
@given(OPS)
def test_callbacks_in_any_order_repeated_or_lost_count_each_refund_once(ops):
    """A model of LiqPay (its running refunded total, the callbacks it sent) against the
    invoice: whatever order its callbacks arrive in, however often, and whether the answer to
    our call arrives, once its status is read the invoice counts what LiqPay refunded, and each
    of our refunds is done exactly when LiqPay made it. (A refund in LiqPay's cabinet is made
    here before LiqPay takes ours, or after it is told: one made between LiqPay taking ours
    and our hearing of it is ambiguous in LiqPay's running total.)"""
    invoice = paid_invoice()
    paid = AMOUNT.to_minor_units()
    refunded, told = 0, []  # LiqPay's side: what it refunded, the totals its callbacks said
    made: dict[str, bool] = {}  # our refunds LiqPay made (True) or refused (False)
    unanswered: list[str] = []
    def liqpay_takes(flying: Refund) -> None:
        nonlocal refunded
        amount = flying.amount.to_minor_units()
        made[flying.id] = refunded + amount <= paid
        if made[flying.id]:
            refunded += amount
            told.append(refunded)
            unanswered.append(flying.id)
        else:  # more than is left at LiqPay (its cabinet refunded some): refused, and the
            invoice.refund_answered(flying.id, fact("failed", "error"), AT)  # worker reads
            invoice.apply(total(f"{Decimal(refunded) / 100:.2f}"), AT)  # LiqPay's status

    for n, (op, value) in enumerate(ops):
        flying = invoice.refund_in_flight
        if op == "ask":
            try:
                invoice.request_refund(f"r{n}", Money.from_minor_units(value, "UAH"), AT)
            except RefundNotAllowed:
                pass
        elif op == "liqpay" and flying is not None and flying.ours and flying.id not in made:
            liqpay_takes(flying)
        elif op == "answer" and unanswered:
            refund_id = unanswered.pop(0)
            invoice.refund_answered(refund_id, fact("refunded", "success"), AT)
        elif op == "callback" and told:
            invoice.apply(total(f"{Decimal(told[value % len(told)]) / 100:.2f}"), AT)
        elif op == "cabinet" and (flying is None or flying.id not in made) \
                and refunded + value <= paid:
            refunded += value
            told.append(refunded)
            invoice.apply(total(f"{Decimal(refunded) / 100:.2f}"), AT)
        counted = sum(r.amount.to_minor_units() for r in invoice.refunds if r.is_done)
        assert counted <= refunded  # never more than LiqPay gave back, at any moment
    # the worker holding the lease sends what is still in flight, and answers arrive or not
    while (flying := invoice.refund_in_flight) is not None and flying.id not in made:
        liqpay_takes(flying)
    if refunded:
        invoice.apply(total(f"{Decimal(refunded) / 100:.2f}"), AT)  # LiqPay's status, at last
    assert (invoice.refunded_amount or ZERO).to_minor_units() == refunded
    for refund in invoice.refunds:
        if refund.ours and refund.id in made:
            assert refund.is_done is made[refund.id]


def test_a_refund_the_provider_keeps_pending_is_looked_at_again_every_ten_minutes():
    refund = Refund("a", "inv1", uah("10.00"), AT)
    assert not refund.look_due(AT)  # requested: its lease holder sends it, nobody looks
    refund.claim(AT)
    refund.pend("refund_wait")
    assert refund.look_due(AT) and not refund.look_due(AT + timedelta(minutes=9))
    assert refund.look_due(AT + timedelta(minutes=10))
    assert not refund.claim(AT + timedelta(hours=1))  # a look never sends it again
