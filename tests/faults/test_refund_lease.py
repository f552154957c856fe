"""One refund at a time per invoice, and every refund counted once, against the real LiqPay
sandbox, web edge, Telegram emulator and a real Dramatiq worker.

LiqPay's refund carries no id of ours and its callbacks report a running `refund_amount`; so
at most one refund of an invoice is in flight, only the worker holding its lease calls
`refund`, and a running total is read against what was done before plus that one refund.

Each test ends with chatpay's refunded total equal to what the sandbox refunded, and the
sandbox asked to refund each amount exactly once (`refunds_asked`).
"""
from __future__ import annotations

import threading
from decimal import Decimal

from domain.commands import RefundInvoice
from domain.invoice import Invoice, InvoiceStatus
from domain.money import Money
from domain.refunds import RefundState
from tests.faults.conftest import Rig, age_refund_leases, wait_until
from tests.faults.test_manual_payments import decide, declare
from tests.faults.test_refunds import paid_invoice, refund, settled_refunds, texts
from workers import refunds
from workers.providers.liqpay import LiqPayClient
from workers.scheduler import reconcile

NBSP = "\u00a0"


def uah(text: str) -> Money:
    return Money(Decimal(text), "UAH")


def books_balance(rig: Rig, invoice: Invoice, asked: list[str], settle: float = 1.0) -> Invoice:
    """Once the sandbox delivered its callbacks (unless `settle` is 0): chatpay's refunded total is what the
    sandbox refunded, and the sandbox was asked to refund exactly these amounts, each once."""
    assert rig.sandbox is not None
    after = settled_refunds(rig, invoice.id) if settle else rig.invoice(invoice.id)
    order = rig.sandbox.orders.get(invoice.order_id)
    refunded = order["refunded"] if order else Decimal(0)
    assert (after.refunded_amount or uah("0")).amount == refunded
    assert rig.sandbox.refunds_asked(invoice.order_id) == [Decimal(a) for a in asked]
    return after


def cabinet(rig: Rig) -> LiqPayClient:
    """LiqPay's own cabinet, where a person may refund without chatpay knowing."""
    assert rig.deps is not None
    return rig.deps.provider  # type: ignore[return-value]


def told(rig: Rig, fragment: str) -> int:
    return sum(fragment in t for t in texts(rig))


def test_two_workers_racing_on_one_refund_send_it_once(rig: Rig):
    """A redelivered Confirm taken by a second worker while the first is still in LiqPay's
    refund call (the sandbox takes a second): the second finds the lease held and calls
    nobody. Before the lease, it asked LiqPay's status, saw nothing yet and refunded again."""
    assert rig.sandbox is not None and rig.deps is not None
    rig.start_inprocess_worker(threads=4)
    invoice = paid_invoice(rig, 1)
    rig.sandbox.refund_delay = 1.0
    command = RefundInvoice("r-1", invoice.code, rig.seller_id, "10.00")
    rig.deps.bus.publish(command)
    rig.deps.bus.publish(command)  # the same command again, while the first is in LiqPay
    wait_until(lambda: rig.invoice(invoice.id).refunded_amount == uah("10.00"), what="refunded")
    wait_until(lambda: told(rig, f"Повернено 10,00{NBSP}₴"), what="told")
    after = books_balance(rig, invoice, ["10.00"], 1.5)
    assert [(r.id, r.state) for r in after.refunds] == [("r-1", RefundState.DONE)]
    assert told(rig, f"Повернено 10,00{NBSP}₴") == 1


