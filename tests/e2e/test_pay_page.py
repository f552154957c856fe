"""The buyer's pay page asks for an e-mail for the receipt, checks it on the server, stores it on
the invoice and sends the buyer on to the provider; the seller's paid message shows it."""
from __future__ import annotations

import re

import httpx
import pytest

from tests.e2e.conftest import SellerChat, buyer_pays, to_checkout
from web.stack import Stack
from workers import runtime


def _form(link: str, email: str, lang: str) -> httpx.Response:
    return httpx.post(link, data={"email": email}, headers={"Accept-Language": lang}, timeout=10)


@pytest.mark.parametrize("lang, says", [("uk", "не схоже на адресу e-mail"),
                                        ("ru", "не похоже на адрес e-mail"),
                                        ("en", "doesn't look like an e-mail address")])
def test_a_wrong_email_shows_the_form_again_in_the_buyers_language(
        seller: SellerChat, lang: str, says: str) -> None:
    seller.register()
    link = seller.pay_link(seller.create_invoice("12,50", "Кава"))

    page = _form(link, "buyer@@example", lang)
    assert page.status_code == 422
    assert says in page.text.replace("&#x27;", "'")
    assert 'name="email"' in page.text and 'value="buyer@@example"' in page.text
    assert "<script" not in page.text
    with runtime.deps().uow() as uow:
        assert uow.invoices.by_code(link.rsplit("/", 1)[1]).buyer_email is None  # type: ignore[union-attr]


def test_the_email_is_stored_and_the_buyer_goes_on_to_the_provider(seller: SellerChat) -> None:
    seller.register()
    link = seller.pay_link(seller.create_invoice("12,50", "Кава"))
    page = httpx.get(link, timeout=10)
    assert re.search(r'<input type="email" name="email"', page.text)

    checkout = to_checkout(link, " Buyer@Example.com ")
    assert "/sandbox/liqpay/" in checkout
    with runtime.deps().uow() as uow:
        invoice = uow.invoices.by_code(link.rsplit("/", 1)[1])
        assert invoice is not None and invoice.buyer_email == "Buyer@example.com"
        assert invoice.buyer_language == "uk"
        assert "BuyerDetailsGiven" in [r.name for r in uow.events.for_invoice(invoice.id)]


def test_the_email_may_be_left_empty(seller: SellerChat) -> None:
    seller.register()
    link = seller.pay_link(seller.create_invoice("5"))
    assert "/sandbox/liqpay/" in to_checkout(link, "")


def test_the_paid_message_shows_the_buyers_email_and_the_page_shows_paid(
        seller: SellerChat) -> None:
    seller.register()
    link = seller.pay_link(seller.create_invoice("12,50", "Кава"))
    buyer_pays(link, email="buyer@example.com")
    paid = seller.next("Оплачено")
    assert "Покупець: buyer@example.com" in paid["text"]
    page = httpx.get(link, timeout=10).text
    assert "Цей рахунок оплачено." in page and "<form" not in page
    # a late post of the form does not reopen anything
    assert _form(link, "other@example.com", "uk").status_code == 200
