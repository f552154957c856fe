"""Storage against a real database: SQLite by default, PostgreSQL with TEST_DATABASE_URL.

What a seller would notice if it broke: an invoice coming back with another amount or time, a
payment lost to a concurrent update, a message sent twice, a double tap creating two invoices.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from domain.attempts import Attempt
from domain.invoice import Invoice, InvoiceStatus
from domain.money import Money
from domain.ports import ProviderStatus
from domain.refunds import Refund, RefundState
from storage.db import make_engine
from storage.migrate import upgrade
from storage.repository import ConcurrentUpdate, new_code, new_id
from storage.settings import SettingsError, load_settings
from storage.tables import InvoiceRow
from storage.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]

T0 = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
TTL = timedelta(hours=24)
AMOUNT = Money(Decimal("1200.50"), "UAH")


def add_seller(uow: UnitOfWork, external_id: str = "42", channel: str = "telegram") -> int:
    return uow.sellers.upsert(channel, external_id, name="Olena", currency="UAH").id


def an_invoice(seller_id: int, *, key: str | None = None, created_at: datetime = T0,
               amount: Money = AMOUNT, **overrides: object) -> Invoice:
    invoice_id = new_id()
    values: dict[str, object] = dict(
        id=invoice_id, code=new_code(), seller_id=seller_id, amount=amount,
        description="Coffee beans", provider="liqpay", idempotency_key=key or f"key-{invoice_id}",
        created_at=created_at, expires_at=created_at + TTL, channel="telegram", chat_id="42",
        # shaped like an invoice made before attempts: its one order id is `cp-{id}`
        attempts=[Attempt(1, f"cp-{invoice_id}", created_at)],
    )
    values.update(overrides)
    return Invoice.create(**values)


def stored_invoice(uow_factory: UowFactory, *, pending: bool = True, **overrides: object) -> str:
    """A committed invoice (pending unless told otherwise) of a fresh seller; returns its id."""
    with uow_factory() as uow:
        invoice = an_invoice(add_seller(uow), **overrides)
        uow.invoices.add(invoice)
        if pending:
            invoice.issue_link("https://pay.example/x")
            uow.invoices.save(invoice)
        uow.commit()
    return invoice.id


def paid(invoice_id: str, raw: str = "success") -> ProviderStatus:
    return ProviderStatus(order_id=f"cp-{invoice_id}", outcome="paid", raw_status=raw,
                          amount=AMOUNT, provider_payment_id="pay-1")


def sub_status(invoice_id: str, raw: str) -> ProviderStatus:
    return ProviderStatus(order_id=f"cp-{invoice_id}", outcome="pending", raw_status=raw)


def audit_trail(uow_factory: UowFactory, invoice_id: str) -> list[SimpleNamespace]:
    """The invoice's audit rows, read while their session is open."""
    with uow_factory() as uow:
        return [SimpleNamespace(id=r.id, name=r.name, status_from=r.status_from,
                                status_to=r.status_to, notify=r.notify,
                                payload=json.loads(r.payload), created_at=r.created_at,
                                notified_at=r.notified_at)
                for r in uow.events.for_invoice(invoice_id)]


def same_invoice(a: Invoice, b: Invoice) -> None:
    for f in fields(Invoice):
        if f.name not in ("events", "version"):
            assert getattr(a, f.name) == getattr(b, f.name), f.name


# -- sellers -------------------------------------------------------------------------------------

def test_a_seller_is_one_row_per_messenger_account(uow_factory):
    with uow_factory() as uow:
        first = uow.sellers.upsert("telegram", "42", name="Olena", language="uk")
        again = uow.sellers.upsert("telegram", "42", phone="+380501234567", currency="UAH")
        viber = uow.sellers.upsert("viber", "42", name="Olena on Viber")
        uow.commit()
    assert again.id == first.id
    assert viber.id != first.id
    with uow_factory() as uow:
        seller = uow.sellers.by_external("telegram", "42")
        assert seller is not None
        assert (seller.name, seller.phone, seller.currency, seller.language) == (
            "Olena", "+380501234567", "UAH", "uk")
        assert uow.sellers.get(first.id) == seller
        assert uow.sellers.by_external("telegram", "43") is None


# -- invoices round-trip -------------------------------------------------------------------------

