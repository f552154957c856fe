"""A seller whose own LiqPay keys were revoked (in LiqPay's cabinet; here with the sandbox's
revoke path, as a person does with curl) taps *Create invoice*, in Telegram and in Viber, and reads
why and what to do, in their language: never a QR that LiqPay would refuse, never LiqPay's code.
Through the messenger emulators, the bots, a real worker, real Redis and the LiqPay sandbox."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from domain import polling
from sandbox.stack import Stack
from storage.db import make_engine
from tests.e2e.conftest import SellerChat
from tests.e2e.test_viber_conversation import VIBER_USER, ViberSeller, pay_link
from tests.e2e.test_viber_payment_account import actions
from tests.e2e.test_viber_payment_account import connect as connect_in_viber

PROVIDER_CODES = re.compile(r"public_key_not_found|err_auth|invalid_signature|Public_key")


def revoke(stack: Stack, public_key: str) -> None:
    """`curl -X POST <chatpay>/sandbox/liqpay/merchants/<public_key>/revoke`"""
    answer = httpx.post(f"{stack.base_url}/sandbox/liqpay/merchants/{public_key}/revoke",
                        timeout=10)
    assert answer.status_code == 200, answer.text


def ten_minutes_pass(database_url: str) -> None:
    """As if the keys' last check were 11 minutes old: the next invoice checks them first."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE account_checks SET checked_at = :t"),
                         {"t": datetime.now(UTC) - timedelta(minutes=11)})
    finally:
        engine.dispose()


def buttons(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b.get("callback_data") for row in rows for b in row]


def test_a_telegram_seller_whose_keys_were_revoked_reads_why_and_what_to_do_in_english(
        stack: Stack, database_url: str) -> None:
    seller = SellerChat(stack, chat_id=380_511, language="en")
    seller.says("/start")
    seller.next("phone number")
    seller.tg.user_shares_contact(seller.chat_id, "+380501234567")
    seller.next("UAH")
    public, private = stack.sandbox.add_merchant()  # type: ignore[attr-defined]
    seller.says("⚙️ Payment account")
    seller.taps(seller.next("Payment account"), "acct:connect")
    seller.next("public key")
    seller.says(public)
    seller.next("private key")
    seller.says(private)
    seller.next("LiqPay connected")
    seller.says("🧾 Create invoice")
    seller.next("Type the amount")
    seller.says("20")
    seller.next("description")
    seller.says("Tea")
    before = seller.next(photo=True)

    revoke(stack, public)
    ten_minutes_pass(database_url)
    seller.says("🧾 Create invoice")  # not known to be refused yet: LiqPay is asked first
    seller.next("Type the amount")
    seller.says("30")
    seller.next("description")
    seller.says("Cake")
    told = seller.next("LiqPay no longer accepts the keys of your account")
    assert "Connect LiqPay" in told["text"] and not PROVIDER_CODES.search(told["text"])

    seller.says("🧾 Create invoice")  # now answered at once, before any amount is asked
    again = seller.next("LiqPay no longer accepts")
    assert "acct:connect" in buttons(again)
    seller.says("⚙️ Payment account")  # where the answer sends them: it says so too
    assert "acct:connect" in buttons(seller.next("LiqPay no longer accepts these keys"))
    history = seller.tg.history(seller.chat_id)
    assert [m for m in history if "photo" in m] == [before]  # no QR after the revocation
    assert not any(PROVIDER_CODES.search(m.get("text") or m.get("caption") or "")
                   for m in history)
    page = httpx.get(seller.pay_link(before), headers={"accept-language": "en"}, timeout=10)
    assert "Payment cannot be taken now" in page.text and not PROVIDER_CODES.search(page.text)


def test_a_viber_seller_whose_keys_were_revoked_reads_why_and_what_to_do_in_ukrainian(
        stack: Stack, database_url: str) -> None:
    seller = ViberSeller(stack)
    seller.register()
    public, private = stack.sandbox.add_merchant()  # type: ignore[attr-defined]
    connect_in_viber(seller, public, private)
    seller.next("LiqPay підключено")
    before = seller.create_invoice("20")

    revoke(stack, public)
    ten_minutes_pass(database_url)
    seller.taps("🧾 Створити рахунок")
    seller.next("Введіть суму")
    seller.says("30")
    prompt = seller.next("опис")
    seller.taps(actions(prompt)[0])  # no description
    told = seller.next("LiqPay більше не приймає ключі вашого рахунку")
    assert "Підключити LiqPay" in told["text"] and not PROVIDER_CODES.search(told["text"])

    seller.taps("🧾 Створити рахунок")  # now answered at once, before any amount is asked
    again = seller.next("LiqPay більше не приймає")
    assert "acct:connect" in actions(again)
    seller.taps("⚙️ Платіжний рахунок")  # where the answer sends them: it says so too
    assert "acct:connect" in actions(seller.next("LiqPay більше не приймає ці ключі"))
    sent = stack.viber.sent(VIBER_USER)  # type: ignore[attr-defined]
    assert [m for m in sent if m.get("type") == "picture"] == [before]
    assert not any(PROVIDER_CODES.search(m.get("text") or "") for m in sent)
    page = httpx.get(pay_link(before), headers={"accept-language": "uk"}, timeout=10)
    assert "Зараз оплату прийняти неможливо" in page.text


def test_as_the_readme_says_the_first_poll_after_a_revocation_tells_the_seller_once(
        stack: Stack, seller: SellerChat, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.e2e.test_payment_account import connect
    # the poll schedule starts at 15 s; here at 5 s (time enough for the QR to arrive and the
    # keys to be revoked first), so the test does not wait out the 15
    # (the stack's worker runs in this process and reads the schedule at each invoice)
    monkeypatch.setattr(polling, "SCHEDULE", (5, *polling.SCHEDULE[1:]))
    seller.register()
    public, private = stack.sandbox.add_merchant()  # type: ignore[attr-defined]
    connect(seller, public, private)
    seller.next("LiqPay підключено")
    invoice = seller.create_invoice("20", "Чай")
    revoke(stack, public)  # no clock driven: the invoice's own first poll finds it

    told = seller.next("LiqPay більше не приймає ключі вашого рахунку", timeout=40)
    assert not PROVIDER_CODES.search(told["text"])
    seller.says("🧾 Створити рахунок")
    seller.next("LiqPay більше не приймає")  # at once, before any amount is asked
    page = httpx.get(seller.pay_link(invoice), headers={"accept-language": "uk"}, timeout=10)
    assert "Зараз оплату прийняти неможливо" in page.text
