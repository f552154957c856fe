"""Manual payments on the real parts (database, Redis, the Telegram emulator, the LiqPay
sandbox): a buyer's declaration approved or rejected, the auto-reject by the scheduler's scan,
the seller's own record and its refund, a seller reaching for another's payment, two approves
racing, and a card payment arriving after a manual one.

Handlers run as the worker runs them (`workers.manual` on the rig's dependencies)."""
from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain.commands import DecideManualPayment, RecordManualPayment, RefundManualPayment
from domain.invoice import Invoice, InvoiceStatus
from domain.manual import ManualState
from tests.faults.conftest import CHAT, Rig, wait_until
from workers import manual

NBSP = "\u00a0"
TODAY = date.today()


def texts(rig: Rig) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in rig.messages()]


def buttons(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b["callback_data"] for row in rows for b in row]


def declare(rig: Rig, invoice: Invoice, payment_id: str = "mp-1",
            comment: str = "**** 4242") -> tuple[str, list[int]]:
    """The buyer's *I have paid* on the pay page, with the built-in Cash."""
    outcome, notify = manual.open_payment(
        rig.deps.uow, rig.settings.manual_payment_timeout, code=invoice.code,  # type: ignore[union-attr]
        method_id=0, paid_on=TODAY, comment=comment, by="buyer", payment_id=payment_id)
    manual.deliver(notify, rig.deps)  # type: ignore[arg-type]
    return outcome, notify


def decide(rig: Rig, payment_id: str, approve: bool = True, seller_id: int | None = None,
           **more: Any) -> None:
    manual.decide(DecideManualPayment(payment_id, seller_id or rig.seller_id, approve, **more),
                  rig.deps)  # type: ignore[arg-type]


def payment(rig: Rig, payment_id: str) -> Any:
    with rig.uow() as uow:
        return uow.manual.get(payment_id)


def history(rig: Rig, invoice_id: str) -> list[tuple[str, dict[str, Any]]]:
    return [(e.name, json.loads(e.payload)) for e in rig.events(invoice_id)]


def test_a_declared_payment_asks_the_seller_and_approval_pays_the_invoice_flagged_manual(rig: Rig):
    invoice = rig.pending_invoice(1, "100.00")
    assert declare(rig, invoice)[0] == "opened"
    asked = rig.messages()[-1]
    assert asked["text"].startswith(f"🧾 Покупець каже, що оплатив 100,00{NBSP}₴")
    assert "«**** 4242»" in asked["text"]
    assert buttons(asked) == ["mpa:mp-1", "mpr:mp-1", "mpc:mp-1"]
    assert declare(rig, invoice, "mp-2")[0] == "exists"  # one open payment at a time

    decide(rig, "mp-1", amount="90.00", comment="cash")
    paid = rig.invoice(invoice.id)
    assert (paid.status, paid.manual, str(paid.paid_amount)) == (
        InvoiceStatus.PAID, True, "90.00 UAH")
    assert "90,00" in texts(rig)[-1] and "100,00" in texts(rig)[-1]  # the mismatch is told
    approved = dict(history(rig, invoice.id))["ManualPaymentApproved"]
    assert approved["by"] == f"seller:{rig.seller_id}"
    assert approved["changed"] == {"amount": "100.00 UAH → 90.00 UAH",
                                   "comment": "**** 4242 → cash"}

    decide(rig, "mp-1")  # the second tap of a double approve
    assert texts(rig)[-1] == "Цю оплату вже підтверджено, змінити її не можна."
    assert [n for n, _ in history(rig, invoice.id)].count("InvoicePaid") == 1


def test_a_rejected_payment_leaves_the_invoice_payable_and_the_buyer_may_declare_again(rig: Rig):
    invoice = rig.pending_invoice(2)
    declare(rig, invoice)
    decide(rig, "mp-1", approve=False, reason="no such transfer")
    assert texts(rig)[-1] == (f"❌ Оплату 100,00{NBSP}₴ — inv0002# (Готівка) відхилено: "
                              "no such transfer")
    assert rig.invoice(invoice.id).status is InvoiceStatus.PENDING
    assert payment(rig, "mp-1").state is ManualState.REJECTED
    decide(rig, "mp-1")  # approve after reject: refused, nothing paid
    assert rig.invoice(invoice.id).status is InvoiceStatus.PENDING
    assert declare(rig, invoice, "mp-2")[0] == "opened"


def test_the_scheduler_rejects_a_payment_nobody_approved_within_the_timeout(rig: Rig):
    invoice = rig.pending_invoice(3)
    declare(rig, invoice)
    assert rig.reconcile_later(3600)["manual_rejected"] == 0
    from workers.scheduler import reconcile
    later = datetime.now(UTC) + timedelta(days=30, minutes=1)
    assert reconcile(rig.deps, now=later)["manual_rejected"] == 1  # type: ignore[arg-type]
    rig.start_inprocess_worker()  # the scan queued the seller's message
    wait_until(lambda: "автоматично" in texts(rig)[-1], what="the auto-reject message")
    assert payment(rig, "mp-1").state is ManualState.REJECTED
    assert payment(rig, "mp-1").decided_by == "system"
    assert reconcile(rig.deps, now=later)["manual_rejected"] == 0  # type: ignore[arg-type]
    decide(rig, "mp-1")  # approve after the auto-reject
    assert rig.invoice(invoice.id).status is InvoiceStatus.PENDING


