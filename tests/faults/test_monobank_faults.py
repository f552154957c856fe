"""The fault suite's worker kill and Redis wipe, with monobank payments in flight: every paid
invoice is found (by its webhook or by polling monobank) and told exactly once."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from domain.invoice import Invoice, InvoiceStatus
from storage.redis import ensure_embedded_redis, stop_embedded_redis
from tests.faults.conftest import Rig, age_claims, make_polls_due, wait_until
from tests.faults.test_redis_restart import private_redis  # noqa: F401 (fixture)
from tests.faults.test_worker_killed import _settle

CARD_OK = "4242424242424242"
N = 8


def monobank_invoices(rig: Rig, count: int) -> list[Invoice]:
    rig.connect_monobank()
    invoices = [rig.pending_invoice(n) for n in range(count)]
    assert all(i.provider == "monobank" for i in invoices)
    return invoices


def pay(rig: Rig, invoice: Invoice) -> None:
    assert rig.monobank is not None
    assert rig.monobank.charge(rig.monobank_invoice(invoice), CARD_OK) == "success"


def test_a_worker_killed_with_monobank_payments_in_flight_tells_each_paid_once(rig: Rig) -> None:
    assert rig.monobank is not None
    invoices = monobank_invoices(rig, N)
    rig.start_worker()
    rig.drain(timeout=60)  # the QR messages
    sent_before = len(rig.send_ports)
    rig.send_delay = 0.25  # the kill lands while paid messages are in flight
    for invoice in invoices[: N // 2]:  # their webhooks reach the web edge, which stores them
        pay(rig, invoice)
    rig.monobank.webhooks = False
    for invoice in invoices[N // 2:]:  # their webhooks are lost: only polls find them
        pay(rig, invoice)
    make_polls_due(rig)
    rig.reconcile_later()
    wait_until(lambda: len(rig.send_ports) > sent_before, 30, "the first paid message")
    rig.kill(rig.procs[-1])
    doubt = age_claims(rig)
    rig.send_delay = 0.0
    rig.start_worker()

    def finished() -> bool:
        make_polls_due(rig)
        return all(rig.invoice(i.id).status is InvoiceStatus.PAID for i in invoices) and all(
            len(rig.messages_about(n)) >= 2 for n in range(N))
    _settle(rig, finished)
    rig.drain(timeout=60)
    for n, invoice in enumerate(invoices):
        names = [e.name for e in rig.events(invoice.id)]
        assert names.count("InvoicePaid") == 1, names
        told = len(rig.messages_about(n))
        assert told in ((2, 3) if invoice.id in doubt else (2,)), (n, told)


def test_redis_wiped_with_monobank_payments_in_flight_the_reconciler_finds_them(
        rig_factory: Callable[..., Rig], private_redis: Path) -> None:  # noqa: F811
    rig = rig_factory(redis_url_=ensure_embedded_redis(private_redis))
    assert rig.monobank is not None and rig.deps is not None
    rig.monobank.webhooks = False
    invoices = monobank_invoices(rig, 4)
    for invoice in invoices[:3]:
        pay(rig, invoice)  # paid at monobank; its webhook lost, its polls queued in Redis
    assert rig.deps.redis.exists("dramatiq:chatpay-background.DQ.msgs")

    stop_embedded_redis(private_redis)
    (private_redis / "dump.rdb").unlink(missing_ok=True)
    ensure_embedded_redis(private_redis)
    assert rig.deps.redis.dbsize() == 0  # Redis lost everything

    make_polls_due(rig)
    rig.start_worker()
    assert rig.reconcile_later()["polls"] >= 3
    wait_until(lambda: all(rig.invoice(i.id).status is InvoiceStatus.PAID for i in invoices[:3]),
               30, "the payments found by polling monobank")
    wait_until(lambda: all(len(rig.messages_about(n)) == 2 for n in range(3)), 30, "told paid")
    rig.reconcile_later()
    rig.drain()
    assert [len(rig.messages_about(n)) for n in range(4)] == [2, 2, 2, 1]
    assert rig.invoice(invoices[3].id).status is InvoiceStatus.PENDING
