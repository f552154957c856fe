"""Status calls (real HTTP `status` requests to the LiqPay sandbox) per invoice over a full TTL,
with the callback arriving (buyer pays after --paid-after s) and with callbacks never arriving.

Time is driven, not slept: workers.txn.now is a bench clock; the bus is a heap of delayed
commands run by the real actors in time order (on the real database), and the reconciler runs
every --scan s of bench time. The sandbox answers over HTTP on loopback.

    .venv/bin/python bench/polls_per_invoice.py [--db sqlite|postgres] [--invoices 5] [--quick]
"""
from __future__ import annotations

import heapq
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import _common as c


class Clock:
    def __init__(self) -> None:
        self.t = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.t


class Bus:
    def __init__(self, clock: Clock) -> None:
        self.clock, self.heap, self.seq = clock, [], itertools.count()  # type: ignore[var-annotated]

    def publish(self, command: Any, *, delay_ms: int | None = None) -> None:  # noqa: ANN401
        due = self.clock() + timedelta(milliseconds=delay_ms or 0)
        heapq.heappush(self.heap, (due, next(self.seq), command))


class Sender:
    channel = "telegram"
    n = itertools.count(1)

    def send(self, message: Any) -> str:  # noqa: ANN401
        return str(next(self.n))

    def edit_buttons(self, chat_id: str, message_id: str, buttons: Any) -> None:  # noqa: ANN401
        pass


def scenario(db: str, d: Any, invoices: int, paid_after: float | None, scan_s: float) -> dict[str, Any]:  # noqa: ANN401
    from sqlalchemy import text

    from domain import commands
    from sandbox.liqpay import LiqPaySandbox, _dumps, _sign
    from sandbox.loopback import serve_in_thread
    from storage.db import make_engine, make_session_factory
    from storage.settings import load_settings
    from storage.uow import UnitOfWork
    from workers import actors, handlers, runtime, scheduler, txn
    from workers.providers.liqpay import LiqPayClient

    settings = load_settings(database_url=db, var_dir=d)
    sandbox = LiqPaySandbox({settings.liqpay_public_key: settings.liqpay_private_key},
                            callbacks=False)
    base, stop = serve_in_thread(sandbox.app)
    provider = LiqPayClient(settings.liqpay_public_key, settings.liqpay_private_key, base)
    calls = {"status": 0, "key_check": 0}
    orig_request, orig_link = provider._request, provider.create_link

    def request(params: dict[str, Any]) -> dict[str, Any]:
        if str(params.get("order_id", "")).startswith("chatpay-key-check-"):
            calls["key_check"] += 1  # the account's keys, before a link is signed: not a poll
        elif params.get("action") == "status":
            calls["status"] += 1
        return orig_request(params)

    links: dict[str, str] = {}

    def create_link(req: Any) -> Any:  # noqa: ANN401
        link = orig_link(req)
        links[req.order_id] = link.url
        from urllib.parse import parse_qs, urlsplit
        q = parse_qs(urlsplit(link.url).query)
        sandbox._open(q["data"][0], q["signature"][0])  # the buyer opened the checkout page
        return link

    provider._request, provider.create_link = request, create_link  # type: ignore[method-assign]
    clock = Clock()
    txn.now = clock  # type: ignore[assignment]
    engine = make_engine(db)
    factory = make_session_factory(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM invoice_events"))
        conn.execute(text("DELETE FROM invoices"))
    bus = Bus(clock)
    deps = runtime.Deps(settings=settings, uow=lambda: UnitOfWork(factory), provider=provider,
                        senders={"telegram": Sender()}, bus=bus, redis=None,  # type: ignore[arg-type]
                        engine=engine)
    runtime.configure(deps)
    with deps.uow() as uow:
        seller = uow.sellers.upsert("telegram", "380001", name="Bench", currency="UAH")
        uow.commit()
        seller_id = seller.id
    start = clock()
    for i in range(invoices):
        bus.publish(commands.CreateInvoice(f"bench:{i}:{start.timestamp()}", seller_id, "100.00",
                                           "UAH", "Кава", "telegram", "380001"))
    pays = []
    end = start + settings.invoice_ttl + timedelta(hours=1)
    next_scan = start + timedelta(seconds=scan_s)
    ran = 0
    while True:
        candidates = [next_scan]
        if bus.heap:
            candidates.append(bus.heap[0][0])
        if pays:
            candidates.append(pays[0][0])
        t = min(candidates)
        if t > end:
            break
        clock.t = max(clock.t, t)
        if pays and pays[0][0] == t:
            _, order_id = heapq.heappop(pays)
            state = sandbox.orders[order_id]
            sandbox.pay(order_id)
            data = __import__("base64").b64encode(_dumps(sandbox.status_object(state)).encode()).decode()
            fact = provider.parse_callback({"data": data, "signature": _sign(data, settings.liqpay_private_key)})
            handlers.deliver(handlers.apply_fact(fact, deps.uow), deps)
        elif bus.heap and bus.heap[0][0] == t:
            _, _, cmd = heapq.heappop(bus.heap)
            try:
                actors.run(type(cmd).from_dict(cmd.to_dict()))  # as off the wire
            except Exception as exc:  # noqa: BLE001 - a failure the queue would retry
                print(f"# {cmd.actor} failed: {exc!r}")
            ran += 1
            if cmd.actor == "create_invoice" and paid_after is not None:
                pass
            if cmd.actor == "issue_link" or cmd.actor == "create_invoice":
                for order_id in list(links):
                    if paid_after is not None and order_id not in [p[1] for p in pays]:
                        heapq.heappush(pays, (clock() + timedelta(seconds=paid_after), order_id))
                    links.pop(order_id)
        else:
            scheduler.reconcile(deps, now=clock())
            next_scan = t + timedelta(seconds=scan_s)
    with engine.connect() as conn:
        statuses = dict(conn.execute(text(
            "SELECT status, count(*) FROM invoices GROUP BY status")).all())
    engine.dispose()
    stop()
    return {"status_calls_per_invoice": round(calls["status"] / invoices, 2),
            "key_checks": calls["key_check"],
            "final_statuses": statuses, "commands_run": ran,
            "bench_hours": round((clock() - start).total_seconds() / 3600, 2)}


def main() -> None:
    p = c.parser(__doc__)
    p.add_argument("--invoices", type=int, default=0)
    p.add_argument("--paid-after", type=float, default=60.0)
    p.add_argument("--scan", type=float, default=0.0, help="reconciler period, bench seconds")
    a = p.parse_args()
    n = a.invoices or (2 if a.quick else 10)
    scan = a.scan or (300.0 if a.quick else 30.0)
    with c.workdir() as d, c.database(a.db, a.pg_url, d) as db:
        on = scenario(db, d, n, a.paid_after, scan)
        never = scenario(db, d, n, None, scan)
    c.emit("polls_per_invoice", db=a.db, invoices=n, ttl_hours=24, reconciler_every_s=scan,
           callbacks_on={"paid_after_s": a.paid_after, **on}, callbacks_never=never,
           targets={"callbacks_on": 2, "callbacks_never": 25})


if __name__ == "__main__":
    main()
