"""Fiscal receipts through the seller's Checkbox, on the whole stack: web edge, LiqPay sandbox,
Telegram Bot API emulator, Dramatiq worker on Redis, the bot, the scheduler, and the Checkbox
stand-in over real HTTP."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from sandbox.checkbox import LICENSE_KEY, PIN, Checkbox
from sandbox.outbox import OUTBOX_KEY
from storage.secrets import SecretBox
from storage.uow import UnitOfWork
from tests.e2e.conftest import SellerChat, buyer_pays
from tests.e2e.test_invoice_outcomes import code_of, stored
from tests.e2e.test_send_link import Mailbox, _wait, smtp_server  # noqa: F401 (fixture)
from tests.faults.conftest import wait_until

NBSP = "\u00a0"
CHATPAY = str(Path(sys.executable).with_name("chatpay"))


@pytest.fixture
def seller(fiscal_stack: Any) -> SellerChat:
    return SellerChat(fiscal_stack)


def connect_in_storage(seller: SellerChat, uow_factory: Callable[[], UnitOfWork],
                       license_key: str = LICENSE_KEY, pin: str = PIN) -> int:
    """Checkbox connected as the bot's flow leaves it (that flow has its own test)."""
    box = SecretBox.from_settings(seller.stack.settings)
    with uow_factory() as uow:
        found = uow.sellers.by_external("telegram", str(seller.chat_id))
        assert found is not None
        uow.fiscal.connect(found.id, box.encrypt(license_key), box.encrypt(pin), datetime.now(UTC))
        uow.commit()
    return found.id


def history(uow_factory: Callable[[], UnitOfWork], invoice_id: str) -> list[str]:
    with uow_factory() as uow:
        return [r.name for r in uow.events.for_invoice(invoice_id)]


def with_receipt(seller: SellerChat, paid: dict[str, Any], timeout: float = 15) -> dict[str, Any]:
    """The paid message, once it gained the fiscal receipt's line (Telegram: edited)."""
    return seller.tg.wait_for(  # type: ignore[no-any-return]
        seller.chat_id, lambda m: m["message_id"] == paid["message_id"]
        and "🧾 Фіскальний чек №" in (m.get("text") or ""), timeout=timeout)


def paid_invoice(seller: SellerChat, amount: str = "12,50",
                 description: str | None = "Кава") -> tuple[str, dict[str, Any]]:
    link = seller.pay_link(seller.create_invoice(amount, description))
    buyer_pays(link)
    return code_of(link), seller.next("Оплачено")


