"""Provider callback -> seller's "paid" message: latency at a fixed offered rate, with the Telegram
emulator's own handling time subtracted. Invoices are created first (sandbox callbacks off), then
signed LiqPay success callbacks are POSTed to /callbacks/liqpay, as the sandbox would.

Two cases in one run, one JSON line each (`"case"`):
- `normal`: the invoices being paid are also polled on their usual schedule;
- `status_hang`: every LiqPay `status` call hangs past the client's 10 s timeout (the sandbox's
  `status_hang`). The callbacks start once the polls of `--unpaid` open invoices that nobody pays
  have fallen due, so the workers hold doomed status calls while the callbacks come in.

Callbacks go out on their schedule whatever the messages do, and each paid message is matched to
its invoice by the invoice's description. A message that has not come `--wait` s after the last
callback counts with the time it had waited by then (a lower bound); `late` counts the messages
that took longer than `--wait`, or never came.

    .venv/bin/python bench/callback_to_paid.py [--db sqlite|postgres] [--layout stack|procfile]
        [--rate 20] [--cases normal,status_hang] [--quick]
"""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any, NamedTuple

import _common as c

from domain.attempts import order_id_for

CASES = ("normal", "status_hang")  #: always run in this order: the hang's backlog outlives it
CREATE_RATE = 40.0  #: invoices/s while the invoices to pay are made
HANG_S = 60.0  #: seconds the sandbox holds each status call, well past the client's timeout
TARGETS = {"normal": {"p50_ms": 15, "p99_ms": 50}, "status_hang": {"p99_ms": 100}}


class Row(NamedTuple):
    invoice_id: str
    minor: int
    currency: str
    chat: int
    description: str
    next_poll_at: datetime | None
    order_id: str  #: its first payment attempt's provider order id


def pending(db: str, prefix: str) -> list[Row]:
    """The pending invoices whose description starts with `prefix`, oldest first."""
    from sqlalchemy import create_engine, select

    from storage.tables import InvoiceRow, SellerRow

    inv, sel = InvoiceRow.__table__, SellerRow.__table__  # type: ignore[attr-defined]
    query = (select(inv.c.id, inv.c.amount_minor, inv.c.currency, sel.c.external_id,
                    inv.c.description, inv.c.next_poll_at, inv.c.code)
             .join_from(inv, sel, inv.c.seller_id == sel.c.id)
             .where(inv.c.status == "pending", inv.c.description.startswith(prefix))
             .order_by(inv.c.created_at))
    eng = create_engine(db)
    try:
        with eng.connect() as conn:
            rows = conn.execute(query).all()
    finally:
        eng.dispose()
    return [Row(i, m, cur, int(chat), d, t if t is None or t.tzinfo else t.replace(tzinfo=UTC),
                order_id_for(code, 1)) for i, m, cur, chat, d, t, code in rows]


def described(m: dict[str, Any]) -> str:
    """The invoice description a paid message ends with ("✅ Оплачено 100,00 ₴ — hang 17")."""
    return c.text_of(m).split(" — ", 1)[-1].split("\n", 1)[0]


def success(client: Any, row: Row, payment_id: int) -> dict[str, str]:  # noqa: ANN401
    data, sig = client.encode({
        "version": 3, "action": "pay", "public_key": client.public_key,
        "order_id": row.order_id, "status": "success", "amount": row.minor / 100,
        "currency": row.currency, "payment_id": payment_id, "type": "buy", "paytype": "card"})
    return {"data": data, "signature": sig}


def pay(stack: Any, probe: c.EmulatorProbe, client: Any,  # noqa: ANN401
        rows: list[Row], rate: float, start: float, wait: float,
        first_payment_id: int) -> dict[str, Any]:
    """Callback k at start + k/rate (consecutive ones to different chats), never waiting for a
    message; one collector per chat times each paid message from its own callback."""
    import httpx

    by_chat: dict[int, list[Row]] = {}
    for row in rows:
        by_chat.setdefault(row.chat, []).append(row)
    chats = sorted(by_chat)
    deadline = start + len(rows) / rate + wait
    url = f"{stack.base_url}/callbacks/liqpay"
    sent: dict[str, float] = {}
    raw: list[float] = []
    emu: list[float] = []
    missing: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def send(j: int) -> None:
        with httpx.Client(timeout=30) as http:
            for n, row in enumerate(by_chat[chats[j]]):
                k = j + n * len(chats)
                if (pause := start + k / rate - time.monotonic()) > 0:
                    time.sleep(pause)
                form = success(client, row, first_payment_id + k)
                try:
                    with lock:  # before the POST: the message may come before the answer
                        sent[row.description] = time.monotonic()
                    resp = http.post(url, data=form)
                    assert resp.status_code == 200, resp.text
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    with lock:
                        sent.pop(row.description, None)
                        errors.append(repr(exc)[:200])

    def collect(j: int) -> None:
        chat = chats[j]
        waiting = {row.description for row in by_chat[chat]}
        while waiting:
            try:
                m = probe.next(chat, c.has("Оплачено"), timeout=deadline - time.monotonic())
            except TimeoutError:
                break
            if (d := described(m)) not in waiting:
                continue  # an earlier case's message
            waiting.discard(d)
            t1 = m["received_at"]
            with lock:
                if (t0 := sent.get(d)) is None:
                    continue  # its POST failed, and is counted there
                raw.append(t1 - t0)
                emu.append(probe.emulator_time(chat, t0, t1))
        end = time.monotonic()
        with lock:
            missing.extend(end - sent[d] for d in waiting if d in sent)

    senders = [threading.Thread(target=send, args=(j,)) for j in range(len(chats))]
    collectors = [threading.Thread(target=collect, args=(j,)) for j in range(len(chats))]
    for t in senders + collectors:
        t.start()
    for t in senders:
        t.join()
    sending = time.monotonic() - start
    for t in collectors:
        t.join()
    overhead = [x - e for x, e in zip(raw, emu, strict=True)] + missing
    return {"callbacks": len(rows), "achieved_rate": round(len(sent) / sending, 2),
            "errors": len(errors), "late": sum(x > wait for x in raw) + len(missing),
            "missing": len(missing), "wait_s": wait, "overhead": c.ms_summary(overhead),
            "raw": c.ms_summary(raw + missing), "emulator": c.ms_summary(emu),
            "first_errors": errors[:3]}


