"""The seller sends the pay link to the buyer by e-mail or SMS from the invoice message:
through the Telegram emulator, a real SMTP server (aiosmtpd) and the TurboSMS stand-in."""
from __future__ import annotations

import email
import json
import re
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from domain.commands import SendLink
from sandbox.stack import Stack
from sandbox.turbosms import TurboSms
from tests.e2e.conftest import SellerChat, free_port
from workers import runtime


class Mailbox:
    """An aiosmtpd handler keeping what it is given; `refuse` turns recipients away (550)."""

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.mails: list[EmailMessage] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: Any) -> str:
        if self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(email.message_from_bytes(envelope.content, policy=default))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, str]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, f"smtp://127.0.0.1:{port}"
    controller.stop()


@pytest.fixture
def turbosms() -> Iterator[TurboSms]:
    stand_in = TurboSms().start()
    yield stand_in
    stand_in.stop()


def _invoice(stack: Stack) -> tuple[SellerChat, dict[str, Any], str]:
    seller = SellerChat(stack)
    seller.register("+380501234567")
    message = seller.create_invoice("12,50", "Кава")
    return seller, message, seller.pay_link(message)


def _wait(condition: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _history(code: str) -> list[dict[str, Any]]:
    with runtime.deps().uow() as uow:
        invoice = uow.invoices.by_code(code)
        assert invoice is not None
        return [json.loads(r.payload) for r in uow.events.for_invoice(invoice.id)
                if r.name == "LinkSent"]


def test_seller_emails_the_link_after_a_wrong_address_and_the_mail_holds_the_pay_link(
        stack_factory: Any, smtp_server: tuple[Mailbox, str]) -> None:
    box, url = smtp_server
    stack = stack_factory(smtp_url=url, smtp_from="Shop <shop@chatpay.test>")
    seller, invoice_message, link = _invoice(stack)
    code = link.rsplit("/", 1)[1]

    seller.taps(invoice_message, f"eml:{code}")
    seller.next("e-mail покупця")
    seller.says("buyer@@example")
    seller.next("не схоже на адресу e-mail")
    seller.says("buyer@example.com")
    sent = seller.next("надіслано на buyer@example.com")
    assert "12,50" in sent["text"]

    _wait(lambda: box.mails)
    mail = box.mails[0]
    assert mail["To"] == "buyer@example.com" and "shop@chatpay.test" in mail["From"]
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert link in text and "12,50" in text and "Кава" in text
    assert re.search(r"до \d{4}-\d\d-\d\d \d\d:\d\d EET", text)  # Kyiv's time, not UTC
    assert f'href="{link}"' in html and 'src="cid:qr"' in html
    images = [p for p in mail.walk() if p.get_content_type() == "image/png"]
    assert images and images[0]["Content-ID"] == "<qr>"
    assert _history(code) == [{"via": "email", "to": "buyer@example.com", "ok": True,
                               "reason": "", "key": _history(code)[0]["key"]}]


def test_seller_texts_the_link_by_turbosms_in_the_national_format(
        stack_factory: Any, turbosms: TurboSms) -> None:
    stack = stack_factory(sms_backend="turbosms", turbosms_api_base=turbosms.base_url,
                          turbosms_token=turbosms.token, sms_sender="chatpay")
    seller, invoice_message, link = _invoice(stack)
    code = link.rsplit("/", 1)[1]

    seller.taps(invoice_message, f"sms:{code}")
    seller.next("номер телефону покупця")
    seller.says("067 123")
    seller.next("не схоже на номер телефону")
    seller.says("067 123 45 67")
    seller.next("надіслано на +380 67 123 45 67")

    assert [(s.phone, s.sender) for s in turbosms.sent] == [("380671234567", "chatpay")]
    assert link in turbosms.sent[0].text and turbosms.sent[0].text.isascii()
    assert _history(code)[0]["ok"] is True


def test_a_turbosms_error_code_is_told_to_the_seller_in_plain_words(
        stack_factory: Any, turbosms: TurboSms) -> None:
    stack = stack_factory(sms_backend="turbosms", turbosms_api_base=turbosms.base_url,
                          turbosms_token=turbosms.token)
    seller, invoice_message, link = _invoice(stack)
    code = link.rsplit("/", 1)[1]
    turbosms.refuse_next(301)

    seller.taps(invoice_message, f"sms:{code}")
    seller.next("номер телефону покупця")
    seller.says("+380671234567")
    told = seller.next("Не вдалося надіслати посилання на +380 67 123 45 67")
    assert "NOT_ENOUGH_MONEY" in told["text"]
    assert turbosms.sent == []
    assert _history(code)[0]["ok"] is False


def test_a_mail_server_refusing_the_recipient_is_told_to_the_seller(
        stack_factory: Any, smtp_server: tuple[Mailbox, str]) -> None:
    box, url = smtp_server
    box.refuse = True
    stack = stack_factory(smtp_url=url)
    seller, invoice_message, link = _invoice(stack)
    code = link.rsplit("/", 1)[1]

    seller.taps(invoice_message, f"eml:{code}")
    seller.next("e-mail покупця")
    seller.says("nobody@example.com")
    told = seller.next("Не вдалося надіслати посилання на nobody@example.com")
    assert "550" in told["text"] and "відмовився" in told["text"]
    assert box.mails == []
    assert _history(code)[0]["ok"] is False


def test_a_mail_server_that_is_down_is_retried_then_the_seller_is_told(
        stack_factory: Any) -> None:
    stack = stack_factory(smtp_url=f"smtp://127.0.0.1:{free_port()}")
    seller, invoice_message, link = _invoice(stack)
    code = link.rsplit("/", 1)[1]

    seller.taps(invoice_message, f"eml:{code}")
    seller.next("e-mail покупця")
    started = time.monotonic()
    seller.says("buyer@example.com")
    told = seller.next("Не вдалося надіслати", timeout=30)
    assert "недоступний" in told["text"]
    assert time.monotonic() - started >= 2.5  # it was tried again before giving up
    assert _history(code)[0]["ok"] is False


def test_a_double_tap_sends_the_link_once(
        stack_factory: Any, smtp_server: tuple[Mailbox, str]) -> None:
    box, url = smtp_server
    stack = stack_factory(smtp_url=url)
    seller, invoice_message, link = _invoice(stack)
    code = link.rsplit("/", 1)[1]

    seller.taps(invoice_message, f"eml:{code}")
    seller.taps(invoice_message, f"eml:{code}")
    seller.next("e-mail покупця")
    seller.says("buyer@example.com")
    seller.next("надіслано на buyer@example.com")
    key = _history(code)[0]["key"]
    # the same tap's command again, as a redelivered message would bring it
    deps = runtime.deps()
    with deps.uow() as uow:
        seller_id = uow.invoices.by_code(code).seller_id  # type: ignore[union-attr]
    deps.bus.publish(SendLink(idempotency_key=key, code=code, seller_id=seller_id, via="email",
                              to="buyer@example.com"))
    stack.drain()
    assert len(box.mails) == 1
    assert len(_history(code)) == 1


@pytest.mark.parametrize("lang, button, sms", [("ru", "✉️ Отправить на e-mail", "📱 Отправить SMS"),
                                               ("en", "✉️ Send by e-mail", "📱 Send by SMS")])
def test_the_send_buttons_speak_the_sellers_language(lang: str, button: str, sms: str) -> None:
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from domain.invoice import Invoice
    from domain.money import Money
    from workers.render import invoice_buttons
    invoice = Invoice.create(id="i", code="c", seller_id=1, amount=Money(Decimal("1"), "UAH"),
                             description="", provider="liqpay", idempotency_key="k",
                             created_at=datetime.now(UTC),
                             expires_at=datetime.now(UTC) + timedelta(hours=1),
                             channel="telegram", chat_id="1")
    texts = [b.text for row in invoice_buttons(invoice, lang) for b in row]
    assert button in texts and sms in texts


def _viber_invoice(stack: Stack) -> tuple[Any, str]:
    from tests.e2e.test_viber_conversation import ViberSeller, pay_link
    seller = ViberSeller(stack)
    seller.register()
    link = pay_link(seller.create_invoice("12,50", "Кава"))
    code = link.rsplit("/", 1)[1]
    stack.viber.wait_for(seller.user_id, lambda m: any(  # type: ignore[attr-defined]
        b["ActionBody"] == f"eml:{code}" for b in (m.get("keyboard") or {}).get("Buttons", [])))
    return seller, link


def test_viber_seller_emails_the_link_after_a_wrong_address(
        stack_factory: Any, smtp_server: tuple[Mailbox, str]) -> None:
    box, url = smtp_server
    stack = stack_factory(smtp_url=url)
    seller, link = _viber_invoice(stack)
    code = link.rsplit("/", 1)[1]

    seller.taps(f"eml:{code}")
    seller.next("e-mail покупця")
    seller.says("not-an-address")
    seller.next("не схоже на адресу e-mail")
    seller.says("buyer@example.com")
    seller.next("надіслано на buyer@example.com")

    _wait(lambda: box.mails)
    assert link in box.mails[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert _history(code)[0]["ok"] is True


def test_viber_seller_texts_the_link_by_turbosms(stack_factory: Any, turbosms: TurboSms) -> None:
    stack = stack_factory(sms_backend="turbosms", turbosms_api_base=turbosms.base_url,
                          turbosms_token=turbosms.token)
    seller, link = _viber_invoice(stack)
    code = link.rsplit("/", 1)[1]

    seller.taps(f"sms:{code}")
    seller.next("номер телефону покупця")
    seller.says("12345")
    seller.next("не схоже на номер телефону")
    seller.says("0671234567")
    seller.next("надіслано на +380 67 123 45 67")
    assert [s.phone for s in turbosms.sent] == ["380671234567"]
    assert link in turbosms.sent[0].text


def test_in_development_the_outbox_page_shows_what_was_sent_newest_first(stack: Stack) -> None:
    import httpx
    seller, invoice_message, link = _invoice(stack)  # SMS_BACKEND=log, no SMTP_URL
    code = link.rsplit("/", 1)[1]
    seller.taps(invoice_message, f"sms:{code}")
    seller.next("номер телефону покупця")
    seller.says("067 123 45 67")
    seller.next("надіслано на +380 67 123 45 67")
    seller.taps(invoice_message, f"eml:{code}")
    seller.next("e-mail покупця")
    seller.says("buyer@example.com")
    seller.next("надіслано на buyer@example.com")

    page = httpx.get(f"{stack.base_url}/sandbox/outbox", timeout=10, follow_redirects=True)
    assert page.status_code == 200 and 'EventSource("events")' in page.text
    # what the page is pushed: the first server-sent event holds what was sent, newest first
    with httpx.stream("GET", f"{stack.base_url}/sandbox/outbox/events", timeout=10) as events:
        first = next(line for line in events.iter_lines() if line.startswith("data: "))
    sent = json.loads(first.removeprefix("data: "))
    assert [(m["kind"], m["to"]) for m in sent] == [("email", "buyer@example.com"),
                                                    ("sms", "+380671234567")]
    assert all(link in m["text"] for m in sent)
