"""The conversation layer's own parts, without Redis, a database or a messenger: the button
catalogue, how a turn finds its step, and the guards."""
from __future__ import annotations

import dataclasses

import pytest

from bots.conversation.guards import Needs
from bots.conversation.routes import Conversation, Routes
from bots.conversation.state import decode, encode
from bots.conversation.turn import Menu, Reply, Turn, say
from domain.actions import (
    CATALOGUE,
    AccountTap,
    CheckStatusTap,
    ChooseLanguage,
    RefundTap,
    Skip,
    parse,
)
from storage.repository import Seller


def test_every_action_comes_back_as_itself_from_its_data() -> None:
    for tag, kind in CATALOGUE.items():
        values = {f.name: f"x{n}" for n, f in enumerate(dataclasses.fields(kind))}
        tap = kind(**values)
        assert parse(tap.pack()) == tap, tag
        assert len(tap.pack().encode()) <= 64, tag  # Telegram's callback data limit


def test_a_field_may_hold_colons_and_the_old_data_still_parses() -> None:
    assert parse("acct:disconnect:yes") == AccountTap("disconnect:yes")
    assert parse("chk:AbC123") == CheckStatusTap("AbC123")
    assert parse("skip") == Skip()
    assert RefundTap.read("rfd:Q1") == RefundTap("Q1")
    assert RefundTap.read("chk:Q1") is None


@pytest.mark.parametrize("text", ["", "100", "chk:", "skip:1", "nope:1", "Create invoice",
                                  "lang"])
def test_typed_text_is_no_action(text: str) -> None:
    assert parse(text) is None


def seller(currency: str | None = "UAH") -> Seller:
    return Seller(id=7, channel="telegram", external_id="1", phone="+380501234567",
                  country="UA", currency=currency, language="en", name="Olena",
                  subscribed=True)


def turn(**what: object) -> Turn:
    return Turn(**{"messenger": "telegram", "user_id": "1", "chat_id": "1", "lang": "en",
                   **what})  # type: ignore[arg-type]


def conversation() -> tuple[Conversation, list[str]]:
    called: list[str] = []
    routes = Routes("test")

    @routes.command("new", menu="btn_create")
    def new(deps: object, t: Turn) -> Reply:
        called.append("new")
        return say("amount?", state={"step": "amount"})

    @routes.step("amount")
    def amount(deps: object, t: Turn) -> Reply:
        called.append(f"amount {t.text}")
        return say("ok", state=None)

    @routes.action(ChooseLanguage, needs=Needs.NOBODY, blocking=False)
    def language(deps: object, t: Turn) -> Reply:
        called.append("lang")
        return say("lang", menu=Menu.MAIN)

    return Conversation(None, [routes]), called  # type: ignore[arg-type]


def test_a_menu_text_in_any_language_leaves_the_dialog_for_its_own_step() -> None:
    conv, called = conversation()
    for text in ("🧾 Create invoice", "🧾 Створити рахунок", "/new", "/new@chatpay_bot"):
        reply = conv.handle(turn(seller=seller(), text=text, state={"step": "amount"}))
        assert reply is not None and reply.asks == "amount"
    assert called == ["new"] * 4
    reply = conv.handle(turn(seller=seller(), text="100", state={"step": "amount"}))
    assert reply is not None and reply.state is None and called[-1] == "amount 100"


def test_what_no_feature_answers_is_left_to_the_adapter() -> None:
    conv, called = conversation()
    assert conv.handle(turn(seller=seller(), text="hello")) is None
    assert conv.handle(turn(seller=seller(), text="/unknown", state={"step": "amount"})) is None
    assert conv.handle(turn(seller=seller(), action=RefundTap("Q"))) is None
    assert called == []


@pytest.mark.parametrize("who", [None, seller(currency=None)])
def test_share_your_phone_first_is_one_reply_with_the_share_keyboard(who: Seller | None) -> None:
    conv, called = conversation()
    for what in ({"text": "/new"}, {"text": "100", "state": {"step": "amount"}}):
        reply = conv.handle(turn(seller=who, **what))
        assert reply is not None and [(s.text, s.menu) for s in reply.says] == [
            ("Please share your phone number first — /start.", Menu.SHARE_PHONE)]
    assert called == []
    assert conv.handle(turn(seller=who, action=ChooseLanguage("uk"))) is not None  # anyone may


def test_a_dialog_state_survives_its_trip_through_redis_and_others_states_are_ignored() -> None:
    assert decode(encode({"step": "amount", "amount": "10.00"})) == {"step": "amount",
                                                                    "amount": "10.00"}
    assert decode("NewInvoice:amount") == {} and decode(None) == {} and decode(b"") == {}


@pytest.mark.parametrize("lang", ["uk", "ru", "en"])
def test_help_names_every_command_a_seller_can_type(lang: str) -> None:
    """A new user found /report and /cabinet missing from /help: every seller's command of the
    conversation is listed (support's own commands are for agents, told in their desk)."""
    from bots.conversation import support
    from bots.conversation.features import FEATURES
    from domain.i18n import t
    agents = set(support.routes.texts)
    typed = {text for feature in FEATURES for text in feature.texts
             if text.startswith("/") and text not in agents}
    listed = {line.split(" ", 1)[0] for line in t(lang, "help").splitlines()}
    assert typed - {"/help"} <= listed, typed - listed
