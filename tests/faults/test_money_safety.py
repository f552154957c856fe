"""Money safety against a real LiqPay sandbox, web edge and Telegram emulator: a payment in flight
at expiry, a lost callback, a success for another amount, a buyer who pays twice, a provider that
refuses or does not answer status calls, a messenger that keeps failing, and stale news.

Handlers run as the worker runs them (`workers.handlers` on the rig's real dependencies), so each
step's outcome can be read before the next.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text

from domain.invoice import InvoiceStatus
from sandbox.liqpay import CARD_3DS
from tests.faults.conftest import Rig, desc
from workers import handlers, notify, polls
from workers.providers.liqpay import LiqPayClient
from workers.scheduler import reconcile

NBSP = "\u00a0"


def texts(rig: Rig, n: int) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in rig.messages_about(n)]


def expire_now(rig: Rig, invoice_id: str) -> None:
    """The invoice's time has come (without waiting a day for it)."""
    with rig.uow() as uow:
        uow.session.execute(text("UPDATE invoices SET expires_at = :t WHERE id = :i"),
                            {"t": datetime.now(UTC) - timedelta(seconds=1), "i": invoice_id})
        uow.session.commit()


def poll_now(rig: Rig, invoice_id: str) -> None:
    with rig.uow() as uow:
        uow.session.execute(text("UPDATE invoices SET next_poll_at = :t WHERE id = :i"),
                            {"t": datetime.now(UTC) - timedelta(seconds=5), "i": invoice_id})
        uow.session.commit()
    assert rig.deps is not None
    polls.poll_invoice(invoice_id, rig.deps)


def next_poll(rig: Rig, invoice_id: str) -> tuple[datetime | None, int]:
    with rig.uow() as uow:
        _, due, errors = uow.invoices.poll_state(invoice_id)
    return due, errors


# -- 1. a payment in flight at expiry --------------------------------------------------------------

def test_a_buyer_in_3ds_at_expiry_keeps_the_invoice_open_and_a_lost_success_is_found(rig: Rig):
    assert rig.deps is not None and rig.sandbox is not None
    invoice = rig.pending_invoice(1)
    rig.sandbox.callbacks = False  # every callback is lost: only asking can find the payment
    assert rig.sandbox.pay(invoice.pay_url, CARD_3DS) == "3ds_verify"

    expire_now(rig, invoice.id)
    polls.expire_invoice(invoice.id, rig.deps)
    current = rig.invoice(invoice.id)
    assert current.status is InvoiceStatus.PENDING and current.settling
    assert next_poll(rig, invoice.id)[0] is not None  # still polled, past its expiry
    assert any("оплата ще обробляється банком" in m for m in texts(rig, 1))
    assert not any("прострочено" in m for m in texts(rig, 1))

    polls.expire_invoice(invoice.id, rig.deps)  # the reconciler's scan comes again
    assert reconcile(rig.deps)["expiries"] == 0  # a settling invoice is left to its polls
    assert sum("обробляється банком" in m for m in texts(rig, 1)) == 1  # told once

    rig.sandbox.confirm_3ds(invoice.order_id)  # the bank finishes; the callback is lost
    poll_now(rig, invoice.id)
    current = rig.invoice(invoice.id)
    assert current.status is InvoiceStatus.PAID and current.paid_amount == invoice.amount
    assert texts(rig, 1)[-1] == f"✅ Оплачено 100,00{NBSP}₴ — {desc(1)}"
    assert next_poll(rig, invoice.id)[0] is None  # nothing left to ask


def test_an_expired_invoice_the_seller_checks_finds_a_success_whose_callback_was_lost(rig: Rig):
    assert rig.deps is not None and rig.sandbox is not None
    invoice = rig.pending_invoice(2)
    expire_now(rig, invoice.id)
    polls.expire_invoice(invoice.id, rig.deps)  # nobody had started paying: it expires
    assert rig.invoice(invoice.id).status is InvoiceStatus.EXPIRED

    rig.sandbox.callbacks = False
    rig.sandbox.pay(invoice.pay_url)  # on a page opened before the expiry; its callback is lost
    handlers.check_status(handlers.commands.CheckStatus(invoice.code, rig.seller_id), rig.deps)

    current = rig.invoice(invoice.id)
    assert current.status is InvoiceStatus.PAID and current.paid_late
    assert "Оплата надійшла пізніше" in texts(rig, 2)[-1]