def test_an_invoice_comes_back_exactly_as_it_was_stored(uow_factory):
    paid_at = datetime.now(UTC)
    invoice_id = new_id()
    with uow_factory() as uow:
        seller_id = add_seller(uow)
        invoice = Invoice(
            id=invoice_id, code=new_code(), seller_id=seller_id, amount=AMOUNT,
            description="Кава в зернах, 1 кг ☕", provider="liqpay", idempotency_key="telegram:42:7",
            created_at=T0, expires_at=T0 + TTL, channel="viber", chat_id="abc==",
            status=InvoiceStatus.PARTIALLY_REFUNDED, pay_url="https://pay.example/abc?x=1&y=2",
            provider_status="reversed", provider_payment_id="2412345678",
            paid_amount=Money(Decimal("1200.49"), "UAH"), paid_at=paid_at, paid_late=True,
            failure_reason="was expired first", message_id="m-17",
            refunds=[Refund("r-1", invoice_id, Money(Decimal("0.01"), "UAH"), T0,
                            RefundState.DONE, raw_status="success"),
                     Refund("r-2", invoice_id, Money(Decimal("5"), "USD"), T0 + TTL,
                            RefundState.DONE, ours=False, provider_refund_id="77",
                            raw_status="reversed"),
                     Refund("r-3", invoice_id, Money(Decimal("1.00"), "UAH"), T0 + TTL,
                            RefundState.REFUSED, raw_status="error", reason="too late")],
        )
        uow.invoices.add(invoice)
        uow.commit()

    with uow_factory() as uow:
        found = [uow.invoices.get(invoice.id), uow.invoices.by_code(invoice.code),
                 uow.invoices.by_key("telegram:42:7"), uow.invoices.by_order_id(invoice.order_id)]
    for back in found:
        assert back is not None
        same_invoice(back, invoice)
        assert back.status is InvoiceStatus.PARTIALLY_REFUNDED
        assert str(back.amount.amount) == "1200.50"
        for moment in (back.created_at, back.expires_at, back.paid_at):
            assert moment is not None and moment.utcoffset() == timedelta(0)
        assert back.paid_at == paid_at  # microseconds included
        assert back.refunded_amount == Money(Decimal("0.01"), "UAH")
        assert back.events == []


@pytest.mark.parametrize("amount", [Money(Decimal("1200"), "JPY"), Money(Decimal("1.125"), "KWD"),
                                    Money(Decimal("99999999.99"), "USD")])
def test_amounts_in_any_currency_come_back_to_the_last_minor_unit(uow_factory, amount):
    with uow_factory() as uow:
        invoice = an_invoice(add_seller(uow), amount=amount)
        uow.invoices.add(invoice)
        uow.commit()
    with uow_factory() as uow:
        back = uow.invoices.get(invoice.id)
    assert back is not None and back.amount == amount


def test_an_aware_time_in_another_zone_is_stored_as_the_same_instant(uow_factory):
    kyiv = timezone(timedelta(hours=2))
    created = datetime(2025, 3, 1, 14, 0, tzinfo=kyiv)  # 12:00 UTC
    with uow_factory() as uow:
        invoice = an_invoice(add_seller(uow), created_at=created)
        uow.invoices.add(invoice)
        uow.commit()
    with uow_factory() as uow:
        back = uow.invoices.get(invoice.id)
        assert back is not None
        assert back.created_at == datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
        assert uow.invoices.due_for_expiry(datetime(2025, 3, 2, 11, 59, tzinfo=UTC), T0) == []
        assert uow.invoices.due_for_expiry(datetime(2025, 3, 2, 12, 0, tzinfo=UTC), T0) == [
            invoice.id]


def test_lookups_of_what_does_not_exist_find_nothing(uow_factory):
    stored_invoice(uow_factory)
    with uow_factory() as uow:
        assert uow.invoices.get("0" * 32) is None
        assert uow.invoices.by_code("nosuchcode") is None
        assert uow.invoices.by_key("nosuchkey") is None
        assert uow.invoices.by_order_id("no-prefix") is None
        assert uow.invoices.by_order_id("cp-" + "0" * 32) is None


# -- idempotency and transactions ----------------------------------------------------------------

