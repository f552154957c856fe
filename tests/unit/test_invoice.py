"""The invoice lifecycle and its money-safety rules, and when the provider is asked again."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain import events
from domain.attempts import AttemptState
from domain.errors import InvalidTransition
from domain.invoice import SETTLED, Invoice, InvoiceStatus
from domain.money import Money
from domain.polling import SCHEDULE, next_poll_at
from domain.ports import ProviderStatus

CREATED_AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
TTL = timedelta(hours=24)
AMOUNT = Money(Decimal("250.00"), "UAH")


def new_invoice(**overrides: object) -> Invoice:
    fields: dict[str, object] = dict(
        id="inv1", code="abcDEF2345", seller_id=7, amount=AMOUNT, description="Coffee beans",
        provider="liqpay", idempotency_key="telegram:42:100", created_at=CREATED_AT,
        expires_at=CREATED_AT + TTL, channel="telegram", chat_id="42",
    )
    fields.update(overrides)
    return Invoice.create(**fields)


def pending_invoice() -> Invoice:
    invoice = new_invoice()
    invoice.issue_link("https://pay.example/abc")
    invoice.events.clear()
    return invoice


def fact(outcome: str, raw: str | None = None, amount: Money | None = None,
         order_id: str = "abcDEF2345-1", **extra: object) -> ProviderStatus:
    raw = raw or {"paid": "success", "failed": "failure", "pending": "processing",
                  "reversed": "reversed", "refunded": "refund", "unknown": "error"}[outcome]
    return ProviderStatus(order_id=order_id, outcome=outcome, raw_status=raw, amount=amount,
                          **extra)  # type: ignore[arg-type]


PAID = fact("paid", amount=AMOUNT, provider_payment_id="pay-1")
LATER = CREATED_AT + timedelta(minutes=5)
WINDOW = timedelta(days=7)  #: PROVIDER_SETTLE_WINDOW's default
NOT_FOUND = fact("unknown")  #: the provider never saw a payment for the order
IN_3DS = fact("pending", "3ds_verify")


def of_type(invoice: Invoice, kind: type[events.Event]) -> list[events.Event]:
    return [e for e in invoice.events if isinstance(e, kind)]


# -- creation and the link -----------------------------------------------------------------------

def test_a_new_invoice_is_created_and_records_its_amount():
    invoice = new_invoice()
    assert invoice.status is InvoiceStatus.CREATED
    assert invoice.events == [events.InvoiceCreated("inv1", "250.00", "UAH")]
    assert invoice.order_id == "abcDEF2345-1"


def test_issuing_the_link_makes_the_invoice_payable():
    invoice = new_invoice()
    invoice.issue_link("https://pay.example/abc")
    assert invoice.status is InvoiceStatus.PENDING
    assert invoice.pay_url == "https://pay.example/abc"
    assert of_type(invoice, events.InvoiceLinkIssued) == [events.InvoiceLinkIssued("inv1")]


def test_issuing_the_link_twice_sends_the_seller_one_message():
    invoice = new_invoice()
    invoice.issue_link("https://pay.example/abc")
    invoice.issue_link("https://pay.example/other")
    assert len(of_type(invoice, events.InvoiceLinkIssued)) == 1
    assert invoice.pay_url == "https://pay.example/abc"
    assert invoice.status is InvoiceStatus.PENDING


# -- payment -------------------------------------------------------------------------------------

def test_a_successful_payment_marks_a_pending_invoice_paid_and_tells_the_seller():
    invoice = pending_invoice()
    assert invoice.apply(PAID, LATER) is True
    assert invoice.status is InvoiceStatus.PAID
    assert invoice.paid_amount == AMOUNT
    assert invoice.paid_at == LATER
    assert invoice.paid_late is False
    assert invoice.provider_payment_id == "pay-1"
    assert invoice.events == [events.InvoicePaid(
        "inv1", "250.00", "UAH", False, "success", "pay-1", mismatch=False,
        expected_amount="250.00", expected_currency="UAH", provider="liqpay")]
    assert invoice.amount_mismatch is False
    assert invoice.events[0].notifies_seller


def test_the_same_payment_reported_twice_changes_nothing_and_sends_nothing_twice():
    invoice = pending_invoice()
    invoice.apply(PAID, LATER)
    assert invoice.apply(PAID, LATER + timedelta(minutes=1)) is False
    assert invoice.paid_at == LATER
    assert len(of_type(invoice, events.InvoicePaid)) == 1


def test_a_payment_without_an_amount_is_taken_as_the_invoice_amount():
    invoice = pending_invoice()
    invoice.apply(fact("paid"), LATER)
    assert invoice.paid_amount == AMOUNT


def test_a_payment_reported_before_the_link_was_recorded_is_still_paid():
    invoice = new_invoice()
    assert invoice.apply(PAID, LATER) is True
    assert invoice.status is InvoiceStatus.PAID
    assert invoice.paid_late is False


@pytest.mark.parametrize("close", ["expire", "fail", "cancel"])
def test_a_verified_payment_after_the_invoice_closed_is_kept_and_flagged_late(close):
    invoice = pending_invoice()
    if close == "expire":
        invoice.expire(CREATED_AT + TTL, NOT_FOUND, WINDOW)
    elif close == "fail":  # made before attempts, a decline ended an invoice
        invoice.status = InvoiceStatus.FAILED
    else:
        invoice.cancel()
    closed = invoice.status
    assert closed in {InvoiceStatus.EXPIRED, InvoiceStatus.FAILED, InvoiceStatus.CANCELLED}
    invoice.events.clear()

    assert invoice.apply(PAID, CREATED_AT + TTL + timedelta(hours=1)) is True
    assert invoice.status is InvoiceStatus.PAID
    assert invoice.paid_late is True
    [paid] = invoice.events
    assert isinstance(paid, events.InvoicePaid) and paid.late is True


def test_a_failure_reported_after_payment_is_ignored():
    invoice = pending_invoice()
    invoice.apply(PAID, LATER)
    invoice.events.clear()
    assert invoice.apply(fact("failed", error_description="Declined"), LATER) is False
    assert invoice.status is InvoiceStatus.PAID
    assert invoice.failure_reason is None
    assert invoice.events == []


def test_a_decline_leaves_the_invoice_open_and_tells_the_seller_with_the_reason():
    invoice = pending_invoice()
    assert invoice.apply(fact("failed", error_code="9859", error_description="Insufficient funds"),
                         LATER) is True
    assert invoice.status is InvoiceStatus.PENDING and invoice.is_open
    assert invoice.latest_attempt.state is AttemptState.DECLINED
    assert invoice.latest_attempt.decline_code == "9859"
    assert invoice.events == [events.PaymentDeclined(
        "inv1", 1, "abcDEF2345-1", "failure", "9859", "Insufficient funds")]
    assert invoice.events[0].notifies_seller


def test_the_same_decline_twice_tells_the_seller_once():
    invoice = pending_invoice()
    invoice.apply(fact("failed"), LATER)
    assert invoice.apply(fact("failed"), LATER) is False
    assert len(of_type(invoice, events.PaymentDeclined)) == 1


# -- provider sub-statuses -----------------------------------------------------------------------

def test_provider_sub_statuses_keep_the_invoice_pending_and_are_recorded_once_each():
    invoice = pending_invoice()
    assert invoice.apply(fact("pending", "processing"), LATER) is True
    assert invoice.apply(fact("pending", "processing"), LATER) is False
    assert invoice.apply(fact("pending", "3ds_verify"), LATER) is True
    assert invoice.apply(fact("pending", "3ds_verify"), LATER) is False
    assert invoice.status is InvoiceStatus.PENDING
    assert invoice.provider_status == "3ds_verify"
    assert invoice.events == [events.ProviderStatusRecorded("inv1", "processing", "abcDEF2345-1"),
                              events.ProviderStatusRecorded("inv1", "3ds_verify", "abcDEF2345-1")]
    assert not any(e.notifies_seller for e in invoice.events)


def test_a_sub_status_after_payment_does_not_reopen_the_invoice():
    invoice = pending_invoice()
    invoice.apply(PAID, LATER)
    assert invoice.apply(fact("pending", "processing"), LATER) is False
    assert invoice.status is InvoiceStatus.PAID
    assert invoice.provider_status == "success"


def test_an_order_the_provider_has_not_seen_changes_nothing():
    invoice = pending_invoice()
    assert invoice.apply(fact("unknown"), LATER) is False
    assert invoice.status is InvoiceStatus.PENDING
    assert invoice.events == []


def test_a_fact_about_another_order_is_refused():
    invoice = pending_invoice()
    with pytest.raises(InvalidTransition):
        invoice.apply(fact("paid", order_id="cp-other"), LATER)
    assert invoice.status is InvoiceStatus.PENDING
    assert invoice.events == []


# -- expiry and cancellation ---------------------------------------------------------------------

def test_an_invoice_does_not_expire_before_its_time():
    invoice = pending_invoice()
    assert invoice.expire(CREATED_AT + TTL - timedelta(seconds=1), NOT_FOUND, WINDOW) is False
    assert invoice.status is InvoiceStatus.PENDING
    assert invoice.events == []


def test_an_invoice_expires_once_its_time_has_come():
    invoice = pending_invoice()
    assert invoice.expire(CREATED_AT + TTL, NOT_FOUND, WINDOW) is True
    assert invoice.status is InvoiceStatus.EXPIRED
    assert invoice.events == [events.InvoiceExpired("inv1")]
    assert invoice.expire(CREATED_AT + TTL + timedelta(hours=1), NOT_FOUND, WINDOW) is False
    assert len(invoice.events) == 1


def test_a_paid_invoice_never_expires():
    invoice = pending_invoice()
    invoice.apply(PAID, LATER)
    assert invoice.expire(CREATED_AT + 2 * TTL, NOT_FOUND, WINDOW) is False
    assert invoice.status is InvoiceStatus.PAID


def test_the_seller_may_cancel_an_invoice_nobody_paid_yet():
    for invoice in (new_invoice(), pending_invoice()):
        invoice.events.clear()
        invoice.cancel()
        assert invoice.status is InvoiceStatus.CANCELLED
        assert invoice.events == [events.InvoiceCancelled("inv1")]


def test_a_paid_invoice_cannot_be_cancelled():
    invoice = pending_invoice()
    invoice.apply(PAID, LATER)
    invoice.events.clear()
    with pytest.raises(InvalidTransition):
        invoice.cancel()
    assert invoice.status is InvoiceStatus.PAID
    assert invoice.events == []


# -- refunds -------------------------------------------------------------------------------------

@pytest.mark.parametrize("outcome", ["reversed", "refunded"])
def test_a_full_refund_of_a_paid_invoice_marks_it_refunded(outcome):
    invoice = pending_invoice()
    invoice.apply(PAID, LATER)
    invoice.events.clear()
    assert invoice.apply(fact(outcome, amount=AMOUNT), LATER) is True
    assert invoice.status is InvoiceStatus.REFUNDED
    assert invoice.refunded_amount == AMOUNT
    [refund] = invoice.events
    assert isinstance(refund, events.InvoiceRefunded) and refund.full is True


def test_a_refund_without_an_amount_is_a_full_refund():
    invoice = pending_invoice()
    invoice.apply(PAID, LATER)
    invoice.apply(fact("reversed"), LATER)
    assert invoice.status is InvoiceStatus.REFUNDED
    assert invoice.refunded_amount == AMOUNT


def test_part_of_the_payment_refunded_marks_it_partially_refunded():
    invoice = pending_invoice()
    invoice.apply(PAID, LATER)
    invoice.events.clear()
    part = Money(Decimal("100.00"), "UAH")
    assert invoice.apply(fact("refunded", amount=part), LATER) is True
    assert invoice.status is InvoiceStatus.PARTIALLY_REFUNDED
    assert invoice.refunded_amount == part
    assert invoice.events == [events.InvoiceRefunded("inv1", "100.00", "UAH", False, "refund",
                                                     "inv1-p1", "100.00")]
    # the same refund reported again is not counted twice
    assert invoice.apply(fact("refunded", amount=part), LATER) is False
    assert invoice.refunded_amount == part


def test_the_rest_refunded_later_makes_it_fully_refunded():
    invoice = pending_invoice()
    invoice.apply(PAID, LATER)
    invoice.apply(fact("refunded", "refund", amount=Money(Decimal("100.00"), "UAH")), LATER)
    assert invoice.apply(fact("refunded", "refund", amount=Money(Decimal("150.00"), "UAH")),
                         LATER) is True
    assert invoice.status is InvoiceStatus.REFUNDED
    assert invoice.refunded_amount == AMOUNT


def test_a_refund_of_an_invoice_that_was_never_paid_changes_nothing():
    invoice = pending_invoice()
    assert invoice.apply(fact("reversed", amount=AMOUNT), LATER) is False
    assert invoice.status is InvoiceStatus.PENDING
    assert invoice.refunded_amount is None


def test_a_payment_reported_after_a_refund_does_not_pay_it_again():
    invoice = pending_invoice()
    invoice.apply(PAID, LATER)
    invoice.apply(fact("reversed", amount=AMOUNT), LATER)
    assert invoice.apply(PAID, LATER) is False
    assert invoice.status is InvoiceStatus.REFUNDED
    assert len(of_type(invoice, events.InvoicePaid)) == 1


# -- a success compared with the invoice ---------------------------------------------------------

@pytest.mark.parametrize("received", [Money(Decimal("1.00"), "UAH"), Money(Decimal("300.00"), "UAH"),
                                      Money(Decimal("250.00"), "USD"), Money(Decimal("100"), "JPY")])
def test_a_success_for_another_amount_or_currency_is_recorded_with_a_mismatch(received):
    invoice = pending_invoice()
    assert invoice.apply(fact("paid", amount=received, provider_payment_id="pay-1"), LATER)
    assert invoice.status is InvoiceStatus.PAID  # never dropped
    assert invoice.paid_amount == received
    assert invoice.amount_mismatch is True
    [paid] = invoice.events
    assert isinstance(paid, events.InvoicePaid)
    assert paid.mismatch is True
    assert (paid.amount, paid.currency) == (str(received.amount), received.currency)
    assert (paid.expected_amount, paid.expected_currency) == ("250.00", "UAH")


def test_a_second_payment_with_another_payment_id_is_recorded_and_told_once():
    invoice = pending_invoice()
    invoice.apply(PAID, LATER)
    invoice.events.clear()
    second = fact("paid", amount=AMOUNT, provider_payment_id="pay-2")
    assert invoice.apply(second, LATER) is True
    assert invoice.apply(second, LATER) is False  # the same second payment reported again
    assert invoice.apply(PAID, LATER) is False  # the first one reported again
    assert invoice.events == [
        events.ExtraPaymentReceived("inv1", "250.00", "UAH", "pay-2", "success")]
    assert invoice.events[0].notifies_seller
    assert invoice.extra_payment_ids == ("pay-2",)
    assert invoice.provider_payment_id == "pay-1" and invoice.paid_amount == AMOUNT


# -- expiry asks the provider first --------------------------------------------------------------

@pytest.mark.parametrize("raw", ["wait_accept", "processing", "3ds_verify", "otp_verify",
                                 "wait_secure", "hold_wait"])
def test_at_expiry_a_payment_in_flight_keeps_the_invoice_open_and_tells_the_seller_once(raw):
    invoice = pending_invoice()
    answer = fact("pending", raw)
    assert invoice.expire(CREATED_AT + TTL, answer, WINDOW) is True
    assert invoice.status is InvoiceStatus.PENDING and invoice.settling and invoice.in_flight
    assert invoice.expire(CREATED_AT + TTL + timedelta(hours=2), answer, WINDOW) is False
    told = [e for e in invoice.events if e.notifies_seller]
    assert told == [events.PaymentInProgress("inv1", raw)]
    assert invoice.watch_until(WINDOW) == CREATED_AT + WINDOW  # polled until the window ends


def test_a_success_found_at_expiry_pays_the_invoice_instead_of_expiring_it():
    invoice = pending_invoice()
    assert invoice.expire(CREATED_AT + TTL, PAID, WINDOW) is True
    assert invoice.status is InvoiceStatus.PAID and invoice.paid_late is False
    assert not of_type(invoice, events.InvoiceExpired)


def test_a_settling_invoice_expires_when_the_settle_window_ends():
    invoice = pending_invoice()
    invoice.expire(CREATED_AT + TTL, IN_3DS, WINDOW)
    invoice.events.clear()
    assert invoice.expire(CREATED_AT + WINDOW, IN_3DS, WINDOW) is True
    assert invoice.status is InvoiceStatus.EXPIRED and not invoice.settling
    assert invoice.events == [events.InvoiceExpired("inv1")]
    assert not invoice.checkable(CREATED_AT + WINDOW, WINDOW)


def test_a_settling_invoice_the_bank_then_declines_expires_without_a_try_again_note():
    invoice = pending_invoice()
    invoice.expire(CREATED_AT + TTL, IN_3DS, WINDOW)
    invoice.events.clear()
    invoice.apply(fact("failed", error_description="3-D Secure failed"), CREATED_AT + 2 * TTL)
    assert invoice.status is InvoiceStatus.EXPIRED and not invoice.settling
    assert invoice.watch_until(WINDOW) is None
    assert not of_type(invoice, events.PaymentDeclined)
    assert of_type(invoice, events.InvoiceExpired)


def test_expiry_without_the_providers_word_closes_the_invoice():
    invoice = pending_invoice()
    assert invoice.expire(CREATED_AT + TTL, None, WINDOW) is True
    assert invoice.status is InvoiceStatus.EXPIRED


def test_a_cancelled_invoice_whose_buyer_is_in_3ds_stays_watched_for_the_window():
    invoice = pending_invoice()
    invoice.apply(IN_3DS, LATER)
    invoice.cancel()
    assert invoice.watch_until(WINDOW) == CREATED_AT + WINDOW
    invoice.apply(PAID, LATER + timedelta(minutes=3))
    assert invoice.status is InvoiceStatus.PAID and invoice.paid_late is True
    assert invoice.watch_until(WINDOW) is None


def test_a_closed_invoice_learns_of_a_payment_in_flight_without_telling_the_seller():
    invoice = pending_invoice()
    invoice.cancel()
    invoice.events.clear()
    assert invoice.watch_until(WINDOW) is None
    assert invoice.apply(IN_3DS, LATER) is True
    assert invoice.watch_until(WINDOW) == CREATED_AT + WINDOW
    assert not any(e.notifies_seller for e in invoice.events)
    assert invoice.apply(fact("failed"), LATER) is True  # the bank declined: stop watching
    assert invoice.status is InvoiceStatus.CANCELLED and invoice.watch_until(WINDOW) is None


@pytest.mark.parametrize("close", ["expire", "fail", "cancel"])
def test_closed_unpaid_invoices_stay_checkable_for_the_settle_window(close):
    invoice = pending_invoice()
    if close == "expire":
        invoice.expire(CREATED_AT + TTL, NOT_FOUND, WINDOW)
    elif close == "fail":  # made before attempts, a decline ended an invoice
        invoice.status = InvoiceStatus.FAILED
    else:
        invoice.cancel()
    assert invoice.checkable(CREATED_AT + WINDOW - timedelta(seconds=1), WINDOW)
    assert not invoice.checkable(CREATED_AT + WINDOW, WINDOW)


def test_a_paid_invoice_is_neither_watched_nor_checkable():
    invoice = pending_invoice()
    invoice.apply(PAID, LATER)
    assert invoice.watch_until(WINDOW) is None
    assert not invoice.checkable(LATER, WINDOW)


def test_a_provider_refusing_status_calls_stops_the_watch_and_tells_the_seller():
    invoice = pending_invoice()
    invoice.stop_watching("LiqPay refused status: err_access")
    assert invoice.events == [events.PollingStopped("inv1", "LiqPay refused status: err_access")]
    assert invoice.events[0].notifies_seller


# -- any sequence of facts ----------------------------------------------------------------------

RAW_PENDING = ("processing", "wait_accept", "3ds_verify", "invoice_wait")


class InvoiceLifecycle(RuleBasedStateMachine):
    """Random sequences of provider facts, expiry and cancellation on one invoice."""

    def __init__(self) -> None:
        super().__init__()
        self.invoice = new_invoice()
        self.now = CREATED_AT
        self.success_applied = False

    @rule()
    def issue_link(self) -> None:
        self.invoice.issue_link("https://pay.example/abc")

    @rule(minutes=st.integers(min_value=0, max_value=24 * 60))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule(payment_id=st.sampled_from(["pay-1", "pay-2", None]),
          amount=st.sampled_from([AMOUNT, None]))
    def provider_reports_success(self, payment_id: str | None, amount: Money | None) -> None:
        self.invoice.apply(fact("paid", amount=amount, provider_payment_id=payment_id), self.now)
        self.success_applied = True

    @rule(raw=st.sampled_from(["failure", "error"]))
    def provider_reports_failure(self, raw: str) -> None:
        self.invoice.apply(fact("failed", raw), self.now)

    @rule(raw=st.sampled_from(RAW_PENDING))
    def provider_reports_a_sub_status(self, raw: str) -> None:
        self.invoice.apply(fact("pending", raw), self.now)

    @rule(outcome=st.sampled_from(["reversed", "refunded"]),
          cents=st.sampled_from([None, 1, 10000, 25000]))
    def provider_reports_a_refund(self, outcome: str, cents: int | None) -> None:
        amount = None if cents is None else Money.from_minor_units(cents, "UAH")
        self.invoice.apply(fact(outcome, amount=amount), self.now)

    @rule()
    def provider_does_not_know_the_order(self) -> None:
        self.invoice.apply(fact("unknown"), self.now)

    @rule(answer=st.sampled_from([NOT_FOUND, IN_3DS, fact("pending", "wait_accept"),
                                  fact("failed"), None]))
    def expiry_scan(self, answer: ProviderStatus | None) -> None:
        self.invoice.expire(self.now, answer, WINDOW)

    @invariant()
    def an_open_invoice_past_its_settle_window_is_not_settling_forever(self) -> None:
        if self.invoice.settling:
            assert self.invoice.is_open and self.now >= self.invoice.expires_at

    @rule()
    def seller_cancels(self) -> None:
        was_open = self.invoice.is_open
        try:
            self.invoice.cancel()
        except InvalidTransition:
            assert not was_open
        else:
            assert was_open

    @invariant()
    def a_success_once_applied_stays_settled(self) -> None:
        if self.success_applied:
            assert self.invoice.status in SETTLED
            assert self.invoice.paid_amount is not None

    @invariant()
    def the_seller_is_told_of_a_payment_at_most_once(self) -> None:
        assert len(of_type(self.invoice, events.InvoicePaid)) <= 1

    @invariant()
    def status_is_a_known_state(self) -> None:
        assert isinstance(self.invoice.status, InvoiceStatus)

    @invariant()
    def a_refund_never_exceeds_what_was_paid(self) -> None:
        refunded = self.invoice.refunded_amount
        if refunded is not None:
            assert self.invoice.paid_amount is not None
            assert refunded.amount <= self.invoice.paid_amount.amount

    @invariant()
    def late_only_when_paid_after_closing(self) -> None:
        if self.invoice.paid_late:
            [paid] = of_type(self.invoice, events.InvoicePaid)
            assert isinstance(paid, events.InvoicePaid) and paid.late


InvoiceLifecycle.TestCase.settings = settings(max_examples=300, stateful_step_count=30,
                                              deadline=None)
TestInvoiceLifecycle = InvoiceLifecycle.TestCase


# -- polling -------------------------------------------------------------------------------------

def _poll_times(created: datetime, expires: datetime) -> list[datetime]:
    times = []
    while (due := next_poll_at(created, len(times), expires)) is not None:
        times.append(due)
        assert len(times) < 1000, "polling never stops"
    return times


def test_the_first_poll_comes_soon_after_creation():
    first = next_poll_at(CREATED_AT, 0, CREATED_AT + TTL)
    assert first == CREATED_AT + timedelta(seconds=SCHEDULE[0])


def test_polls_back_off_over_time():
    times = _poll_times(CREATED_AT, CREATED_AT + timedelta(days=7))
    gaps = [b - a for a, b in zip([CREATED_AT, *times], times, strict=False)]
    assert all(later >= earlier for earlier, later in zip(gaps, gaps[1:], strict=False))
    assert gaps[-1] > gaps[0] * 100


def test_no_poll_is_due_at_or_after_expiry():
    expires = CREATED_AT + timedelta(seconds=SCHEDULE[0])
    assert next_poll_at(CREATED_AT, 0, expires) is None  # due exactly at expiry: expiry checks
    for polls_done in range(40):
        due = next_poll_at(CREATED_AT, polls_done, CREATED_AT + TTL)
        assert due is None or due < CREATED_AT + TTL


def test_an_invoice_living_a_day_is_polled_at_most_25_times():
    times = _poll_times(CREATED_AT, CREATED_AT + TTL)
    assert 8 <= len(times) <= 25
    assert times == sorted(times)
    assert next_poll_at(CREATED_AT, len(times) + 5, CREATED_AT + TTL) is None
