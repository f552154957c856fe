"""The three figures that regress first, in under a minute, each beside its target: tap→QR
overhead, callback→paid overhead (both at 20/s), and the CPU chatpay spends per invoice (the bot
and the workers) against what a bare aiogram echo bot spends on the three updates an invoice
takes. Run it before and after a change on the hot path; the full benches give the figures.

One JSON line per figure (`"bench": "smoke"`, `"figure"`, `"got"`, `"target"`, `"met"`), then
one line with all three.

    .venv/bin/python bench/smoke.py [--db sqlite|postgres] [--layout procfile|stack]
"""
from __future__ import annotations

import time
from types import SimpleNamespace

import _common as c
from callback_to_paid import normal as callbacks_paid
from telegram_updates import echo_cpu_ms_per_update

RATE = 20.0  #: invoices (then callbacks) a second, as the full benches' targets are stated
INVOICES = 80  #: tap→QR: 4 s at 20/s
CALLBACKS = 80  #: callback→paid: 4 s at 20/s
ECHO_UPDATES = 200
UPDATES_PER_INVOICE = 3  #: the *Create invoice* tap, the amount, the description
TARGETS = {"tap_to_qr_overhead_p99_ms": 30.0, "callback_to_paid_overhead_p99_ms": 30.0,
           "cpu_ratio_vs_echo": 3.0}


def figure(name: str, got: float | None, **detail: object) -> dict[str, object]:
    target = TARGETS[name]
    met = got is not None and got <= target
    c.emit("smoke", figure=name, got=got, target=f"≤ {target:g}", met=met, **detail)
    return {"got": got, "target": target, "met": met}


def main() -> None:
    p = c.parser(__doc__)
    p.set_defaults(layout="procfile")  # CPU per process needs the Procfile's processes
    a = p.parse_args()
    started = time.monotonic()
    probe = c.EmulatorProbe()
    with c.workdir() as d, c.database(a.db, a.pg_url, d) as db, c.redis_server(a.redis, d) as r:
        stack = c.start_layout(a.layout, db, r, d, workers=a.workers, bots=a.bots)
        try:
            sellers = [c.Seller(stack, probe, 380_000 + i) for i in range(20)]
            c.register_all(sellers)
            c.offered_load(sellers, RATE, 20)  # warm-up, not counted (connections, caches)

            cpu_before = stack.cpu_seconds() if a.layout == "procfile" else {}
            taps = c.offered_load(sellers, RATE, INVOICES)
            cpu_after = stack.cpu_seconds() if a.layout == "procfile" else {}
            overhead = [x - e for x, e in zip(taps["raw"], taps["emu"], strict=True)]

            from workers.providers.liqpay import LiqPayClient
            stack.sandbox.callbacks = False  # paid by the bench's callbacks only
            client = LiqPayClient(stack.settings.liqpay_public_key,
                                  stack.settings.liqpay_private_key, stack.settings.liqpay_base)
            paid = callbacks_paid(SimpleNamespace(rate=RATE, wait=10.0), stack, probe, client,
                                  db, sellers, CALLBACKS)
        finally:
            stack.stop()
    echo_ms = echo_cpu_ms_per_update(ECHO_UPDATES)

    results = {
        "tap_to_qr_overhead_p99_ms": figure(
            "tap_to_qr_overhead_p99_ms", c.ms_summary(overhead)["p99_ms"],
            overhead=c.ms_summary(overhead), errors=len(taps["errors"])),
        "callback_to_paid_overhead_p99_ms": figure(
            "callback_to_paid_overhead_p99_ms", paid["overhead"]["p99_ms"],
            overhead=paid["overhead"], late=paid["late"], errors=paid["errors"]),
    }
    if cpu_before and taps["raw"]:
        per_invoice = {name: round((cpu_after[name] - used) * 1000 / len(taps["raw"]), 2)
                       for name, used in cpu_before.items()}
        ours = sum(ms for name, ms in per_invoice.items()
                   if name.startswith(("telegram", "worker")))
        echo = echo_ms * UPDATES_PER_INVOICE
        results["cpu_ratio_vs_echo"] = figure(
            "cpu_ratio_vs_echo", round(ours / echo, 2) if echo else None,
            chatpay_cpu_ms_per_invoice=round(ours, 2), echo_cpu_ms_per_3_updates=round(echo, 2),
            cpu_ms_per_invoice=per_invoice)
    else:
        c.emit("smoke", figure="cpu_ratio_vs_echo", got=None,
               note="CPU per process needs --layout procfile")
    c.emit("smoke", db=a.db, layout=a.layout, seconds=round(time.monotonic() - started, 1),
           met=all(r["met"] for r in results.values()),
           summary={name: r["got"] for name, r in results.items()})


if __name__ == "__main__":
    main()