def test_a_second_invoice_with_the_same_idempotency_key_is_refused_and_leaves_nothing(uow_factory):
    first = stored_invoice(uow_factory, key="telegram:42:100")
    with uow_factory() as uow:
        seller_id = add_seller(uow, "43")
        other = an_invoice(seller_id, key="telegram:43:1")
        uow.invoices.add(other)
        twin = an_invoice(seller_id, key="telegram:42:100")
        with pytest.raises(IntegrityError):
            uow.invoices.add(twin)

    with uow_factory() as uow:
        assert uow.invoices.get(twin.id) is None
        assert uow.invoices.get(other.id) is None  # the same transaction: nothing half-written
        assert uow.sellers.by_external("telegram", "43") is None
        assert uow.events.for_invoice(twin.id) == []
        kept = uow.invoices.by_key("telegram:42:100")
        assert kept is not None and kept.id == first
        assert uow.session.scalar(select(InvoiceRow.id).where(InvoiceRow.id != first)) is None


def test_leaving_the_unit_of_work_without_commit_rolls_back(uow_factory):
    invoice_id = stored_invoice(uow_factory)
    with uow_factory() as uow:
        invoice = uow.invoices.get(invoice_id)
        assert invoice is not None
        invoice.apply(paid(invoice_id), datetime.now(UTC))
        uow.invoices.save(invoice)
        uow.sellers.upsert("viber", "new-seller")
        uow.invoices.add(an_invoice(add_seller(uow, "44")))

    with uow_factory() as uow:
        back = uow.invoices.get(invoice_id)
        assert back is not None and back.status is InvoiceStatus.PENDING
        assert uow.sellers.by_external("viber", "new-seller") is None
        assert uow.sellers.by_external("telegram", "44") is None
        assert [r.name for r in uow.events.for_invoice(invoice_id)] == [
            "InvoiceCreated", "InvoiceLinkIssued"]


def test_an_exception_inside_the_unit_of_work_rolls_back(uow_factory):
    invoice_id = stored_invoice(uow_factory)
    with pytest.raises(RuntimeError), uow_factory() as uow:
        invoice = uow.invoices.get(invoice_id)
        assert invoice is not None
        invoice.cancel()
        uow.invoices.save(invoice)
        raise RuntimeError("the messenger call failed")
    with uow_factory() as uow:
        back = uow.invoices.get(invoice_id)
        assert back is not None and back.status is InvoiceStatus.PENDING


# -- the audit trail -----------------------------------------------------------------------------

def test_commit_writes_one_audit_row_per_transition_with_its_states(uow_factory):
    with uow_factory() as uow:
        invoice = an_invoice(add_seller(uow))
        uow.invoices.add(invoice)
        invoice.issue_link("https://pay.example/x")
        uow.invoices.save(invoice)
        uow.commit()
        created_notify = list(uow.notify_ids)

    with uow_factory() as uow:
        again = uow.invoices.get(invoice.id)
        assert again is not None
        again.apply(paid(invoice.id), datetime.now(UTC))
        uow.invoices.save(again)
        uow.commit()
        paid_notify = list(uow.notify_ids)

    rows = audit_trail(uow_factory, invoice.id)
    assert [(r.name, r.status_from, r.status_to, r.notify) for r in rows] == [
        ("InvoiceCreated", None, "created", False),
        ("InvoiceLinkIssued", "created", "pending", True),
        ("InvoicePaid", "pending", "paid", True),
    ]
    assert created_notify == [rows[1].id]
    assert paid_notify == [rows[2].id]
    payload = rows[2].payload
    assert payload["amount"] == "1200.50" and payload["currency"] == "UAH"
    assert payload["late"] is False
    assert all(r.created_at is not None and r.notified_at is None for r in rows)


def test_a_sub_status_is_audited_but_not_sent_to_the_seller(uow_factory):
    invoice_id = stored_invoice(uow_factory)
    with uow_factory() as uow:
        invoice = uow.invoices.get(invoice_id)
        assert invoice is not None
        invoice.apply(sub_status(invoice_id, "3ds_verify"), datetime.now(UTC))
        uow.invoices.save(invoice)
        uow.commit()
        assert uow.notify_ids == []
    [row] = audit_trail(uow_factory, invoice_id)[2:]
    assert (row.name, row.status_from, row.status_to, row.notify) == (
        "ProviderStatusRecorded", "pending", "pending", False)


