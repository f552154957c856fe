"""Work per invoice, counted rather than timed: SQL statements and transactions, Redis round trips
and Dramatiq messages in each process of `--layout procfile` (the web edge, the bot, the workers),
and Bot API calls, for one invoice created through the bot (three updates) and paid by a signed
LiqPay callback, up to its first poll falling due (a no-op once it is paid).

The processes load `bench/counting/sitecustomize.py`, which counts and writes the counts to files.
Counts taken over an idle window of the same stack (the consumers' polls, the scheduler's scans)
are subtracted at the rate they came; `redis_polls` (Dramatiq's fetches and the wake-up waits)
are shown apart, because they follow time, not invoices. Counts hardly move with the machine's
load, so compare them between commits where timings cannot be compared. The CPU each process
spent per invoice is given too (idle rate taken off; it includes the counting hooks' own small
cost), with `cpu_ratio_vs_echo` against a bare aiogram echo bot's CPU for three updates: CPU time
moves less with the machine's load than latencies do, though not as little as the counts.

    .venv/bin/python bench/counts.py [--db sqlite|postgres] [--invoices 30]
"""
from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import _common as c

from callback_to_paid import pending, success
from telegram_updates import echo_cpu_ms_per_update

HOOKS = Path(__file__).resolve().parent / "counting"
FIRST_POLL_S = 15  #: domain.polling.SCHEDULE[0]: the first poll of an invoice falls due then
POLLS = ("redis:dramatiq:fetch", "redis:BLPOP")  #: the consumers' waiting, by time
UPDATES_PER_INVOICE = 3  #: the *Create invoice* tap, the amount, the description


def snapshot(directory: Path, names: list[str]) -> dict[str, Counter[str]]:
    time.sleep(0.5)  # the processes write their counts every 0.2 s
    out = {}
    for name in names:
        f = directory / f"{name}.json"
        out[name] = Counter(json.loads(f.read_text())) if f.exists() else Counter()
    return out


def minus(a: dict[str, Counter[str]], b: dict[str, Counter[str]]) -> dict[str, Counter[str]]:
    return {k: Counter({n: a[k][n] - b[k].get(n, 0) for n in a[k]}) for k in a}


def per_invoice(busy: dict[str, Counter[str]], busy_s: float, idle: dict[str, Counter[str]],
                idle_s: float, n: int) -> dict[str, dict[str, float]]:
    """Counts per invoice by process, the idle rate of each count taken off."""
    out: dict[str, dict[str, float]] = {}
    for proc, counts in busy.items():
        row = {}
        for key, v in counts.items():
            net = (v - idle[proc].get(key, 0) * busy_s / idle_s) / n
            if abs(net) >= 0.05:
                row[key] = round(net, 1)
        out[proc] = dict(sorted(row.items()))
    return out


def totals(by_proc: dict[str, dict[str, float]]) -> dict[str, float]:
    def s(pred: Any) -> float:  # noqa: ANN401
        return round(sum(v for row in by_proc.values() for k, v in row.items() if pred(k)), 1)
    return {"sql_statements": s(lambda k: k.startswith("sql:")),
            "sql_transactions": s(lambda k: k == "sql_transactions"),
            "redis_round_trips": s(lambda k: k.startswith("redis:") and k not in POLLS),
            "redis_polls": s(lambda k: k in POLLS),
            "dramatiq_messages": s(lambda k: k.startswith("dramatiq_message:"))}


