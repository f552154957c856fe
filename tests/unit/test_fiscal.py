"""The fiscal receipt's state machine: backoff within the PRRO's offline window, "pending" told
once, a refusal that a retry (same id) reopens, nothing changed twice."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.fiscal import (
    BACKOFF,
    OFFLINE_REASON,
    OFFLINE_WINDOW,
    SALE,
    FiscalReceipt,
    ReceiptState,
)

T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def a_receipt() -> FiscalReceipt:
    return FiscalReceipt(id="r-1", invoice_id="inv", seller_id=1, kind=SALE, amount_minor=1250,
                         currency="UAH", created_at=T0)


def test_an_unreachable_prro_is_tried_again_backing_off_and_the_seller_hears_it_once() -> None:
    receipt = a_receipt()
    waits, told = [], []
    for attempt in range(1, 9):
        receipt.attempts = attempt
        event = receipt.unavailable(T0, "503")
        assert receipt.next_try_at is not None
        waits.append(receipt.next_try_at - T0)
        told.append(event.notifies_seller)
    assert receipt.state is ReceiptState.PENDING
    assert waits[:len(BACKOFF)] == list(BACKOFF) and waits[-1] == BACKOFF[-1]
    assert told == [True] + [False] * 7


def test_after_the_offline_window_an_unreachable_prro_is_a_refusal_told_plainly() -> None:
    receipt = a_receipt()
    event = receipt.unavailable(T0 + OFFLINE_WINDOW, "connection refused")
    assert receipt.state is ReceiptState.REFUSED and receipt.reason == OFFLINE_REASON
    assert event.name == "FiscalReceiptRefused" and event.notifies_seller
    assert receipt.next_try_at is None


def test_issued_once_and_a_refused_receipt_is_retried_under_the_same_id() -> None:
    receipt = a_receipt()
    receipt.refuse("Термін дії ліцензії каси закінчився")
    later = T0 + timedelta(days=3)
    event = receipt.retry(later, "support:1")
    assert event is not None and event.name == "FiscalReceiptRetried"
    assert (receipt.id, receipt.state, receipt.next_try_at) == ("r-1", ReceiptState.QUEUED, later)
    assert receipt.unavailable(later + timedelta(hours=1), "503").name == "FiscalReceiptPending"
    assert receipt.accept(later).name == "FiscalReceiptAccepted"  # type: ignore[union-attr]
    assert receipt.accept(later) is None
    issued = receipt.issue("TEST-1", "https://check.checkbox.ua/r-1")
    assert issued is not None and issued.notifies_seller and not receipt.is_open
    assert receipt.issue("TEST-1", "https://check.checkbox.ua/r-1") is None
    assert receipt.retry(later, "support:1") is None  # a done receipt is not registered again


def test_a_receipt_the_prro_ended_in_error_is_retried_under_a_new_id() -> None:
    receipt = a_receipt()
    receipt.refuse("Помилка ДПС", errored=True)
    event = receipt.retry(T0, "cli")
    assert event is not None and event.payload()["previous_id"] == "r-1"
    assert receipt.id != "r-1" and not receipt.errored and receipt.state is ReceiptState.QUEUED
    receipt.refuse("Термін дії ліцензії каси закінчився")  # refused before Checkbox had it
    kept = receipt.id
    receipt.retry(T0, "cli")
    assert receipt.id == kept


def test_a_receipt_the_prro_keeps_created_is_read_again_ever_later_then_stuck() -> None:
    from domain.fiscal import ACCEPTED_RECHECK, ACCEPTED_RECHECK_MAX, STUCK_REASON
    receipt = a_receipt()
    moment, waits = T0, []
    while receipt.state is not ReceiptState.STUCK:
        event = receipt.accept(moment)
        if receipt.next_try_at is None:
            break
        waits.append(receipt.next_try_at - moment)
        moment = receipt.next_try_at
    assert event is not None and event.name == "FiscalReceiptStuck" and event.notifies_seller
    assert receipt.reason == STUCK_REASON and not receipt.is_open
    assert waits[0] == ACCEPTED_RECHECK and max(waits) == ACCEPTED_RECHECK_MAX
    assert waits == sorted(waits) and len(waits) < 80
    assert receipt.accept(moment + timedelta(hours=1)) is None  # told once