def test_two_partial_refunds_with_their_callbacks_in_reverse_order_count_each_once(rig: Rig):
    """A = 10 waits at the bank; B = 20 is refused while A is in flight, naming A's amount.
    LiqPay then tells everything newest first (A's `success` before its `refund_wait`, and the
    same for B), and every callback replayed again in reverse changes nothing."""
    assert rig.sandbox is not None
    rig.start_inprocess_worker()
    invoice = paid_invoice(rig, 2)
    rig.sandbox.refund_mode, rig.sandbox.refund_callbacks = "pending", "reverse"
    refund(rig, invoice, "a", "10.00")
    assert rig.invoice(invoice.id).refunds[0].state is RefundState.PENDING
    calls = len(rig.api_hits)
    refund(rig, invoice, "b", "20.00")
    assert texts(rig)[-1] == (f"Повернення 10,00{NBSP}₴ ще триває. "
                              "Нове повернення можна зробити, коли воно завершиться.")
    assert len(rig.api_hits) == calls  # LiqPay was not asked
    assert [r.id for r in rig.invoice(invoice.id).refunds] == ["a"]

    assert rig.sandbox.finish_refunds() == 1
    assert rig.sandbox.release_refund_callbacks() == 2  # A's success, then its refund_wait
    wait_until(lambda: rig.invoice(invoice.id).refunded_amount == uah("10.00"), what="A done")
    refund(rig, invoice, "b", "20.00")  # A is done: B may go now
    assert rig.sandbox.finish_refunds() == 1
    assert rig.sandbox.release_refund_callbacks() == 2
    wait_until(lambda: rig.invoice(invoice.id).status is InvoiceStatus.PARTIALLY_REFUNDED
               and rig.invoice(invoice.id).refunded_amount == uah("30.00"), what="B done")
    wait_until(lambda: len([e for e in rig.sandbox.callback_log if e.get("status_code")]) >= 5,
               what="the callbacks answered")

    before = settled_refunds(rig, invoice.id)
    for entry in reversed(list(rig.sandbox.callback_log)):  # LiqPay retrying, newest first
        assert rig.post_callback(entry["form"]).status_code == 200
    after = books_balance(rig, invoice, ["10.00", "20.00"])
    assert after.version == before.version  # nothing changed
    assert [(r.id, r.amount, r.state) for r in after.refunds] == [
        ("a", uah("10.00"), RefundState.DONE), ("b", uah("20.00"), RefundState.DONE)]
    wait_until(lambda: told(rig, f"Повернено 20,00{NBSP}₴"), what="told B")
    assert told(rig, f"Повернено 10,00{NBSP}₴") == 1 and told(rig, f"Повернено 20,00{NBSP}₴") == 1


def test_a_retry_after_a_time_out_is_not_done_by_another_refunds_money(rig: Rig):
    """A's call times out before LiqPay makes it; meanwhile 20 is refunded in LiqPay's cabinet
    (a running total of 20). That is recorded as its own refund and A stays in flight; A's
    retry, once its lease expired, asks LiqPay first, sees only the 20, and sends A."""
    assert rig.sandbox is not None and rig.deps is not None
    rig.start_inprocess_worker()
    invoice = paid_invoice(rig, 3)
    platform = cabinet(rig)
    rig.deps.provider = LiqPayClient(platform.public_key, platform._private_key,
                                     platform.api_base, timeout=0.5)
    rig.sandbox.refund_delay = 2.0  # longer than the worker waits: its call times out
    command = RefundInvoice("a", invoice.code, rig.seller_id, "10.00")
    refunds.refund_invoice(command, rig.deps)
    assert rig.sandbox.refunds_asked(invoice.order_id) == []  # it never reached LiqPay
    rig.deps.provider, rig.sandbox.refund_delay = platform, 0.0

    refund(rig, invoice, "b", "20.00")  # the seller tries another: A is still in flight
    assert f"Повернення 10,00{NBSP}₴ ще триває" in texts(rig)[-1]
    platform.refund(invoice.order_id, uah("20.00"))  # in LiqPay's cabinet
    wait_until(lambda: rig.invoice(invoice.id).refunded_amount == uah("20.00"),
               what="the cabinet's refund recorded")
    assert rig.invoice(invoice.id).refunds[0].state is RefundState.REQUESTED  # A is not done

    refunds.refund_invoice(command, rig.deps)  # redelivered while A's lease is held
    assert rig.sandbox.refunds_asked(invoice.order_id) == [Decimal("20.00")]
    assert age_refund_leases(rig) == 1
    refunds.refund_invoice(command, rig.deps)  # the retry: asks first, then sends A
    after = books_balance(rig, invoice, ["20.00", "10.00"])
    assert after.refunded_amount == uah("30.00")
    assert [(r.id, r.ours, r.state) for r in after.refunds] == [
        ("a", True, RefundState.DONE), (f"{invoice.id}-p2", False, RefundState.DONE)]


