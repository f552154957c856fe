"""Provider callback -> seller's "paid" message: latency at a fixed offered rate, with the Telegram
emulator's own handling time subtracted. Invoices are created first (sandbox callbacks off), then
signed LiqPay success callbacks are POSTed to /callbacks/liqpay, as the sandbox would.

    .venv/bin/python bench/callback_to_paid.py [--db sqlite|postgres] [--rate 20] [--quick]
"""
from __future__ import annotations

import threading
import time

import _common as c


def main() -> None:
    p = c.latency_parser(__doc__, "callbacks", quick_seconds=6)
    a = p.parse_args()
    count = a.count or int(a.rate * (6 if a.quick else 60))
    import httpx
    from sqlalchemy import create_engine, text

    from workers.providers.liqpay import LiqPayClient

    probe = c.EmulatorProbe()
    with c.workdir() as d, c.database(a.db, a.pg_url, d) as db, c.redis_server(a.redis, d) as r:
        stack = c.start_layout(a.layout, db, r, d, workers=a.workers, bots=a.bots,
                               worker_timeout_ms=a.poll_ms, worker_threads=a.threads)
        try:
            stack.sandbox.callbacks = False
            sellers = [c.Seller(stack, probe, 380_000 + i) for i in range(a.sellers)]
            c.register_all(sellers)
            c.offered_load(sellers, 40.0, count)  # the invoices to pay
            eng = create_engine(db)
            with eng.connect() as conn:
                rows = conn.execute(text(
                    "SELECT i.id, i.amount_minor, i.currency, s.external_id FROM invoices i "
                    "JOIN sellers s ON s.id = i.seller_id WHERE i.status = 'pending'")).all()
            eng.dispose()
            client = LiqPayClient(stack.settings.liqpay_public_key,
                                  stack.settings.liqpay_private_key, stack.settings.liqpay_base)
            # the first callback warms the web edge up (route, database connection, queue) and
            # is not counted: a production edge answering callbacks all day is warm
            w_id, w_minor, w_cur, w_chat = rows[0]
            rows = rows[1:]
            data, sig = client.encode({
                "version": 3, "action": "pay", "public_key": client.public_key,
                "order_id": f"cp-{w_id}", "status": "success", "amount": w_minor / 100,
                "currency": w_cur, "payment_id": 9_999_999, "type": "buy", "paytype": "card"})
            httpx.post(f"{stack.base_url}/callbacks/liqpay", data={"data": data, "signature": sig})
            probe.next(int(w_chat), c.has("Оплачено"), timeout=30)
            by_chat: dict[int, list[tuple[str, int, str]]] = {}
            for inv_id, minor, cur, chat in rows:
                by_chat.setdefault(int(chat), []).append((inv_id, minor, cur))
            raw: list[float] = []
            emu: list[float] = []
            errors: list[str] = []
            lock = threading.Lock()
            # Telegram allows one message per second per chat; starting 1.5 s after the last QR
            # (and the warm-up's paid message) keeps that wait, which is not ours, out of the
            # figures. A buyer takes longer than that to pay anyway
            start = time.monotonic() + 1.5
            url = f"{stack.base_url}/callbacks/liqpay"
            chats = sorted(by_chat)

            def run(j: int) -> None:
                chat = chats[j]
                with httpx.Client(timeout=30) as http:
                    for n, (inv_id, minor, cur) in enumerate(by_chat[chat]):
                        k = j + n * len(chats)
                        if (pause := start + k / a.rate - time.monotonic()) > 0:
                            time.sleep(pause)
                        data, sig = client.encode({
                            "version": 3, "action": "pay", "public_key": client.public_key,
                            "order_id": f"cp-{inv_id}", "status": "success",
                            "amount": minor / 100, "currency": cur,
                            "payment_id": 10_000_000 + k, "type": "buy", "paytype": "card"})
                        try:
                            t0 = time.monotonic()
                            resp = http.post(url, data={"data": data, "signature": sig})
                            assert resp.status_code == 200, resp.text
                            m = probe.next(chat, c.has("Оплачено"), timeout=30)
                            t1 = m["received_at"]
                            with lock:
                                raw.append(t1 - t0)
                                emu.append(probe.emulator_time(chat, t0, t1))
                        except Exception as exc:  # noqa: BLE001
                            with lock:
                                errors.append(repr(exc)[:200])

            threads = [threading.Thread(target=run, args=(j,)) for j in range(len(chats))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - start
        finally:
            stack.stop()
    overhead = [x - e for x, e in zip(raw, emu, strict=True)]
    c.emit("callback_to_paid", db=a.db, layout=a.layout, telegram=c.telegram_mode(a), poll_ms=a.poll_ms, threads=a.threads, offered_rate=a.rate, callbacks=len(rows),
           achieved_rate=round(len(raw) / elapsed, 2), errors=len(errors),
           overhead=c.ms_summary(overhead), raw=c.ms_summary(raw), emulator=c.ms_summary(emu),
           targets={"p50_ms": 15, "p99_ms": 50}, first_errors=errors[:3])


if __name__ == "__main__":
    main()