def test_a_cancelled_invoice_whose_buyer_was_in_3ds_is_polled_until_the_payment_is_found(rig: Rig):
    assert rig.deps is not None and rig.sandbox is not None
    invoice = rig.pending_invoice(3)
    rig.sandbox.callbacks = False
    rig.sandbox.pay(invoice.pay_url, CARD_3DS)
    rig.callback(invoice, "3ds_verify")  # this one arrived: the payment is in flight
    handlers.cancel_invoice(handlers.commands.CancelInvoice(invoice.code, rig.seller_id),
                            rig.deps)
    assert rig.invoice(invoice.id).status is InvoiceStatus.CANCELLED

    rig.sandbox.confirm_3ds(invoice.order_id)  # ... and it succeeds, its callback lost
    later = datetime.now(UTC) + timedelta(minutes=2)
    with rig.uow() as uow:
        assert invoice.id in uow.invoices.due_for_poll(later, later - timedelta(minutes=10))
    poll_now(rig, invoice.id)
    current = rig.invoice(invoice.id)
    assert current.status is InvoiceStatus.PAID and current.paid_late


# -- 2. a success compared with the invoice ------------------------------------------------------

def test_a_success_for_another_amount_tells_the_seller_both_amounts(rig: Rig):
    invoice = rig.pending_invoice(4, amount="1000.00")
    answer = rig.callback(invoice, "success", amount="1.00", currency="USD")
    assert answer.text == "ok"
    current = rig.invoice(invoice.id)
    assert current.status is InvoiceStatus.PAID and current.amount_mismatch
    assert current.paid_amount is not None and str(current.paid_amount) == "1.00 USD"
    assert rig.deps is not None
    handlers.deliver([e.id for e in rig.events(invoice.id) if e.notify and not e.notified_at],
                     rig.deps)
    message = texts(rig, 4)[-1]
    assert not message.startswith("✅")
    assert f"очікувалось 1{NBSP}000,00{NBSP}₴, надійшло 1,00{NBSP}$" in message


def test_a_buyer_who_pays_twice_is_recorded_and_the_seller_told_once(rig: Rig):
    assert rig.deps is not None
    invoice = rig.pending_invoice(5)
    rig.callback(invoice, "success", payment_id=111)
    for _ in range(2):  # LiqPay repeats its callbacks
        rig.callback(invoice, "success", payment_id=222)
    rig.callback(invoice, "success", payment_id=111)
    handlers.deliver([e.id for e in rig.events(invoice.id) if e.notify and not e.notified_at],
                     rig.deps)
    current = rig.invoice(invoice.id)
    assert current.provider_payment_id == "111" and current.extra_payment_ids == ("222",)
    assert [e.name for e in rig.events(invoice.id)].count("ExtraPaymentReceived") == 1
    assert sum("оплатив цей рахунок ще раз" in m and "222" in m for m in texts(rig, 5)) == 1


# -- 4. a provider that does not answer, or refuses ------------------------------------------------

def test_a_poll_the_provider_does_not_answer_backs_off_for_that_invoice(rig_factory):
    rig: Rig = rig_factory()
    assert rig.deps is not None and rig.sandbox is not None
    invoice = rig.pending_invoice(6)
    rig.deps.provider = LiqPayClient(rig.settings.liqpay_public_key,
                                     rig.settings.liqpay_private_key, rig.settings.liqpay_base,
                                     timeout=0.5)
    rig.sandbox.status_hang = 30  # every status call times out
    waits = []
    for _ in range(3):
        before = datetime.now(UTC)
        poll_now(rig, invoice.id)  # returns: no exception, no Dramatiq retry storm
        due, errors = next_poll(rig, invoice.id)
        assert due is not None
        waits.append(round((due - before).total_seconds()))
    assert [errors, *waits] == [3, 30, 60, 120] or [errors, *waits] == [3, 31, 61, 121]
    assert rig.invoice(invoice.id).status is InvoiceStatus.PENDING

    rig.sandbox.status_hang = 0
    rig.sandbox.callbacks = False
    rig.sandbox.pay(invoice.pay_url)
    poll_now(rig, invoice.id)
    assert rig.invoice(invoice.id).status is InvoiceStatus.PAID
    assert next_poll(rig, invoice.id) == (None, 0)