def test_a_late_payment_is_audited_from_the_closed_state(uow_factory):
    invoice_id = stored_invoice(uow_factory)
    with uow_factory() as uow:
        invoice = uow.invoices.get(invoice_id)
        assert invoice is not None
        assert invoice.expire(invoice.expires_at, None, timedelta(days=7))
        uow.invoices.save(invoice)
        uow.commit()
    with uow_factory() as uow:
        invoice = uow.invoices.get(invoice_id)
        assert invoice is not None
        invoice.apply(paid(invoice_id), invoice.expires_at + timedelta(hours=1))
        uow.invoices.save(invoice)
        uow.commit()
    rows = audit_trail(uow_factory, invoice_id)[2:]
    assert [(r.name, r.status_from, r.status_to) for r in rows] == [
        ("InvoiceExpired", "pending", "expired"), ("InvoicePaid", "expired", "paid")]
    assert rows[1].payload["late"] is True


# -- concurrent updates --------------------------------------------------------------------------

def test_a_stale_invoice_cannot_overwrite_a_newer_transition(uow_factory):
    invoice_id = stored_invoice(uow_factory)
    with uow_factory() as first:
        mine = first.invoices.get(invoice_id)
        assert mine is not None
        first.commit()  # ends the read (SQLite queues writers from their first statement)

        with uow_factory() as second:
            theirs = second.invoices.get(invoice_id)
            assert theirs is not None
            theirs.apply(paid(invoice_id), datetime.now(UTC))
            second.invoices.save(theirs)
            second.commit()

        mine.cancel()  # the seller taps "cancel" on what they saw as pending
        with pytest.raises(ConcurrentUpdate):
            first.invoices.save(mine)

    with uow_factory() as uow:
        back = uow.invoices.get(invoice_id)
        assert back is not None
        assert back.status is InvoiceStatus.PAID
        assert [r.name for r in uow.events.for_invoice(invoice_id)][-1] == "InvoicePaid"


def _apply_with_retry(uow_factory: UowFactory, fact: ProviderStatus, retries: list[int]) -> bool:
    """What a worker does: read, apply, save; on ConcurrentUpdate start again from the read."""
    invoice_id = fact.order_id[3:]
    for _ in range(100):
        try:
            with uow_factory() as uow:
                invoice = uow.invoices.get(invoice_id)
                assert invoice is not None
                if not invoice.apply(fact, datetime.now(UTC)):
                    return False
                uow.invoices.save(invoice)
                uow.commit()
                return True
        except ConcurrentUpdate:
            retries.append(1)
    raise AssertionError("gave up after 100 concurrent updates")


def _run_concurrently(uow_factory: UowFactory, facts: list[ProviderStatus]) -> list[bool]:
    """Apply each fact in its own thread, all starting at once; whether each changed anything."""
    changed: list[bool] = []
    retries: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(facts))

    def worker(fact: ProviderStatus) -> None:
        try:
            start.wait()
            changed.append(_apply_with_retry(uow_factory, fact, retries))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f,)) for f in facts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(changed) == len(facts)
    return changed


def _assert_trail_is_unbroken(rows: list[SimpleNamespace]) -> None:
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.status_from == before.status_to  # no transition was overwritten


SUB_STATUSES = ["processing", "wait_accept", "3ds_verify", "invoice_wait", "wait_secure",
                "prepared", "wait_lc", "cash_wait"]


def test_concurrent_workers_recording_sub_statuses_lose_none(uow_factory):
    invoice_id = stored_invoice(uow_factory)
    changed = _run_concurrently(uow_factory, [sub_status(invoice_id, s) for s in SUB_STATUSES])
    assert changed == [True] * len(SUB_STATUSES)
    rows = audit_trail(uow_factory, invoice_id)[2:]  # after creation and link
    assert sorted(r.payload["raw_status"] for r in rows) == sorted(SUB_STATUSES)
    _assert_trail_is_unbroken(rows)
    with uow_factory() as uow:
        invoice = uow.invoices.get(invoice_id)
    assert invoice is not None and invoice.status is InvoiceStatus.PENDING
    assert invoice.version == 1 + len(SUB_STATUSES)


def test_a_payment_reaching_several_workers_at_once_is_recorded_and_sent_once(uow_factory):
    invoice_id = stored_invoice(uow_factory)
    changed = _run_concurrently(uow_factory, [paid(invoice_id)] * 5)
    assert changed.count(True) == 1
    rows = audit_trail(uow_factory, invoice_id)
    assert [r.name for r in rows].count("InvoicePaid") == 1
    assert [r.name for r in rows if r.notify] == ["InvoiceLinkIssued", "InvoicePaid"]


