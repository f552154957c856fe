"""A declined card is an attempt, not the invoice's end: the buyer tries again on the same link.

The whole stack on real parts (web edge, LiqPay sandbox, Telegram and Viber emulators, the
Dramatiq worker on Redis, the bots, the scheduler). Each card payment attempt is its own order at
the sandbox (`{code}-1`, `{code}-2`, ...); the pay link and QR stay the same.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import httpx

from domain.attempts import AttemptState
from domain.invoice import Invoice, InvoiceStatus
from sandbox.stack import Stack
from storage.uow import UnitOfWork
from tests.e2e.conftest import SellerChat, to_checkout
from tests.e2e.test_viber_conversation import ViberSeller, pay_link

NBSP = "\u00a0"
CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_3DS = "4000000000003063"
DECLINE_NOTE = f"💳 Оплату карткою 12,50{NBSP}₴ — Кава відхилено:"


def code_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def stored(uow_factory: Callable[[], UnitOfWork], code: str) -> Invoice:
    with uow_factory() as uow:
        invoice = uow.invoices.by_code(code)
    assert invoice is not None
    return invoice


def pay_at(checkout_url: str, card: str) -> httpx.Response:
    """Submit a card on a checkout page (the buyer's browser, following redirects)."""
    with httpx.Client(follow_redirects=True, timeout=15) as client:
        checkout = client.get(checkout_url)
        assert checkout.status_code == 200, checkout.text
        action = re.search(r'<form method="post" action="([^"]+)"', checkout.text)
        assert action, checkout.text
        target = httpx.URL(str(checkout.url)).join(action.group(1).replace("&amp;", "&"))
        return client.post(target, data={"card": card, "exp": "12/30", "cvv": "123"})


def attempt_states(uow_factory: Callable[[], UnitOfWork], code: str) -> list[tuple[str, str]]:
    return [(a.order_id, a.state.value) for a in stored(uow_factory, code).attempts]


def texts(seller: SellerChat) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in seller.tg.sent(seller.chat_id)]


def settled(stack: Stack, timeout: float = 15) -> None:
    """Whatever was going to happen has happened: the sandbox's callbacks delivered, the bot's
    updates taken and the queues empty (waited for, not slept on)."""
    deadline = time.monotonic() + timeout
    while stack.sandbox.callbacks_pending:
        assert time.monotonic() < deadline, "the sandbox's callbacks were never delivered"
        time.sleep(0.02)
    stack.drain(timeout=max(deadline - time.monotonic(), 1.0))


def wait_for_state(uow_factory: Callable[[], UnitOfWork], code: str,
                   predicate: Callable[[Invoice], bool], timeout: float = 15) -> Invoice:
    deadline = time.monotonic() + timeout
    while True:
        invoice = stored(uow_factory, code)
        if predicate(invoice):
            return invoice
        assert time.monotonic() < deadline, f"invoice {code} never got there: {invoice}"
        time.sleep(0.05)