def test_a_provider_refusing_the_keys_of_status_calls_marks_the_account_and_keeps_watching(
        rig: Rig):
    assert rig.deps is not None
    invoice = rig.pending_invoice(7)
    # the keys were revoked: LiqPay refuses the signature of every call
    revoked = LiqPayClient(rig.settings.liqpay_public_key, "sandbox_revoked",
                           rig.settings.liqpay_base)
    signing, rig.deps.provider = rig.deps.provider, revoked
    poll_now(rig, invoice.id)
    due, errors = next_poll(rig, invoice.id)
    assert due is not None and errors == 1  # backing off, in case LiqPay takes the keys again
    polls.poll_invoice(invoice.id, rig.deps)  # a copy of the poll message: not due, no call
    with rig.uow() as uow:  # the account is refused (the seller's own would be told, once)
        assert uow.account_checks.is_refused(None, rig.settings.liqpay_public_key)
    assert not any("LiqPay відмовляється" in m or "invalid_signature" in m for m in texts(rig, 7))
    assert rig.invoice(invoice.id).status is InvoiceStatus.PENDING  # a callback may still come
    rig.deps.provider = signing
    assert rig.callback(invoice, "success").text == "ok"
    assert rig.invoice(invoice.id).status is InvoiceStatus.PAID


# -- 5. notifications that always fail, and stale news -------------------------------------------

def test_a_message_telegram_keeps_refusing_is_failed_after_ten_attempts(rig: Rig):
    assert rig.deps is not None
    invoice = rig.pending_invoice(8)
    rig.sends_down = True
    rig.callback(invoice, "success")
    [paid] = [e for e in rig.events(invoice.id) if e.name == "InvoicePaid"]
    for _ in range(notify.MAX_NOTIFY_ATTEMPTS + 3):
        try:
            notify.notify_seller(paid.id, rig.deps)
        except notify.MessengerUnavailable:
            pass
    with rig.uow() as uow:
        row = uow.events.get(paid.id)
        assert row is not None
        assert row.notify_attempts == notify.MAX_NOTIFY_ATTEMPTS
        assert row.notify_failed_at is not None and "10 attempts" in (row.notify_error or "")
        assert uow.events.failed_count() == 1
    assert reconcile(rig.deps, datetime.now(UTC) + timedelta(minutes=5))["notifications"] == 0
    scrape = httpx.get(f"{rig.base_url}/metrics", timeout=10).text
    assert "chatpay_notifications_failed 1.0" in scrape
    rig.sends_down = False
    notify.notify_seller(paid.id, rig.deps)
    assert not any("Оплачено" in m for m in texts(rig, 8))  # given up on, not sent late


def test_an_expired_message_never_arrives_after_the_paid_late_one(rig: Rig):
    assert rig.deps is not None
    invoice = rig.pending_invoice(9)
    rig.sends_down = True  # Telegram is down while the invoice expires...
    expire_now(rig, invoice.id)
    polls.expire_invoice(invoice.id, rig.deps)
    assert rig.invoice(invoice.id).status is InvoiceStatus.EXPIRED
    rig.callback(invoice, "success")  # ... and while the buyer's late payment arrives
    rig.sends_down = False

    for event in rig.events(invoice.id):  # the outbox is sent in order once Telegram is back
        if event.notify and event.notified_at is None:
            notify.notify_seller(event.id, rig.deps)
    said = texts(rig, 9)[1:]  # after the QR message
    assert said == [f"✅ Оплачено 100,00{NBSP}₴ — {desc(9)}\nОплата надійшла пізніше, ніж рахунок "
                    "було закрито — гроші зараховано."]