def test_a_paid_invoice_gets_a_fiscal_receipt_and_a_refund_a_return_receipt(
        seller: SellerChat, checkbox: Checkbox, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    connect_in_storage(seller, uow_factory)
    code, paid = paid_invoice(seller)
    issued = with_receipt(seller, paid)
    [sale] = checkbox.issued(returns=False)
    assert issued["text"] == (f"{paid['text']}\n\n🧾 Фіскальний чек № {sale.fiscal_code}: "
                              f"{checkbox.base_url}/{sale.id}")
    assert issued["reply_markup"] == paid["reply_markup"]  # *Refund* is still there
    assert sale.goods == [{"good": {"code": code, "name": "Кава", "price": 1250},
                           "quantity": 1000, "is_return": False}]
    assert sale.payments[0]["type"] == "CASHLESS" and sale.payments[0]["value"] == 1250
    assert sale.payments[0]["card_mask"] == "424242*42"  # as LiqPay gave them
    assert len(sale.payments[0]["auth_code"]) == 6
    page = httpx.get(f"{checkbox.base_url}/{sale.id}")
    assert page.status_code == 200 and sale.fiscal_code in page.text  # type: ignore[operator]

    seller.taps(paid, f"rfd:{code}")
    seller.next("Скільки повернути")
    seller.says("2,50")
    seller.taps(seller.next("Повернути покупцю"), "rfc")
    seller.next("↩️ Повернено")
    back = seller.next("Чек повернення №")
    [ret] = checkbox.issued(returns=True)
    assert ret.related_receipt_id == sale.id and ret.total == 250
    assert ret.goods[0]["is_return"] is True
    assert f"{checkbox.base_url}/{ret.id}" in back["text"]
    invoice = stored(uow_factory, code)
    steps = [n for n in history(uow_factory, invoice.id) if n.startswith("FiscalReceipt")]
    assert steps == ["FiscalReceiptQueued", "FiscalReceiptIssued",
                     "FiscalReceiptQueued", "FiscalReceiptIssued"]


def test_checkbox_down_for_a_while_then_the_receipt_is_issued_later(
        seller: SellerChat, checkbox: Checkbox, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    connect_in_storage(seller, uow_factory)
    checkbox.stop()
    link = seller.pay_link(seller.create_invoice("40", "Чай"))
    buyer_pays(link)
    code = code_of(link)
    paid, pending = seller.next_each("Оплачено", "очікує")
    assert pending["text"].startswith(f"⏳ Фіскальний чек на 40,00{NBSP}₴ — Чай очікує")
    assert checkbox.receipts == {}
    # the buyer's page, paid, keeps following the invoice until the receipt's link is there
    status = f"{seller.stack.base_url}/p/{code}/status"
    waiting = httpx.get(status, timeout=10).json()
    assert (waiting["state"], waiting["final"]) == ("paid", False)
    checkbox.start()  # back on the same port
    issued = with_receipt(seller, paid, timeout=40)
    [sale] = checkbox.issued()
    assert sale.fiscal_code in issued["text"]  # type: ignore[operator]
    shown = httpx.get(status, timeout=10).json()
    assert shown["final"] is True and f"/{sale.id}" in shown["html"]
    assert shown["shown"] != waiting["shown"]  # the page redraws its paid part with the link
    seller.stack.drain()
    assert len(checkbox.receipts) == 1
    assert sum("очікує" in (m.get("text") or "") for m in seller.tg.sent(seller.chat_id)) == 1
    names = history(uow_factory, stored(uow_factory, code).id)
    assert "FiscalReceiptPending" in names and names[-1] == "FiscalReceiptIssued"


def retry_cli(settings: Any, redis_url: str, code: str) -> subprocess.CompletedProcess[str]:
    """`chatpay fiscal retry CODE`, as support runs it, on the stack's database and Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    env.update(DATABASE_URL=settings.database, REDIS_URL=redis_url,
               VAR_DIR=str(settings.var_dir), PUBLIC_BASE_URL=settings.public_base_url)
    return subprocess.run([CHATPAY, "fiscal", "retry", code, "--by", "support:test"], env=env,
                          cwd=settings.var_dir, capture_output=True, text=True, timeout=60)


def test_a_refusal_is_told_once_with_checkboxs_reason_and_is_retried_after_the_fix(
        seller: SellerChat, checkbox: Checkbox, uow_factory: Callable[[], UnitOfWork],
        redis_url: str) -> None:
    seller.register()
    connect_in_storage(seller, uow_factory)
    checkbox.registers[LICENSE_KEY].expired = True
    link = seller.pay_link(seller.create_invoice("12,50", "Кава"))
    buyer_pays(link)
    code = code_of(link)
    paid, refused = seller.next_each("Оплачено", "не зареєстровано")
    assert "Термін дії ліцензії каси закінчився" in refused["text"]
    seller.stack.drain()
    assert [m for m in seller.tg.sent(seller.chat_id)
            if "не зареєстровано" in (m.get("text") or "")] == [refused]  # told once
    checkbox.registers[LICENSE_KEY].expired = False  # the seller renewed the licence
    done = retry_cli(seller.stack.settings, redis_url, code)
    assert done.returncode == 0 and "Queued again" in done.stdout, done.stdout + done.stderr
    issued = with_receipt(seller, paid)
    [sale] = checkbox.issued()
    assert sale.fiscal_code in issued["text"]  # type: ignore[operator]
    invoice_id = stored(uow_factory, code).id
    names = wait_until(lambda: (n := history(uow_factory, invoice_id))[-1].startswith(
        "FiscalReceiptIssued") and n, 10)
    assert names[-3:] == ["FiscalReceiptRefused", "FiscalReceiptRetried", "FiscalReceiptIssued"]


def test_a_receipt_checkbox_ended_in_error_is_registered_anew_on_retry_only_once(
        seller: SellerChat, checkbox: Checkbox, uow_factory: Callable[[], UnitOfWork],
        redis_url: str) -> None:
    seller.register()
    connect_in_storage(seller, uow_factory)
    checkbox.error_next = 1  # the tax service turns the first receipt down
    link = seller.pay_link(seller.create_invoice("12,50", "Кава"))
    buyer_pays(link)
    code = code_of(link)
    paid, refused = seller.next_each("Оплачено", "не зареєстровано")
    assert "статус ERROR" in refused["text"]
    [failed] = checkbox.receipts.values()
    assert failed.status == "ERROR"
    done = retry_cli(seller.stack.settings, redis_url, code)
    assert done.returncode == 0, done.stdout + done.stderr
    issued = with_receipt(seller, paid)
    [sale] = checkbox.issued()
    assert sale.id != failed.id and sale.fiscal_code in issued["text"]  # type: ignore[operator]
    assert retry_cli(seller.stack.settings, redis_url, code).returncode == 1  # nothing refused
    assert len(checkbox.issued()) == 1


def test_chatpay_up_serves_the_checkbox_stand_in_sellers_receipts_go_to_by_default(
        stack_factory: Any, uow_factory: Callable[[], UnitOfWork]) -> None:
    stack = stack_factory()  # CHECKBOX_API_BASE unset: development's stand-in at /sandbox/checkbox
    seller = SellerChat(stack)
    seller.register()
    connect_in_storage(seller, uow_factory)
    _, paid = paid_invoice(seller)
    issued = with_receipt(seller, paid)
    link = issued["text"].rsplit(": ", 1)[1]
    assert link.startswith(f"{stack.base_url}/sandbox/checkbox/")
    page = httpx.get(link)
    assert page.status_code == 200 and "Фіскальний чек" in page.text
    listed = httpx.get(f"{stack.base_url}/sandbox/checkbox/")  # what the stand-in registered
    assert listed.status_code == 200 and link.rsplit("/", 1)[1] in listed.text
    # the sandbox page's outbox shows it beside the SMS and e-mails, with its link
    outbox = redis.Redis.from_url(stack.redis_url)
    kept = [json.loads(raw) for raw in outbox.lrange(OUTBOX_KEY, 0, -1)]
    [receipt] = [item for item in kept if item["kind"] == "receipt"]
    assert receipt["link"] == link and receipt["subject"] == "sale"
    assert receipt["to"] in issued["text"] and "12.50 (CASHLESS)" in receipt["text"]


def test_the_buyers_receipt_e_mail_carries_the_fiscal_receipts_link(
        stack_factory: Any, checkbox: Checkbox, uow_factory: Callable[[], UnitOfWork],
        smtp_server: tuple[Mailbox, str]) -> None:  # noqa: F811
    mailbox, url = smtp_server
    checkbox.delay = 0.5  # the receipt takes a while: the e-mail waits for it, once
    stack = stack_factory(smtp_url=url, checkbox_api_base=f"{checkbox.base_url}/api/v1",
                          checkbox_receipt_base=checkbox.base_url)
    seller = SellerChat(stack)
    seller.register()
    connect_in_storage(seller, uow_factory)
    link = seller.pay_link(seller.create_invoice("12,50", "Кава"))
    buyer_pays(link, email="buyer@example.com")
    with_receipt(seller, seller.next("Оплачено"), timeout=30)
    _wait(lambda: mailbox.mails)
    [sale] = checkbox.issued()
    text = mailbox.mails[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"Фіскальний чек: {checkbox.base_url}/{sale.id}" in text
    # the buyer's pay page, paid, links the fiscal receipt and says where the e-mail went
    page = httpx.get(link, timeout=10).text
    assert f'href="{checkbox.base_url}/{sale.id}"' in page
    assert "Квитанцію надіслано на b…@example.com" in page
    seller.stack.drain()
    assert len(mailbox.mails) == 1


def test_the_sellers_open_shift_is_closed_at_the_end_of_their_day(
        seller: SellerChat, checkbox: Checkbox, uow_factory: Callable[[], UnitOfWork]) -> None:
    from workers.render import zone_of
    from workers.runtime import deps
    from workers.scheduler import reconcile
    seller.register()
    seller_id = connect_in_storage(seller, uow_factory)
    with_receipt(seller, paid_invoice(seller)[1])
    register = checkbox.registers[LICENSE_KEY]
    assert register.shift is not None and register.shift.status == "OPENED"

    def shift_noted() -> Any:
        with uow_factory() as uow:
            found = uow.fiscal.settings(seller_id)
        return found if found is not None and found.shift_opened_at is not None else None
    settings = wait_until(shift_noted, 10, "the open shift to be noted")
    opened = settings.shift_opened_at.astimezone(zone_of("UA"))  # the seller's zone: Kyiv

    assert reconcile(deps(), now=opened + timedelta(seconds=1))["fiscal_shifts"] == 0
    evening = opened.replace(hour=23, minute=55)  # 23:55 in Kyiv, that day
    assert reconcile(deps(), now=evening)["fiscal_shifts"] == 1
    wait_until(lambda: register.shift is None, 15)
    seller.stack.drain()  # closed at Checkbox, then noted by the worker: wait for both
    [shift] = register.shifts
    assert shift.status == "CLOSED" and shift.z_report and shift.z_report[
        "sell_receipts_count"] == 1
    with uow_factory() as uow:
        settings = uow.fiscal.settings(seller_id)
    assert settings is not None and settings.shift_opened_at is None
    assert reconcile(deps(), now=evening)["fiscal_shifts"] == 0  # nothing left open

    # the next sale opens a new shift on demand
    with_receipt(seller, paid_invoice(seller, "5", "Чай")[1])
    assert len(register.shifts) == 2 and register.shift is not None
