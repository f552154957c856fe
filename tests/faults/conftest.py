"""The fault suite's rig: real web edge, LiqPay sandbox and Telegram emulator served over loopback
in the test process, real `chatpay worker` processes (started and SIGKILLed at will), the test's
database and Redis. Nothing of ours is mocked; the test process talks to the same services a
production deployment would, only the external ones are the local emulators.
"""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from domain.commands import CreateInvoice
from domain.invoice import Invoice
from sandbox.liqpay import LiqPaySandbox
from sandbox.loopback import serve_in_thread
from sandbox.monobank import MonobankSandbox
from sandbox.telegram import TelegramEmulator
from storage.secrets import SecretBox
from storage.settings import load_settings
from web.app import WebDeps, create_app
from workers import attempts, handlers, manual, runtime
from workers.providers.accounts import ProviderAccounts
from workers.runtime import Deps

ROOT = Path(__file__).resolve().parents[2]
CHATPAY = str(Path(sys.executable).with_name("chatpay"))
CHAT = 380_777


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: how long a `chatpay` process may take to start: it imports aiogram and SQLAlchemy first (seconds
#: of CPU), and with four test workers on two cores it shares them; waited for, so only a
#: process that never starts costs this long
PROCESS_START = 60.0


def wait_until(predicate: Callable[[], Any], timeout: float = 20.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(0.05)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


@dataclass
class Rig:
    database_url: str
    redis_url: str
    var_dir: Path
    base_url: str = ""
    deps: Deps | None = None
    telegram: TelegramEmulator | None = None
    sandbox: LiqPaySandbox | None = None
    monobank: MonobankSandbox | None = None  #: the monobank stand-in, at /sandbox/monobank
    seller_id: int = 0
    #: seconds the Telegram emulator takes per send: a slow Bot API keeps work in flight, so a kill
    #: lands in the middle of it however fast the machine is
    send_delay: float = 0.0
    sends_down: bool = False  #: every sendMessage/sendPhoto answers 502
    procs: list[subprocess.Popen] = field(default_factory=list)  # type: ignore[type-arg]
    _stops: list[Callable[[], None]] = field(default_factory=list)

    # -- set-up ---------------------------------------------------------------------------------

    def start(self, **overrides: Any) -> Rig:
        port = free_port()
        self.settings = load_settings(
            database_url=self.database_url, redis_url=self.redis_url, var_dir=self.var_dir,
            public_base_url=f"http://127.0.0.1:{port}", port=port, telegram_chat_interval=0,
            telegram_global_rate=1000,
            monobank_api_base=f"http://127.0.0.1:{port}/sandbox/monobank", **overrides)
        self.deps = runtime.bootstrap(self.settings, redis_url=self.redis_url)
        runtime.configure(self.deps)
        self._stops.append(self.deps.engine.dispose)  # type: ignore[union-attr]
        self.telegram = TelegramEmulator()
        self.telegram.add_bot(self.settings.telegram_bot_token)
        self.sandbox = LiqPaySandbox({self.settings.liqpay_public_key:
                                      self.settings.liqpay_private_key})
        self.monobank = MonobankSandbox({})
        self.api_hits: list[float] = []  #: when the provider's server API was called
        self.send_ports: list[int] = []  #: client ports that sent Telegram messages
        self.web_db_up()
        # the web edge finds each callback's account through its own database connection
        self.web_accounts = ProviderAccounts(
            lambda: self._web_uow(), SecretBox.from_settings(self.settings),
            self.settings.liqpay_base, platform=lambda: self.deps.provider if self.deps else None,
            monobank_base=self.settings.monobank_base)
        self._stops.append(self.web_accounts.close)
        self.app = create_app(WebDeps(
            settings=self.settings, uow=lambda: self._web_uow(),
            providers={self.web_accounts.name: self.web_accounts,
                       self.web_accounts.monobank.name: self.web_accounts.monobank},
            bus=self.deps.bus,
            apply_fact=handlers.apply_fact, open_manual_payment=manual.open_payment,
            checkout_link=lambda code, **choice: attempts.checkout_link(
                code, self.web_accounts.for_invoice, self._web_uow, self.settings.public_base_url,
                chosen=self.web_accounts.chosen, **choice),
            mounts={"/emulator/telegram": self._counting(self.telegram.app), "/sandbox/liqpay": self._counting(self.sandbox.app),
                    "/sandbox/monobank": self.monobank.app}))
        self.base_url, stop = serve_in_thread(self.app, "127.0.0.1", port)
        self._stops.append(stop)
        self.seller_id = self.add_seller(CHAT)
        return self

    def _counting(self, app: Any) -> Any:
        async def counted(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["path"].endswith("/api/request"):
                self.api_hits.append(time.monotonic())
            if scope["type"] == "http" and scope["path"].endswith(("/sendPhoto", "/sendMessage")):
                self.send_ports.append(scope["client"][1])
                if self.sends_down:  # Telegram answering 502 to every send, as in an outage
                    await send({"type": "http.response.start", "status": 502,
                                "headers": [(b"content-type", b"text/plain")]})
                    await send({"type": "http.response.body", "body": b"Bad Gateway"})
                    return
                if self.send_delay:
                    await asyncio.sleep(self.send_delay)
            await app(scope, receive, send)
        return counted

    def web_db_down(self) -> None:
        """The web edge loses its database: every connection attempt is refused."""
        from storage.db import make_engine, make_session_factory
        from storage.uow import UnitOfWork
        engine = make_engine("postgresql://chatpay@127.0.0.1:9/unreachable")
        self._stops.append(engine.dispose)
        factory = make_session_factory(engine)
        self._web_uow = lambda: UnitOfWork(factory)

    def web_db_up(self) -> None:
        assert self.deps is not None
        self._web_uow = self.deps.uow

    def add_seller(self, chat_id: int) -> int:
        assert self.telegram is not None
        self.telegram.user_sends_text(chat_id, "/start")  # the seller opened the chat
        with self.uow() as uow:
            seller = uow.sellers.upsert("telegram", str(chat_id), name="Fault Shop",
                                        phone="+380501234567", language="uk", currency="UAH")
            uow.session.commit()
        return seller.id

    def connect_monobank(self, seller_id: int | None = None, name: str = "Mono Shop") -> str:
        """Open a merchant at the monobank stand-in and connect it as the seller's account, as the
        connect dialog's worker does; returns its token."""
        assert self.monobank is not None and self.deps is not None
        token = self.monobank.add_merchant(name)
        assert self.deps.accounts.connect_monobank(seller_id or self.seller_id, token) == name
        return token

    def monobank_invoice(self, invoice: Invoice) -> dict[str, Any]:
        """The stand-in's invoice behind the invoice's latest attempt."""
        assert self.monobank is not None
        ref = self.invoice(invoice.id).latest_attempt.provider_ref
        assert ref is not None
        return self.monobank.invoices[ref]

    def monobank_webhooks_delivered(self, timeout: float = 20.0) -> None:
        assert self.monobank is not None
        wait_until(lambda: self.monobank.webhooks_pending == 0, timeout,  # type: ignore[union-attr]
                   "the monobank stand-in's webhooks")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
        for stop in reversed(self._stops):
            stop()

    def callbacks_delivered(self, timeout: float = 20.0) -> None:
        """Wait until the sandbox has delivered (or given up) every callback it scheduled."""
        assert self.sandbox is not None
        wait_until(lambda: self.sandbox.callbacks_pending == 0, timeout,  # type: ignore[union-attr]
                   "the sandbox's callbacks")

    def drain(self, timeout: float = 20.0, due_within: float = 1.0) -> None:
        """Wait until the sandbox's callbacks are delivered and the workers (in this process or
        not) have nothing left to do: then whatever was going to happen has happened."""
        from sandbox.stack import drain
        assert self.deps is not None
        self.callbacks_delivered(timeout)
        self.monobank_webhooks_delivered(timeout)
        drain(self.deps.bus.broker, timeout=timeout, due_within=due_within)

    def uow(self):  # type: ignore[no-untyped-def]
        assert self.deps is not None
        return self.deps.uow()

    # -- worker processes -----------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DATABASE_", "REDIS_", "TEST_", "TELEGRAM_", "LIQPAY_"))}
        env.update(DATABASE_URL=self.database_url, REDIS_URL=self.redis_url,
                   VAR_DIR=str(self.var_dir), PUBLIC_BASE_URL=self.base_url,
                   TELEGRAM_API_BASE=f"{self.base_url}/emulator/telegram",
                   LIQPAY_API_BASE=f"{self.base_url}/sandbox/liqpay",
                   MONOBANK_API_BASE=f"{self.base_url}/sandbox/monobank",
                   TELEGRAM_CHAT_INTERVAL="0", TELEGRAM_GLOBAL_RATE="1000",
                   PYTHONPATH=str(ROOT))
        return env

    def start_worker(self, threads: int = 4) -> subprocess.Popen:  # type: ignore[type-arg]
        """A `chatpay worker` process; returns once it says it has started (it fetches then)."""
        name = f"worker-{len(self.procs)}"
        proc = self.spawn(name, ["worker", "--threads", str(threads), "--poll-ms", "50"],
                          self.env())
        log = self.var_dir / f"{name}.log"
        wait_until(lambda: proc.poll() is not None or b"Worker started" in log.read_bytes(),
                   PROCESS_START, "the worker to start")
        assert proc.poll() is None, log.read_text()
        return proc

    def start_bot(self, webhook_port: int | None = None, connections: int = 16) -> subprocess.Popen:  # type: ignore[type-arg]
        """A `chatpay telegram` process: long polling, or in webhook mode on `webhook_port` (shared by
        every such process); returns once it polls or has registered the webhook."""
        log = self.var_dir / f"bot-{len(self.procs)}.log"
        env = self.env()
        if webhook_port:
            env |= {"TELEGRAM_MODE": "webhook", "HOST": "127.0.0.1",
                    "TELEGRAM_WEBHOOK_PORT": str(webhook_port),
                    "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{webhook_port}/telegram/webhook",
                    "TELEGRAM_WEBHOOK_CONNECTIONS": str(connections)}
        proc = self.spawn(log.stem, ["telegram"], env)
        ready = b"takes updates at" if webhook_port else b" polling "
        wait_until(lambda: proc.poll() is not None or ready in log.read_bytes(), PROCESS_START,
                   "the bot to start")
        assert proc.poll() is None, log.read_text()
        return proc

    def spawn(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:  # type: ignore[type-arg]
        log = open(self.var_dir / f"{name}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen([CHATPAY, *args], env=env, cwd=self.var_dir, stdout=log,
                                stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    @staticmethod
    def kill(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def start_inprocess_worker(self, threads: int = 4) -> None:
        """A Dramatiq worker in this process (same code as `chatpay worker`, started faster)."""
        from storage.queue import BACKGROUND_QUEUE, QUEUE, Workers
        from workers import actors
        assert self.deps is not None
        actors.declare(self.deps.bus.broker)
        worker = Workers(self.deps.bus.broker, {QUEUE: threads, BACKGROUND_QUEUE: 2}, poll_ms=50)
        self._stops.insert(1, worker.stop)  # stopped before the web server and the engine

    # -- seller side ----------------------------------------------------------------------------

    def create_command(self, n: int, amount: str = "100.00", chat_id: int = CHAT,
                       seller_id: int | None = None) -> CreateInvoice:
        return CreateInvoice(idempotency_key=f"telegram:{chat_id}:{n}",
                             seller_id=seller_id or self.seller_id, amount=amount, currency="UAH",
                             description=desc(n), channel="telegram", chat_id=str(chat_id))

    def publish_creates(self, count: int, amount: str = "100.00") -> None:
        assert self.deps is not None
        for n in range(count):
            self.deps.bus.publish(self.create_command(n, amount))

    def pending_invoice(self, n: int, amount: str = "100.00") -> Invoice:
        """Create an invoice the way a worker does (link issued, QR sent); returns it pending."""
        from workers import handlers
        assert self.deps is not None
        invoice_id = handlers.create_invoice(self.create_command(n, amount), self.deps)
        invoice = self.invoice(invoice_id)
        assert invoice.status.value == "pending"
        return invoice

    def signed(self, params: dict[str, Any]) -> dict[str, str]:
        assert self.deps is not None
        data, signature = self.deps.provider.encode(params)  # type: ignore[attr-defined]
        return {"data": data, "signature": signature}

    def status_body(self, invoice: Invoice, status: str, **extra: Any) -> dict[str, Any]:
        """A callback body as LiqPay (and the sandbox) sends it."""
        body: dict[str, Any] = {
            "action": "pay", "payment_id": 2_400_000_001, "status": status, "version": 3,
            "type": "buy", "paytype": "card", "public_key": self.settings.liqpay_public_key,
            "order_id": invoice.order_id, "description": invoice.description,
            "amount": str(invoice.amount.amount), "currency": invoice.amount.currency}
        if status == "failure":
            body.update(err_code="limit", err_description="Insufficient funds")
        body.update(extra)
        return body

    def post_callback(self, form: dict[str, str]) -> Any:
        import httpx
        return httpx.post(f"{self.base_url}/callbacks/liqpay", data=form, timeout=30)

    def callback(self, invoice: Invoice, status: str, **extra: Any) -> Any:
        return self.post_callback(self.signed(self.status_body(invoice, status, **extra)))

    def invoices(self) -> list[Invoice]:
        with self.uow() as uow:
            rows = uow.session.execute(text("SELECT id FROM invoices")).scalars().all()
            return [uow.invoices.get(i) for i in rows]

    def invoice(self, invoice_id: str) -> Invoice:
        with self.uow() as uow:
            found = uow.invoices.get(invoice_id)
        assert found is not None
        return found

    def events(self, invoice_id: str) -> list[Any]:
        from types import SimpleNamespace
        with self.uow() as uow:
            return [SimpleNamespace(**{c: getattr(e, c) for c in (
                "id", "name", "notify", "notified_at", "notify_claimed_at", "payload")})
                for e in uow.events.for_invoice(invoice_id)]

    def messages(self, chat_id: int = CHAT) -> list[dict[str, Any]]:
        assert self.telegram is not None
        return self.telegram.sent(chat_id)

    def messages_about(self, n: int, chat_id: int = CHAT) -> list[dict[str, Any]]:
        """The bot's messages in the chat that name invoice number n (by its description)."""
        tag = desc(n)
        return [m for m in self.messages(chat_id)
                if tag in (m.get("text") or m.get("caption") or "")]

    def reconcile_later(self, seconds: float = 120) -> dict[str, int]:
        """The reconciler's scan as if `seconds` had passed (its grace period is 30 s)."""
        from workers.scheduler import reconcile
        assert self.deps is not None
        return reconcile(self.deps, now=datetime.now(UTC) + timedelta(seconds=seconds))


def desc(n: int) -> str:
    return f"inv{n:04d}#"


@pytest.fixture
def rig_factory(database_url: str, redis_url: str, tmp_path: Path) -> Iterator[Callable[..., Rig]]:
    rigs: list[Rig] = []

    def make(redis_url_: str | None = None, **overrides: Any) -> Rig:
        rig = Rig(database_url, redis_url_ or redis_url, tmp_path).start(**overrides)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.stop()


@pytest.fixture
def rig(rig_factory: Callable[..., Rig]) -> Rig:
    return rig_factory()


def make_polls_due(rig: Rig) -> int:
    """Move every pending invoice's next poll to now (the poll schedule starts at 15 s)."""
    past = datetime.now(UTC) - timedelta(seconds=5)
    with rig.uow() as uow:
        result = uow.session.execute(text(
            "UPDATE invoices SET next_poll_at = :t WHERE status = 'pending'"), {"t": past})
        uow.session.commit()
    return result.rowcount  # type: ignore[attr-defined]


def age_requeues(rig: Rig) -> None:
    """Let the reconciler's re-queue marks age (it re-queues one overdue poll at most every
    10 minutes), as if those minutes had passed: a killed worker took its polls with it."""
    with rig.uow() as uow:
        uow.session.execute(text("UPDATE invoices SET poll_requeued_at = NULL"))
        uow.session.commit()


def age_claims(rig: Rig, seconds: float = 600) -> set[str]:
    """Let the claims of a dead sender go stale (CLAIM_TTL is 2 minutes) without waiting for it.

    Returns the invoices whose message was in doubt: claimed, maybe sent, not marked sent. A
    sender killed between Telegram's answer and its own bookkeeping cannot know it sent, so
    those (and only those) may be sent a second time: at-least-once is the best any sender can
    do against an API without idempotency keys.
    """
    past = datetime.now(UTC) - timedelta(seconds=seconds)
    where = "WHERE notified_at IS NULL AND notify_claimed_at IS NOT NULL"
    with rig.uow() as uow:
        doubt = set(uow.session.execute(text(
            f"SELECT invoice_id FROM invoice_events {where}")).scalars())
        uow.session.execute(text(
            f"UPDATE invoice_events SET notify_claimed_at = :t {where}"), {"t": past})
        uow.session.commit()
    return doubt


def age_refund_leases(rig: Rig) -> int:
    """Let every refund's lease expire (REFUND_LEASE is 60 s) without waiting for it, as if the
    worker holding it had died; returns how many were held."""
    past = datetime.now(UTC) - timedelta(seconds=1)
    with rig.uow() as uow:
        result = uow.session.execute(text(
            "UPDATE refunds SET lease_until = :t WHERE lease_until IS NOT NULL"), {"t": past})
        uow.session.commit()
    return result.rowcount  # type: ignore[attr-defined]
