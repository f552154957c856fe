"""Invoices made before attempts keep working after the upgrade: their one order id (`cp-{id}`)
is their attempt 1, so a callback for it still finds the invoice and pays it.

Each test migrates its own database to 0009 (the schema before attempts), stores invoices the
way that code stored them, upgrades to the head and then goes on through the real web edge, the
LiqPay adapter and the Telegram emulator (the fault suite's rig).
"""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from domain.attempts import AttemptState
from domain.invoice import InvoiceStatus
from storage.db import normalize_url
from storage.migrate import upgrade
from tests.faults.conftest import Rig
from workers import handlers

NBSP = "\u00a0"
OLD_CHAT = 380_778


@pytest.fixture
def old_database(postgres_server_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database migrated only to 0009_fiscal, before attempts."""
    if not postgres_server_url:
        url = f"sqlite:///{tmp_path / 'old.db'}"
        upgrade(url, "0009_fiscal")
        yield url
        return
    name = f"chatpay_mig_{secrets.token_hex(4)}"
    admin = create_engine(normalize_url(postgres_server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = normalize_url(postgres_server_url).rsplit("/", 1)[0] + f"/{name}"
    upgrade(url, "0009_fiscal")
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def store_the_old_way(url: str, status: str, **columns: object) -> tuple[str, str]:
    """An invoice row as the code before attempts wrote it; returns (id, code)."""
    invoice_id, code = secrets.token_hex(16), secrets.token_hex(5)
    now = datetime.now(UTC)
    engine = create_engine(normalize_url(url))
    with engine.begin() as conn:
        seller = conn.execute(text(
            "SELECT id FROM sellers WHERE external_id = :e"), {"e": str(OLD_CHAT)}).scalar()
        if seller is None:
            conn.execute(text(
                "INSERT INTO sellers (channel, external_id, name, phone, country, currency,"
                " language, subscribed, created_at, ask_buyer_name, ask_buyer_phone) VALUES"
                " ('telegram', :e, 'Old Shop', '+380501234568', 'UA', 'UAH', 'uk', TRUE, :t,"
                " FALSE, FALSE)"), {"e": str(OLD_CHAT), "t": now})
            seller = conn.execute(text(
                "SELECT id FROM sellers WHERE external_id = :e"), {"e": str(OLD_CHAT)}).scalar()
        values: dict[str, object] = {
            "id": invoice_id, "code": code, "seller_id": seller, "amount_minor": 9900,
            "currency": "UAH", "description": "Old bouquet", "provider": "liqpay",
            "idempotency_key": f"old:{invoice_id}", "status": status,
            "pay_url": f"http://old.example/checkout/{invoice_id}", "provider_status": None,
            "failure_reason": None, "paid_late": False, "amount_mismatch": False,
            "in_flight": False, "settling": False, "extra_payment_ids": "",
            "channel": "telegram", "chat_id": str(OLD_CHAT),
            "created_at": now - timedelta(hours=1), "expires_at": now + timedelta(hours=23),
            "polls_done": 0, "poll_errors": 0, "version": 3, "ask_name": False,
            "ask_phone": False, "manual": False}
        values.update(columns)
        conn.execute(text(f"INSERT INTO invoices ({', '.join(values)}) VALUES "
                          f"({', '.join(':' + k for k in values)})"), values)
    engine.dispose()
    return invoice_id, code


def test_an_invoice_from_before_attempts_is_paid_through_its_old_order_id(
        old_database: str, redis_url: str, tmp_path: Path) -> None:
    pending_id, _ = store_the_old_way(old_database, "pending")
    failed_id, _ = store_the_old_way(old_database, "failed", provider_status="failure",
                                     failure_reason="Insufficient funds")
    upgrade(old_database)  # to the head: 0013_attempts makes each one order its attempt 1

    rig = Rig(old_database, redis_url, tmp_path).start()
    try:
        assert rig.telegram is not None
        rig.telegram.user_sends_text(OLD_CHAT, "/start")
        invoice = rig.invoice(pending_id)
        [attempt] = invoice.attempts
        assert (attempt.number, attempt.order_id) == (1, f"cp-{pending_id}")
        assert attempt.state is AttemptState.IN_FLIGHT
        assert attempt.pay_url == f"http://old.example/checkout/{pending_id}"
        with rig.uow() as uow:
            found = uow.invoices.by_order_id(f"cp-{pending_id}")
            assert found is not None and found.id == pending_id

        answer = rig.callback(invoice, "success", payment_id=2_400_700_001)
        assert (answer.status_code, answer.text) == (200, "ok")
        assert rig.deps is not None
        handlers.deliver([e.id for e in rig.events(pending_id) if e.notify], rig.deps)
        paid = rig.invoice(pending_id)
        assert paid.status is InvoiceStatus.PAID and paid.provider_payment_id == "2400700001"
        assert paid.latest_attempt.state is AttemptState.PAID
        assert paid.order_id == f"cp-{pending_id}"  # its refunds still go to that order
        said = [m.get("text") or "" for m in rig.telegram.sent(OLD_CHAT)]
        assert said[-1] == f"✅ Оплачено 99,00{NBSP}₴ — Old bouquet"

        # an invoice a decline ended before the upgrade: its attempt 1 is declined, and a
        # success found later is still never dropped (paid late)
        failed = rig.invoice(failed_id)
        assert failed.status is InvoiceStatus.FAILED
        assert failed.latest_attempt.state is AttemptState.DECLINED
        assert rig.callback(failed, "success", payment_id=2_400_700_002).text == "ok"
        late = rig.invoice(failed_id)
        assert late.status is InvoiceStatus.PAID and late.paid_late
    finally:
        rig.stop()
