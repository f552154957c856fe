"""The buyer of a seller with both LiqPay and monobank connected chooses how to pay, in a real
browser (Debian's Chromium, driven by Playwright) on a phone's screen, checked by axe-core: one
button per provider in the buyer's language, beside the manual methods; monobank chosen, its
checkout pays and the page turns paid."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from domain.i18n import t
from sandbox.stack import Stack
from storage.secrets import SecretBox
from storage.uow import UnitOfWork
from tests.e2e.conftest import SellerChat
from tests.e2e.test_buyer_page import browser, looks_right, phone  # noqa: F401 (fixtures)

pytestmark = pytest.mark.timeout(1200)  # the first test may wait for apt-get to install Chromium


def both_connected(stack: Stack, seller: SellerChat,
                   uow_factory: Callable[[], UnitOfWork]) -> None:
    """LiqPay, then monobank, connected as the bots' flows leave them (those have their tests)."""
    public, private = stack.sandbox.add_merchant()  # type: ignore[attr-defined]
    token = stack.monobank.add_merchant("Квіти Оксани")  # type: ignore[attr-defined]
    box = SecretBox.from_settings(stack.settings)
    with uow_factory() as uow:
        found = uow.sellers.by_external("telegram", str(seller.chat_id))
        assert found is not None
        uow.accounts.connect(found.id, public, box.encrypt(private), "liqpay")
        uow.accounts.connect(found.id, token[-8:], box.encrypt(token), "monobank")
        uow.commit()


def test_with_both_providers_the_buyer_chooses_monobank_and_pays(
        phone: Any, stack: Stack, uow_factory: Callable[[], UnitOfWork]) -> None:  # noqa: F811
    seller = SellerChat(stack)
    seller.register()
    both_connected(stack, seller, uow_factory)
    link = seller.pay_link(seller.create_invoice("99", "Букет троянд"))
    lang = phone.lang

    phone.goto(link)
    looks_right(phone, "open")
    buttons = phone.locator("button.pay")
    assert buttons.all_inner_texts() == [t(lang, "pay_with_liqpay"), t(lang, "pay_with_monobank")]

    phone.get_by_role("button", name=t(lang, "pay_with_monobank")).click()
    phone.wait_for_url("**/sandbox/monobank/pay/*")
    phone.locator("input[name=card]").fill("4242 4242 4242 4242")
    phone.locator("input[name=exp]").fill("12/30")
    phone.locator("input[name=cvv]").fill("123")
    phone.locator("#card-form button").click()

    phone.wait_for_url("**/p/*?back=1")
    phone.locator("#live[data-state=paid]").wait_for()
    looks_right(phone, "paid")
    assert "99" in phone.locator(".state-paid").inner_text()
    seller.next("Оплачено")
