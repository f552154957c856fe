"""A support agent in Viber, through the Viber emulator: /find, then resend the link to a
corrected address; a Viber seller trying the same gets what garbage gets."""
from __future__ import annotations

import time
from typing import Any

from tests.e2e.test_send_link import Mailbox, smtp_server  # noqa: F401 (fixture)
from tests.e2e.test_viber_conversation import ViberSeller, pay_link
from workers import runtime

AGENT = "viber-agent-01=="


def body(message: dict[str, Any], text: str) -> str:
    found = [b["ActionBody"] for b in message["keyboard"]["Buttons"] if text in b.get("Text", "")]
    assert found, f"no button {text!r}: {message['keyboard']['Buttons']}"
    return found[0]


def test_a_viber_agent_finds_an_invoice_and_resends_its_link_to_a_corrected_address(
        stack_factory: Any, smtp_server: tuple[Mailbox, str]) -> None:  # noqa: F811
    box, url = smtp_server
    stack = stack_factory(smtp_url=url, support_ids=f"viber:{AGENT}")
    seller = ViberSeller(stack)
    seller.register()
    code = pay_link(seller.create_invoice("25")).rsplit("/", 1)[1]
    agent = ViberSeller(stack, user_id=AGENT)

    agent.says(f"/find {code}")
    found = agent.next("сторінка 1")
    assert code in found["text"]
    agent.taps(body(found, "1"))
    card = agent.next("Рахунок ")
    agent.taps(body(card, "Посилання покупцю"))
    menu = agent.next("Куди надіслати")
    agent.taps(body(menu, "E-mail на іншу адресу"))
    agent.next("e-mail покупця")
    agent.says("/cancel")  # changed their mind: nothing is sent
    agent.next("Скасовано")
    agent.taps(body(menu, "E-mail на іншу адресу"))
    agent.next("e-mail покупця")
    agent.says("buyer@example.com")
    agent.next("Виконую")
    assert "buyer@example.com" in agent.next("✅")["text"]
    deadline = time.monotonic() + 15
    while not box.mails:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    text = box.mails[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert box.mails[0]["To"] == "buyer@example.com" and f"/p/{code}" in text

    agent.taps(body(card, "Статус продавцю"))
    agent.next("✅")
    assert seller.next("Надіслано ще раз службою підтримки")


def test_a_viber_seller_trying_support_commands_gets_what_garbage_gets(stack_factory: Any) -> None:
    stack = stack_factory(support_ids=f"viber:{AGENT}")
    seller = ViberSeller(stack)
    seller.register()
    code = pay_link(seller.create_invoice("25")).rsplit("/", 1)[1]
    with runtime.deps().uow() as uow:
        invoice_id = uow.invoices.by_code(code).id  # type: ignore[union-attr]

    def answer(text: str) -> tuple[str, Any]:
        seller.says(text)
        reply = seller.next()
        return reply["text"], reply.get("keyboard")
    seller.next("Дійсний до")  # the rest of the invoice message
    garbage = answer("/zzz")
    for text in (f"/find {code}", "/stats", "/seller 380501234567", f"sup:o:{invoice_id}",
                 f"sup:rs:{invoice_id}:n1", f"sup:lE:{invoice_id}:n1", "sup:rf:1:7:n"):
        assert answer(text) == garbage, text


def test_a_typed_sup_text_is_a_tap_checked_and_audited_the_same(stack_factory: Any) -> None:
    """In Viber a button comes back as text, so typing `sup:o:<id>` is tapping *Open*: for an
    agent it opens the card and writes the same audit line as the tap; each time."""
    stack = stack_factory(support_ids=f"viber:{AGENT}")
    seller = ViberSeller(stack)
    seller.register()
    code = pay_link(seller.create_invoice("25")).rsplit("/", 1)[1]
    with runtime.deps().uow() as uow:
        invoice_id = uow.invoices.by_code(code).id  # type: ignore[union-attr]
    agent = ViberSeller(stack, user_id=AGENT)

    def lines(action: str) -> int:
        with runtime.deps().uow() as uow:
            return sum((e.agent, e.action, e.phase) == (f"viber:{AGENT}", action, "done")
                       for e in uow.audit.for_invoice(invoice_id))

    agent.says(f"/find {code}")
    found = agent.next("сторінка 1")
    agent.taps(body(found, "1"))
    card = agent.next("Рахунок ")
    assert lines("open") == 1
    agent.says(f"sup:o:{invoice_id}")  # typed, not tapped
    assert agent.next("Рахунок ")["text"] == card["text"]
    assert lines("open") == 2
    agent.says(body(card, "Історія"))  # the history button's text, typed twice
    agent.next("Історія")
    agent.says(body(card, "Історія"))
    agent.next("Історія")
    assert lines("history") == 2
    agent.says(body(card, "Посилання покупцю"))
    agent.next("Куди надіслати")
    assert lines("resend_menu") == 1
