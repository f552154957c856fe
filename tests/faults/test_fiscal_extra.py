"""A buyer who pays an invoice twice: the second payment (ExtraPaymentReceived) gets a fiscal
sale receipt of its own, once however often LiqPay repeats its callback, and the refund that
gives it back is a return receipt referring to that second sale.

Real parts: the web edge taking LiqPay's signed callbacks, an in-process worker, the LiqPay
sandbox (the first payment and the refund) and the Checkbox stand-in."""
from __future__ import annotations

from domain.commands import RefundInvoice
from domain.fiscal import RETURN, SALE, ReceiptState
from domain.invoice import InvoiceStatus
from sandbox.checkbox import Checkbox
from tests.faults.conftest import Rig, wait_until
from tests.faults.test_fiscal_once import fiscal_rig  # noqa: F401 (fixture)
from workers import refunds


def receipts(rig: Rig, invoice_id: str) -> list[tuple[str, str, int, str | None]]:
    with rig.uow() as uow:
        return [(r.kind, str(r.state), r.amount_minor, r.related_id)
                for r in uow.fiscal.for_invoice(invoice_id)]


def test_a_second_payment_gets_its_own_sale_receipt_and_its_refund_a_return(
        fiscal_rig: Rig, checkbox: Checkbox) -> None:  # noqa: F811
    rig = fiscal_rig
    assert rig.sandbox is not None and rig.deps is not None
    rig.start_inprocess_worker()
    invoice = rig.pending_invoice(1, "100.00")
    rig.sandbox.pay(invoice.pay_url)  # type: ignore[arg-type]
    wait_until(lambda: rig.invoice(invoice.id).status is InvoiceStatus.PAID, what="paid")
    wait_until(lambda: len(checkbox.issued(returns=False)) == 1, 30, "the first sale receipt")

    for _ in range(2):  # the buyer paid again; LiqPay repeats its callback
        assert rig.callback(invoice, "success", payment_id=777_001).text == "ok"
    wait_until(lambda: [(r[0], r[1], r[2]) for r in receipts(rig, invoice.id)]
               == [(SALE, ReceiptState.DONE, 10000)] * 2, 30, "the second sale receipt")
    assert len(checkbox.receipts) == 2  # one per payment, the repeated callback queued nothing

    refunds.refund_invoice(RefundInvoice("r-extra", invoice.code, rig.seller_id, "100.00"),
                           rig.deps)
    wait_until(lambda: rig.invoice(invoice.id).status is InvoiceStatus.REFUNDED, 30, "refunded")
    wait_until(lambda: [r[1] for r in receipts(rig, invoice.id) if r[0] == RETURN]
               == [ReceiptState.DONE], 30, "the return receipt")
    with rig.uow() as uow:
        all_receipts = uow.fiscal.for_invoice(invoice.id)
    second_sale = [r for r in all_receipts if r.kind == SALE][1]
    [ret] = [r for r in all_receipts if r.kind == RETURN]
    assert ret.related_id == second_sale.id and ret.amount_minor == 10000
    assert checkbox.issued(returns=True)[0].related_receipt_id == second_sale.id
