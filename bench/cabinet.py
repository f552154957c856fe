"""The seller's cabinet with a big book: one seller with --invoices (10,000) invoices spread over
the last 180 days (two in three paid, a tenth of those by cash, one in twenty refunded in part,
the rest open or expired), plus --others (10,000) invoices of other sellers. Then, through the
cabinet's HTTP router (Telegram init data checked on every request, JSON built), the time of
`/cabinet/api/summary` for today / month / a 90-day range and of the list's first page
(with and without a search text): p50/p95 over --repeat (50) requests each.

    .venv/bin/python bench/cabinet.py [--db sqlite|postgres] [--invoices 10000] [--quick]
"""
from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import _common as c


def fill(db: str, n: int, others: int, analyze: bool = True) -> float:
    """Bulk rows, as the workers would have written them over half a year."""
    from sqlalchemy import create_engine, text
    from sqlalchemy import insert as sql_insert

    from storage.db import normalize_url
    from storage.tables import InvoiceRow, ManualPaymentRow, RefundRow, SellerRow
    rnd = random.Random(23)
    eng = create_engine(normalize_url(db))
    now = datetime.now(UTC)
    t0 = time.monotonic()
    with eng.begin() as conn:
        conn.execute(sql_insert(SellerRow.__table__), [{  # type: ignore[attr-defined]
            "id": s, "channel": "telegram", "external_id": str(5000 + s), "name": "Bench",
            "country": "UA", "currency": "UAH", "language": "en", "subscribed": True,
            "created_at": now, "ask_buyer_name": False, "ask_buyer_phone": False}
            for s in (1, 2)])
        invoices: list[dict[str, Any]] = []
        refunds: list[dict[str, Any]] = []
        manual: list[dict[str, Any]] = []
        for i in range(n + others):
            seller = 1 if i < n else 2
            created = now - timedelta(seconds=rnd.randint(0, 180 * 86400))
            roll, amount = rnd.random(), rnd.randint(100, 500000)
            paid = roll < 2 / 3
            cash = paid and rnd.random() < 0.1
            refunded = paid and not cash and rnd.random() < 0.05
            status = ("partially_refunded" if refunded else "paid") if paid else (
                "pending" if created > now - timedelta(hours=24) else "expired")
            iid = f"b{i:031d}"
            invoices.append({
                "id": iid, "code": f"c{i:09d}", "seller_id": seller, "amount_minor": amount,
                "currency": "UAH", "description": f"Order {i}", "provider":
                "manual" if cash else "liqpay", "idempotency_key": f"bench-{i}",
                "status": status, "channel": "telegram", "chat_id": str(5000 + seller),
                "pay_url": f"http://127.0.0.1/p/c{i:09d}", "created_at": created,
                "expires_at": created + timedelta(hours=24), "polls_done": 3, "version": 1,
                "paid_late": False, "paid_amount_minor": amount if paid else None,
                "paid_currency": "UAH" if paid else None,
                "paid_at": created + timedelta(minutes=3) if paid else None,
                "refunded_minor": amount // 2 if refunded else None, "manual": cash,
                "buyer_email": f"buyer{i}@example.com" if rnd.random() < 0.3 else None})
            if refunded:
                refunds.append({"id": f"r{i}", "invoice_id": iid, "amount_minor": amount // 2,
                                "currency": "UAH", "state": "done", "ours": True,
                                "created_at": created + timedelta(hours=1)})
            if cash:
                manual.append({"id": f"m{i}", "invoice_id": iid, "seller_id": seller,
                               "method_id": 0, "method_name": "Cash", "amount_minor": amount,
                               "currency": "UAH", "paid_on": created.date().isoformat(),
                               "comment": "", "state": "approved", "created_by": "seller",
                               "created_at": created, "expires_at": created, "version": 0})
        for table, rows in ((InvoiceRow, invoices), (RefundRow, refunds),
                            (ManualPaymentRow, manual)):
            for start in range(0, len(rows), 5000):
                conn.execute(sql_insert(table.__table__), rows[start:start + 5000])  # type: ignore[attr-defined]
    if analyze and eng.dialect.name == "postgresql":
        # autovacuum would have: without statistics on 20,000 fresh rows the planner expects 9
        # of them per seller and sorts them all rather than walk ix_invoices_seller_created
        with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    eng.dispose()
    return time.monotonic() - t0


def timed(client: Any, url: str, headers: dict[str, str], repeat: int) -> dict[str, Any]:
    client.get(url, headers=headers)  # warm: plans and caches, as a running server has them
    took = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        answer = client.get(url, headers=headers)
        took.append(time.perf_counter() - t0)
        assert answer.status_code == 200, answer.text
    return c.ms_summary(took)


def main() -> None:
    p = c.parser(__doc__)
    p.add_argument("--invoices", type=int, default=10_000)
    p.add_argument("--others", type=int, default=10_000)
    p.add_argument("--repeat", type=int, default=50)
    p.add_argument("--no-analyze", action="store_true",
                   help="PostgreSQL: leave the fresh rows without planner statistics")
    a = p.parse_args()
    if a.quick:
        a.repeat = 15
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from sandbox.telegram.webapp import sign_init_data
    from storage.db import make_engine, make_session_factory
    from storage.settings import load_settings
    from storage.uow import UnitOfWork
    from web.cabinet import router

    with c.workdir() as directory, c.database(a.db, a.pg_url, directory) as db:
        took = fill(db, a.invoices, a.others, analyze=not a.no_analyze)
        settings = load_settings(database_url=db, var_dir=directory)
        engine = make_engine(db)
        factory = make_session_factory(engine)
        app = FastAPI()
        app.include_router(router(settings, lambda: UnitOfWork(factory), None))  # type: ignore[arg-type]
        client = TestClient(app)
        headers = {"Authorization": "tma " + sign_init_data(
            settings.telegram_bot_token, {"id": 5001, "first_name": "Bench"})}
        today = datetime.now(UTC).date()
        figures = {
            "summary_today": timed(client, "/cabinet/api/summary?period=today", headers, a.repeat),
            "summary_month": timed(client, "/cabinet/api/summary?period=month", headers, a.repeat),
            "summary_90_days": timed(
                client, f"/cabinet/api/summary?from={today - timedelta(days=89)}&to={today}",
                headers, a.repeat),
            "first_page": timed(client, "/cabinet/api/invoices", headers, a.repeat),
            "first_page_search": timed(client, "/cabinet/api/invoices?q=buyer12", headers,
                                       a.repeat),
            "page_html": timed(client, "/cabinet/part/home?period=today", headers, a.repeat),
        }
        engine.dispose()
        c.emit("cabinet", db=a.db, analyzed=a.db == "postgres" and not a.no_analyze,
               invoices=a.invoices, other_sellers_invoices=a.others,
               fill_s=round(took, 1), **figures)


if __name__ == "__main__":
    main()