def test_a_seller_never_acts_on_another_sellers_payment(rig: Rig):
    invoice = rig.pending_invoice(4)
    declare(rig, invoice)
    other = rig.add_seller(380_999)
    before = len(rig.messages())
    decide(rig, "mp-1", seller_id=other)
    decide(rig, "mp-1", approve=False, seller_id=other, reason="mine now")
    assert payment(rig, "mp-1").state is ManualState.OPEN
    assert len(rig.messages()) == before and rig.messages(380_999)[-1:] == []


def test_two_approves_racing_pay_once(rig: Rig):
    invoice = rig.pending_invoice(5)
    declare(rig, invoice)
    start = threading.Barrier(2)

    def tap() -> None:
        start.wait()
        decide(rig, "mp-1")
    threads = [threading.Thread(target=tap) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    names = [n for n, _ in history(rig, invoice.id)]
    assert names.count("ManualPaymentApproved") == 1 and names.count("InvoicePaid") == 1
    assert payment(rig, "mp-1").version == 1
    assert texts(rig).count("Цю оплату вже підтверджено, змінити її не можна.") == 1


def test_a_recorded_payment_is_paid_at_once_and_refunded_by_hand(rig: Rig):
    command = RecordManualPayment("telegram:1:77", rig.seller_id, "250.00", "UAH", 0,
                                  TODAY.isoformat(), "Olena, lesson", "telegram", str(CHAT))
    manual.record(command, rig.deps)  # type: ignore[arg-type]
    manual.record(command, rig.deps)  # redelivered: recorded once
    recorded = [i for i in rig.invoices() if i.provider == "manual"]
    assert len(recorded) == 1 and recorded[0].status is InvoiceStatus.PAID and recorded[0].manual
    paid = rig.messages()[-1]
    assert paid["text"] == f"✅ Оплачено вручну (Готівка): 250,00{NBSP}₴ — Olena, lesson"
    assert buttons(paid) == [f"mrf:{recorded[0].code}"]
    assert [n for n, _ in history(rig, recorded[0].id)] == [
        "InvoiceCreated", "ManualPaymentOpened", "ManualPaymentApproved", "InvoicePaid"]

    hits = len(rig.api_hits)
    manual.refund(RefundManualPayment(recorded[0].code, rig.seller_id, "gave it back"),
                  rig.deps)  # type: ignore[arg-type]
    refunded = rig.invoice(recorded[0].id)
    assert refunded.status is InvoiceStatus.REFUNDED and str(refunded.refunded_amount) == \
        "250.00 UAH"
    assert len(rig.api_hits) == hits  # no provider call
    assert texts(rig)[-1] == f"↩️ Повернено 250,00{NBSP}₴ — Olena, lesson"
    assert dict(history(rig, recorded[0].id))["ManualPaymentRefunded"]["comment"] == \
        "gave it back"


def test_a_card_payment_after_an_approved_manual_one_is_kept_as_a_second_payment(rig: Rig):
    assert rig.sandbox is not None
    invoice = rig.pending_invoice(6)
    declare(rig, invoice)
    decide(rig, "mp-1")
    rig.sandbox.pay(invoice.pay_url)  # type: ignore[arg-type]
    wait_until(lambda: rig.invoice(invoice.id).extra_payment_ids, what="the second payment")
    assert rig.invoice(invoice.id).status is InvoiceStatus.PAID


def test_a_method_not_taking_the_invoices_currency_charges_in_its_own_and_the_seller_corrects(
        rig: Rig):
    from decimal import Decimal

    from domain.manual import ManualMethod
    with rig.uow() as uow:
        method = uow.manual.save_method(ManualMethod(
            id=0, seller_id=rig.seller_id, name="Wise", account_currency="UAH",
            accepted_currencies=("USD", "EUR"), charge_currency="USD"))
        uow.session.commit()
    invoice = rig.pending_invoice(7, "100.00")
    outcome, _ = manual.open_payment(
        rig.deps.uow, rig.settings.manual_payment_timeout, code=invoice.code,  # type: ignore[union-attr]
        method_id=method.id, paid_on=TODAY, comment="from John", by="buyer", payment_id="mp-7")
    assert outcome == "opened"
    assert payment(rig, "mp-7").comment == "[USD] from John"  # the seller sees what came
    decide(rig, "mp-7", amount="2.50", currency="USD")
    paid = rig.invoice(invoice.id)
    assert paid.status is InvoiceStatus.PAID and paid.amount_mismatch
    assert paid.paid_amount is not None and paid.paid_amount.currency == "USD"
    assert paid.paid_amount.amount == Decimal("2.50")
    assert dict(history(rig, invoice.id))["ManualPaymentApproved"]["changed"]["amount"] == \
        "100.00 UAH → 2.50 USD"


def test_the_sellers_first_step_is_refused_with_a_reason_when_it_cannot_open(rig: Rig):
    from domain.commands import OpenManualPayment
    invoice = rig.pending_invoice(8)

    def first_step(key: str) -> None:
        manual.open_by_seller(OpenManualPayment(key, invoice.code, rig.seller_id, 0,
                                                TODAY.isoformat()), rig.deps)  # type: ignore[arg-type]
    first_step("telegram:1:a")
    assert texts(rig)[-1].startswith(f"🧾 Записано оплату 100,00{NBSP}₴")
    first_step("telegram:1:a")  # redelivered: nothing new, nothing said
    assert len(texts(rig)) == len(set(texts(rig)))
    first_step("telegram:1:b")  # another while one waits
    assert texts(rig)[-1].startswith("Одна оплата цього рахунку вже чекає")
    decide(rig, "telegram:1:a")
    first_step("telegram:1:c")  # paid now
    assert texts(rig)[-1] == "Цей рахунок уже оплачено, тож записати ще одну оплату не можна."
