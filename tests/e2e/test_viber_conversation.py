"""A seller's whole Viber conversation through the Viber emulator, a real worker and real Redis."""
from __future__ import annotations

import json
import time
from io import BytesIO
from typing import Any

import httpx
import zxingcpp
from PIL import Image

from sandbox.stack import Stack
from tests.e2e.conftest import SellerChat, buyer_pays

VIBER_USER = "viber-seller-01=="


class ViberSeller:
    """A seller in Viber, as the Viber emulator sees them."""

    def __init__(self, stack: Stack, user_id: str = VIBER_USER) -> None:
        self.stack = stack
        self.user_id = user_id
        self.seen = 0  #: how many bot messages were looked at

    @property
    def vb(self) -> Any:
        return self.stack.viber

    def says(self, text: str) -> None:
        status, _ = self.vb.user_sends_text(self.user_id, text)
        assert status == 200

    def taps(self, action_body: str) -> None:
        status, _ = self.vb.user_taps(self.user_id, action_body)
        assert status == 200

    def next(self, contains: str = "", timeout: float = 15.0,
             picture: bool = False) -> dict[str, Any]:
        """The next bot message (after those looked at) whose text holds `contains`."""
        def matches(m: dict[str, Any]) -> bool:
            index = self.vb.sent(self.user_id).index(m)
            return (index >= self.seen and contains in (m.get("text") or "")
                    and (not picture or m.get("type") == "picture"))
        message = self.vb.wait_for(self.user_id, matches, timeout=timeout)
        self.seen = self.vb.sent(self.user_id).index(message) + 1
        return message

    def register(self, phone: str = "380501234567") -> None:
        status, _ = self.vb.user_starts_conversation(self.user_id, name="Оля")
        assert status == 200
        welcome = self.next("номер")
        assert any(b["ActionType"] == "share-phone" for b in welcome["keyboard"]["Buttons"])
        status, _ = self.vb.user_shares_contact(self.user_id, phone)
        assert status == 200
        self.next("UAH")

    def create_invoice(self, amount: str, description: str | None = None) -> dict[str, Any]:
        self.taps("🧾 Створити рахунок")
        self.next("Введіть суму")
        self.says(amount)
        prompt = self.next("опис")
        skip = [b["ActionBody"] for b in prompt["keyboard"]["Buttons"]]
        if description is None:
            self.taps(skip[0])
        else:
            self.says(description)
        self.next("Створюю рахунок")
        return self.next(picture=True)


def pay_link(picture: dict[str, Any]) -> str:
    png = httpx.get(picture["media"], timeout=10).content
    results = zxingcpp.read_barcodes(Image.open(BytesIO(png)))
    assert results, "the picture holds no readable QR code"
    return results[0].text


def test_viber_seller_creates_an_invoice_and_is_told_when_the_buyer_pays(stack: Stack) -> None:
    seller = ViberSeller(stack)
    seller.register()
    picture = seller.create_invoice("12,50")

    link = pay_link(picture)
    code = link.rsplit("/", 1)[1]
    assert link == f"{stack.base_url}/p/{code}"
    assert picture["media"] == f"{stack.base_url}/qr/{code}.png"
    # the caption is longer than a Viber picture takes: the rest, with the keyboard, follows it
    def has_invoice_buttons(message: dict[str, Any]) -> bool:
        buttons = (message.get("keyboard") or {}).get("Buttons", [])
        return any(b["ActionBody"] == f"chk:{code}" for b in buttons)
    with_buttons = stack.viber.wait_for(VIBER_USER, has_invoice_buttons)  # type: ignore[attr-defined]
    actions = [b["ActionBody"] for b in with_buttons["keyboard"]["Buttons"]]
    assert f"chk:{code}" in actions and f"cnl:{code}" in actions
    last_keyboard = [m for m in stack.viber.sent(VIBER_USER) if m.get("keyboard")][-1]  # type: ignore[attr-defined]
    assert last_keyboard is with_buttons or last_keyboard == with_buttons  # nothing replaced it

    buyer_pays(link)

    paid = seller.next("Оплачено")
    assert "✅ Оплачено 12,50\u00a0₴" in paid["text"]


def test_a_forged_webhook_call_is_refused_and_changes_nothing(stack: Stack) -> None:
    seller = ViberSeller(stack)
    seller.register()
    event = {"event": "message", "timestamp": 1, "message_token": 42,
             "sender": {"id": VIBER_USER, "name": "Оля", "language": "uk", "country": "UA",
                        "api_version": 10},
             "message": {"type": "text", "text": "🧾 Створити рахунок"}}
    body = json.dumps(event).encode()
    url = f"{stack.base_url}/viber/webhook"
    forged = httpx.post(url, content=body, headers={"X-Viber-Content-Signature": "0" * 64})
    assert forged.status_code == 403
    unsigned = httpx.post(url, content=body)
    assert unsigned.status_code == 403
    stack.drain()
    assert len(stack.viber.sent(VIBER_USER)) == seller.seen  # type: ignore[attr-defined]
    # no amount dialog was started: an amount now is not understood
    seller.says("12,50")
    seller.next("Не зрозумів")


def test_a_signed_but_malformed_call_is_a_bad_request(stack: Stack) -> None:
    import hashlib
    import hmac
    body = b'{"event": "message", "sender": {}}'
    signature = hmac.new(stack.settings.viber_auth_token.encode(), body,
                         hashlib.sha256).hexdigest()
    answer = httpx.post(f"{stack.base_url}/viber/webhook", content=body,
                        headers={"X-Viber-Content-Signature": signature})
    assert answer.status_code == 400


