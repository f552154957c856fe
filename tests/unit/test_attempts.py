"""Payment attempts: a declined card is an attempt, not the invoice's end (domain.attempts)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain import events
from domain.attempts import AttemptState
from domain.errors import InvalidTransition
from domain.invoice import SETTLED, Invoice, InvoiceStatus
from domain.money import Money
from domain.ports import ProviderStatus

CREATED_AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
TTL = timedelta(hours=24)
WINDOW = timedelta(days=7)
AMOUNT = Money(Decimal("50.00"), "UAH")
LATER = CREATED_AT + timedelta(minutes=5)


def pending_invoice() -> Invoice:
    invoice = Invoice.create(
        id="inv1", code="Kv7mPq2xZa", seller_id=7, amount=AMOUNT, description="Flowers",
        provider="liqpay", idempotency_key="telegram:42:1", created_at=CREATED_AT,
        expires_at=CREATED_AT + TTL, channel="telegram", chat_id="42")
    invoice.issue_link("https://pay.example/1")
    invoice.events.clear()
    return invoice


def declined(order_id: str, code: str = "limit") -> ProviderStatus:
    return ProviderStatus(order_id, "failed", "failure", error_code=code,
                          error_description="Insufficient funds")


def success(order_id: str, payment_id: str) -> ProviderStatus:
    return ProviderStatus(order_id, "paid", "success", AMOUNT, payment_id)


def in_3ds(order_id: str) -> ProviderStatus:
    return ProviderStatus(order_id, "pending", "3ds_verify")


def retry(invoice: Invoice, at: datetime = LATER) -> str:
    """The buyer presses Pay again: the next attempt, its link issued; returns its order id."""
    attempt = invoice.start_attempt(at)
    assert attempt is not None
    invoice.issue_link(f"https://pay.example/{attempt.number}")
    return attempt.order_id


def of_type(invoice: Invoice, kind: type[events.Event]) -> list[events.Event]:
    return [e for e in invoice.events if isinstance(e, kind)]


def test_a_new_invoice_has_one_attempt_known_by_its_code_and_number():
    invoice = pending_invoice()
    [attempt] = invoice.attempts
    assert (attempt.number, attempt.order_id) == (1, "Kv7mPq2xZa-1")
    assert attempt.state is AttemptState.IN_FLIGHT and attempt.pay_url == "https://pay.example/1"
    assert invoice.latest_attempt is attempt and invoice.order_id == "Kv7mPq2xZa-1"


def test_after_a_decline_the_buyer_starts_a_new_attempt_with_the_next_order_id():
    invoice = pending_invoice()
    invoice.apply(declined("Kv7mPq2xZa-1"), LATER)
    invoice.events.clear()
    assert retry(invoice) == "Kv7mPq2xZa-2"
    assert invoice.status is InvoiceStatus.PENDING
    assert invoice.pay_url == "https://pay.example/2"  # where the pay page sends the buyer now
    assert invoice.latest_attempt.state is AttemptState.IN_FLIGHT
    assert invoice.events == [events.AttemptStarted("inv1", 2, "Kv7mPq2xZa-2")]
    assert not any(e.notifies_seller for e in invoice.events)  # the seller hears nothing new


def test_no_new_attempt_while_the_latest_one_is_in_flight():
    invoice = pending_invoice()
    assert invoice.start_attempt(LATER) is None  # not tried yet: its link is the one to use
    invoice.apply(in_3ds("Kv7mPq2xZa-1"), LATER)
    assert invoice.start_attempt(LATER) is None  # at the bank
    assert len(invoice.attempts) == 1


@pytest.mark.parametrize("closed_by", ["paid", "cancelled", "time"])
def test_no_new_attempt_once_the_invoice_cannot_be_paid(closed_by):
    invoice = pending_invoice()
    invoice.apply(declined("Kv7mPq2xZa-1"), LATER)
    at = LATER
    if closed_by == "paid":
        invoice.apply(success("Kv7mPq2xZa-1", "p1"), LATER)  # the buyer retried on that order
    elif closed_by == "cancelled":
        invoice.cancel()
    else:
        at = CREATED_AT + TTL
    assert invoice.start_attempt(at) is None


def test_a_decline_then_a_success_on_another_attempt_pays_and_tells_one_decline():
    invoice = pending_invoice()
    invoice.apply(declined("Kv7mPq2xZa-1"), LATER)
    second = retry(invoice)
    assert invoice.apply(success(second, "p2"), LATER) is True
    assert invoice.status is InvoiceStatus.PAID and invoice.provider_payment_id == "p2"
    assert invoice.order_id == second  # refunds go to the attempt that paid
    assert [a.state for a in invoice.attempts] == [AttemptState.DECLINED, AttemptState.PAID]
    assert len(of_type(invoice, events.PaymentDeclined)) == 1
    assert len(of_type(invoice, events.InvoicePaid)) == 1
    assert not of_type(invoice, events.InvoiceFailed)


def test_each_declined_attempt_is_told_once():
    invoice = pending_invoice()
    invoice.apply(declined("Kv7mPq2xZa-1"), LATER)
    second = retry(invoice)
    invoice.apply(declined(second, "9859"), LATER)
    invoice.apply(declined(second, "9859"), LATER)  # LiqPay repeats its callback
    notes = of_type(invoice, events.PaymentDeclined)
    assert [(e.attempt, e.code) for e in notes] == [(1, "limit"), (2, "9859")]  # type: ignore[attr-defined]
    assert invoice.status is InvoiceStatus.PENDING


def test_a_second_success_on_another_attempt_is_a_second_payment_told_once():
    invoice = pending_invoice()
    invoice.apply(declined("Kv7mPq2xZa-1"), LATER)
    second = retry(invoice)
    invoice.apply(success(second, "p2"), LATER)
    # the buyer had gone back to the first checkout and paid there too
    assert invoice.apply(success("Kv7mPq2xZa-1", "p1"), LATER) is True
    assert invoice.apply(success("Kv7mPq2xZa-1", "p1"), LATER) is False
    assert invoice.extra_payment_ids == ("p1",) and invoice.provider_payment_id == "p2"
    assert invoice.order_id == second  # the first payment's order: its refunds go there
    assert len(of_type(invoice, events.ExtraPaymentReceived)) == 1
    assert len(of_type(invoice, events.InvoicePaid)) == 1


def test_a_late_decline_of_an_older_attempt_after_payment_tells_nothing():
    invoice = pending_invoice()
    invoice.apply(declined("Kv7mPq2xZa-1"), LATER)
    second = retry(invoice)
    invoice.apply(success(second, "p2"), LATER)
    invoice.events.clear()
    invoice.apply(declined("Kv7mPq2xZa-1", "other"), LATER)
    assert invoice.status is InvoiceStatus.PAID and invoice.provider_status == "success"
    assert not any(e.notifies_seller for e in invoice.events)


def test_a_success_on_the_paid_attempt_again_changes_nothing():
    invoice = pending_invoice()
    invoice.apply(success("Kv7mPq2xZa-1", "p1"), LATER)
    invoice.events.clear()
    assert invoice.apply(success("Kv7mPq2xZa-1", "p1"), LATER) is False
    assert invoice.apply(declined("Kv7mPq2xZa-1"), LATER) is False  # a success is never undone
    assert invoice.events == []


def test_a_fact_about_an_order_of_another_invoice_is_refused():
    invoice = pending_invoice()
    with pytest.raises(InvalidTransition):
        invoice.apply(success("Kv7mPq2xZa-2", "p2"), LATER)  # no such attempt (yet)
    with pytest.raises(InvalidTransition):
        invoice.apply(success("otherCode0-1", "p2"), LATER)


def test_expiry_asks_about_every_attempt_in_flight_and_a_success_on_any_pays():
    invoice = pending_invoice()
    invoice.apply(declined("Kv7mPq2xZa-1"), LATER)
    second = retry(invoice)
    assert [a.order_id for a in invoice.attempts_in_flight] == [second]
    assert invoice.expire(CREATED_AT + TTL, [success(second, "p2")], WINDOW) is True
    assert invoice.status is InvoiceStatus.PAID and not invoice.paid_late


def test_an_attempt_in_flight_at_expiry_keeps_the_invoice_settling_until_it_pays():
    invoice = pending_invoice()
    invoice.apply(declined("Kv7mPq2xZa-1"), LATER)
    second = retry(invoice)
    invoice.events.clear()
    assert invoice.expire(CREATED_AT + TTL, [in_3ds(second)], WINDOW) is True
    assert invoice.status is InvoiceStatus.PENDING and invoice.settling and invoice.in_flight
    assert invoice.start_attempt(CREATED_AT + TTL) is None  # the time is over: no new ones
    assert invoice.apply(success(second, "p2"), CREATED_AT + TTL + timedelta(hours=1))
    assert invoice.status is InvoiceStatus.PAID
    told = [type(e) for e in invoice.events if e.notifies_seller]
    assert told == [events.PaymentInProgress, events.InvoicePaid]


def test_a_decline_found_at_expiry_is_recorded_and_the_invoice_expires_without_a_note():
    invoice = pending_invoice()
    assert invoice.expire(CREATED_AT + TTL, [declined("Kv7mPq2xZa-1")], WINDOW) is True
    assert invoice.status is InvoiceStatus.EXPIRED
    assert invoice.latest_attempt.state is AttemptState.DECLINED
    assert not of_type(invoice, events.PaymentDeclined)


def test_an_order_failing_at_the_provider_is_a_failed_attempt_and_the_invoice_stays_open():
    invoice = pending_invoice()
    invoice.apply(ProviderStatus("Kv7mPq2xZa-1", "failed", "error", error_code="expired"), LATER)
    assert invoice.latest_attempt.state is AttemptState.FAILED
    assert invoice.status is InvoiceStatus.PENDING
    assert retry(invoice) == "Kv7mPq2xZa-2"


def test_a_declined_order_paid_on_its_own_checkout_page_later_still_pays():
    invoice = pending_invoice()
    invoice.apply(declined("Kv7mPq2xZa-1"), LATER)
    assert invoice.apply(in_3ds("Kv7mPq2xZa-1"), LATER) is True  # in flight again
    assert invoice.latest_attempt.state is AttemptState.IN_FLIGHT
    assert invoice.latest_attempt.decline_code is None
    invoice.apply(success("Kv7mPq2xZa-1", "p1"), LATER)
    assert invoice.status is InvoiceStatus.PAID


class Attempts(RuleBasedStateMachine):
    """Any order of declines, retries, successes and expiry scans keeps the rules."""

    def __init__(self) -> None:
        super().__init__()
        self.invoice = pending_invoice()
        self.now = LATER
        self.payments: set[str] = set()

    def _order(self, index: int) -> str:
        return self.invoice.attempts[index % len(self.invoice.attempts)].order_id

    @rule(minutes=st.integers(0, 24 * 60))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule()
    def buyer_tries_again(self) -> None:
        attempt = self.invoice.start_attempt(self.now)
        if attempt is not None:
            self.invoice.issue_link(f"https://pay.example/{attempt.number}")

    @rule(index=st.integers(0, 5), code=st.sampled_from(["limit", "9859", None]))
    def bank_declines(self, index: int, code: str | None) -> None:
        self.invoice.apply(declined(self._order(index), code or ""), self.now)

    @rule(index=st.integers(0, 5), payment=st.sampled_from(["p1", "p2", "p3"]))
    def bank_pays(self, index: int, payment: str) -> None:
        self.invoice.apply(success(self._order(index), payment), self.now)
        self.payments.add(payment)

    @rule(index=st.integers(0, 5))
    def bank_asks_for_3ds(self, index: int) -> None:
        self.invoice.apply(in_3ds(self._order(index)), self.now)

    @precondition(lambda self: self.invoice.is_open)
    @rule(answer=st.sampled_from(["unknown", "pending", "failed", "paid"]))
    def expiry_scan(self, answer: str) -> None:
        facts = {"unknown": lambda o: ProviderStatus(o, "unknown", "error"),
                 "pending": in_3ds, "failed": declined,
                 "paid": lambda o: success(o, "p9")}
        answers = [facts[answer](a.order_id) for a in self.invoice.attempts_in_flight]
        if answer == "paid" and answers and self.now >= self.invoice.expires_at:
            self.payments.add("p9")
        self.invoice.expire(self.now, answers, WINDOW)

    @invariant()
    def order_ids_are_the_code_and_the_attempt_number(self) -> None:
        assert [a.order_id for a in self.invoice.attempts] == [
            f"Kv7mPq2xZa-{n}" for n in range(1, len(self.invoice.attempts) + 1)]

    @invariant()
    def a_new_attempt_starts_only_after_a_decline(self) -> None:
        assert sum(a.in_flight and a.provider_status is None
                   for a in self.invoice.attempts) <= 1  # at most one untried link at a time

    @invariant()
    def a_decline_never_ends_the_invoice(self) -> None:
        assert self.invoice.status is not InvoiceStatus.FAILED
        assert not of_type(self.invoice, events.InvoiceFailed)

    @invariant()
    def any_success_pays_and_each_payment_is_told_once(self) -> None:
        if self.payments:
            assert self.invoice.status in SETTLED
            told = len(of_type(self.invoice, events.InvoicePaid)) + len(
                of_type(self.invoice, events.ExtraPaymentReceived))
            assert told == len(self.payments)
        assert len(of_type(self.invoice, events.InvoicePaid)) <= 1

    @invariant()
    def a_decline_is_told_only_while_the_buyer_can_try_again(self) -> None:
        for note in of_type(self.invoice, events.PaymentDeclined):
            assert note.attempt <= len(self.invoice.attempts)  # type: ignore[attr-defined]
        if self.invoice.status is not InvoiceStatus.PENDING:
            closing = [e for e in self.invoice.events
                       if isinstance(e, (events.InvoicePaid, events.InvoiceExpired))]
            if closing:
                after = self.invoice.events[self.invoice.events.index(closing[0]):]
                assert not any(isinstance(e, events.PaymentDeclined) for e in after)


Attempts.TestCase.settings = settings(max_examples=200, stateful_step_count=30, deadline=None)
TestAttempts = Attempts.TestCase
