"""Refunds against the real LiqPay sandbox, web edge and Telegram emulator: part then the rest,
more than is left, a refund the provider keeps pending, a refusal with the provider's reason,
and two refunds racing for the same money.

Handlers run as the worker runs them (`workers.refunds` on the rig's real dependencies), so each
step's outcome can be read before the next; the sandbox's signed callbacks arrive meanwhile.
"""
from __future__ import annotations

import threading
from decimal import Decimal

from domain.commands import RefundInvoice
from domain.invoice import Invoice, InvoiceStatus
from domain.money import Money
from domain.refunds import RefundState
from tests.faults.conftest import Rig, age_refund_leases, wait_until
from workers import refunds
from workers.providers.liqpay import LiqPayClient

NBSP = "\u00a0"


def paid_invoice(rig: Rig, n: int, amount: str = "100.00") -> Invoice:
    assert rig.sandbox is not None
    invoice = rig.pending_invoice(n, amount)
    rig.sandbox.pay(invoice.pay_url)  # type: ignore[arg-type]
    wait_until(lambda: rig.invoice(invoice.id).status is InvoiceStatus.PAID, what="paid")
    return rig.invoice(invoice.id)


def refund(rig: Rig, invoice: Invoice, refund_id: str, amount: str | None) -> None:
    assert rig.deps is not None
    refunds.refund_invoice(RefundInvoice(refund_id, invoice.code, rig.seller_id, amount), rig.deps)


def texts(rig: Rig) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in rig.messages()]


def settled_refunds(rig: Rig, invoice_id: str) -> Invoice:
    """The invoice once the sandbox's refund callbacks have arrived (and changed nothing)."""
    rig.callbacks_delivered()
    return rig.invoice(invoice_id)


def test_a_seller_refunds_part_then_the_rest_and_is_told_each_time(rig: Rig):
    invoice = paid_invoice(rig, 1)
    refund(rig, invoice, "r-1", "30.00")
    after = settled_refunds(rig, invoice.id)
    assert after.status is InvoiceStatus.PARTIALLY_REFUNDED
    assert after.refunded_amount == Money(Decimal("30.00"), "UAH")  # the callback added nothing
    assert f"Повернено 30,00{NBSP}₴" in texts(rig)[-1] and f"70,00{NBSP}₴" in texts(rig)[-1]

    refund(rig, invoice, "r-2", None)  # all that is left
    after = settled_refunds(rig, invoice.id)
    assert after.status is InvoiceStatus.REFUNDED
    assert after.refunded_amount == Money(Decimal("100.00"), "UAH")
    assert f"Повернено 70,00{NBSP}₴" in texts(rig)[-1]
    assert [r.state for r in after.refunds] == [RefundState.DONE, RefundState.DONE]


def test_a_refund_beyond_what_is_left_is_refused_with_a_clear_message_and_no_provider_call(rig: Rig):
    invoice = paid_invoice(rig, 2)
    refund(rig, invoice, "r-1", "60.00")
    calls = len(rig.api_hits)
    refund(rig, invoice, "r-2", "50.00")
    assert texts(rig)[-1] == f"Стільки повернути не можна: лишилося не більше 40,00{NBSP}₴."
    assert len(rig.api_hits) == calls  # LiqPay was not asked
    assert rig.invoice(invoice.id).refunded_amount == Money(Decimal("60.00"), "UAH")


def test_the_same_confirmed_refund_delivered_twice_refunds_once(rig: Rig):
    invoice = paid_invoice(rig, 3)
    refund(rig, invoice, "r-1", "25.00")
    calls = len(rig.api_hits)
    refund(rig, invoice, "r-1", "25.00")  # a redelivered command
    assert len(rig.api_hits) == calls
    assert settled_refunds(rig, invoice.id).refunded_amount == Money(Decimal("25.00"), "UAH")


def test_a_refund_the_provider_keeps_waiting_is_told_pending_then_refunded_once(rig: Rig):
    assert rig.sandbox is not None
    rig.start_inprocess_worker()  # sends what the callbacks bring
    invoice = paid_invoice(rig, 4)
    rig.sandbox.refund_mode = "pending"
    refund(rig, invoice, "r-1", "40.00")
    # told once, by this worker or by the one the refund_wait callback reached first
    wait_until(lambda: any("ще не завершено" in t and f"40,00{NBSP}₴" in t for t in texts(rig)),
               what="told pending")
    waiting = settled_refunds(rig, invoice.id)
    assert waiting.status is InvoiceStatus.PAID and waiting.refunded_amount is None
    assert rig.sandbox.finish_refunds() == 1
    wait_until(lambda: rig.invoice(invoice.id).status is InvoiceStatus.PARTIALLY_REFUNDED,
               what="the refund done")
    wait_until(lambda: any(f"Повернено 40,00{NBSP}₴" in t for t in texts(rig)), what="told")
    done = settled_refunds(rig, invoice.id)
    assert done.refunded_amount == Money(Decimal("40.00"), "UAH") and len(done.refunds) == 1
    assert sum("ще не завершено" in t for t in texts(rig)) == 1
    assert not any("refund_wait" in t for t in texts(rig))  # LiqPay's word never reaches the seller


