"""*Settings → Fiscal receipts* in Telegram and Viber, on the whole stack and the Checkbox
stand-in: connect (checked by a sign-in, stored encrypted, the key and PIN messages gone),
automatic/off, the default goods name."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sandbox.checkbox import LICENSE_KEY, PIN, Checkbox
from storage.uow import UnitOfWork
from tests.e2e.conftest import SellerChat, buyer_pays
from tests.e2e.test_fiscal_receipts import with_receipt
from tests.e2e.test_payment_account import redis_values

NBSP = "\u00a0"


@pytest.fixture
def seller(fiscal_stack: Any) -> SellerChat:
    return SellerChat(fiscal_stack)


def connect(seller: SellerChat, license_key: str = LICENSE_KEY, pin: str = PIN,
            shows: str = "Каса: не підключено") -> list[dict[str, Any]]:
    """Settings → Fiscal receipts → Connect Checkbox → key → PIN; returns the two messages."""
    seller.says("⚙️ Платіжний рахунок")
    board = seller.next("Платіжний рахунок")
    assert ("🧾 Фіскальні чеки", "fisc:show") in [
        (b["text"], b["callback_data"]) for row in board["reply_markup"]["inline_keyboard"]
        for b in row]
    seller.taps(board, "fisc:show")
    settings = seller.next("Фіскальні чеки (ПРРО Checkbox)")
    assert shows in settings["text"]
    seller.taps(settings, "fisc:connect")
    seller.next("ключ ліцензії")
    sent = [seller.says(license_key)]
    assert "видалено" in seller.next("пін-код касира")["text"]
    sent.append(seller.says(pin))
    seller.next("Перевіряю вхід у Checkbox")
    return sent


def test_a_seller_connects_checkbox_in_telegram_and_the_next_payment_gets_a_receipt(
        seller: SellerChat, checkbox: Checkbox, uow_factory: Callable[[], UnitOfWork],
        redis_url: str) -> None:
    seller.register()
    sent = connect(seller)
    seller.next("Checkbox підключено")
    kept = {m["message_id"] for m in seller.tg.history(seller.chat_id)}
    assert all(m["message_id"] not in kept for m in sent), "a key or PIN message is still there"
    with uow_factory() as uow:
        found = uow.sellers.by_external("telegram", str(seller.chat_id))
        assert found is not None
        stored = uow.fiscal.settings(found.id)
    assert stored is not None and stored.automatic
    assert LICENSE_KEY not in (stored.license_key_encrypted or "")
    assert LICENSE_KEY.encode() not in redis_values(redis_url)

    seller.says("/fiscal")
    seller.taps(seller.next("Каса: підключено"), "fisc:goods")
    seller.next("назву товару")
    seller.says("Консультація")
    seller.next("Назва товару для чеків: «Консультація»")
    link = seller.pay_link(seller.create_invoice("300", None))
    buyer_pays(link)
    with_receipt(seller, seller.next("Оплачено"))
    [sale] = checkbox.issued()
    assert sale.goods[0]["good"]["name"] == "Консультація"


def test_a_wrong_pin_is_refused_with_checkboxs_words_and_nothing_is_stored(
        seller: SellerChat, checkbox: Checkbox, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    connect(seller, pin="9999")
    refused = seller.next("Checkbox не прийняв")
    assert "Невірний пін-код касира" in refused["text"]
    with uow_factory() as uow:
        found = uow.sellers.by_external("telegram", str(seller.chat_id))
        assert found is not None and uow.fiscal.settings(found.id) is None


def test_receipts_switched_off_register_nothing_and_bad_input_is_explained(
        seller: SellerChat, checkbox: Checkbox) -> None:
    seller.register()
    seller.says("/fiscal")
    board = seller.next("Фіскальні чеки")
    seller.taps(board, "fisc:mode:automatic")
    assert seller.next("Спершу підключіть Checkbox")
    seller.taps(board, "fisc:connect")
    seller.next("ключ ліцензії")
    seller.says("ключ з пробілами")
    assert "не схоже на ключ ліцензії" in seller.next("ключ ліцензії")["text"]
    seller.says(LICENSE_KEY)
    seller.next("пін-код касира")
    seller.says("12ab")
    seller.next("від 4 до 10 цифр")
    seller.says(PIN)
    seller.next("Checkbox підключено")
    seller.taps(board, "fisc:mode:off")
    seller.next("Збережено: вимкнено")
    buyer_pays(seller.pay_link(seller.create_invoice("10", "Кава")))
    seller.next("Оплачено")
    assert checkbox.receipts == {}


def test_a_viber_seller_connects_checkbox_and_reads_the_fiscal_receipt(
        fiscal_stack: Any, checkbox: Checkbox) -> None:
    from tests.e2e.test_viber_conversation import ViberSeller, pay_link
    seller = ViberSeller(fiscal_stack)
    seller.register()
    seller.taps("⚙️ Платіжний рахунок")
    board = seller.next("Платіжний рахунок")
    assert "fisc:show" in [b["ActionBody"] for b in board["keyboard"]["Buttons"]]
    seller.taps("fisc:show")
    seller.next("Каса: не підключено")
    seller.taps("fisc:connect")
    seller.next("ключ ліцензії")
    seller.says(LICENSE_KEY)
    assert "видаліть" in seller.next("пін-код касира")["text"].lower()
    seller.says(PIN)
    seller.next("Перевіряю вхід у Checkbox")
    seller.next("Checkbox підключено")
    buyer_pays(pay_link(seller.create_invoice("12,50", "Кава")))
    seller.next("Оплачено")
    issued = seller.next("Фіскальний чек №")
    [sale] = checkbox.issued()
    assert issued["text"] == (f"🧾 Фіскальний чек № {sale.fiscal_code} на 12,50{NBSP}₴ — Кава\n"
                              f"{checkbox.base_url}/{sale.id}")


def test_connecting_again_after_the_fix_registers_the_refused_receipt(
        seller: SellerChat, checkbox: Checkbox) -> None:
    seller.register()
    connect(seller)
    seller.next("Checkbox підключено")
    checkbox.registers[LICENSE_KEY].expired = True
    buyer_pays(seller.pay_link(seller.create_invoice("20", "Кава")))
    paid, refused = seller.next_each("Оплачено", "не зареєстровано")
    assert "Термін дії ліцензії" in refused["text"] and "підключіть Checkbox знову" in refused[
        "text"]
    checkbox.registers[LICENSE_KEY].expired = False  # renewed in Checkbox's cabinet
    connect(seller, shows="Каса: підключено")
    seller.next("Checkbox підключено")
    issued = with_receipt(seller, paid)
    [sale] = checkbox.issued()
    assert sale.fiscal_code in issued["text"]  # type: ignore[operator]
