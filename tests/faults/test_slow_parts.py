"""A slow or dead part never costs a seller their message: a hanging status API fills only the
background queue's threads, and a database away for a few seconds delays an invoice (with a
"still working on it") instead of refusing it."""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from domain.commands import PollInvoice
from storage.db import normalize_url
from tests.faults.conftest import Rig, desc, is_sqlite, make_polls_due, wait_until
from workers import actors


def test_a_hanging_status_api_never_delays_a_paid_message(rig: Rig) -> None:
    assert rig.deps is not None and rig.sandbox is not None
    rig.start_inprocess_worker(threads=2)  # and 2 background threads
    stuck = [rig.pending_invoice(n) for n in range(1, 7)]
    paid = rig.pending_invoice(7)
    rig.sandbox.status_hang = 60  # every status call hangs until the client's 10 s time-out
    make_polls_due(rig)
    for invoice in stuck:
        rig.deps.bus.publish(PollInvoice(invoice.id))
    wait_until(lambda: rig.sandbox.status_holds >= 2, 10, "the polls to hang")  # type: ignore[union-attr]

    assert rig.callback(paid, "success").text == "ok"
    # the hanging polls hold their threads until the client's 10 s time-out: a paid message
    # queued behind them could not arrive before then
    wait_until(lambda: len(rig.messages_about(7)) == 2, 8,
               "the paid message (it waited behind the hanging polls)")
    rig.sandbox.status_hang = 0


@contextmanager
def database_locked(database_url: str) -> Iterator[None]:
    """Another client holds the invoices table: every write (SQLite) or every access
    (PostgreSQL) to it waits."""
    if is_sqlite(database_url):
        conn = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    engine = create_engine(normalize_url(database_url))
    with engine.connect() as conn:
        conn.execute(text("LOCK TABLE invoices IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            conn.rollback()
    engine.dispose()


def test_an_invoice_made_while_the_database_is_held_says_still_working_then_arrives(
        rig: Rig) -> None:
    assert rig.deps is not None
    rig.start_inprocess_worker()
    command = rig.create_command(11)
    with database_locked(rig.database_url):
        rig.deps.bus.publish(command)
        wait_until(lambda: any("Ще працюю" in (m.get("text") or "") for m in rig.messages()),
                   10, "the still-working message")
        time.sleep(1.5)  # held a little longer: told once, whatever the wait
    wait_until(lambda: rig.messages_about(11), 20, "the invoice")
    rig.drain()
    said = [m.get("text") or m.get("caption") or "" for m in rig.messages()]
    assert sum("Ще працюю" in m for m in said) == 1
    assert said[-1].startswith("Рахунок на 100,00") and desc(11) in said[-1]
    assert len(rig.invoices()) == 1


def test_a_quick_invoice_says_nothing_about_still_working(rig: Rig) -> None:
    assert rig.deps is not None
    rig.start_inprocess_worker()
    rig.deps.bus.publish(rig.create_command(12))
    wait_until(lambda: rig.messages_about(12), 10, "the invoice")
    time.sleep(actors.STILL_WORKING_AFTER + 0.5)
    assert not any("Ще працюю" in (m.get("text") or "") for m in rig.messages())


@pytest.mark.parametrize("outage", [
    OperationalError("SELECT 1", {}, Exception("connection refused")),
    InterfaceError("SELECT 1", {}, Exception("connection already closed")),
    DisconnectionError("the server closed the connection"),
    PoolTimeout("QueuePool limit of size 10 overflow 20 reached"),
])
def test_every_kind_of_database_outage_is_retried_by_every_actor(outage: Exception) -> None:
    assert actors.retry_when(0, outage)
    assert not actors.retry_when(actors.MAX_RETRIES, outage)


def test_a_bug_is_not_retried() -> None:
    assert not actors.retry_when(0, KeyError("invoice_id"))