def test_a_redelivered_refund_command_while_the_lease_is_held_calls_nobody(rig: Rig):
    assert rig.sandbox is not None and rig.deps is not None
    invoice = paid_invoice(rig, 4)
    rig.sandbox.refund_delay = 1.0
    command = RefundInvoice("r-1", invoice.code, rig.seller_id, "15.00")
    calls = len(rig.api_hits)
    first = threading.Thread(target=refunds.refund_invoice, args=(command, rig.deps))
    first.start()
    wait_until(lambda: len(rig.api_hits) > calls, what="the first worker in LiqPay's call")
    in_call = len(rig.api_hits)
    refunds.refund_invoice(command, rig.deps)  # the redelivery
    assert len(rig.api_hits) == in_call  # not even a status call
    first.join(30)
    after = books_balance(rig, invoice, ["15.00"])
    assert [(r.id, r.state, r.leases) for r in after.refunds] == [
        ("r-1", RefundState.DONE, 1)]


def test_an_expired_lease_asks_liqpay_first_and_sends_nothing_when_it_refunded_already(rig: Rig):
    """The worker holding the lease died after LiqPay refunded, and the callback was lost.
    The reconciler finds the lease expired; the worker it wakes asks LiqPay's status, finds
    the refund there and records it, without a second refund call."""
    assert rig.sandbox is not None and rig.deps is not None
    rig.start_inprocess_worker()
    invoice = paid_invoice(rig, 5)
    rig.sandbox.callbacks = False
    command = RefundInvoice("r-1", invoice.code, rig.seller_id, "40.00")
    assert refunds.reserve(rig.deps.uow, command).claimed  # the worker that then died
    cabinet(rig).refund(invoice.order_id, uah("40.00"))  # its call, which LiqPay made

    assert reconcile(rig.deps)["refunds"] == 0  # the lease is held: left to its holder
    assert age_refund_leases(rig) == 1
    assert reconcile(rig.deps)["refunds"] == 1
    wait_until(lambda: rig.invoice(invoice.id).refunded_amount == uah("40.00"), what="recorded")
    wait_until(lambda: told(rig, f"Повернено 40,00{NBSP}₴"), what="told")
    after = books_balance(rig, invoice, ["40.00"])
    assert [(r.id, r.state, r.leases) for r in after.refunds] == [
        ("r-1", RefundState.DONE, 2)]


def test_a_refund_made_in_liqpays_cabinet_while_ours_waits_is_recorded_once(rig: Rig):
    """Ours (10) waits at the bank; 25 is refunded in LiqPay's cabinet meanwhile. The running
    total of 25 matches nothing we asked for: it is its own refund, recorded once however often
    it is told, and ours is not finished by it."""
    assert rig.sandbox is not None and rig.deps is not None
    rig.start_inprocess_worker()
    invoice = paid_invoice(rig, 6)
    rig.sandbox.refund_mode = "pending"
    refund(rig, invoice, "a", "10.00")
    rig.sandbox.refund_mode = ""
    cabinet(rig).refund(invoice.order_id, uah("25.00"))
    wait_until(lambda: rig.invoice(invoice.id).refunded_amount == uah("25.00"), what="recorded")
    for entry in list(rig.sandbox.callback_log):  # LiqPay retrying
        rig.post_callback(entry["form"])
    refunds.reconcile_refunds(invoice.order_id, rig.deps)  # and a status answer besides
    waiting = rig.invoice(invoice.id)
    assert [(r.ours, r.amount, r.state) for r in waiting.refunds] == [
        (True, uah("10.00"), RefundState.PENDING), (False, uah("25.00"), RefundState.DONE)]
    books_balance(rig, invoice, ["10.00", "25.00"], settle=0)

    assert rig.sandbox.finish_refunds() == 1
    wait_until(lambda: rig.invoice(invoice.id).refunded_amount == uah("35.00"), what="ours done")
    after = books_balance(rig, invoice, ["10.00", "25.00"])
    assert [r.state for r in after.refunds] == [RefundState.DONE, RefundState.DONE]


