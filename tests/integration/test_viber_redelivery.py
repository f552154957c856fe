"""Viber delivering a message again (it did not get our 200), through the real webhook, the Viber
emulator, Redis and the database: a message whose handling failed is handled when it comes again,
a handled one is not handled twice, and one still being handled is answered so that Viber asks
again later instead of forgetting it."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import redis
from fastapi import FastAPI

from bots.invoices import creating_text
from bots.viber.dialog import ViberDeps
from bots.viber.webhook import PATH, SIGNATURE_HEADER, viber_routes
from domain.i18n import t
from sandbox.loopback import serve_in_thread
from sandbox.viber import ViberEmulator
from storage.db import make_engine, make_session_factory
from storage.queue import QUEUE, Workers
from storage.settings import load_settings
from storage.uow import UnitOfWork
from tests.faults.conftest import wait_until
from workers import actors, runtime
from workers.messengers.viber import ViberApi

USER = "viber-redelivery-01=="
CREATE = t("uk", "btn_create")


class HeldBus:
    """Stands between the webhook and the queue: while the edge is `holding`, a publish (the
    answers "creating…", and the invoice after them) waits, so the dialog is stuck in the middle."""

    def __init__(self, edge: ViberEdge, bus: Any) -> None:
        self.edge, self.bus = edge, bus

    def publish(self, command: Any, **options: Any) -> None:
        self.edge.held += 1
        while self.edge.holding:
            time.sleep(0.05)
        self.bus.publish(command, **options)


class ViberEdge:
    """The Viber webhook of one web process, with a database that can be taken away and a queue
    that can be held, and a worker sending the bot's answers to the Viber emulator."""

    def __init__(self, database_url: str, redis_url: str) -> None:
        self.stops: list[Callable[[], None]] = []
        self.viber = ViberEmulator()
        api_base, stop = serve_in_thread(self.viber.app)
        self.stops.append(stop)
        self.settings = load_settings(database_url=database_url, redis_url=redis_url,
                                      viber_api_base=api_base)
        self.viber.add_account(self.settings.viber_auth_token, self.settings.viber_bot_name)
        engine = make_engine(database_url)
        self.stops.append(engine.dispose)
        self.real_uow = lambda: UnitOfWork(make_session_factory(engine))
        dead = make_engine("postgresql://chatpay@127.0.0.1:9/unreachable")
        self.stops.append(dead.dispose)
        self.dead_uow = lambda: UnitOfWork(make_session_factory(dead))
        self.uow = self.real_uow
        self.holding, self.held = False, 0
        client = redis.Redis.from_url(redis_url, socket_timeout=5)
        self.stops.append(client.close)
        worker = runtime.bootstrap(self.settings, redis_url=redis_url)
        runtime.configure(worker)
        actors.declare(worker.bus.broker)
        self.stops.insert(0, Workers(worker.bus.broker, {QUEUE: 2}, poll_ms=100).stop)
        deps = ViberDeps(settings=self.settings, uow=lambda: self.uow(),
                         bus=HeldBus(self, worker.bus), currencies=frozenset({"UAH"}), redis=client)
        app = FastAPI()
        viber_routes(deps)(app)
        base_url, stop = serve_in_thread(app)
        self.stops.insert(0, stop)
        self.webhook = f"{base_url}{PATH}"
        api = ViberApi(self.settings.viber_auth_token, api_base)
        api.set_webhook(self.webhook)
        api.close()

    def add_seller(self, user_id: str) -> None:
        with self.real_uow() as uow:
            uow.sellers.upsert("viber", user_id, name="Оля", phone="+380501234567",
                               language="uk", currency="UAH")
            uow.session.commit()

    def deliver_again(self, event: dict[str, Any]) -> int:
        """Viber delivering the same event (same message_token) again."""
        body = json.dumps(event, ensure_ascii=False).encode()
        signature = hmac.new(self.settings.viber_auth_token.encode(), body,
                             hashlib.sha256).hexdigest()
        return httpx.post(self.webhook, content=body, timeout=30, headers={
            "Content-Type": "application/json", SIGNATURE_HEADER: signature}).status_code

    def texts(self, user_id: str = USER) -> list[str]:
        return [m.get("text", "") for m in self.viber.sent(user_id)]

    def got(self, text: str, times: int = 1, user_id: str = USER) -> None:
        """Wait until the user has been sent `text` `times` times."""
        self.viber.wait_for(user_id, lambda m: self.texts(user_id).count(text) >= times,
                            timeout=15)

    def stop(self) -> None:
        self.holding = False
        for stop in self.stops:
            stop()


