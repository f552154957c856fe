"""`chatpay telegram` processes: two in webhook mode on one port, one Redis and one database (the
kernel spreads Telegram's connections over them, sellers' dialogs move freely between them with
their state in Redis, and an update Telegram delivers twice is handled once, whichever process it
reaches); a webhook call without the secret; a webhook Telegram refuses; a bot stopped while it
answers a seller."""
from __future__ import annotations

import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psutil
import pytest

from domain.i18n import t
from storage.tables import InvoiceRow
from tests.faults.conftest import Rig, free_port, wait_until

SELLERS = 16
ROUNDS = 2


def test_two_bot_processes_share_sellers_without_double_work(rig: Rig) -> None:
    assert rig.telegram is not None
    chats = [381_000 + k for k in range(SELLERS)]
    for chat in chats:
        add_seller_quietly(rig, chat)
    port = free_port()
    bots = [rig.start_bot(port), rig.start_bot(port)]
    rig.start_inprocess_worker()
    owner: dict[int, int] = {}  #: local TCP port -> bot pid, sampled while they work
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(0.05):
            for proc in bots:
                for conn in psutil.Process(proc.pid).net_connections(kind="tcp"):
                    if conn.laddr:
                        owner[conn.laddr.port] = proc.pid

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with ThreadPoolExecutor(SELLERS) as pool:
        list(pool.map(lambda chat: seller_makes_invoices(rig, chat), chats))
    time.sleep(1.0)  # anything handled twice would have answered by now
    sampling.set()
    sampler.join()

    for chat in chats:
        messages = bot_messages(rig, chat)
        texts = [m.get("text") or m.get("caption") or "" for m in messages]
        assert len(messages) == 4 * ROUNDS, texts  # amount?, description?, creating…, the QR
        assert count(texts, t("uk", "ask_amount", currency="UAH")) == ROUNDS, texts
        assert count(texts, t("uk", "ask_description")) == ROUNDS, texts
        for n in range(ROUNDS):
            assert len([m for m in messages if "photo" in m
                        and f"Order {chat}-{n}" in m.get("caption", "")]) == 1, texts
    with rig.uow() as uow:
        descriptions = sorted(row.description for row in uow.session.query(InvoiceRow).all())
    assert descriptions == sorted(f"Order {chat}-{n}" for chat in chats for n in range(ROUNDS))
    assert all(proc.poll() is None for proc in bots)
    answered_by = {owner.get(port_) for port_ in rig.send_ports}
    assert {bots[0].pid, bots[1].pid} <= answered_by, "one bot process answered every seller"


def add_seller_quietly(rig: Rig, chat: int) -> None:
    """A registered seller whose chat is open, with its opening /start not left for the bots."""
    assert rig.telegram is not None
    rig.add_seller(chat)
    rig.telegram.call(rig.settings.telegram_bot_token, "deleteWebhook", {"drop_pending_updates": True})


def seller_makes_invoices(rig: Rig, chat: int) -> None:
    """The dialog: create → amount → description, each answered before the next; Telegram delivers
    the amount and the description a second time (as when it did not see our 200)."""
    emu = rig.telegram
    assert emu is not None
    for n in range(ROUNDS):
        emu.user_sends_text(chat, "/new")
        next_reply(rig, chat, t("uk", "ask_amount", currency="UAH"))
        amount = emu.user_sends_text(chat, "12,50")
        next_reply(rig, chat, t("uk", "ask_description"))
        emu.push_update(amount)
        description = emu.user_sends_text(chat, f"Order {chat}-{n}")
        emu.push_update(description)
        qr_caption = f"Order {chat}-{n}"
        emu.wait_for(chat, lambda m, c=qr_caption: c in (m.get("caption") or ""), 30)


def next_reply(rig: Rig, chat: int, text: str) -> None:
    seen = len([m for m in bot_messages(rig, chat) if m.get("text") == text])
    wait_until(lambda: len([m for m in bot_messages(rig, chat) if m.get("text") == text]) > seen,
               30, f"{text!r} in chat {chat}")


def bot_messages(rig: Rig, chat: int) -> list[dict[str, Any]]:
    return [m for m in rig.messages(chat) if m.get("from", {}).get("is_bot")]


def count(texts: list[str], text: str) -> int:
    return len([x for x in texts if x == text])


def test_a_webhook_call_without_the_secret_is_refused_and_does_nothing(rig: Rig) -> None:
    assert rig.telegram is not None
    chat = 381_100
    add_seller_quietly(rig, chat)
    port = free_port()
    rig.start_bot(port)
    update = {"update_id": 900_001, "message": {
        "message_id": 7, "date": int(time.time()), "text": "/new",
        "chat": {"id": chat, "type": "private", "first_name": "Seller"},
        "from": {"id": chat, "is_bot": False, "first_name": "Seller", "language_code": "uk"}}}
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
        answer = httpx.post(url, json=update, headers=headers)
        assert answer.status_code == 403
    time.sleep(0.5)
    assert bot_messages(rig, chat) == []
    right = {"X-Telegram-Bot-Api-Secret-Token": rig.settings.telegram_webhook_token}
    assert httpx.post(url, content=b"{not json", headers=right).status_code == 400
    assert httpx.post(url, json=update, headers=right).status_code == 200
    assert [m["text"] for m in bot_messages(rig, chat)] == [t("uk", "ask_amount", currency="UAH")]


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_a_bot_stopped_while_answering_a_seller_finishes_the_answer_first(rig: Rig, mode: str) -> None:
    """SIGTERM (a deploy) reaches the bot while its reply is on the way. Polling: Telegram already
    counts the seller's message as delivered. Webhook: the update's request is still open. Either
    way the reply must go out before the process exits."""
    assert rig.telegram is not None
    chat = 381_200
    add_seller_quietly(rig, chat)
    bot = rig.start_bot(free_port() if mode == "webhook" else None)
    rig.send_delay = 1.5  # a slow Bot API: the reply is still being sent when the signal comes
    sends = len(rig.send_ports)
    rig.telegram.user_sends_text(chat, "/new")
    wait_until(lambda: len(rig.send_ports) > sends, 10, "the bot to start replying")
    bot.send_signal(signal.SIGTERM)
    # uvicorn re-raises the signal once it has finished, so the exit says what stopped it
    assert bot.wait(20) == (0 if mode == "polling" else -signal.SIGTERM)
    assert [m["text"] for m in bot_messages(rig, chat)] == [t("uk", "ask_amount", currency="UAH")]


def test_a_webhook_telegram_refuses_stops_the_bot_with_one_clear_line(rig: Rig) -> None:
    env = rig.env() | {"TELEGRAM_MODE": "webhook", "HOST": "127.0.0.1",
                       "TELEGRAM_WEBHOOK_PORT": str(free_port()),
                       "TELEGRAM_WEBHOOK_URL": "http://no such host/telegram/webhook"}
    bot = rig.spawn("refused-bot", ["telegram"], env)
    assert bot.wait(30) == 2
    log = (rig.var_dir / "refused-bot.log").read_text()
    assert "chatpay: Telegram refused the webhook http://no such host/telegram/webhook: " \
           "Bad Request: bad webhook" in log
    assert "Traceback" not in log