def test_concurrent_workers_applying_mixed_facts_lose_no_transition(uow_factory):
    invoice_id = stored_invoice(uow_factory)
    facts = [sub_status(invoice_id, s) for s in SUB_STATUSES] + [paid(invoice_id)] * 2
    changed = _run_concurrently(uow_factory, facts)
    rows = audit_trail(uow_factory, invoice_id)[2:]
    assert len(rows) == changed.count(True)  # every committed transition is in the trail
    assert [r.name for r in rows].count("InvoicePaid") == 1
    assert rows[-1].name == "InvoicePaid"
    _assert_trail_is_unbroken(rows)
    with uow_factory() as uow:
        invoice = uow.invoices.get(invoice_id)
    assert invoice is not None and invoice.status is InvoiceStatus.PAID
    assert invoice.version == 1 + changed.count(True)


# -- the notification outbox ---------------------------------------------------------------------

def _notifying_event(uow_factory: UowFactory) -> int:
    with uow_factory() as uow:
        invoice = an_invoice(add_seller(uow))
        uow.invoices.add(invoice)
        invoice.issue_link("https://pay.example/x")
        uow.invoices.save(invoice)
        uow.commit()
        [event_id] = uow.notify_ids
    return event_id


def test_only_one_sender_may_claim_a_message(uow_factory):
    event_id = _notifying_event(uow_factory)
    now = datetime.now(UTC)
    with uow_factory() as uow:
        assert uow.events.claim(event_id, now, stale_before=now - timedelta(minutes=5)) is True
        uow.commit()
    with uow_factory() as uow:
        assert uow.events.claim(event_id, now, stale_before=now - timedelta(minutes=5)) is False
        assert uow.events.claim(event_id, now, stale_before=now - timedelta(minutes=5)) is False


