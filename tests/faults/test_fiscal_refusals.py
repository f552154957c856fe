"""What no cash register can take is refused plainly and not tried again: a payment that came
in another currency than hryvnia."""
from __future__ import annotations

import json

from domain.fiscal import ReceiptState
from sandbox.checkbox import Checkbox
from tests.faults.conftest import Rig
from tests.faults.test_fiscal_once import _receipts, fiscal_rig  # noqa: F401 (fixture)
from workers.fiscal.receipts import register_receipt, retry_refused


def test_a_payment_in_dollars_is_refused_with_the_reason_and_a_reconnect_leaves_it(
        fiscal_rig: Rig, checkbox: Checkbox) -> None:  # noqa: F811
    invoice = fiscal_rig.pending_invoice(0)
    assert fiscal_rig.callback(invoice, "success", currency="USD").status_code == 200
    [(receipt_id, _)] = _receipts(fiscal_rig)
    register_receipt(receipt_id, fiscal_rig.deps)  # type: ignore[arg-type]
    assert _receipts(fiscal_rig) == [(receipt_id, ReceiptState.REFUSED)]
    assert checkbox.receipts == {}
    [refused] = [e for e in fiscal_rig.events(invoice.id) if e.name == "FiscalReceiptRefused"]
    assert refused.notify and json.loads(refused.payload)["reason"].endswith(":USD")
    assert retry_refused(fiscal_rig.deps, "telegram:1",  # type: ignore[arg-type]
                         seller_id=fiscal_rig.seller_id) == []