def normal(a: Any, stack: Any, probe: c.EmulatorProbe, client: Any, db: str,  # noqa: ANN401
           sellers: list[c.Seller], count: int) -> dict[str, Any]:
    import httpx

    c.offered_load(sellers, CREATE_RATE, count, describe=lambda k: f"normal {k}")
    rows = pending(db, "normal ")
    # the first callback warms the web edge up (route, database connection, queue) and is not
    # counted: a production edge answering callbacks all day is warm
    httpx.post(f"{stack.base_url}/callbacks/liqpay", data=success(client, rows[0], 9_999_999))
    probe.next(rows[0].chat, c.has("Оплачено"), timeout=30)
    # Telegram allows one message per second per chat; starting 1.5 s after the last QR (and
    # the warm-up's paid message) keeps that wait, which is not ours, out of the figures. A
    # buyer takes longer than that to pay anyway
    return pay(stack, probe, client, rows[1:], a.rate, time.monotonic() + 1.5, a.wait,
               10_000_000)


def status_hang(a: Any, stack: Any, probe: c.EmulatorProbe, client: Any, db: str,  # noqa: ANN401
                sellers: list[c.Seller], count: int) -> dict[str, Any]:
    c.offered_load(sellers, CREATE_RATE, count, describe=lambda k: f"hang {k}")
    unpaid = a.unpaid if a.unpaid >= 0 else count // 4
    c.offered_load(sellers, CREATE_RATE, unpaid, describe=lambda k: f"unpaid {k}")
    stack.sandbox.status_hang = HANG_S  # once every QR is out: making invoices needs no status
    holds = stack.sandbox.status_holds
    rows = pending(db, "hang ")
    # the callbacks start 2 s after the first unpaid invoice's first poll falls due, by then the
    # unpaid invoices' polls (40/s, as they were made) are filling the workers
    due = [r.next_poll_at for r in pending(db, "unpaid ") if r.next_poll_at is not None]
    lead = (min(due) - datetime.now(UTC)).total_seconds() + 2.0 if due else 0.0
    figures = pay(stack, probe, client, rows, a.rate, time.monotonic() + max(1.5, lead), a.wait,
                  20_000_000)
    return {**figures, "unpaid": unpaid, "status_hang_s": HANG_S,
            "status_calls_held": stack.sandbox.status_holds - holds}


def main() -> None:
    p = c.latency_parser(__doc__, "callbacks", quick_seconds=6)
    p.add_argument("--cases", default=",".join(CASES),
                   help=f"comma-separated, of {', '.join(CASES)} (run in that order)")
    p.add_argument("--unpaid", type=int, default=-1,
                   help="status_hang: open invoices nobody pays, whose polls hang (default: a "
                        "quarter of the callbacks)")
    p.add_argument("--wait", type=float, default=0.0,
                   help="seconds a paid message is waited for after the last callback "
                        "(default 30; quick 10)")
    a = p.parse_args()
    cases = [case for case in CASES if case in a.cases.split(",")]
    if not cases or set(a.cases.split(",")) - set(CASES):
        p.error(f"--cases: a comma-separated list of {', '.join(CASES)}")
    a.wait = a.wait or (10.0 if a.quick else 30.0)
    count = a.count or int(a.rate * (6 if a.quick else 60))
    from workers.providers.liqpay import LiqPayClient

    probe = c.EmulatorProbe()
    with c.workdir() as d, c.database(a.db, a.pg_url, d) as db, c.redis_server(a.redis, d) as r:
        stack = c.start_layout(a.layout, db, r, d, workers=a.workers, bots=a.bots,
                               worker_timeout_ms=a.poll_ms, worker_threads=a.threads)
        try:
            stack.sandbox.callbacks = False
            sellers = [c.Seller(stack, probe, 380_000 + i) for i in range(a.sellers)]
            c.register_all(sellers)
            client = LiqPayClient(stack.settings.liqpay_public_key,
                                  stack.settings.liqpay_private_key, stack.settings.liqpay_base)
            for case in cases:
                run = normal if case == "normal" else status_hang
                figures = run(a, stack, probe, client, db, sellers, count)
                c.emit("callback_to_paid", case=case, db=a.db, layout=a.layout,
                       telegram=c.telegram_mode(a), poll_ms=a.poll_ms, threads=a.threads,
                       workers=a.workers if a.layout == "procfile" else 1, offered_rate=a.rate,
                       **figures, targets=TARGETS[case])
        finally:
            stack.sandbox.status_hang = 0.0  # answers the held calls, so the workers can stop
            stack.stop()


if __name__ == "__main__":
    main()