def test_a_released_claim_can_be_taken_again_and_a_sent_message_never(uow_factory):
    event_id = _notifying_event(uow_factory)
    now = datetime.now(UTC)
    stale = now - timedelta(minutes=5)
    with uow_factory() as uow:
        assert uow.events.claim(event_id, now, stale)
        uow.events.release(event_id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.events.claim(event_id, now, stale)
        uow.events.mark_notified(event_id, now, "reply-9")
        uow.commit()
    with uow_factory() as uow:
        much_later = now + timedelta(hours=1)
        assert uow.events.claim(event_id, much_later, stale_before=much_later) is False
        row = uow.events.get(event_id)
        assert row is not None and row.reply_message_id == "reply-9"
        assert row.notified_at is not None


def test_a_claim_by_a_sender_that_died_goes_stale(uow_factory):
    event_id = _notifying_event(uow_factory)
    claimed = datetime.now(UTC)
    with uow_factory() as uow:
        assert uow.events.claim(event_id, claimed, claimed - timedelta(minutes=5))
        uow.commit()
    later = claimed + timedelta(minutes=10)
    with uow_factory() as uow:
        assert uow.events.claim(event_id, later, stale_before=later - timedelta(minutes=5))


def test_an_event_that_tells_the_seller_nothing_cannot_be_claimed(uow_factory):
    invoice_id = stored_invoice(uow_factory)
    with uow_factory() as uow:
        created = uow.events.for_invoice(invoice_id)[0]
        assert created.name == "InvoiceCreated"
        now = datetime.now(UTC)
        assert uow.events.claim(created.id, now, now) is False


def test_unnotified_lists_messages_never_sent_or_whose_sender_went_quiet(uow_factory):
    before_any = datetime.now(UTC) - timedelta(seconds=1)
    sent, claimed, abandoned, lost = (_notifying_event(uow_factory) for _ in range(4))
    now = datetime.now(UTC)
    scan = now + timedelta(minutes=1)
    with uow_factory() as uow:
        assert uow.events.claim(sent, now, now)
        uow.events.mark_notified(sent, now, None)
        assert uow.events.claim(claimed, scan + timedelta(hours=1), now)  # still being sent
        assert uow.events.claim(abandoned, now - timedelta(hours=1), now)  # sender died
        uow.commit()
    with uow_factory() as uow:
        assert uow.events.unnotified(before=before_any) == []  # all created after that
        assert uow.events.unnotified(before=scan) == [abandoned, lost]
        assert uow.events.unnotified(before=scan, limit=1) == [abandoned]


# -- scheduling queries --------------------------------------------------------------------------

def test_due_for_poll_lists_pending_invoices_whose_poll_is_due_earliest_first(uow_factory):
    now = T0 + timedelta(hours=1)
    with uow_factory() as uow:
        seller_id = add_seller(uow)

        def add(status: InvoiceStatus, poll: datetime | None) -> str:
            invoice = an_invoice(seller_id, status=status)
            uow.invoices.add(invoice, next_poll_at=poll)
            return invoice.id

        late = add(InvoiceStatus.PENDING, now - timedelta(minutes=1))
        earliest = add(InvoiceStatus.PENDING, now - timedelta(minutes=30))
        exactly_now = add(InvoiceStatus.PENDING, now)
        add(InvoiceStatus.PENDING, now + timedelta(seconds=1))
        add(InvoiceStatus.PENDING, None)
        add(InvoiceStatus.PAID, now - timedelta(hours=1))
        add(InvoiceStatus.CREATED, now - timedelta(hours=1))
        # a cancelled invoice whose buyer was in 3-D Secure is still watched
        in_flight = add(InvoiceStatus.CANCELLED, now - timedelta(minutes=10))
        uow.commit()
    with uow_factory() as uow:
        never = now - timedelta(days=1)
        assert uow.invoices.due_for_poll(now, never) == [earliest, in_flight, late, exactly_now]
        assert uow.invoices.due_for_poll(now, never, limit=1) == [earliest]


def test_an_overdue_poll_once_requeued_is_not_requeued_again_for_a_while(uow_factory):
    """A queue slowed by a hanging provider is not flooded with copies of the same poll."""
    now = T0 + timedelta(hours=1)
    with uow_factory() as uow:
        invoice = an_invoice(add_seller(uow), status=InvoiceStatus.PENDING)
        uow.invoices.add(invoice, next_poll_at=now - timedelta(minutes=5))
        uow.commit()
    with uow_factory() as uow:
        assert uow.invoices.due_for_poll(now, now - timedelta(minutes=10)) == [invoice.id]
        uow.invoices.mark_requeued([invoice.id], now)
        uow.commit()
    with uow_factory() as uow:
        later = now + timedelta(minutes=5)
        assert uow.invoices.due_for_poll(later, later - timedelta(minutes=10)) == []
        later = now + timedelta(minutes=11)
        assert uow.invoices.due_for_poll(later, later - timedelta(minutes=10)) == [invoice.id]


def test_due_for_expiry_lists_open_invoices_past_their_time(uow_factory):
    now = T0 + TTL
    with uow_factory() as uow:
        seller_id = add_seller(uow)
        ids = {}
        for name, status, created in [
            ("pending_past", InvoiceStatus.PENDING, T0 - timedelta(hours=1)),
            ("created_past", InvoiceStatus.CREATED, T0 - timedelta(minutes=1)),
            ("pending_exactly", InvoiceStatus.PENDING, T0),
            ("pending_future", InvoiceStatus.PENDING, T0 + timedelta(seconds=1)),
            ("paid_past", InvoiceStatus.PAID, T0 - timedelta(hours=2)),
            ("failed_past", InvoiceStatus.FAILED, T0 - timedelta(hours=2)),
        ]:
            invoice = an_invoice(seller_id, status=status, created_at=created)
            uow.invoices.add(invoice)
            ids[name] = invoice.id
        uow.commit()
    with uow_factory() as uow:
        due = uow.invoices.due_for_expiry(now, now - timedelta(minutes=10))
    assert sorted(due) == sorted([ids["pending_past"], ids["created_past"],
                                  ids["pending_exactly"]])
    with uow_factory() as uow:  # re-queued once: not again for 10 minutes, whatever the provider
        uow.invoices.mark_requeued([ids["pending_past"]], now)
        uow.commit()
    with uow_factory() as uow:
        later = now + timedelta(minutes=5)
        assert ids["pending_past"] not in uow.invoices.due_for_expiry(
            later, later - timedelta(minutes=10))
        later = now + timedelta(minutes=11)
        assert ids["pending_past"] in uow.invoices.due_for_expiry(
            later, later - timedelta(minutes=10))


def test_a_seller_sees_only_their_own_open_invoices_newest_first(uow_factory):
    with uow_factory() as uow:
        mine, theirs = add_seller(uow, "1"), add_seller(uow, "2")
        expected = []
        for minutes, status in [(0, InvoiceStatus.PENDING), (5, InvoiceStatus.PAID),
                                (10, InvoiceStatus.CREATED), (15, InvoiceStatus.EXPIRED),
                                (20, InvoiceStatus.PENDING)]:
            invoice = an_invoice(mine, status=status, created_at=T0 + timedelta(minutes=minutes))
            uow.invoices.add(invoice)
            if status in (InvoiceStatus.PENDING, InvoiceStatus.CREATED):
                expected.insert(0, invoice.id)
        uow.invoices.add(an_invoice(theirs, status=InvoiceStatus.PENDING))
        uow.commit()
    with uow_factory() as uow:
        assert [i.id for i in uow.invoices.open_for_seller(mine)] == expected
        assert [i.id for i in uow.invoices.open_for_seller(mine, limit=2)] == expected[:2]
        assert uow.invoices.open_for_seller(9999) == []


# -- migrations ----------------------------------------------------------------------------------

def test_migrating_an_up_to_date_database_changes_nothing(database_url, uow_factory):
    invoice_id = stored_invoice(uow_factory)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            before_tables = sorted(inspect(conn).get_table_names())
            before_version = conn.execute(text("SELECT version_num FROM alembic_version")).all()
        upgrade(database_url)
        upgrade(database_url)
        with engine.connect() as conn:
            assert sorted(inspect(conn).get_table_names()) == before_tables
            assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == (
                before_version)
    finally:
        engine.dispose()
    assert {"sellers", "invoices", "invoice_events"} <= set(before_tables)
    assert len(before_version) == 1
    with uow_factory() as uow:
        assert uow.invoices.get(invoice_id) is not None


# -- settings ------------------------------------------------------------------------------------

@pytest.fixture
def environment(monkeypatch, tmp_path):
    """Settings read from a clean environment, not from a developer's .env."""
    monkeypatch.chdir(tmp_path)
    for name in ("INVOICE_TTL", "PUBLIC_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(("value", "ttl"), [
    ("24h", timedelta(hours=24)), ("3600", timedelta(seconds=3600)), ("PT2H", timedelta(hours=2)),
    ("15m", timedelta(minutes=15)), ("2d", timedelta(days=2)),
])
def test_the_invoice_lifetime_may_be_written_several_ways(environment, value, ttl):
    environment.setenv("INVOICE_TTL", value)
    assert load_settings().invoice_ttl == ttl


