"""Two worker processes on one Redis and one database share the load with no double work."""
from __future__ import annotations

import psutil

from domain.invoice import InvoiceStatus
from tests.faults.conftest import Rig, desc, wait_until

N = 40


def test_two_worker_processes_share_invoices_without_double_work(rig: Rig) -> None:
    assert rig.deps is not None
    # both are up and fetching before the burst (start_worker returns once each says so)
    first, second = rig.start_worker(threads=2), rig.start_worker(threads=2)
    rig.send_delay = 0.1  # a Bot API at real-world speed: no process can drain the burst alone
    rig.publish_creates(N)
    for n in range(N):  # the same tap delivered twice: still one invoice
        if n % 4 == 0:
            rig.deps.bus.publish(rig.create_command(n))

    owner: dict[int, int] = {}  #: local TCP port -> worker pid, sampled while they work

    def sample() -> None:
        for proc in (first, second):
            for conn in psutil.Process(proc.pid).net_connections(kind="tcp"):
                if conn.laddr:
                    owner[conn.laddr.port] = proc.pid

    def qr_count(n: int) -> int:
        sample()
        return len([m for m in rig.messages_about(n) if "photo" in m])
    wait_until(lambda: all(qr_count(n) >= 1 for n in range(N)), 60, "a QR for every invoice")
    rig.drain(timeout=60)
    invoices = rig.invoices()
    assert len(invoices) == N
    assert all(i.status is InvoiceStatus.PENDING for i in invoices)
    for n in range(N):
        assert qr_count(n) == 1, desc(n)
    for invoice in invoices:
        names = [e.name for e in rig.events(invoice.id)]
        assert names == ["InvoiceCreated", "InvoiceLinkIssued"], names
    assert first.poll() is None and second.poll() is None
    sample()
    senders = {owner.get(port) for port in rig.send_ports}
    assert {first.pid, second.pid} <= senders, "one worker process did all the work"
