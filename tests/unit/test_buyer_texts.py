"""What the buyer reads before the pay page: the SMS, and the provider's description of the
payment, name the seller's shop and say what it is for."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.invoice import Invoice
from domain.money import Money
from domain.translit import latin
from storage.repository import Seller
from workers.attempts import provider_description
from workers.links import sms_text

SELLER = Seller(id=1, channel="telegram", external_id="1", name="Оксана", phone=None,
                country="UA", currency="UAH", language="uk", subscribed=True,
                shop_name="Квіти Оксани")


def invoice(description: str = "Букет троянд") -> Invoice:
    now = datetime.now(UTC)
    return Invoice.create(id="i", code="MdKHXDGsgj", seller_id=1,
                          amount=Money(Decimal("99.00"), "UAH"), description=description,
                          provider="liqpay", idempotency_key="k", created_at=now,
                          expires_at=now + timedelta(hours=1), channel="telegram", chat_id="1")


def test_the_sms_names_the_shop_what_and_how_much_in_latin_letters() -> None:
    text = sms_text(invoice(), SELLER, "uk", "https://pay.example.com")
    assert text == "Kvity Oksany: Buket troiand - 99,00 UAH: https://pay.example.com/p/MdKHXDGsgj"
    assert text.isascii()


def test_an_sms_without_a_description_or_shop_name_names_the_seller() -> None:
    text = sms_text(invoice(""), replace(SELLER, shop_name=None), "ru", "https://x")
    assert text == "Oksana: Oplata 99,00 UAH: https://x/p/MdKHXDGsgj"


def test_an_sms_of_a_seller_without_any_name_uses_a_neutral_word() -> None:
    text = sms_text(invoice(""), replace(SELLER, shop_name=None, name=""), "en", "https://x")
    assert text == "A seller: Pay 99.00 UAH: https://x/p/MdKHXDGsgj"


def test_a_long_description_keeps_the_sms_to_one_part() -> None:
    text = sms_text(invoice("Дуже " * 60), SELLER, "uk", "https://pay.example.com")
    assert len(text) <= 160 and text.isascii()


def test_the_provider_is_told_the_shop_and_the_description() -> None:
    assert provider_description(invoice(), SELLER) == "Квіти Оксани: Букет троянд"


def test_without_a_description_the_provider_is_told_the_shop_and_the_invoice_never_chatpay(
        ) -> None:
    assert provider_description(invoice(""), SELLER) == "Квіти Оксани: рахунок MdKHXDGsgj"
    english = replace(SELLER, shop_name=None, name="", language="en")
    assert provider_description(invoice(""), english) == "A seller: invoice MdKHXDGsgj"


def test_latin_letters_stay_and_what_gsm_cannot_carry_is_replaced() -> None:
    assert latin("Щука «Єва» — №5 café") == 'Shchuka "Ieva" - N5 caf'
