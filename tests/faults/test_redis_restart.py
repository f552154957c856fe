"""Redis restarted empty (no persistence) with work queued: the reconciler finds it all in the
database and re-queues it; nothing stays stuck, each message goes out once."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from domain.invoice import Invoice, InvoiceStatus
from domain.money import Money
from storage.redis import ensure_embedded_redis, stop_embedded_redis
from storage.repository import new_code, new_id
from tests.faults.conftest import CHAT, Rig, desc, make_polls_due, wait_until
from workers import handlers


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "private-redis"
    ensure_embedded_redis(directory)
    yield directory
    stop_embedded_redis(directory)


def test_reconciler_requeues_everything_lost_with_redis(
        rig_factory: Callable[..., Rig], private_redis: Path) -> None:
    rig = rig_factory(redis_url_=ensure_embedded_redis(private_redis))
    assert rig.deps is not None and rig.sandbox is not None
    rig.sandbox.callbacks = False
    pending = [rig.pending_invoice(n) for n in range(6)]  # polls and expiries queued in Redis
    for invoice in pending[:3]:
        rig.sandbox.pay(invoice.pay_url)  # paid; only a poll can find out
    expiring = pending[3:5]  # their expiry is due; pending[5] stays pending
    unsent = rig.pending_invoice(6)  # a fact stored, its message never sent
    assert handlers.apply_fact(rig.deps.provider.parse_callback(
        rig.signed(rig.status_body(unsent, "success"))), rig.deps.uow)
    stuck = Invoice.create(  # stored, but its issue_link message was lost
        id=new_id(), code=new_code(), seller_id=rig.seller_id,
        amount=Money.parse_provider("55.50", "UAH"), description=desc(7), provider="liqpay",
        idempotency_key="telegram:stuck:7", created_at=datetime.now(UTC),
        expires_at=datetime.now(UTC) + timedelta(hours=24), channel="telegram", chat_id=str(CHAT))
    with rig.uow() as uow:
        uow.invoices.add(stuck)
        uow.commit()
    # delayed work was queued: polls and expiries on the background queue
    assert rig.deps.redis.exists("dramatiq:chatpay-background.DQ.msgs")

    stop_embedded_redis(private_redis)
    (private_redis / "dump.rdb").unlink(missing_ok=True)
    ensure_embedded_redis(private_redis)
    assert rig.deps.redis.dbsize() == 0  # Redis lost everything

    past = datetime.now(UTC) - timedelta(seconds=1)
    with rig.uow() as uow:
        for invoice in expiring:
            uow.session.execute(text("UPDATE invoices SET expires_at = :t WHERE id = :i"),
                                {"t": past, "i": invoice.id})
        uow.session.commit()
    make_polls_due(rig)
    rig.start_worker()
    counts = rig.reconcile_later()
    assert counts["polls"] >= 4 and counts["expiries"] == 2 and counts["created"] == 1
    assert counts["notifications"] == 1, counts

    def status(invoice: Invoice) -> InvoiceStatus:
        return rig.invoice(invoice.id).status
    wait_until(lambda: all(status(i) is InvoiceStatus.PAID for i in pending[:3] + [unsent])
               and all(status(i) is InvoiceStatus.EXPIRED for i in expiring)
               and status(stuck) is InvoiceStatus.PENDING, 30, "the re-queued work")
    try:
        wait_until(lambda: all(len(rig.messages_about(n)) == 2 for n in (0, 1, 2, 3, 4, 6))
                   and len(rig.messages_about(7)) == 1, 30, "the messages")
    except AssertionError:
        raise AssertionError([(n, [(m.get("text") or m.get("caption") or "")[:60]
                                   for m in rig.messages_about(n)]) for n in range(8)]) from None
    assert status(pending[5]) is InvoiceStatus.PENDING
    rig.reconcile_later()  # a second scan finds nothing more to send
    rig.drain()
    for n in (0, 1, 2, 3, 4, 6):
        assert len(rig.messages_about(n)) == 2, n
    assert len(rig.messages_about(5)) == 1  # still pending, its QR only
    assert len([m for m in rig.messages_about(7) if "photo" in m]) == 1
