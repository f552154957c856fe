"""Shop webhook deliveries per second to --healthy shops that answer `ok`, alone, and while --dead
shops are being retried (every second, by WEBHOOK_RETRY_SCHEDULE). The real parts on loopback:
the database, an embedded Redis, a Dramatiq worker (--threads on the background queue), the
shop stand-in (sandbox/shop.py) for the healthy shops, and a scheduler scan every --scan s.

Dead shops are `refused` (nothing listens on their port) or `hanging` (accept, never answer, so
each attempt lasts the client's --timeout). The dead shops' --per-shop deliveries each are queued
first, and once every dead shop has failed an attempt (so they are being retried), the healthy
shops' --per-shop deliveries each are queued at once; the figure is those deliveries over the
time until the last one is delivered.

    .venv/bin/python bench/webhooks.py [--dead-kind refused|hanging] [--timeout 15] [--quick]
"""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import _common as c


def run_case(a, db: str, redis_url: str, directory, dead: int) -> dict:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from sandbox.shop import Shop, dead_url
    from storage.queue import BACKGROUND_QUEUE, QUEUE, Workers
    from storage.secrets import SecretBox
    from storage.settings import load_settings
    from workers import actors, deliveries, runtime
    from workers.webhooks import ShopClient, new_secret

    settings = load_settings(database_url=db, redis_url=redis_url, var_dir=directory,
                             webhook_retry_schedule="0" + ",1s" * 60,
                             telegram_api_base="http://127.0.0.1:9/tg")
    d = runtime.bootstrap(settings, redis_url=redis_url)
    d.shops = ShopClient(allow_private=True, https_only=False, timeout=a.timeout)
    runtime.configure(d)
    actors.declare(d.bus.broker)
    shop = Shop().start()
    hang = Shop().start() if a.dead_kind == "hanging" else None
    box = SecretBox.from_settings(settings)
    now = datetime.now(UTC)
    healthy_endpoints, dead_endpoints = [], []
    with d.uow() as uow:
        for i in range(a.healthy + dead):
            seller = uow.sellers.upsert("telegram", str(700_000 + i), name=f"Shop {i}")
            if i < a.healthy:
                url = shop.url(f"h{i}")
            elif hang is not None:
                hang.hook(f"d{i}").hang = a.timeout + 5
                url = hang.url(f"d{i}")
            else:
                url = dead_url(f"d{i}")
            endpoint = uow.webhooks.set_endpoint(seller.id, url, box.encrypt(new_secret()), now)
            (healthy_endpoints if i < a.healthy else dead_endpoints).append(endpoint)
        for endpoint in dead_endpoints:
            for _ in range(a.per_shop):
                uow.webhooks.add_delivery(endpoint, "invoice.paid", {"bench": True}, now)
        uow.commit()
    workers = Workers(d.bus.broker, {QUEUE: 1, BACKGROUND_QUEUE: a.threads}, poll_ms=50)
    stop = threading.Event()

    def scheduler() -> None:
        while not stop.is_set():
            deliveries.scan(d)
            stop.wait(a.scan)
    threading.Thread(target=scheduler, daemon=True).start()
    warm_until = time.monotonic() + a.wait
    while dead and time.monotonic() < warm_until:  # every dead shop has failed once: retrying
        with d.uow() as uow:
            failing = uow.session.execute(text(
                "SELECT count(*) FROM webhook_endpoints WHERE failing")).scalar() or 0
        if failing >= dead:
            break
        time.sleep(0.2)
    started = time.monotonic()
    with d.uow() as uow:
        moment = datetime.now(UTC)
        for endpoint in healthy_endpoints:
            for _ in range(a.per_shop):
                uow.webhooks.add_delivery(endpoint, "invoice.paid", {"bench": True}, moment)
        uow.commit()
    deliveries.scan(d)
    total = a.healthy * a.per_shop
    ids = ",".join(str(e.id) for e in healthy_endpoints)
    done = 0
    deadline = started + a.wait
    while time.monotonic() < deadline:
        with d.uow() as uow:
            done = uow.session.execute(text(
                f"SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered' "
                f"AND endpoint_id IN ({ids})")).scalar() or 0
        if done >= total:
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    with d.uow() as uow:
        dead_attempts = uow.session.execute(text(
            "SELECT count(*) FROM webhook_attempts a JOIN webhook_deliveries w "
            "ON w.id = a.delivery_id WHERE w.endpoint_id NOT IN (" + ids + ")")).scalar()
    stop.set()
    workers.stop()
    shop.stop()
    if hang is not None:
        hang.stop()
    d.engine.dispose()  # type: ignore[union-attr]
    return {"dead_shops": dead, "dead_kind": a.dead_kind if dead else None,
            "delivered": done, "of": total, "seconds": round(elapsed, 2),
            "deliveries_per_s": round(done / elapsed, 1), "dead_attempts": dead_attempts}


def main() -> None:
    p = c.parser(__doc__)
    p.add_argument("--healthy", type=int, default=100)
    p.add_argument("--dead", type=int, default=100)
    p.add_argument("--per-shop", type=int, default=0, help="deliveries per shop (20; quick 5)")
    p.add_argument("--dead-kind", choices=("refused", "hanging"), default="refused")
    p.add_argument("--timeout", type=float, default=15.0, help="the client's timeout, s")
    p.add_argument("--threads", type=int, default=8, help="background queue threads")
    p.add_argument("--scan", type=float, default=0.5, help="seconds between scheduler scans")
    p.add_argument("--wait", type=float, default=120.0, help="give up after this many s")
    a = p.parse_args()
    a.per_shop = a.per_shop or (5 if a.quick else 20)
    for dead in (0, a.dead):
        with c.workdir() as directory, c.database(a.db, a.pg_url, directory) as db, \
                c.redis_server(a.redis, directory) as r:
            figures = run_case(a, db, r, directory, dead)
        c.emit("webhooks", db=a.db, healthy_shops=a.healthy, per_shop=a.per_shop,
               threads=a.threads, timeout_s=a.timeout, **figures)


if __name__ == "__main__":
    main()
