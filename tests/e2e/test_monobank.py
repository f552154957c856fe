"""A seller connects monobank in Telegram and in Viber, through the emulators, the monobank
stand-in, a real worker and real Redis; a buyer pays on its checkout, the seller is told "paid"
and refunds part. The token is deleted from the chat (Viber: the seller is asked to), stored
only encrypted, and never shown."""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.i18n import mask_key
from sandbox.stack import Stack
from tests.e2e.conftest import SellerChat, to_checkout
from tests.e2e.test_invoice_outcomes import code_of
from tests.e2e.test_payment_account import assert_nowhere_in_clear, stored_accounts
from tests.e2e.test_viber_conversation import VIBER_USER, ViberSeller, pay_link

SETTINGS = "⚙️ Платіжний рахунок"
NBSP = "\u00a0"
MERCHANT = "Кав'ярня Моно"


def pays_on_monobank(link: str, card: str = "4242424242424242") -> str:
    """The buyer opens the pay page, is sent to monobank's checkout and pays there; where they
    are sent back to."""
    checkout = to_checkout(link)
    assert "/sandbox/monobank/pay/" in checkout, checkout
    with httpx.Client(timeout=15) as client:
        page = client.get(checkout)
        assert page.status_code == 200 and re.search(r'<form method="post"', page.text)
        answer = client.post(checkout, data={"card": card})
        assert answer.status_code == 303, answer.text
        return answer.headers["location"]


def monobank_invoice(stack: Stack, link: str) -> dict[str, Any]:
    code = code_of(link)
    found = [i for i in stack.monobank.invoices.values()  # type: ignore[attr-defined]
             if i["reference"].startswith(f"{code}-")]
    assert len(found) == 1
    return found[0]


