"""Only support is answered as support: a seller trying every support command and every support
button's data (with their own invoice's id, another's, or none) is answered exactly as for
garbage; an agent removed mid-dialog is refused at their next message or tap."""
from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from sandbox.stack import Stack
from tests.e2e.conftest import SellerChat
from tests.e2e.test_support import AGENT, buttons, data, open_card
from workers import runtime


def answers(chat: SellerChat, text: str) -> tuple[str, Any]:
    chat.says(text)
    reply = chat.next()
    return reply["text"], reply.get("reply_markup")


def forged(chat: SellerChat, under: dict[str, Any], payload: str) -> tuple[Any, int]:
    """What a forged tap gets: the callback's answer, and how many messages follow it."""
    before = len(chat.tg.sent(chat.chat_id))
    query = chat.tg.user_forges_tap(chat.chat_id, under["message_id"], payload)["callback_query"]
    deadline = time.monotonic() + 15
    while (answer := chat.tg.callback_answer(query["id"])) is None:
        assert time.monotonic() < deadline, f"{payload!r} was never answered"
        time.sleep(0.05)
    time.sleep(0.3)
    return answer, len(chat.tg.sent(chat.chat_id)) - before


def audit_lines() -> int:
    with runtime.deps().uow() as uow:
        return uow.session.execute(  # type: ignore[no-any-return]
            __import__("sqlalchemy").text("SELECT count(*) FROM support_audit")).scalar()


def test_a_seller_trying_support_commands_and_buttons_gets_what_garbage_gets(
        stack_factory: Any) -> None:
    stack: Stack = stack_factory(support_ids=f"telegram:{AGENT}")
    other = SellerChat(stack, chat_id=380_777)
    other.register("+380671112233")
    others = other.pay_link(other.create_invoice("99")).rsplit("/", 1)[1]
    seller = SellerChat(stack)
    seller.register("+380501234567")
    message = seller.create_invoice("40")
    mine = seller.pay_link(message).rsplit("/", 1)[1]
    with runtime.deps().uow() as uow:
        ids = {code: uow.invoices.by_code(code).id for code in (mine, others)}  # type: ignore[union-attr]

    garbage = answers(seller, "/zzz qwerty")
    for command in ("/find", f"/find {mine}", f"/find {others}", f"/find {ids[others]}",
                    "/find +380671112233", "/find nobody@example.com", "/find 0000000000",
                    "/seller +380671112233", "/seller +380000000000", "/stats",
                    "/find@chatpay_bot " + others):
        assert answers(seller, command) == garbage, command

    nothing = forged(seller, message, "zzz:garbage")
    taps = ["sup:", "sup:pg:abc:1", "sup:rf:1:7:x", "sup:rf:2:7:x"]
    for invoice_id in (*ids.values(), "f" * 32):
        taps += [f"sup:{code}:{invoice_id}:n0" for code in
                 ("o", "rl", "ls", "le", "lS", "lE", "rs", "wh", "rc", "hi")]
    for payload in taps:
        assert forged(seller, message, payload) == nothing, payload
    assert nothing[1] == 0
    assert audit_lines() == 0
    assert "підтримки" not in str(other.tg.sent(other.chat_id))


def test_an_agent_removed_mid_dialog_is_refused_at_the_next_message_and_tap(
        stack_factory: Any) -> None:
    stack = stack_factory(support_ids=f"telegram:{AGENT}")
    seller = SellerChat(stack)
    seller.register("+380501234567")
    code = seller.pay_link(seller.create_invoice("40")).rsplit("/", 1)[1]
    agent = SellerChat(stack, chat_id=AGENT, language="en")
    card = open_card(agent, code)
    agent.taps(card, data(card, "Resend link"))
    menu = agent.next("Where should the pay link")
    agent.taps(menu, data(menu, "E-mail to another address"))
    agent.next("e-mail address")

    with runtime.deps().uow() as uow:  # what `chatpay support remove` does
        assert uow.agents.remove("telegram", str(AGENT), datetime.now(UTC))
        uow.commit()
    before = audit_lines()
    agent.says("buyer@example.com")
    assert agent.next()["text"] == "I didn't understand that. Tap “Create invoice” or /help."
    answer, messages = forged(agent, card, data(card, "Resend status"))
    garbage, _ = forged(agent, card, "zzzzzzzz")
    assert messages == 0 and answer == garbage  # exactly what a tap of nonsense gets
    agent.says(f"/find {code}")
    assert "I didn't understand" in agent.next()["text"]
    assert audit_lines() == before
    assert [label for label, _ in buttons(card)]  # the old card is still on screen, inert


def test_a_seller_forging_invoice_buttons_with_another_sellers_code_learns_and_changes_nothing(
        stack_factory: Any) -> None:
    stack: Stack = stack_factory()
    other = SellerChat(stack, chat_id=380_777)
    other.register("+380671112233")
    others = other.pay_link(other.create_invoice("99")).rsplit("/", 1)[1]
    seller = SellerChat(stack)
    seller.register("+380501234567")
    message = seller.create_invoice("40")
    other_before = len(other.tg.sent(other.chat_id))

    def outcome(payload: str) -> tuple[Any, list[str]]:
        answer, count = forged(seller, message, payload)
        seller.stack.drain()  # a worker's answer, if any, is sent by now
        said = [m.get("text") or "" for m in seller.tg.sent(seller.chat_id)[-count:]] \
            if count else []
        seller.says("/cancel")  # leave any dialog the tap opened
        seller.next("Скасовано")
        return answer, said

    for prefix in ("chk:", "cnl:", "sms:", "eml:", "rfd:"):
        assert outcome(prefix + others) == outcome(prefix + "zzzzzzzzzz"), prefix
    assert len(other.tg.sent(other.chat_id)) == other_before
    with runtime.deps().uow() as uow:
        assert uow.invoices.by_code(others).status == "pending"  # type: ignore[union-attr]