@pytest.mark.parametrize("value", ["abc", "0", "-5", "PT0S", "24 hours"])
def test_a_bad_invoice_lifetime_stops_start_up_with_one_line_naming_it(environment, value):
    environment.setenv("INVOICE_TTL", value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "INVOICE_TTL" in message
    assert "\n" not in message


def test_a_public_url_without_a_scheme_is_refused(environment):
    environment.setenv("PUBLIC_BASE_URL", "pay.example.com")
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL"):
        load_settings()


def test_a_public_url_loses_its_trailing_slash(environment):
    environment.setenv("PUBLIC_BASE_URL", "https://pay.example.com/")
    assert load_settings().public_base_url == "https://pay.example.com"


def test_two_refunds_finished_in_one_commit_are_each_in_the_audit_trail_with_their_state(uow_factory):
    invoice_id = stored_invoice(uow_factory)
    order = f"cp-{invoice_id}"
    with uow_factory() as uow:
        invoice = uow.invoices.get(invoice_id, for_update=True)
        assert invoice is not None
        invoice.apply(paid(invoice_id), datetime.now(UTC))
        uow.invoices.save(invoice)
        uow.commit()
    with uow_factory() as uow:  # one refund at a time: each finished by LiqPay's running total
        invoice = uow.invoices.get(invoice_id, for_update=True)
        assert invoice is not None
        invoice.request_refund("r-1", Money(Decimal("200.50"), "UAH"), datetime.now(UTC))
        assert invoice.apply(ProviderStatus(order, "paid", "success", AMOUNT, refund_total=Money(
            Decimal("200.50"), "UAH")), datetime.now(UTC))
        invoice.request_refund("r-2", Money(Decimal("1000.00"), "UAH"), datetime.now(UTC))
        assert invoice.apply(ProviderStatus(order, "reversed", "reversed", AMOUNT,
                                            refund_total=AMOUNT), datetime.now(UTC))
        uow.invoices.save(invoice)
        uow.commit()
    rows = [r for r in audit_trail(uow_factory, invoice_id) if r.name == "InvoiceRefunded"]
    assert [(r.status_from, r.status_to) for r in rows] == [
        ("paid", "partially_refunded"), ("partially_refunded", "refunded")]