def main() -> None:
    p = c.parser(__doc__)
    p.set_defaults(layout="procfile")
    p.add_argument("--invoices", type=int, default=30)
    p.add_argument("--idle", type=float, default=5.0, help="seconds of the idle window")
    p.add_argument("--statements", action="store_true",
                   help="count SQL by statement text (its first 140 characters), not by verb")
    a = p.parse_args()
    if a.layout != "procfile":
        p.error("the counts are taken in the Procfile's processes: --layout procfile")
    from workers.providers.liqpay import LiqPayClient

    n = a.invoices
    probe = c.EmulatorProbe()
    with c.workdir() as d, c.database(a.db, a.pg_url, d) as db, c.redis_server(a.redis, d) as r:
        counts = d / "counts"
        counts.mkdir()
        stack = c.start_layout("procfile", db, r, d, workers=a.workers, bots=a.bots,
                               telegram_global_rate=10000.0, pythonpath=str(HOOKS),
                               chatpay_counts=str(counts),
                               **({"chatpay_counts_sql": "1"} if a.statements else {}))
        names = list(stack.procs)
        try:
            stack.sandbox.callbacks = False
            client = LiqPayClient(stack.settings.liqpay_public_key,
                                  stack.settings.liqpay_private_key, stack.settings.liqpay_base)
            sellers = [c.Seller(stack, probe, 380_000 + i) for i in range(10)]
            c.register_all(sellers)

            def make_and_pay(prefix: str, count: int, first_payment: int) -> None:
                import httpx
                c.offered_load(sellers, 10.0, count, describe=lambda k: f"{prefix} {k}")
                rows = pending(db, f"{prefix} ")
                assert len(rows) == count, (len(rows), count)
                with httpx.Client(timeout=30) as http:
                    for k, row in enumerate(rows):
                        resp = http.post(f"{stack.base_url}/callbacks/liqpay",
                                         data=success(client, row, first_payment + k))
                        assert resp.status_code == 200, resp.text
                        probe.next(row.chat, c.has("Оплачено"), timeout=30)

            make_and_pay("warm", len(sellers), 1_000_000)  # connections, caches, imports
            time.sleep(FIRST_POLL_S + 2)  # the warm-up's polls fall due and are done

            tg_before = dict(stack.telegram.stats)
            s0, t0 = snapshot(counts, names), time.monotonic()
            cpu0 = stack.cpu_seconds()
            time.sleep(a.idle)
            s1, t1 = snapshot(counts, names), time.monotonic()
            cpu1 = stack.cpu_seconds()
            idle = minus(s1, s0)
            idle_tg = Counter({k: v - tg_before.get(k, 0) for k, v in stack.telegram.stats.items()})

            tg_before = dict(stack.telegram.stats)
            started = time.monotonic()
            make_and_pay("counted", n, 2_000_000)
            left = started + FIRST_POLL_S + 2 - time.monotonic()  # every invoice's first poll
            time.sleep(max(0.0, left) + n / 10.0)
            s2, t2 = snapshot(counts, names), time.monotonic()
            cpu2 = stack.cpu_seconds()
            busy = minus(s2, s1)
            tg = {k: round((v - tg_before.get(k, 0)
                            - idle_tg.get(k, 0) * (t2 - t1) / (t1 - t0)) / n, 1)
                  for k, v in stack.telegram.stats.items()
                  if k not in ("getUpdates", "calls", "sends", "violations", "too_many_requests")}
        finally:
            stack.stop()
    by_proc = per_invoice(busy, t2 - t1, idle, t1 - t0, n)
    # CPU ms per invoice by process, the idle rate (polls, scans) taken off like the counts
    cpu = {name: round(((cpu2[name] - cpu1[name]) - (cpu1[name] - cpu0[name]) * (t2 - t1)
                        / (t1 - t0)) * 1000 / n, 1) for name in names}
    ours = sum(ms for name, ms in cpu.items() if name.startswith(("telegram", "worker")))
    echo = echo_cpu_ms_per_update(200) * UPDATES_PER_INVOICE
    c.emit("counts", db=a.db, invoices=n, workers=a.workers, per_invoice=totals(by_proc),
           cpu_ms_per_invoice=cpu, chatpay_cpu_ms_per_invoice=round(ours, 1),
           echo_cpu_ms_per_3_updates=round(echo, 2),
           cpu_ratio_vs_echo=round(ours / echo, 2) if echo else None,
           bot_api_calls_per_invoice={k: v for k, v in sorted(tg.items()) if v},
           by_process=by_proc)


if __name__ == "__main__":
    main()
