"""Support agents in the Telegram bot, through the emulator, a real worker, Redis and SMTP:
find, resend the link (stored or corrected address), resend the status, re-check, redeliver the
shop webhook, history, /seller, /stats, the resend limit, and every action in the audit log."""
from __future__ import annotations

import time
from typing import Any

from sandbox.shop import Shop
from sandbox.stack import Stack
from tests.e2e.conftest import SellerChat
from tests.e2e.test_send_link import Mailbox, smtp_server, turbosms  # noqa: F401 (fixtures)
from tests.e2e.test_shop_webhooks import shop  # noqa: F401 (fixture)
from workers import runtime

AGENT = 900_001


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [(b["text"], b["callback_data"]) for row in
            (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


def data(message: dict[str, Any], text: str) -> str:
    found = [d for label, d in buttons(message) if text in label]
    assert found, f"no button {text!r} in {buttons(message)}"
    return found[0]


def wait(condition: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def audit(code: str) -> list[tuple[str, str, str]]:
    with runtime.deps().uow() as uow:
        invoice = uow.invoices.by_code(code)
        assert invoice is not None
        return [(e.agent, e.action, e.phase) for e in uow.audit.for_invoice(invoice.id)]


def invoice_with_link_sent(stack: Stack) -> tuple[SellerChat, str]:
    """A seller in Ukrainian with an invoice whose link they e-mailed to the buyer."""
    seller = SellerChat(stack)
    seller.register("+380501234567")
    message = seller.create_invoice("12,50", "Кава")
    code = seller.pay_link(message).rsplit("/", 1)[1]
    seller.taps(message, f"eml:{code}")
    seller.next("e-mail покупця")
    seller.says("buyer@example.com")
    seller.next("надіслано на buyer@example.com")
    return seller, code


def open_card(agent: SellerChat, query: str) -> dict[str, Any]:
    agent.says(f"/find {query}")
    found = agent.next("page 1")
    agent.taps(found, buttons(found)[0][1])
    return agent.next("Invoice ")


def test_an_agent_finds_an_invoice_and_resends_the_link_stored_and_corrected(
        stack_factory: Any, smtp_server: tuple[Mailbox, str]) -> None:  # noqa: F811
    box, url = smtp_server
    stack = stack_factory(smtp_url=url, support_ids=f"telegram:{AGENT}")
    seller, code = invoice_with_link_sent(stack)
    wait(lambda: len(box.mails) == 1)
    agent = SellerChat(stack, chat_id=AGENT, language="en")

    agent.says("/find buyer@example.com")
    found = agent.next("page 1")
    assert code in found["text"] and "+380501234567" in found["text"]
    assert "12.50" in found["text"] or "12,50" in found["text"]
    agent.taps(found, buttons(found)[0][1])
    card = agent.next("Invoice ")
    assert [label for label, _ in buttons(card)] == [
        "📨 Resend link to buyer", "💬 Resend status to seller", "🔁 Redeliver shop webhook",
        "🔄 Re-check with provider", "📜 History"]

    agent.taps(card, data(card, "Resend link"))
    menu = agent.next("Where should the pay link")
    stored = data(menu, "E-mail to buyer@example.com")
    before = agent.seen
    agent.taps(menu, stored)
    agent.taps(menu, stored)  # a double tap: the two answers may come in either order
    agent.next("✅ link to the buyer")
    agent.tg.wait_for(AGENT, lambda m: m["message_id"] > before
                      and "already taken care of" in (m.get("text") or ""))
    answers = [m.get("text") or "" for m in agent.tg.sent(AGENT) if m["message_id"] > before]
    assert sum("On it" in text for text in answers) == 1
    assert sum("That tap was already taken care of" in text for text in answers) == 1
    agent.seen = max(m["message_id"] for m in agent.tg.sent(AGENT))
    wait(lambda: len(box.mails) == 2)
    agent.stack.drain()
    assert len(box.mails) == 2 and box.mails[1]["To"] == "buyer@example.com"

    agent.taps(menu, data(menu, "E-mail to another address"))
    agent.next("e-mail address")
    agent.says("buyer@@example")
    agent.next("e-mail")  # explained, asked again
    agent.says("right@example.com")
    agent.next("On it")
    done = agent.next("✅ link to the buyer")
    assert "right@example.com" in done["text"]
    wait(lambda: len(box.mails) == 3)
    assert box.mails[2]["To"] == "right@example.com"

    agent.taps(card, data(card, "History"))
    history = agent.next("History of")["text"]
    assert "link (email) to buyer@example.com: sent" in history
    assert f"support telegram:{AGENT}: link to the buyer — started (right@example.com)" in history
    assert "state — → being created (created)" in history
    assert (f"telegram:{AGENT}", "resend_link", "done") in audit(code)
    with runtime.deps().uow() as uow:
        invoice = uow.invoices.by_code(code)
        corrected = [e for e in uow.audit.for_invoice(invoice.id)  # type: ignore[union-attr]
                     if e.detail.get("to") == "right@example.com"][0]
    assert corrected.detail["corrected_from"] == "buyer@example.com"


def test_an_agent_resends_the_status_rechecks_and_reads_seller_and_stats(
        stack_factory: Any) -> None:
    stack = stack_factory(support_ids=f"telegram:{AGENT}")
    seller = SellerChat(stack)
    seller.register("+380501234567")
    code = seller.pay_link(seller.create_invoice("40")).rsplit("/", 1)[1]
    agent = SellerChat(stack, chat_id=AGENT, language="en")
    card = open_card(agent, code)

    agent.taps(card, data(card, "Resend status"))
    agent.next("✅ status to the seller")
    again = seller.next("Надіслано ще раз службою підтримки", photo=True)
    assert code in again["caption"]  # the invoice message again, its link and QR, in Ukrainian

    agent.taps(card, data(card, "Re-check"))
    assert "state is" in agent.next("✅ re-check with the provider")["text"]

    agent.taps(card, data(card, "Redeliver shop webhook"))
    assert "no delivery" in agent.next("❌ shop webhook")["text"]

    agent.says("/seller 050 123 45 67")
    shown = agent.next("Seller +380501234567")
    assert "telegram" in shown["text"] and "currency: UAH" in shown["text"]
    assert code in shown["text"]
    assert any("failed webhooks" in label for label, _ in buttons(shown))

    agent.says("/stats")
    stats = agent.next("Whole platform")["text"]
    assert "Today: 1 invoices" in stats and "This week: 1 invoices" in stats
    phases = audit(code)
    assert (f"telegram:{AGENT}", "resend_status", "started") in phases
    assert (f"telegram:{AGENT}", "redeliver_webhook", "failed") in phases


def test_an_agent_redelivers_the_shop_webhook_as_a_new_attempt(
        stack_factory: Any, shop: Shop) -> None:  # noqa: F811
    from tests.e2e.conftest import buyer_pays
    stack = stack_factory(support_ids=f"telegram:{AGENT}")
    seller = SellerChat(stack)
    seller.register("+380501234567")
    seller.says(f"/webhook {shop.url('s')}")
    seller.next("Магазин відповів ok")
    message = seller.create_invoice("150")
    code = seller.pay_link(message).rsplit("/", 1)[1]
    buyer_pays(seller.pay_link(message))
    seller.next("Оплачено")
    hook = shop.hook("s")
    wait(lambda: len(hook.received) == 2)
    agent = SellerChat(stack, chat_id=AGENT, language="en")
    card = open_card(agent, code)
    agent.taps(card, data(card, "Redeliver shop webhook"))
    agent.next("✅ shop webhook")
    wait(lambda: len(hook.received) == 3)
    first, again = hook.received[1], hook.received[2]
    assert again.headers["webhook-id"] == first.headers["webhook-id"]  # the same delivery's log
    agent.taps(card, data(card, "History"))
    assert agent.next("History of")["text"].count("webhook invoice.paid: attempt, 200") == 2


def test_resends_stop_at_the_hourly_limit_with_a_clear_message(stack_factory: Any) -> None:
    stack = stack_factory(support_ids=f"telegram:{AGENT}", support_resend_limit=2)
    seller = SellerChat(stack)
    seller.register("+380501234567")
    code = seller.pay_link(seller.create_invoice("40")).rsplit("/", 1)[1]
    agent = SellerChat(stack, chat_id=AGENT, language="en")
    for _ in range(2):
        card = open_card(agent, code)
        agent.taps(card, data(card, "Resend status"))
        agent.next("✅ status to the seller")
    card = open_card(agent, code)
    agent.taps(card, data(card, "Resend status"))
    assert "2 resends within the last hour" in agent.next("⛔")["text"]
    assert (f"telegram:{AGENT}", "resend_status", "refused") in audit(code)


def test_a_recheck_finds_a_payment_whose_callback_was_lost_and_the_seller_is_told(
        stack_factory: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    from tests.e2e.conftest import buyer_pays
    stack = stack_factory(support_ids=f"telegram:{AGENT}")
    stack.sandbox.callbacks = False  # LiqPay's callback never comes
    seller = SellerChat(stack)
    seller.register("+380501234567")
    link = seller.pay_link(seller.create_invoice("12,50", "Кава"))
    code = link.rsplit("/", 1)[1]
    with runtime.deps().uow() as uow:  # no scheduled poll may find it before the agent does
        uow.session.execute(text("UPDATE invoices SET next_poll_at = :t WHERE code = :c"),
                            {"t": datetime.now(UTC) + timedelta(hours=1), "c": code})
        uow.session.commit()
    buyer_pays(link)
    agent = SellerChat(stack, chat_id=AGENT, language="en")
    card = open_card(agent, code)
    assert "State: awaiting payment" in card["text"]
    agent.taps(card, data(card, "Re-check"))
    assert "state is paid" in agent.next("✅ re-check with the provider")["text"]
    assert seller.next("Оплачено")["text"].startswith("✅ Оплачено 12,50")
    with runtime.deps().uow() as uow:
        assert uow.invoices.by_code(code).status == "paid"  # type: ignore[union-attr]


def test_an_agent_redelivers_a_sellers_failed_webhooks_from_seller(
        stack_factory: Any, shop: Shop) -> None:  # noqa: F811
    from tests.e2e.conftest import buyer_pays
    stack = stack_factory(support_ids=f"telegram:{AGENT}", webhook_retry_schedule="0")
    seller = SellerChat(stack)
    seller.register("+380501234567")
    seller.says(f"/webhook {shop.url('s')}")
    seller.next("Магазин відповів ok")
    hook = shop.hook("s").fail(1)  # the shop is down for the paid event's only attempt
    message = seller.create_invoice("150")
    buyer_pays(seller.pay_link(message))
    seller.next("Оплачено")
    wait(lambda: len(hook.received) == 2)
    agent = SellerChat(stack, chat_id=AGENT, language="en")
    agent.says("/seller +380501234567")
    shown = agent.next("Seller +380501234567")
    assert f"{shop.url('s')} — active" in shown["text"]
    agent.taps(shown, data(shown, "since 1 d"))
    assert "queued again: 1" in agent.next("✅ failed webhooks")["text"]
    wait(lambda: len(hook.received) == 3)
    assert hook.received[2].headers["webhook-id"] == hook.received[1].headers["webhook-id"]


def test_a_russian_speaking_agent_texts_the_link_to_a_corrected_number(
        stack_factory: Any, turbosms: Any) -> None:  # noqa: F811
    stack = stack_factory(support_ids=f"telegram:{AGENT}", sms_backend="turbosms",
                          turbosms_api_base=turbosms.base_url, turbosms_token=turbosms.token)
    seller = SellerChat(stack)
    seller.register("+380501234567")
    link = seller.pay_link(seller.create_invoice("40"))
    agent = SellerChat(stack, chat_id=AGENT, language="ru")
    agent.says(f"/find {link.rsplit('/', 1)[1]}")
    found = agent.next("страница 1")
    agent.taps(found, buttons(found)[0][1])
    card = agent.next("Счёт ")
    agent.taps(card, data(card, "Ссылку покупателю"))
    menu = agent.next("Куда отправить")
    agent.taps(menu, data(menu, "SMS на другой номер"))
    agent.next("номер телефона покупателя")
    agent.says("067 123")
    agent.next("номер")  # explained in Russian, asked again
    agent.says("067 123 45 67")
    agent.next("Выполняю")
    agent.next("✅ ссылка покупателю")
    wait(lambda: turbosms.sent)
    assert [s.phone for s in turbosms.sent] == ["380671234567"] and link in turbosms.sent[0].text


def test_an_agent_reads_who_rejected_a_manual_payment_and_why_and_the_sellers_methods(
        stack_factory: Any) -> None:
    from tests.e2e.test_manual_payments import i_have_paid, manual_payments

    stack = stack_factory(support_ids=f"telegram:{AGENT}")
    seller = SellerChat(stack)
    seller.register("+380501234567")
    link = seller.pay_link(seller.create_invoice("40", "Чай"))
    code = link.rsplit("/", 1)[1]
    i_have_paid(link)
    asked = seller.next("Покупець каже")
    payment_id = manual_payments(runtime.deps().uow, code)[0].id
    seller.taps(asked, f"mpr:{payment_id}")
    seller.next("Чому відхиляєте")
    seller.says("гроші не надійшли")
    seller.next("відхилено")

    agent = SellerChat(stack, chat_id=AGENT, language="en")
    card = open_card(agent, code)
    agent.taps(card, data(card, "History"))
    history = agent.next("History of")["text"]
    assert "manual payment declared" in history
    assert "manual payment rejected" in history and "гроші не надійшли" in history

    agent.says("/seller +380501234567")
    assert "Manual payments: Cash" in agent.next("Seller +380501234567")["text"]


def test_every_read_of_an_invoice_is_audited_a_repeated_tap_too(stack_factory: Any) -> None:
    """The card (buyer's name, phone, e-mail), the resend menu and the history: each tap is one
    `done` line, the second tap of the same button included."""
    stack = stack_factory(support_ids=f"telegram:{AGENT}")
    _, code = invoice_with_link_sent(stack)
    agent = SellerChat(stack, chat_id=AGENT, language="en")
    agent.says(f"/find {code}")
    found = agent.next("page 1")
    for _ in range(2):
        agent.taps(found, buttons(found)[0][1])
        card = agent.next("Invoice ")
    for _ in range(2):
        agent.taps(card, data(card, "Resend link"))
        menu = agent.next("Where should the pay link")
        assert any("buyer@example.com" in label for label, _ in buttons(menu))
    for _ in range(2):
        agent.taps(card, data(card, "History"))
        agent.next("History of")
    lines = audit(code)
    for action in ("open", "resend_menu", "history"):
        assert lines.count((f"telegram:{AGENT}", action, "done")) == 2, (action, lines)
