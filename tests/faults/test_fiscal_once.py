"""A payment is never registered twice with the seller's PRRO: two workers racing for the same
receipt, and a worker SIGKILLed after Checkbox accepted the sale, both end in one receipt."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from domain.fiscal import ReceiptState
from sandbox.checkbox import LICENSE_KEY, PIN, Checkbox
from storage.secrets import SecretBox
from tests.faults.conftest import Rig, wait_until
from workers.fiscal.receipts import register_receipt


@pytest.fixture
def fiscal_rig(rig_factory, checkbox: Checkbox) -> Rig:  # type: ignore[no-untyped-def]
    rig = rig_factory(checkbox_api_base=f"{checkbox.base_url}/api/v1",
                      checkbox_receipt_base=checkbox.base_url)
    box = SecretBox.from_settings(rig.settings)
    with rig.uow() as uow:
        uow.fiscal.connect(rig.seller_id, box.encrypt(LICENSE_KEY), box.encrypt(PIN),
                           datetime.now(UTC))
        uow.commit()
    return rig


def _receipts(rig: Rig) -> list[tuple[str, str]]:
    with rig.uow() as uow:
        return [tuple(r) for r in uow.session.execute(text(  # type: ignore[misc]
            "SELECT id, state FROM fiscal_receipts")).all()]


def _paid(rig: Rig, n: int = 0) -> str:
    """An invoice paid by LiqPay's callback; its sale receipt is queued in the same commit."""
    invoice = rig.pending_invoice(n)
    assert rig.callback(invoice, "success").status_code == 200
    [(receipt_id, state)] = _receipts(rig)
    assert state == ReceiptState.QUEUED
    return receipt_id


def test_two_workers_racing_for_one_receipt_register_it_once(
        fiscal_rig: Rig, checkbox: Checkbox) -> None:
    receipt_id = _paid(fiscal_rig)  # no worker runs: the two below are the only ones
    checkbox.delay = 0.3  # every call slow: both workers are inside at the same time
    start = threading.Barrier(2)

    def worker() -> None:
        start.wait()
        register_receipt(receipt_id, fiscal_rig.deps)  # type: ignore[arg-type]

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(checkbox.receipts) == 1
    sells = [r for r in checkbox.requests if r[1].endswith("/receipts/sell")]
    assert len(sells) == 1, "the second worker called Checkbox too"
    assert _receipts(fiscal_rig) == [(receipt_id, ReceiptState.DONE)]


def test_a_worker_killed_after_checkbox_accepted_the_sale_is_finished_not_repeated(
        fiscal_rig: Rig, checkbox: Checkbox) -> None:
    checkbox.reads_to_done = 10_000  # accepted, never fiscalised while the first worker lives
    env = {**fiscal_rig.env(), "CHECKBOX_API_BASE": f"{checkbox.base_url}/api/v1",
           "CHECKBOX_RECEIPT_BASE": checkbox.base_url}
    worker = fiscal_rig.spawn("fiscal-worker", ["worker", "--threads", "2", "--poll-ms", "50"],
                              env)
    receipt_id = _paid(fiscal_rig)
    wait_until(lambda: receipt_id in checkbox.receipts, 30, "Checkbox to accept the sale")
    fiscal_rig.kill(worker)
    [(_, state)] = _receipts(fiscal_rig)
    assert state != ReceiptState.DONE
    checkbox.reads_to_done = 1
    # the dead worker's claim runs out; a new worker, as the scheduler's scan would send it
    later = datetime.now(UTC) + timedelta(minutes=10)
    register_receipt(receipt_id, fiscal_rig.deps, moment=later)  # type: ignore[arg-type]
    assert _receipts(fiscal_rig) == [(receipt_id, ReceiptState.DONE)]
    assert len(checkbox.receipts) == 1
    sells = [r for r in checkbox.requests if r[1].endswith("/receipts/sell")]
    assert len(sells) == 1, "the sale was posted again"
