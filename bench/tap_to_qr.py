"""Seller tap (the final description message) -> QR photo in the chat: latency at a fixed offered
rate, with the Telegram emulator's own handling time (per chat, getUpdates excluded) subtracted.

    .venv/bin/python bench/tap_to_qr.py [--db sqlite|postgres] [--rate 20] [--sellers 40] [--quick]
"""
from __future__ import annotations

import os

import _common as c


def main() -> None:
    p = c.latency_parser(__doc__, "invoices", quick_seconds=8)
    a = p.parse_args()
    count = a.count or int(a.rate * (8 if a.quick else 60))
    probe = c.EmulatorProbe()
    with c.workdir() as d, c.database(a.db, a.pg_url, d) as db, c.redis_server(a.redis, d) as r:
        stack = c.start_layout(a.layout, db, r, d, workers=a.workers, bots=a.bots,
                               worker_timeout_ms=a.poll_ms, worker_threads=a.threads)
        try:
            sellers = [c.Seller(stack, probe, 380_000 + i) for i in range(a.sellers)]
            c.register_all(sellers)
            cpu0 = os.times()
            res = c.offered_load(sellers, a.rate, count)
            cpu1 = os.times()
        finally:
            stack.stop()
    overhead = [x - e for x, e in zip(res["raw"], res["emu"], strict=True)]
    c.emit("tap_to_qr", db=a.db, layout=a.layout, telegram=c.telegram_mode(a), poll_ms=a.poll_ms, threads=a.threads, offered_rate=a.rate, sellers=a.sellers, invoices=count,
           achieved_rate=round(len(res["raw"]) / res["elapsed"], 2), errors=len(res["errors"]),
           late_taps=len(res["late"]), overhead=c.ms_summary(overhead), raw=c.ms_summary(res["raw"]),
           emulator=c.ms_summary(res["emu"]), targets={"p50_ms": 15, "p99_ms": 50},
           process_cpu_per_wall_s=round((cpu1.user + cpu1.system - cpu0.user - cpu0.system)
                                        / res["elapsed"], 2),
           first_errors=res["errors"][:3])


if __name__ == "__main__":
    main()
