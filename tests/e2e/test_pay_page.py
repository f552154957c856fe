"""The buyer's pay page asks for an e-mail for the receipt, checks it on the server, stores it on
the invoice and sends the buyer on to the provider; the seller's paid message shows it."""
from __future__ import annotations

import re

import httpx
import pytest

from sandbox.stack import Stack
from tests.e2e.conftest import SellerChat, buyer_pays, to_checkout
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
    assert says in page.text.replace("&#x27;", "'").replace("&#39;", "'")
    assert 'name="email"' in page.text and 'value="buyer@@example"' in page.text
    assert re.search(r'<form method="post" action="/p/\w+">', page.text)  # no JavaScript needed
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
    assert "state-paid" in page and "Оплачено" in page and "<form" not in page
    # a late post of the form does not reopen anything
    assert _form(link, "other@example.com", "uk").status_code == 200


def test_the_pay_page_asks_for_the_name_and_phone_the_seller_chose(seller: SellerChat) -> None:
    seller.register()
    before = seller.pay_link(seller.create_invoice("3"))
    seller.says("/buyer")
    shown = seller.next("Дані покупця")
    assert "ім'я — ні" in shown["text"] and "телефон — ні" in shown["text"]
    seller.taps(shown, "bf:name")
    seller.next("ім'я — так")
    seller.taps(shown, "bf:phone")
    seller.next("телефон — так")
    link = seller.pay_link(seller.create_invoice("12,50", "Кава"))

    assert 'name="name"' not in httpx.get(before, timeout=10).text  # made before the choice
    page = httpx.get(link, timeout=10).text
    assert 'name="name"' in page and 'name="phone"' in page and 'name="email"' in page

    wrong = httpx.post(link, data={"name": " ", "phone": "12", "email": ""},
                       headers={"Accept-Language": "en"}, timeout=10)
    assert wrong.status_code == 422
    assert "Please give your name" in wrong.text and "look like a phone number" in wrong.text

    with httpx.Client(timeout=15, follow_redirects=True) as client:
        sent = client.post(link, data={"name": "Оля  Петренко", "phone": "067 123 45 67",
                                       "email": "olia@example.com"}, follow_redirects=False)
        assert sent.status_code == 303
    with runtime.deps().uow() as uow:
        invoice = uow.invoices.by_code(link.rsplit("/", 1)[1])
        assert invoice is not None
        assert (invoice.buyer_name, invoice.buyer_phone) == ("Оля Петренко", "+380671234567")
    buyer_pays(link, email="olia@example.com",
               details={"name": "Оля Петренко", "phone": "+380671234567"})
    paid = seller.next("Оплачено")
    assert "Покупець: Оля Петренко, +380671234567, olia@example.com" in paid["text"]


def test_viber_seller_chooses_the_buyer_details(stack: Stack) -> None:
    from tests.e2e.test_viber_conversation import ViberSeller
    seller = ViberSeller(stack)
    seller.register()
    seller.says("/buyer")
    seller.next("Дані покупця")
    seller.taps("bf:phone")
    assert "телефон — так" in seller.next("Дані покупця")["text"]


def test_a_browser_asking_for_a_language_chatpay_does_not_speak_gets_the_sellers(
        seller: SellerChat) -> None:
    seller.register()
    link = seller.pay_link(seller.create_invoice("5"))
    page = httpx.get(link, headers={"Accept-Language": "de-DE,de;q=0.9"}, timeout=10).text
    assert '<html lang="uk">' in page  # the seller's, not English
    chosen = httpx.get(link + "?lang=ru", headers={"Accept-Language": "en"}, timeout=10)
    assert '<html lang="ru">' in chosen.text and chosen.cookies.get("chatpay_lang") == "ru"
