"""A receipt Checkbox takes but never fiscalises (it stays CREATED) is read again with backoff,
each wait longer than the last and never more than an hour apart, and a bounded number of
times; once the PRRO's 36-hour window is over it is marked stuck, nobody reads it again, the
seller is told in their language and /metrics counts it.

The clock is driven: each look is `register_receipt(..., moment=...)` at the time the previous
look asked to come back; nothing sleeps 36 hours. Checkbox is the stand-in, told to keep new
receipts CREATED (`hold_created`)."""
from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import httpx
import pytest

from domain.fiscal import ACCEPTED_RECHECK_MAX, OFFLINE_WINDOW, ReceiptState
from sandbox.checkbox import Checkbox
from tests.faults.conftest import CHAT, Rig, wait_until
from tests.faults.test_fiscal_once import _paid, fiscal_rig  # noqa: F401 (fixture)
from workers.fiscal import paid_line, receipts
from workers.fiscal.receipts import register_receipt

MOST_LOOKS = 80  #: the bound: about 60 looks fit in 36 hours with the backoff


@pytest.fixture(autouse=True)
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each look reads a CREATED receipt as often as in production, only without the real
    seconds between reads (3.7 s a look); and no worker here sends the paid message, which a
    receipt's line would wait 10 s for: the clock these tests drive is `moment`, not sleep."""
    monkeypatch.setattr(receipts, "READ_WAITS", (0.0,) * len(receipts.READ_WAITS))
    monkeypatch.setattr(paid_line, "PAID_MESSAGE_WAIT", 0.5)


def test_a_receipt_checkbox_keeps_created_is_polled_with_backoff_then_marked_stuck(
        fiscal_rig: Rig, checkbox: Checkbox) -> None:  # noqa: F811
    checkbox.hold_created = True
    receipt_id = _paid(fiscal_rig)
    with fiscal_rig.uow() as uow:
        created = uow.fiscal.get(receipt_id).created_at
    moment, looks, waits = created, 0, []
    while True:
        register_receipt(receipt_id, fiscal_rig.deps, moment=moment)  # type: ignore[arg-type]
        looks += 1
        with fiscal_rig.uow() as uow:
            receipt = uow.fiscal.get(receipt_id)
        if receipt.state is not ReceiptState.ACCEPTED:
            break
        assert looks < MOST_LOOKS, "polled without a bound"
        waits.append(receipt.next_try_at - moment)
        moment = receipt.next_try_at

    assert receipt.state is ReceiptState.STUCK and receipt.next_try_at is None
    assert moment - created >= OFFLINE_WINDOW
    assert waits[0] == timedelta(seconds=30)
    assert all(later >= earlier for earlier, later in pairwise(waits))
    assert max(waits) == ACCEPTED_RECHECK_MAX
    assert 20 < looks < MOST_LOOKS
    assert len(checkbox.receipts) == 1  # read, never sold again

    # stuck: nobody reads it again, however late
    reads = len(checkbox.requests)
    register_receipt(receipt_id, fiscal_rig.deps, moment=moment + timedelta(days=3))  # type: ignore[arg-type]
    assert len(checkbox.requests) == reads

    fiscal_rig.start_inprocess_worker()  # the seller is told, in Ukrainian
    told = wait_until(lambda: [m for m in fiscal_rig.messages(CHAT)
                               if "завис" in (m.get("text") or "")], 20, "the stuck message")
    assert "36 годин" in told[0]["text"] and "кабінеті Checkbox" in told[0]["text"]
    metrics = httpx.get(f"{fiscal_rig.base_url}/metrics", timeout=10).text
    assert "chatpay_fiscal_receipts_stuck 1.0" in metrics


def test_a_receipt_checkbox_fiscalises_late_is_done_on_a_later_look(
        fiscal_rig: Rig, checkbox: Checkbox) -> None:  # noqa: F811
    checkbox.reads_to_done = 12  # more reads than the first look makes
    receipt_id = _paid(fiscal_rig)
    with fiscal_rig.uow() as uow:
        moment = uow.fiscal.get(receipt_id).created_at
    for _ in range(MOST_LOOKS):
        register_receipt(receipt_id, fiscal_rig.deps, moment=moment)  # type: ignore[arg-type]
        with fiscal_rig.uow() as uow:
            receipt = uow.fiscal.get(receipt_id)
        if receipt.state is not ReceiptState.ACCEPTED:
            break
        moment = receipt.next_try_at
    assert receipt.state is ReceiptState.DONE and receipt.fiscal_code
