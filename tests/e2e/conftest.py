"""The whole chatpay stack on real parts: web edge with the LiqPay sandbox and the Telegram Bot
API emulator, a Dramatiq worker on real Redis, the aiogram bot polling, and the scheduler."""
from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image

from sandbox.stack import Stack
from storage.settings import load_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def stack_factory(database_url: str, redis_url: str, tmp_path: Path) -> Iterator[Any]:
    started: list[Stack] = []

    def make(**overrides: Any) -> Stack:
        port = free_port()
        settings = load_settings(**{
            "database_url": database_url, "redis_url": redis_url, "var_dir": tmp_path,
            "public_base_url": f"http://127.0.0.1:{port}", "port": port,
            "scheduler_interval": 0.5, **overrides})
        stack = Stack(settings, redis_url).start()
        started.append(stack)
        return stack

    yield make
    for stack in started:
        stack.stop()


@pytest.fixture
def stack(stack_factory: Any) -> Stack:
    return stack_factory()


@pytest.fixture
def fiscal_stack(stack_factory: Any, checkbox: Any) -> Stack:
    """The stack with sellers' receipts going to the Checkbox stand-in on its loopback port."""
    return stack_factory(checkbox_api_base=f"{checkbox.base_url}/api/v1",
                         checkbox_receipt_base=checkbox.base_url)


@dataclass
class SellerChat:
    """A seller in Telegram, as the Bot API emulator sees them."""

    stack: Stack
    chat_id: int = 380_501
    language: str = "uk"
    seen: int = 0  #: the last bot message id looked at

    @property
    def tg(self) -> Any:
        return self.stack.telegram

    def says(self, text: str) -> dict[str, Any]:
        """Send a message as the seller; returns it as the bot receives it."""
        update = self.tg.user_sends_text(self.chat_id, text, language_code=self.language)
        return update["message"]  # type: ignore[no-any-return]

    def taps(self, message: dict[str, Any], data: str) -> None:
        self.tg.user_taps(self.chat_id, message["message_id"], data)

    def next(self, contains: str = "", timeout: float = 15.0, photo: bool = False) -> dict[str, Any]:
        """The next bot message (after the last one looked at) whose text holds `contains`."""
        def matches(m: dict[str, Any]) -> bool:
            text = m.get("text") or m.get("caption") or ""
            return m["message_id"] > self.seen and contains in text and (not photo or "photo" in m)
        message = self.tg.wait_for(self.chat_id, matches, timeout=timeout)
        self.seen = message["message_id"]
        return message

    def next_each(self, *contains: str, timeout: float = 15.0) -> list[dict[str, Any]]:
        """The next bot message holding each text, in whatever order they arrive (messages from
        different queues, e.g. "paid" and a fiscal receipt's refusal, may come either way)."""
        start, found = self.seen, []
        for text in contains:
            self.seen = start
            found.append(self.next(text, timeout=timeout))
        self.seen = max(m["message_id"] for m in found)
        return found

    def register(self, phone: str = "+380501234567") -> None:
        self.says("/start")
        self.next("номер")
        self.tg.user_shares_contact(self.chat_id, phone)
        self.next("UAH")

    def create_invoice(self, amount: str, description: str | None = "Кава") -> dict[str, Any]:
        self.says("🧾 Створити рахунок")
        self.next("Введіть суму")
        self.says(amount)
        prompt = self.next("опис")
        if description is None:
            self.taps(prompt, "skip")
        else:
            self.says(description)
        self.next("Створюю рахунок")
        return self.next(photo=True)

    def pay_link(self, invoice_message: dict[str, Any]) -> str:
        """Read the pay link the way a buyer's phone does: decode the QR code."""
        png = self.tg.photo_bytes(invoice_message)
        from io import BytesIO
        results = zxingcpp.read_barcodes(Image.open(BytesIO(png)))
        assert results, "the invoice photo holds no readable QR code"
        return results[0].text


def to_checkout(pay_link: str, email: str = "", lang: str = "uk",
                details: dict[str, str] | None = None) -> str:
    """A buyer opens the pay page, fills in the form and is sent on: the checkout URL."""
    with httpx.Client(timeout=15, headers={"Accept-Language": lang}) as client:
        page = client.get(pay_link)
        assert page.status_code == 200, page.text
        form = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert form, f"no details form on the pay page: {page.text}"
        sent = client.post(httpx.URL(pay_link).join(form.group(1)), data={"email": email, **(details or {})})
        assert sent.status_code == 303, sent.text
        return sent.headers["location"]


def buyer_pays(pay_link: str, card: str = "4242424242424242",
               email: str = "", lang: str = "uk",
               details: dict[str, str] | None = None) -> httpx.Response:
    """A buyer opens the pay page, goes on to the provider's checkout and submits a card."""
    with httpx.Client(follow_redirects=True, timeout=15) as client:
        checkout = client.get(to_checkout(pay_link, email, lang, details))
        assert checkout.status_code == 200, checkout.text
        action = re.search(r'<form method="post" action="([^"]+)"', checkout.text)
        assert action, checkout.text
        target = httpx.URL(str(checkout.url)).join(action.group(1).replace("&amp;", "&"))
        return client.post(target, data={"card": card, "exp": "12/30", "cvv": "123"})


@pytest.fixture
def seller(stack: Stack) -> SellerChat:
    return SellerChat(stack)
