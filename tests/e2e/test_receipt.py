"""A buyer who gave an e-mail on the pay page gets one receipt once the invoice is paid, in the
language of the pay page, from a real SMTP server's point of view (aiosmtpd)."""
from __future__ import annotations

from typing import Any

import httpx

from domain.commands import SendReceipt
from tests.e2e.conftest import SellerChat, buyer_pays
from tests.e2e.test_send_link import Mailbox, _wait, smtp_server  # noqa: F401 (fixture)
from workers import runtime


def test_the_buyer_gets_one_receipt_in_the_pay_pages_language(
        stack_factory: Any, smtp_server: tuple[Mailbox, str]) -> None:  # noqa: F811
    box, url = smtp_server
    stack = stack_factory(smtp_url=url)
    seller = SellerChat(stack)
    seller.register()
    link = seller.pay_link(seller.create_invoice("12,50", "Кава"))
    code = link.rsplit("/", 1)[1]

    buyer_pays(link, email="buyer@example.com", lang="en-GB")  # the page read in English
    seller.next("Оплачено")

    _wait(lambda: box.mails)
    receipt = box.mails[0]
    assert receipt["To"] == "buyer@example.com" and "receipt" in receipt["Subject"].lower()
    text = receipt.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    with runtime.deps().uow() as uow:
        invoice = uow.invoices.by_code(code)
        assert invoice is not None and invoice.provider_payment_id
        invoice_id, payment_id = invoice.id, invoice.provider_payment_id
    assert "You paid" in text and "12.50" in text and "Кава" in text
    assert f"Transaction id: {payment_id}" in text
    assert "Card: 424242*42" in text
    assert link in text and "not a fiscal receipt" in text
    assert "paid" in httpx.get(link, headers={"Accept-Language": "en"}, timeout=10).text

    # asked again (a redelivered message): still one receipt
    runtime.deps().bus.publish(SendReceipt(invoice_id))
    stack.drain()
    assert len(box.mails) == 1


def test_no_receipt_without_a_buyer_email(
        stack_factory: Any, smtp_server: tuple[Mailbox, str]) -> None:  # noqa: F811
    box, url = smtp_server
    stack = stack_factory(smtp_url=url)
    seller = SellerChat(stack)
    seller.register()
    link = seller.pay_link(seller.create_invoice("7"))
    buyer_pays(link)
    seller.next("Оплачено")
    stack.drain()
    assert box.mails == []


def test_a_refund_sends_the_buyer_a_short_notice_once(
        stack_factory: Any, smtp_server: tuple[Mailbox, str]) -> None:  # noqa: F811
    from decimal import Decimal

    from domain.money import Money
    box, url = smtp_server
    stack = stack_factory(smtp_url=url)
    seller = SellerChat(stack)
    seller.register()
    link = seller.pay_link(seller.create_invoice("12,50", "Кава"))
    buyer_pays(link, email="buyer@example.com")
    seller.next("Оплачено")
    _wait(lambda: len(box.mails) == 1)

    deps = runtime.deps()
    with deps.uow() as uow:
        invoice = uow.invoices.by_code(link.rsplit("/", 1)[1])
    assert invoice is not None
    deps.accounts.for_invoice(invoice).refund(invoice.order_id, Money(Decimal("12.50"), "UAH"))
    seller.next("Повернено")  # the provider's callback reached us
    _wait(lambda: len(box.mails) == 2)
    notice = box.mails[1]
    text = notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert notice["To"] == "buyer@example.com" and "повернув вам 12,50" in text
    assert "не фіскальний" in text
    deps.bus.publish(SendReceipt(invoice.id, "refunded"))
    stack.drain()
    assert len(box.mails) == 2
