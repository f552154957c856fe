"""*Payment account* tells the truth about where new invoices are paid: with LiqPay and
monobank both connected it names both and says the buyer chooses, not "your LiqPay: new invoices
are paid into it" while they go to monobank (found by a new user)."""
from __future__ import annotations

from bots.accounts import MONOBANK, screen
from tests.integration.test_storage import UowFactory, add_seller


def connect(uow_factory: UowFactory, seller_id: int, provider: str, key: str) -> None:
    with uow_factory() as uow:
        uow.accounts.connect(seller_id, key, "encrypted", provider=provider)
        uow.commit()


def test_with_both_providers_the_screen_names_both_and_says_the_buyer_chooses(
        uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        seller_id = add_seller(uow)
        uow.commit()
    connect(uow_factory, seller_id, MONOBANK, "MERCHANT0001")
    connect(uow_factory, seller_id, "liqpay", "sandbox_i000000002812")
    for lang, chooses in (("en", "The buyer chooses"), ("uk", "Покупець обирає"),
                          ("ru", "Покупатель выбирает")):
        text, liqpay, merchant = screen(uow_factory, seller_id, True, lang)
        assert liqpay == "sandbox_i000000002812" and merchant == "MERCHANT0001"
        assert chooses in text and "2812" in text and "0001" in text
        assert "New invoices are paid into it" not in text


def test_with_one_provider_the_screen_says_new_invoices_are_paid_into_it(
        uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        seller_id = add_seller(uow)
        uow.commit()
    connect(uow_factory, seller_id, "liqpay", "sandbox_i000000002812")
    text, _, merchant = screen(uow_factory, seller_id, True, "en")
    assert merchant is None and "New invoices are paid into it" in text
