"""Each moved feature's scripted conversation through both adapters (Telegram's and Viber's),
comparing what the seller is told: the same steps, texts, buttons, dialog states and commands,
apart from the differences the replies flag (Viber shows the main menu under a message's own
buttons, has no toast, cannot delete a message). No Redis, database or messenger: the adapters
turn the same actions into turns, the conversation answers against fakes of its ports (a fake
unit of work, a fake bus), and each adapter draws the reply."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from aiogram.types import CallbackQuery, Chat, Contact, InlineKeyboardMarkup, Message, User

from bots.conversation.features import FEATURES
from bots.conversation.routes import NOT_UNDERSTOOD, Conversation
from bots.conversation.turn import KEEP, Reply, Turn
from bots.sellers import PhoneOutcome
from bots.telegram import conversation as telegram
from bots.viber import conversation as viber
from domain.actions import parse
from domain.i18n import t
from domain.messaging import main_menu_rows
from storage.repository import Seller
from storage.secrets import SecretBox
from storage.settings import Settings

USER = 4242


@dataclass
class FakeSellers:
    """The seller book as a port: one seller, kept in memory."""
    seller: Seller | None = None

    def register_phone(self, external_id: str, phone: str, name: str, lang: str) -> PhoneOutcome:
        self.seller = Seller(id=7, channel="x", external_id=external_id, phone=phone,
                             country="UA", currency="UAH", language=lang, name=name,
                             subscribed=True)
        return PhoneOutcome(self.seller, t(lang, "currency_set", currency="UAH"))

    def set_language(self, external_id: str, lang: str) -> Seller:
        assert self.seller is not None
        self.seller = Seller(**{**self.seller.__dict__, "language": lang})
        return self.seller

    def set_currency(self, external_id: str, currency: str) -> Seller | None:
        return self.seller


@dataclass
class FakeUnitOfWork:
    """What the moved features read: a connected account, no pending invoices, no webhook."""
    accounts: Any = field(default_factory=lambda: SimpleNamespace(
        connected=lambda seller_id, provider: SimpleNamespace(id=1, public_key="sandbox_i1")))
    account_checks: Any = field(default_factory=lambda: SimpleNamespace(
        is_refused=lambda account_id: False))
    invoices: Any = field(default_factory=lambda: SimpleNamespace(
        open_for_seller=lambda seller_id: []))
    webhooks: Any = field(default_factory=lambda: SimpleNamespace(endpoint=lambda s: None))

    def seller_settings(self, seller_id: int) -> Any:
        return SimpleNamespace(account=self.accounts.connected(seller_id, "liqpay"))

    @contextmanager
    def readonly(self) -> Any:
        yield self


def deps(sellers: FakeSellers, published: list[Any]) -> Any:
    settings = Settings(secret_key="parity-test-secret-key-0123456789abcdef")
    return SimpleNamespace(settings=settings, uow=FakeUnitOfWork, sellers=sellers,
                           bus=SimpleNamespace(publish=published.append),
                           box=SecretBox.from_settings(settings),
                           support=SimpleNamespace(is_agent=lambda user: False))


def telegram_turn(what: dict[str, str], lang: str, seller: Seller | None,
                  state: dict[str, Any]) -> Turn | None:
    user = User(id=USER, is_bot=False, first_name="Olena")
    chat = Chat(id=USER, type="private")
    date = datetime.now(UTC)
    raw = telegram.encode(state) if state else None
    if "tap" in what:
        message = Message(message_id=10, date=date, chat=chat, text="…")
        event: Any = CallbackQuery(id="q", from_user=user, chat_instance="c", data=what["tap"],
                                   message=message)
    elif "contact" in what:
        event = Message(message_id=11, date=date, chat=chat, from_user=user,
                        contact=Contact(phone_number=what["contact"], first_name="Olena",
                                        user_id=USER))
    else:
        event = Message(message_id=12, date=date, chat=chat, from_user=user, text=what["text"])
    return telegram.turn_of(event, user, lang, seller, raw)


def viber_turn(what: dict[str, str], lang: str, seller: Seller | None,
               state: dict[str, Any]) -> Turn:
    text = what.get("tap") or what.get("text")
    return viber.turn_of(str(USER), "Olena", lang, seller, text, what.get("contact"), "t1",
                         state)


def telegram_meaning(reply: Reply, lang: str) -> list[tuple[str, list[str]]]:
    """Each message's text and its buttons' data; the main menu keyboard as its texts."""
    seen = []
    for said in reply.says:
        board = telegram.markup(said, reply.menu_button or lang)
        if isinstance(board, InlineKeyboardMarkup):
            data = [b.callback_data or b.web_app.url for row in board.inline_keyboard
                    for b in row]  # type: ignore[union-attr]
        else:
            data = [b.text for row in board.keyboard for b in row] if board is not None else []
        seen.append((said.text, data))
    if reply.toast and not reply.says:  # Viber has no toast: a message with the menu (flagged)
        seen.append((reply.toast, [b.text for row in main_menu_rows(lang) for b in row]))
    return seen


def viber_meaning(reply: Reply, lang: str) -> list[tuple[str, list[str]]]:
    """The same from Viber's answers: its main menu under a message's own buttons is the flagged
    difference, so it is left out where the message has buttons of its own."""
    menu = {b.text for row in main_menu_rows(reply.menu_button or lang) for b in row}
    # Viber cannot delete a message carrying a secret: the first answer asks the seller to
    # (flagged by reply.delete_message; Telegram deletes it and says so the same way)
    asked = f"{t(lang, 'key_delete_yourself')}\n\n" if reply.delete_message else ""
    seen = []
    for answer in viber.answers(reply, lang):
        bodies = [b["Text"] if b["ActionType"] == "share-phone" else b["ActionBody"]
                  for b in (answer.keyboard or {}).get("Buttons", [])]
        own = [b for b in bodies if b not in menu]
        text = answer.text[len(asked):] if asked and answer.text.startswith(asked) else answer.text
        seen.append((text, own or bodies))
    return seen


SCRIPT: list[tuple[str, dict[str, str]]] = [
    ("start", {"text": "/start"}),
    ("phone", {"contact": "+380501234567"}),
    ("language menu", {"text": "🌐 Мова"}),
    ("language chosen", {"tap": "lang:en"}),
    ("help", {"text": "/help"}),
    ("create invoice", {"text": "🧾 Create invoice"}),
    ("amount mistyped", {"text": "12,3456"}),
    ("amount", {"text": "150"}),
    ("description skipped", {"tap": "skip"}),
    ("pending, none", {"text": "⏳ Pending invoices"}),
    ("check status", {"tap": "chk:Q1"}),
    ("webhook test", {"tap": "wh:test"}),
    ("keep the account", {"tap": "acct:keep"}),
    # (a stale button differs by design: Telegram's toast says the button no longer works,
    # Viber's taps are text and get what any text gets: tests/e2e/test_support_viber.py)
    ("payment account", {"text": "/settings"}),
    ("connect monobank", {"tap": "acct:mono"}),
    ("monobank token", {"text": "sandbox-mono-token-0123456789abcdef"}),
    ("connect liqpay", {"tap": "acct:connect"}),
    ("public key", {"text": "sandbox_i0123456789"}),
    ("private key", {"text": "sandbox_0123456789abcdef"}),
    ("disconnect monobank", {"tap": "acct:mono:disconnect"}),
    ("shop name asked", {"text": "/shop"}),
    ("cancelled", {"text": "/cancel"}),
    ("garbage", {"text": "what is this"}),
]


def run(messenger: str) -> list[dict[str, Any]]:
    sellers, published = FakeSellers(), []
    conversation = Conversation(deps(sellers, published), FEATURES)
    state: dict[str, Any] = {}
    lang = "uk"
    steps = []
    for name, what in SCRIPT:
        make = telegram_turn if messenger == "telegram" else viber_turn
        turn = make(what, sellers.seller.language if sellers.seller else lang, sellers.seller,
                    state)
        assert turn is not None, name
        route = conversation.route(turn) or NOT_UNDERSTOOD
        before = len(published)
        reply = conversation.handle_and_publish(turn, route)
        if reply.answer_first and reply.publish is not None:
            published.append(reply.publish)
        if reply.state != KEEP:
            state = dict(reply.state or {})
        meaning = (telegram_meaning if messenger == "telegram" else viber_meaning)(
            reply, turn.lang)
        steps.append({"step": name, "said": meaning, "asks": reply.asks,
                      "published": [type(c).__name__ for c in published[before:]]})
    return steps


def test_every_scripted_step_means_the_same_in_telegram_and_in_viber() -> None:
    told_telegram, told_viber = run("telegram"), run("viber")
    for in_telegram, in_viber in zip(told_telegram, told_viber, strict=True):
        assert in_telegram == in_viber, in_telegram["step"]


def test_the_script_is_a_real_conversation() -> None:
    """The parity above compares something: the steps answer as a seller expects."""
    told = {s["step"]: s for s in run("viber")}
    assert told["description skipped"]["published"] == ["CreateInvoice"]
    assert told["check status"]["published"] == ["CheckStatus"]
    assert told["webhook test"]["published"] == ["ManageWebhook"]
    assert told["amount"]["asks"] == "description"
    assert told["language chosen"]["said"][0][0] == t("en", "language_set")
    assert told["garbage"]["said"][0][0] == t("en", "unknown_input")
    assert told["connect monobank"]["asks"] == "monobank_token"
    assert told["monobank token"]["published"] == ["ConnectAccount"]
    assert told["public key"]["asks"] == "private_key"
    assert told["private key"]["published"] == ["ConnectAccount"]
    assert "acct:mono:disconnect:yes" in told["disconnect monobank"]["said"][0][1]


@pytest.mark.parametrize("data", ["lang:en", "chk:Q1", "skip", "acct:keep", "wh:test"])
def test_a_button_packs_what_both_adapters_read_back(data: str) -> None:
    action = parse(data)
    assert action is not None and action.pack() == data
    assert viber_turn({"tap": data}, "en", None, {}).action == action
    assert telegram_turn({"tap": data}, "en", None, {}).action == action  # type: ignore[union-attr]