@pytest.fixture
def edge(database_url: str, redis_url: str) -> Iterator[ViberEdge]:
    edge = ViberEdge(database_url, redis_url)
    edge.add_seller(USER)
    yield edge
    edge.stop()


def test_a_viber_message_whose_handling_failed_is_handled_when_viber_delivers_it_again(
        edge: ViberEdge) -> None:
    edge.uow = edge.dead_uow
    status, event = edge.viber.user_taps(USER, CREATE)
    assert status == 200
    edge.got(t("uk", "unavailable"))  # told at once, rather than left waiting

    edge.uow = edge.real_uow
    assert edge.deliver_again(event) == 200
    edge.got(t("uk", "ask_amount", currency="UAH"))
    assert edge.texts() == [t("uk", "unavailable"), t("uk", "ask_amount", currency="UAH")]


def test_a_handled_viber_message_is_not_handled_again(edge: ViberEdge) -> None:
    status, event = edge.viber.user_taps(USER, CREATE)
    assert status == 200
    edge.got(t("uk", "ask_amount", currency="UAH"))

    assert edge.deliver_again(event) == 200
    status, _ = edge.viber.user_sends_text(USER, "12,50")  # the dialog goes on from where it was
    edge.got(t("uk", "ask_description"))
    assert edge.texts() == [t("uk", "ask_amount", currency="UAH"), t("uk", "ask_description")]


def test_a_viber_message_delivered_again_while_it_is_handled_is_handled_once(
        edge: ViberEdge) -> None:
    """Viber gave up waiting for our answer and sent the message again while the first delivery
    was still being handled: that one is not answered 200 (Viber would forget the message if the
    first delivery then died), and once the first has finished the message is not handled again."""
    edge.viber.user_taps(USER, CREATE)
    edge.got(t("uk", "ask_amount", currency="UAH"))
    _, amount = edge.viber.user_sends_text(USER, "12,50")
    edge.got(t("uk", "ask_description"))
    description = {**amount, "message_token": amount["message_token"] + 1000,
                   "message": {"type": "text", "text": "Кава"}}

    edge.holding, edge.held = True, 0  # the dialog queues "creating…" and the invoice: stop there
    first = threading.Thread(target=edge.deliver_again, args=(description,))
    first.start()
    try:
        wait_until(lambda: edge.held, 15, "the dialog to be queueing 'creating…'")
        assert edge.deliver_again(description) == 503
    finally:
        edge.holding = False
        first.join(30)

    creating = creating_text("12.50", "UAH", "uk")
    edge.got(creating)
    assert edge.deliver_again(description) == 200
    edge.viber.user_sends_text(USER, "/cancel")  # something after, to know the last one is in
    edge.got(t("uk", "dialog_cancelled"))
    assert edge.texts().count(creating) == 1, edge.texts()


def test_the_webhook_answers_while_viber_fails_and_the_answer_follows_once_viber_is_back(
        edge: ViberEdge) -> None:
    """The webhook never waits on Viber's API: the answer is a worker's, retried until Viber
    takes it, instead of a send inside the request that an outage would lose."""
    edge.viber.fail_next(3, http_status=503)  # Viber's API is down for the next three calls
    status, _ = edge.viber.user_taps(USER, CREATE)
    assert status == 200
    edge.got(t("uk", "ask_amount", currency="UAH"))
    assert edge.texts() == [t("uk", "ask_amount", currency="UAH")]