def test_reversed_without_a_refund_amount_after_a_partial_refund_asks_liqpays_status(rig: Rig):
    """A `reversed` word without `refund_amount` (an older or a repeated callback) after 30 of
    100 went back: it is not read as "all of it"; a worker asks LiqPay, whose status says 30."""
    assert rig.sandbox is not None
    rig.start_inprocess_worker()
    invoice = paid_invoice(rig, 7)
    refund(rig, invoice, "a", "30.00")
    settled_refunds(rig, invoice.id)
    hits = len(rig.api_hits)
    assert rig.callback(invoice, "reversed").status_code == 200  # amount: the payment's
    wait_until(lambda: len(rig.api_hits) > hits, what="LiqPay's status asked")
    after = books_balance(rig, invoice, ["30.00"])
    assert after.status is InvoiceStatus.PARTIALLY_REFUNDED
    assert after.refunded_amount == uah("30.00") and len(after.refunds) == 1


def test_a_card_refund_of_an_invoice_paid_by_hand_is_refused_by_the_worker(rig: Rig):
    """Whatever the bot sent: an invoice paid by hand is refunded by hand, never at LiqPay."""
    invoice = rig.pending_invoice(8, "100.00")
    declare(rig, invoice)
    decide(rig, "mp-1")
    assert rig.invoice(invoice.id).manual
    calls = len(rig.api_hits)
    refund(rig, invoice, "r-1", "10.00")
    assert texts(rig)[-1].startswith("Цей рахунок оплачено не карткою")
    assert len(rig.api_hits) == calls  # LiqPay was not asked
    after = books_balance(rig, invoice, [], settle=0)
    assert after.refunds == [] and after.status is InvoiceStatus.PAID


def test_a_refund_refused_because_liqpays_cabinet_refunded_more_reads_what_it_refunded(rig: Rig):
    """90 of 100 was refunded in LiqPay's cabinet and its callback lost; ours of 50 is refused
    (more than is left). The refusal is told, and a worker then reads LiqPay's status, so the
    90 is counted too."""
    assert rig.sandbox is not None
    rig.start_inprocess_worker()
    invoice = paid_invoice(rig, 9)
    rig.sandbox.callbacks = False
    cabinet(rig).refund(invoice.order_id, uah("90.00"))
    refund(rig, invoice, "a", "50.00")
    assert any(t.startswith(f"❌ Платіжна система відмовила в поверненні 50,00{NBSP}₴")
               for t in texts(rig))
    wait_until(lambda: rig.invoice(invoice.id).refunded_amount == uah("90.00"), what="the 90")
    after = books_balance(rig, invoice, ["90.00"])
    assert [(r.ours, r.amount, r.state) for r in after.refunds] == [
        (True, uah("50.00"), RefundState.REFUSED), (False, uah("90.00"), RefundState.DONE)]
    assert after.refundable == uah("10.00")


def test_a_pending_refund_whose_last_callback_is_lost_is_found_by_the_reconciler(rig: Rig):
    """One refund at a time must not mean forever: LiqPay finished ours but its callback was
    lost. The reconciler's look at a pending refund reads LiqPay's status and finishes it, so
    the next refund may go."""
    assert rig.sandbox is not None and rig.deps is not None
    rig.start_inprocess_worker()
    invoice = paid_invoice(rig, 10)
    rig.sandbox.refund_mode = "pending"
    refund(rig, invoice, "a", "20.00")
    assert rig.invoice(invoice.id).refunds[0].state is RefundState.PENDING
    rig.sandbox.callbacks = False
    assert rig.sandbox.finish_refunds() == 1  # done at the bank; nobody told us
    assert reconcile(rig.deps)["refunds"] == 1
    wait_until(lambda: rig.invoice(invoice.id).refunded_amount == uah("20.00"), what="done")
    wait_until(lambda: told(rig, f"Повернено 20,00{NBSP}₴"), what="told")
    rig.sandbox.refund_mode = ""
    refund(rig, invoice, "b", "30.00")  # the next one goes
    after = books_balance(rig, invoice, ["20.00", "30.00"])
    assert [(r.id, r.state) for r in after.refunds] == [("a", RefundState.DONE),
                                                        ("b", RefundState.DONE)]