def test_an_unsubscribed_seller_is_not_written_to_and_nothing_is_retried(stack: Stack) -> None:
    seller = ViberSeller(stack)
    seller.register()
    picture = seller.create_invoice("7")
    status, _ = stack.viber.user_unsubscribes(VIBER_USER)  # type: ignore[attr-defined]
    assert status == 200
    with _uow(stack) as uow:
        assert uow.sellers.by_external("viber", VIBER_USER).subscribed is False

    link = pay_link(picture)
    buyer_pays(link)

    deadline = time.monotonic() + 15
    while not _paid(stack, link.rsplit("/", 1)[1]):  # the payment is stored: then the rest
        assert time.monotonic() < deadline, "the payment was never stored"
        time.sleep(0.05)
    stack.drain()
    texts = [m.get("text") or "" for m in stack.viber.sent(VIBER_USER)]  # type: ignore[attr-defined]
    assert not any("Оплачено" in text for text in texts)
    # Viber refused what the worker tried (notSubscribed); it was recorded, not retried
    refused = stack.viber.stats["status"][6]  # type: ignore[attr-defined]
    stack.drain(due_within=5)  # a retry due in the next seconds would have been made
    assert stack.viber.stats["status"][6] == refused  # type: ignore[attr-defined]


def test_telegram_and_viber_dialogs_of_one_person_do_not_mix(stack: Stack) -> None:
    telegram = SellerChat(stack)
    telegram.register("+380501234567")
    viber = ViberSeller(stack)
    viber.register("380501234567")

    telegram.says("🧾 Створити рахунок")
    telegram.next("Введіть суму")

    viber.says("12,50")
    viber.next("Не зрозумів")

    telegram.says("12,50")
    telegram.next("опис")


def _paid(stack: Stack, code: str) -> bool:
    with _uow(stack) as uow:
        invoice = uow.invoices.by_code(code)
        return invoice is not None and invoice.status.value == "paid"


def _uow(stack: Stack) -> Any:
    from storage.db import make_engine, make_session_factory
    from storage.uow import UnitOfWork
    return UnitOfWork(make_session_factory(make_engine(stack.settings.database)))


def test_chatpay_viber_set_webhook_registers_the_webhook_or_says_why_not(
        stack: Stack, monkeypatch: Any) -> None:
    from typer.testing import CliRunner

    from storage.settings import get_settings
    from web.cli import app

    monkeypatch.setenv("PUBLIC_BASE_URL", stack.base_url)
    monkeypatch.setenv("VIBER_AUTH_TOKEN", stack.settings.viber_auth_token)
    get_settings.cache_clear()
    try:
        done = CliRunner().invoke(app, ["viber", "set-webhook"])
        assert done.exit_code == 0, done.output
        assert f"Viber webhook set to {stack.base_url}/viber/webhook" in done.output

        monkeypatch.setenv("VIBER_AUTH_TOKEN", "not-our-token")
        get_settings.cache_clear()
        refused = CliRunner().invoke(app, ["viber", "set-webhook"])
        assert refused.exit_code == 1
        assert "could not set the Viber webhook" in refused.output
    finally:
        get_settings.cache_clear()


def test_viber_seller_lists_checks_and_cancels_pending_invoices(stack: Stack) -> None:
    seller = ViberSeller(stack)
    seller.register()
    link = pay_link(seller.create_invoice("30", "Чай"))
    code = link.rsplit("/", 1)[1]

    seller.taps("⏳ Неоплачені рахунки")
    listing = seller.next("Неоплачені рахунки:")
    assert "30,00\u00a0₴ — Чай" in listing["text"]
    actions = [b["ActionBody"] for b in listing["keyboard"]["Buttons"]]
    assert f"chk:{code}" in actions and f"cnl:{code}" in actions

    seller.taps(f"chk:{code}")
    seller.next("Перевіряю")
    seller.next("ще не оплачено")

    seller.taps(f"cnl:{code}")
    seller.next("Скасовую")
    seller.next("скасовано")
    seller.taps("⏳ Неоплачені рахунки")
    seller.next("Неоплачених рахунків немає")


def test_viber_seller_switches_language(stack: Stack) -> None:
    seller = ViberSeller(stack)
    seller.register()
    seller.taps("🌐 Мова")
    choice = seller.next("Оберіть мову")
    assert [b["ActionBody"] for b in choice["keyboard"]["Buttons"]] == ["lang:uk", "lang:ru",
                                                                        "lang:en"]
    seller.taps("lang:en")
    done = seller.next("Language set to English")
    assert done["keyboard"]["Buttons"][0]["ActionBody"] == "🧾 Create invoice"
    seller.taps("🧾 Create invoice")
    seller.next("Type the amount in UAH")


def test_viber_seller_hears_a_payment_is_at_the_bank_when_the_invoice_expires_then_paid(
        stack_factory: Any) -> None:
    stack = stack_factory(invoice_ttl="4s")
    seller = ViberSeller(stack)
    seller.register()
    link = pay_link(seller.create_invoice("12,50", "Кава"))
    assert "3-D Secure" in buyer_pays(link, "4000000000003063").text  # the buyer hesitates

    progress = seller.next("обробляється банком", timeout=15)
    assert progress["text"].startswith("⏳ Рахунок на 12,50\u00a0₴ — Кава мав закінчитися")

    order = next(o for o in stack.sandbox.orders)  # type: ignore[attr-defined]
    assert stack.sandbox.confirm_3ds(order) == "success"  # type: ignore[attr-defined]
    paid = seller.next("Оплачено")
    assert paid["text"] == "✅ Оплачено 12,50\u00a0₴ — Кава"
    assert not any("прострочено" in (m.get("text") or "") for m in stack.viber.sent(VIBER_USER))  # type: ignore[attr-defined]
