"""Our Checkbox client against the Checkbox stand-in, over real HTTP."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from domain.errors import FiscalRejected, FiscalUnavailable
from sandbox.checkbox import LICENSE_KEY, PIN, Checkbox
from workers.providers.checkbox import CheckboxClient


@pytest.fixture
def checkbox() -> Iterator[Checkbox]:
    stand_in = Checkbox().start()
    yield stand_in
    stand_in.stop()


def _client(checkbox: Checkbox, key: str = LICENSE_KEY, pin: str = PIN) -> CheckboxClient:
    return CheckboxClient(f"{checkbox.base_url}/api/v1", key, pin, timeout=2)


def _sale(price: int = 1250, receipt_id: str | None = None) -> dict[str, object]:
    return {"id": receipt_id or str(uuid.uuid4()),
            "goods": [{"good": {"code": "inv-1", "name": "Кава", "price": price},
                       "quantity": 1000, "is_return": False}],
            "payments": [{"type": "CASHLESS", "value": price, "card_mask": "424242******4242"}]}


def test_every_call_names_the_client_and_the_register(checkbox: Checkbox) -> None:
    client = _client(checkbox)
    client.ensure_shift()
    assert checkbox.requests
    for _, _, headers in checkbox.requests:
        assert headers["x-client-name"] == "chatpay" and headers["x-client-version"]
        assert headers["x-license-key"] == LICENSE_KEY


def test_a_wrong_pin_or_licence_is_refused_with_checkboxs_words(checkbox: Checkbox) -> None:
    with pytest.raises(FiscalRejected, match="пін-код"):
        _client(checkbox, pin="0000").sign_in()
    with pytest.raises(FiscalRejected, match="ліцензії"):
        _client(checkbox, key="nobody's").sign_in()
    checkbox.registers[LICENSE_KEY].expired = True
    with pytest.raises(FiscalRejected, match="закінчився"):
        _client(checkbox).sign_in()


def test_a_shift_is_opened_on_demand_and_read_until_opened(checkbox: Checkbox) -> None:
    client = _client(checkbox)
    shift = client.ensure_shift()
    assert shift["status"] == "OPENED"
    assert client.ensure_shift()["id"] == shift["id"]  # the open one is used, not a second
    assert len(checkbox.registers[LICENSE_KEY].shifts) == 1


def test_the_same_sale_posted_twice_is_one_receipt(checkbox: Checkbox) -> None:
    client = _client(checkbox)
    client.ensure_shift()
    body = _sale()
    first = client.sell(body)
    again = client.sell(body)
    assert first["id"] == again["id"] == body["id"]
    assert len(checkbox.receipts) == 1
    done = client.receipt(str(body["id"]))
    assert done is not None and done["status"] == "DONE" and done["fiscal_code"]


def test_a_return_is_linked_to_its_sale(checkbox: Checkbox) -> None:
    client = _client(checkbox)
    client.ensure_shift()
    sale = client.sell(_sale())
    client.receipt(sale["id"])
    back = _sale()
    back["goods"][0]["is_return"] = True  # type: ignore[index]
    back["related_receipt_id"] = sale["id"]
    answer = client.sell(back)
    assert answer["type"] == "RETURN" and answer["related_receipt_id"] == sale["id"]
    orphan = _sale()
    orphan["goods"][0]["is_return"] = True  # type: ignore[index]
    with pytest.raises(FiscalRejected, match="related_receipt_id"):
        client.sell(orphan)


def test_a_sale_without_a_shift_and_a_bad_sale_are_refused(checkbox: Checkbox) -> None:
    client = _client(checkbox)
    client.sign_in()
    with pytest.raises(FiscalRejected, match="Зміну не відкрито"):
        client.sell(_sale())
    client.ensure_shift()
    bad = _sale()
    bad["payments"][0]["value"] = 1  # type: ignore[index]
    with pytest.raises(FiscalRejected, match="Validation"):
        client.sell(bad)


def test_down_5xx_and_slow_are_unavailable_not_refusals(checkbox: Checkbox) -> None:
    client = _client(checkbox)
    checkbox.fail_next = 1
    with pytest.raises(FiscalUnavailable, match="503"):
        client.sign_in()
    checkbox.delay = 3
    with pytest.raises(FiscalUnavailable):
        client.sign_in()
    checkbox.delay = 0
    checkbox.stop()
    with pytest.raises(FiscalUnavailable):
        client.sign_in()


def test_the_z_report_closes_the_shift_and_an_issued_receipt_has_a_public_page(
        checkbox: Checkbox) -> None:
    client = _client(checkbox)
    client.ensure_shift()
    sale = client.sell(_sale())
    done = client.receipt(sale["id"])
    assert done is not None
    page = httpx.get(f"{checkbox.base_url}/{sale['id']}")
    assert page.status_code == 200 and done["fiscal_code"] in page.text
    closed = client.close_shift()
    assert closed is not None and closed["status"] == "CLOSED"
    assert closed["z_report"]["sell_receipts_count"] == 1
    assert client.close_shift() is None  # none open: nothing to close