def test_a_telegram_seller_connects_monobank_is_paid_through_it_and_refunds_part(
        stack: Stack, seller: SellerChat, database_url: str, redis_url: str, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seller.register()
    token = stack.monobank.add_merchant(MERCHANT)  # type: ignore[attr-defined]
    seller.says(SETTINGS)
    board = seller.next("Платіжний рахунок")
    seller.taps(board, "acct:mono")
    seller.next("токен з бізнес-кабінету monobank")
    sent = seller.says(token)
    checking = seller.next("Перевіряю токен у monobank")
    assert "Повідомлення з ключем видалено" in checking["text"]
    assert MERCHANT in seller.next("monobank підключено")["text"]
    kept = {m["message_id"] for m in seller.tg.history(seller.chat_id)}
    assert sent["message_id"] not in kept, "the token is still in the chat"
    seller.says(SETTINGS)
    board = seller.next("monobank: ваш еквайринг")
    merchant_id = token[-8:]  # the stand-in's merchantId, shown masked; the token never
    assert mask_key(merchant_id) in board["text"] and merchant_id not in board["text"]
    assert token not in board["text"]

    link = seller.pay_link(seller.create_invoice("100", "Кава"))
    back = pays_on_monobank(link)
    assert back.startswith(link)
    paid = seller.next("Оплачено")
    assert paid["text"].startswith(f"✅ Оплачено 100,00{NBSP}₴ — Кава")

    code = code_of(link)
    seller.taps(paid, f"rfd:{code}")
    seller.next("Скільки повернути")
    seller.says("30")
    seller.taps(seller.next("Повернути покупцю 30,00"), "rfc")
    assert seller.next("↩️ Повернено")["text"] == (
        f"↩️ Повернено 30,00{NBSP}₴ — Кава. Ще можна повернути 70,00{NBSP}₴.")
    operations = monobank_invoice(stack, link)["cancelList"]
    assert [(o["amount"], o["status"]) for o in operations] == [(3000, "success")]
    [(_, encrypted, _)] = stored_accounts(database_url)
    assert token not in encrypted
    assert_nowhere_in_clear(token, redis_url=redis_url, var=tmp_path, logs=caplog.text)


def test_a_token_monobank_refuses_is_not_stored_and_the_seller_is_told_in_words(
        stack: Stack, seller: SellerChat, database_url: str) -> None:
    seller.register()
    seller.says(SETTINGS)
    seller.taps(seller.next("Платіжний рахунок"), "acct:mono")
    seller.next("токен")
    seller.says("sandbox-this-token-monobank-never-issued")
    refused = seller.next("monobank не прийняв")
    assert "нічого не збережено" in refused["text"] and "403" not in refused["text"]
    assert stored_accounts(database_url) == []


def test_a_viber_seller_connects_monobank_is_paid_through_it_and_refunds_part(
        stack: Stack) -> None:
    seller = ViberSeller(stack)
    seller.register()
    token = stack.monobank.add_merchant(MERCHANT)  # type: ignore[attr-defined]
    seller.taps(SETTINGS)
    board = seller.next("Платіжний рахунок")
    assert "acct:mono" in [b["ActionBody"] for b in board["keyboard"]["Buttons"]]
    seller.taps("acct:mono")
    seller.next("токен з бізнес-кабінету monobank")
    seller.says(token)
    assert "видаліть його, будь ласка, самі" in seller.next("Перевіряю токен")["text"]
    assert MERCHANT in seller.next("monobank підключено")["text"]
    assert not any(token in (m.get("text") or "")
                   for m in stack.viber.sent(VIBER_USER))  # type: ignore[attr-defined]

    link = pay_link(seller.create_invoice("12,50", "Кава"))
    pays_on_monobank(link)
    assert "✅ Оплачено 12,50\u00a0₴" in seller.next("Оплачено")["text"]

    seller.taps(f"rfd:{code_of(link)}")
    seller.next("Скільки повернути")
    seller.says("2,50")
    seller.next("Повернути покупцю 2,50")
    seller.taps("rfc")
    assert seller.next("↩️ Повернено")["text"] == (
        f"↩️ Повернено 2,50{NBSP}₴ — Кава. Ще можна повернути 10,00{NBSP}₴.")
    assert [o["amount"] for o in monobank_invoice(stack, link)["cancelList"]] == [250]


def test_a_monobank_payment_gets_a_fiscal_receipt_with_monobanks_card_mask_auth_code_and_rrn(
        stack_factory: Any, checkbox: Any, uow_factory: Any) -> None:
    from tests.e2e.test_fiscal_receipts import connect_in_storage, with_receipt
    stack = stack_factory(checkbox_api_base=f"{checkbox.base_url}/api/v1",
                          checkbox_receipt_base=checkbox.base_url)
    seller = SellerChat(stack)
    seller.register()
    connect_in_storage(seller, uow_factory)
    seller_id = connect_monobank_in_storage(stack, seller, uow_factory)
    assert seller_id
    link = seller.pay_link(seller.create_invoice("12,50", "Кава"))
    pays_on_monobank(link)
    with_receipt(seller, seller.next("Оплачено"))
    [sale] = checkbox.issued(returns=False)
    info = monobank_invoice(stack, link)["paymentInfo"]
    payment = sale.payments[0]
    assert payment["card_mask"] == info["maskedPan"] == "424242******4242"
    assert payment["auth_code"] == info["approvalCode"] and payment["rrn"] == info["rrn"]


def connect_monobank_in_storage(stack: Stack, seller: SellerChat, uow_factory: Any) -> int:
    """monobank connected as the bot's flow leaves it (that flow has its own tests above)."""
    from storage.secrets import SecretBox
    token = stack.monobank.add_merchant(MERCHANT)  # type: ignore[attr-defined]
    box = SecretBox.from_settings(stack.settings)
    with uow_factory() as uow:
        found = uow.sellers.by_external("telegram", str(seller.chat_id))
        uow.accounts.connect(found.id, token[-8:], box.encrypt(token), "monobank")
        uow.commit()
    return int(found.id)