def test_a_declined_card_is_a_note_and_the_buyer_pays_again_on_the_same_link(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    invoice_message = seller.create_invoice("12,50", "Кава")
    link = seller.pay_link(invoice_message)
    code = code_of(link)

    first = to_checkout(link)
    pay_at(first, CARD_DECLINED)
    note = seller.next("відхилено")
    assert note["text"].startswith(DECLINE_NOTE)
    assert "спробувати ще раз" in note["text"]
    assert note["reply_to_message_id"] == invoice_message["message_id"]
    assert stored(uow_factory, code).status is InvoiceStatus.PENDING
    seller.taps(invoice_message, f"chk:{code}")  # the seller checks: no raw "failure" shown
    checked = seller.next("ще не оплачено")
    assert "картку відхилено, покупець може спробувати ще раз" in checked["text"]

    # the same link, once more: the pay page sends the buyer to a new order at the provider
    page = httpx.get(link, timeout=10).text
    assert 'class="pay"' in page
    second = to_checkout(link)
    assert second != first
    pay_at(second, CARD_OK)

    paid = seller.next("Оплачено")
    assert paid["text"] == f"✅ Оплачено 12,50{NBSP}₴ — Кава"
    invoice = stored(uow_factory, code)
    assert invoice.status is InvoiceStatus.PAID and not invoice.paid_late
    assert attempt_states(uow_factory, code) == [(f"{code}-1", "declined"), (f"{code}-2", "paid")]
    assert invoice.order_id == f"{code}-2"  # a refund goes to the order that was paid
    time.sleep(0.5)  # room for a stray message, if one were sent
    said = texts(seller)
    assert sum(m.startswith(DECLINE_NOTE) for m in said) == 1
    assert sum("Оплачено" in m for m in said) == 1
    assert not any("Оплата не вдалася" in m for m in said)


def test_a_viber_seller_hears_of_a_declined_card_once_and_then_of_the_payment(
        stack: Stack, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller = ViberSeller(stack)
    seller.register()
    picture = seller.create_invoice("12,50", "Кава")
    link = pay_link(picture)
    code = code_of(link)

    pay_at(to_checkout(link), CARD_DECLINED)
    note = seller.next("відхилено")
    assert note["text"].startswith(DECLINE_NOTE)
    assert "спробувати ще раз" in note["text"]

    pay_at(to_checkout(link), CARD_OK)
    paid = seller.next("Оплачено")
    assert "✅ Оплачено 12,50\u00a0₴" in paid["text"]
    assert stored(uow_factory, code).status is InvoiceStatus.PAID
    settled(stack)
    said = [m.get("text") or "" for m in stack.viber.sent(seller.user_id)]  # type: ignore[attr-defined]
    assert sum("відхилено" in m for m in said) == 1
    assert not any("Оплата не вдалася" in m for m in said)


def test_two_successes_on_two_attempts_are_a_second_payment_told_once(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    seller.register()
    invoice_message = seller.create_invoice("12,50", "Кава")
    link = seller.pay_link(invoice_message)
    code = code_of(link)
    first = to_checkout(link)
    pay_at(first, CARD_DECLINED)
    seller.next("відхилено")
    pay_at(to_checkout(link), CARD_OK)
    seller.next("Оплачено")

    pay_at(first, CARD_OK)  # the buyer had the first checkout open in another tab, and paid there
    twice = seller.next("ще раз")
    assert "оплатив цей рахунок ще раз" in twice["text"]
    invoice = stored(uow_factory, code)
    assert invoice.status is InvoiceStatus.PAID and len(invoice.extra_payment_ids) == 1
    assert attempt_states(uow_factory, code) == [(f"{code}-1", "paid"), (f"{code}-2", "paid")]
    assert invoice.order_id == f"{code}-2"  # the first payment's order, where refunds go
    settled(seller.stack)
    assert sum("оплатив цей рахунок ще раз" in m for m in texts(seller)) == 1
    assert sum("✅ Оплачено" in m for m in texts(seller)) == 1


def test_an_attempt_in_flight_at_expiry_keeps_the_invoice_settling_until_its_success(
        stack_factory: Any, uow_factory: Callable[[], UnitOfWork]) -> None:
    stack = stack_factory(invoice_ttl="5s")
    seller = SellerChat(stack)
    seller.register()
    invoice_message = seller.create_invoice("12,50", "Кава")
    link = seller.pay_link(invoice_message)
    code = code_of(link)
    pay_at(to_checkout(link), CARD_DECLINED)
    seller.next("відхилено")
    three_ds = pay_at(to_checkout(link), CARD_3DS)  # the second attempt waits for 3-D Secure
    assert "3-D Secure" in three_ds.text

    progress = seller.next("обробляється банком", timeout=20)
    assert progress["text"].startswith(f"⏳ Рахунок на 12,50{NBSP}₴ — Кава мав закінчитися")
    invoice = stored(uow_factory, code)
    assert invoice.status is InvoiceStatus.PENDING and invoice.settling
    assert invoice.latest_attempt.order_id == f"{code}-2" and invoice.latest_attempt.in_flight

    assert stack.sandbox.confirm_3ds(f"{code}-2") == "success"
    paid = seller.next("Оплачено")
    assert paid["text"] == f"✅ Оплачено 12,50{NBSP}₴ — Кава"
    assert stored(uow_factory, code).status is InvoiceStatus.PAID
    assert not any("прострочено" in m for m in texts(seller))


def _signed_callback(stack: Stack, order_id: str, status: str, payment_id: int) -> httpx.Response:
    from workers.providers.liqpay import LiqPayClient
    client = LiqPayClient(stack.settings.liqpay_public_key, stack.settings.liqpay_private_key)
    body: dict[str, Any] = {
        "version": 3, "public_key": stack.settings.liqpay_public_key, "action": "pay",
        "status": status, "order_id": order_id, "payment_id": payment_id, "amount": 12.5,
        "currency": "UAH", "description": "Кава", "type": "buy"}
    if status == "failure":
        body.update(err_code="limit", err_description="Insufficient funds")
    data, signature = client.encode(body)
    client.close()
    return httpx.post(f"{stack.base_url}/callbacks/liqpay",
                      data={"data": data, "signature": signature}, timeout=10)


def test_a_callback_for_attempt_1_after_attempt_2_paid(
        seller: SellerChat, uow_factory: Callable[[], UnitOfWork]) -> None:
    """LiqPay's callbacks come late and out of order: a decline of attempt 1 changes nothing
    once attempt 2 paid; a success of attempt 1 is a second payment, told once."""
    stack = seller.stack
    seller.register()
    invoice_message = seller.create_invoice("12,50", "Кава")
    link = seller.pay_link(invoice_message)
    code = code_of(link)
    stack.sandbox.callbacks = False  # the sandbox's own callbacks are lost: ours come late
    pay_at(to_checkout(link), CARD_DECLINED)
    answer = _signed_callback(stack, f"{code}-1", "failure", 2_400_500_001)
    assert (answer.status_code, answer.text) == (200, "ok")
    seller.next("відхилено")
    pay_at(to_checkout(link), CARD_OK)
    assert _signed_callback(stack, f"{code}-2", "success", 2_400_500_002).text == "ok"
    seller.next("Оплачено")

    for _ in range(2):  # attempt 1's decline, delivered again (LiqPay retries)
        assert _signed_callback(stack, f"{code}-1", "failure", 2_400_500_001).text == "ok"
    invoice = stored(uow_factory, code)
    assert invoice.status is InvoiceStatus.PAID and invoice.extra_payment_ids == ()
    assert invoice.latest_attempt.state is AttemptState.PAID

    for _ in range(2):  # attempt 1 succeeded after all (the buyer retried on its page)
        assert _signed_callback(stack, f"{code}-1", "success", 2_400_500_003).text == "ok"
    twice = seller.next("ще раз")
    assert "2400500003" in twice["text"]
    invoice = stored(uow_factory, code)
    assert invoice.provider_payment_id == "2400500002"
    assert invoice.extra_payment_ids == ("2400500003",)
    settled(stack)
    said = texts(seller)
    assert sum("відхилено" in m for m in said) == 1
    assert sum("оплатив цей рахунок ще раз" in m for m in said) == 1
    assert sum("✅ Оплачено" in m for m in said) == 1
