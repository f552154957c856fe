"""Worker process RSS with 100,000 pending invoices in the database versus an empty one, after a
reconciler scan run in the worker process (a Dramatiq worker with 4 threads on the same Redis).

The invoices are bulk-inserted pending, their next poll and expiry in the future (the steady state:
nothing due), plus --due of them overdue so the scan has work to re-queue (consumed by the worker;
their status calls fail fast, no provider is running, and are retried later).

    .venv/bin/python bench/worker_rss.py [--db sqlite|postgres] [--invoices 100000] [--quick]
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import _common as c


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(db: str, redis_url: str, directory: str) -> None:
    from storage.queue import start_worker
    from storage.settings import load_settings
    from workers import actors, runtime, scheduler
    settings = load_settings(database_url=db, redis_url=redis_url, var_dir=directory,
                             liqpay_api_base="http://127.0.0.1:9/liqpay",
                             telegram_api_base="http://127.0.0.1:9/tg")
    d = runtime.bootstrap(settings, redis_url=redis_url)
    runtime.configure(d)
    actors.declare(d.bus.broker)
    worker = start_worker(d.bus.broker, threads=4, poll_ms=50)
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "scan":
            print(json.dumps(scheduler.reconcile(d)), flush=True)  # one scan, as the scheduler
        elif line.strip() == "quit":
            break
    worker.stop(timeout=2000)


def insert(db: str, n: int, due: int) -> float:
    from sqlalchemy import create_engine
    from sqlalchemy import insert as sql_insert

    from storage.db import normalize_url
    from storage.tables import InvoiceRow, SellerRow
    eng = create_engine(normalize_url(db))
    now = datetime.now(UTC)
    t0 = time.monotonic()
    with eng.begin() as conn:
        conn.execute(sql_insert(SellerRow.__table__), [{  # type: ignore[attr-defined]
            "id": 1, "channel": "telegram", "external_id": "380001", "name": "Bench",
            "currency": "UAH", "language": "uk", "subscribed": True, "created_at": now}])
        batch = []
        for i in range(n):
            batch.append({
                "id": f"b{i:031d}", "code": f"c{i:015d}", "seller_id": 1, "amount_minor": 10000,
                "currency": "UAH", "description": "Кава", "provider": "liqpay",
                "idempotency_key": f"bench-{i}", "status": "pending", "channel": "telegram",
                "chat_id": "380001", "pay_url": f"http://127.0.0.1/p/c{i:015d}",
                "created_at": now, "expires_at": now + timedelta(hours=23),
                "next_poll_at": now - timedelta(minutes=5) if i < due else now + timedelta(hours=1),
                "polls_done": 3, "version": 1, "paid_late": False})
            if len(batch) == 5000:
                conn.execute(sql_insert(InvoiceRow.__table__), batch)  # type: ignore[attr-defined]
                batch = []
        if batch:
            conn.execute(sql_insert(InvoiceRow.__table__), batch)  # type: ignore[attr-defined]
    eng.dispose()
    return time.monotonic() - t0


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return
    p = c.parser(__doc__)
    p.add_argument("--invoices", type=int, default=0)
    p.add_argument("--due", type=int, default=500)
    a = p.parse_args()
    n = a.invoices or (20_000 if a.quick else 100_000)
    with c.workdir() as d, c.database(a.db, a.pg_url, d) as db, c.redis_server(a.redis, d) as r:
        proc = subprocess.Popen([sys.executable, __file__, "--child", db, r, str(d)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        assert proc.stdout and proc.stdin
        assert proc.stdout.readline().strip() == "ready"

        def scan() -> dict[str, int]:
            proc.stdin.write("scan\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]
            return json.loads(proc.stdout.readline())  # type: ignore[union-attr]
        time.sleep(1)
        scan()
        time.sleep(1)
        idle = rss_mb(proc.pid)
        took = insert(db, n, a.due)
        counts = scan()
        time.sleep(3 if a.quick else 10)  # let the worker take the re-queued polls
        loaded = rss_mb(proc.pid)
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        proc.wait(30)
    c.emit("worker_rss", db=a.db, pending_invoices=n, overdue=a.due, insert_s=round(took, 1),
           scan=counts, rss_idle_mb=round(idle, 1), rss_after_scan_mb=round(loaded, 1),
           growth_mb=round(loaded - idle, 1), target_growth_mb=50)


if __name__ == "__main__":
    main()