def test_a_refund_the_provider_refuses_tells_its_reason_and_frees_the_amount(rig: Rig):
    assert rig.sandbox is not None and rig.deps is not None
    invoice = paid_invoice(rig, 5)
    rig.sandbox.callbacks = False
    # someone refunded 90 in LiqPay's own cabinet; we have not heard of it yet
    client: LiqPayClient = rig.deps.provider  # type: ignore[assignment]
    client.refund(invoice.order_id, Money(Decimal("90.00"), "UAH"))
    refund(rig, invoice, "r-1", "50.00")
    assert texts(rig)[-1].startswith("❌ Платіжна система відмовила в поверненні 50,00")
    assert "перевищено ліміт" in texts(rig)[-1] and "err_limit_amount" not in texts(rig)[-1]
    after = rig.invoice(invoice.id)
    assert after.refunds[0].state is RefundState.REFUSED
    assert after.refundable == Money(Decimal("100.00"), "UAH")


def test_two_refunds_of_everything_racing_refund_it_once(rig: Rig):
    """Two taps at once, taken by two workers: the row lock lets one hold the money back; the
    other is told nothing is left. On PostgreSQL with TEST_DATABASE_URL, SQLite otherwise."""
    invoice = paid_invoice(rig, 6)
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def tap(n: int) -> None:
        try:
            start.wait()
            refund(rig, invoice, f"r-{n}", None)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=tap, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    after = settled_refunds(rig, invoice.id)
    assert after.status is InvoiceStatus.REFUNDED
    assert [r.state for r in after.refunds] == [RefundState.DONE]
    assert after.refunded_amount == Money(Decimal("100.00"), "UAH")
    assert sum("Повертати нічого" in t for t in texts(rig)) == 3
    assert rig.sandbox is not None
    assert rig.sandbox.orders[invoice.order_id]["refunded"] == Decimal("100.00")


def test_a_refund_in_another_currency_is_recorded_and_later_callbacks_still_answer_ok(rig: Rig):
    invoice = paid_invoice(rig, 7)
    foreign = {"amount": "10.00", "currency": "USD"}
    for _ in range(3):  # LiqPay retries until it hears 200
        assert rig.callback(invoice, "reversed", **foreign).status_code == 200
    assert rig.callback(invoice, "reversed", amount="100.00", currency="UAH").status_code == 200
    after = rig.invoice(invoice.id)
    assert after.status is InvoiceStatus.REFUNDED
    assert sorted(str(r.amount) for r in after.refunds) == sorted(
        [str(Money(Decimal("10.00"), "USD")), str(Money(Decimal("100.00"), "UAH"))])


def test_a_refund_retried_after_its_first_try_reached_liqpay_is_not_refunded_twice(rig: Rig):
    """The worker died (or LiqPay's answer timed out) after LiqPay refunded, and its callback
    was lost: a retry while its lease is held calls nobody; once the lease expired, the retry
    asks LiqPay what it refunded instead of refunding again."""
    assert rig.sandbox is not None and rig.deps is not None
    invoice = paid_invoice(rig, 8)
    rig.sandbox.callbacks = False
    command = RefundInvoice("r-1", invoice.code, rig.seller_id, "30.00")
    assert refunds.reserve(rig.deps.uow, command).claimed  # the first try holds the lease
    client: LiqPayClient = rig.deps.provider  # type: ignore[assignment]
    client.refund(invoice.order_id, Money(Decimal("30.00"), "UAH"))  # the first try, unrecorded

    calls = len(rig.api_hits)
    refunds.refund_invoice(command, rig.deps)  # a retry while the lease is held
    assert len(rig.api_hits) == calls  # LiqPay was not asked anything
    assert age_refund_leases(rig) == 1
    refunds.refund_invoice(command, rig.deps)  # the retry once the lease expired
    assert rig.sandbox.orders[invoice.order_id]["refunded"] == Decimal("30.00")
    assert rig.sandbox.refunds_asked(invoice.order_id) == [Decimal("30.00")]
    after = rig.invoice(invoice.id)
    assert after.status is InvoiceStatus.PARTIALLY_REFUNDED
    assert [(r.id, r.state) for r in after.refunds] == [("r-1", RefundState.DONE)]
    assert f"Повернено 30,00{NBSP}₴" in texts(rig)[-1]
