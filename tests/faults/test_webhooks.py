"""Sellers' shop webhooks against a real local shop (sandbox.shop): retried until the shop
answers `200 ok`, signed with a stable webhook-id, the seller told, the SSRF guard holding.

Time is the short WEBHOOK_RETRY_SCHEDULE's, and the test runs the scheduler's scan itself."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from standardwebhooks import Webhook, WebhookVerificationError

from sandbox.shop import Hook, Shop
from storage.secrets import SecretBox
from storage.settings import Settings, settings_unchecked
from workers import deliveries
from workers.scheduler import reconcile
from workers.webhooks import ShopClient, new_secret

from .conftest import CHAT, Rig, wait_until

FAST = "0,0.3s,0.3s"  #: three attempts within a second


@pytest.fixture
def shop() -> Iterator[Shop]:
    shop = Shop().start()
    yield shop
    shop.stop()


def hooked(rig_factory: Callable[..., Rig], shop: Shop, schedule: str = FAST,
           timeout: float | None = None) -> tuple[Rig, str, Hook]:
    """A rig with a worker and the seller's endpoint set on the shop (its ping answered)."""
    rig = rig_factory(webhook_retry_schedule=schedule, scheduler_interval=1)
    assert rig.deps is not None
    if timeout is not None:
        rig.deps.shops = ShopClient(allow_private=True, https_only=False, timeout=timeout)
    rig.start_inprocess_worker()
    hook = shop.hook("main")
    _, secret, ping = deliveries.set_endpoint(rig.seller_id, shop.url("main"), rig.deps)
    wait_until(lambda: status(rig, ping) == "delivered", what="the ping to be answered")
    return rig, secret, hook


def status(rig: Rig, delivery_id: int) -> str:
    with rig.uow() as uow:
        found = uow.webhooks.delivery(delivery_id)
    return found[0].status.value if found else ""


def shop_deliveries(rig: Rig, event_type: str | None = None) -> list[tuple[int, str, int]]:
    """(id, status, attempts) of the seller's deliveries, oldest first."""
    query = "SELECT id, status, attempts FROM webhook_deliveries"
    if event_type:
        query += f" WHERE event_type = '{event_type}'"
    with rig.uow() as uow:
        return [tuple(r) for r in uow.session.execute(text(query + " ORDER BY id"))]


def tries(rig: Rig, delivery_id: int) -> list[tuple[int | None, str, str, int]]:
    """(status, response, error, duration ms) of each attempt, in order."""
    with rig.uow() as uow:
        return [(a.status_code, a.response, a.error or "", a.duration_ms)
                for a in uow.webhooks.attempts(delivery_id)]


def scanned_until(rig: Rig, predicate: Callable[[], object], timeout: float = 20) -> object:
    """Run the scheduler's scan until the predicate holds (what a scheduler process does)."""
    assert rig.deps is not None

    def scan_and_check() -> object:
        reconcile(rig.deps)
        return predicate()
    return wait_until(scan_and_check, timeout)


def pay(rig: Rig, n: int) -> str:
    invoice = rig.pending_invoice(n)
    assert rig.callback(invoice, "success").status_code == 200
    return invoice.id


def paid_posts(hook: Hook) -> list:
    return [r for r in hook.received if '"invoice.paid"' in r.body]


def test_a_shop_failing_twice_gets_the_event_on_the_third_attempt_with_one_webhook_id(
        rig_factory, shop):
    rig, secret, hook = hooked(rig_factory, shop)
    hook.fail(2)
    invoice_id = pay(rig, 1)
    scanned_until(rig, lambda: shop_deliveries(rig, "invoice.paid")
                  and shop_deliveries(rig, "invoice.paid")[0][1] == "delivered")
    posts = paid_posts(hook)
    assert len(posts) == 3 and len({p.headers["webhook-id"] for p in posts}) == 1
    body = Webhook(secret).verify(posts[-1].body, posts[-1].headers)
    assert body["type"] == "invoice.paid" and body["sequence"] == 1
    assert body["data"]["id"] == invoice_id and body["data"]["status"] == "paid"
    assert body["data"]["paid_amount"] == "100.00" and body["data"]["paid_late"] is False
    made = tries(rig, shop_deliveries(rig, "invoice.paid")[0][0])
    assert [a[0] for a in made] == [500, 500, 200]
    assert made[0][1] == "down for maintenance" and made[-1][1] == "ok"


def test_a_200_with_another_body_is_not_delivered(rig_factory, shop):
    rig, _, hook = hooked(rig_factory, shop)
    hook.answer("<html>OK</html>")
    pay(rig, 1)
    scanned_until(rig, lambda: shop_deliveries(rig, "invoice.paid")
                  and shop_deliveries(rig, "invoice.paid")[0][1] == "failed")
    assert len(paid_posts(hook)) == 3
    made = tries(rig, shop_deliveries(rig, "invoice.paid")[0][0])
    assert {(a[0], a[1]) for a in made} == {(200, "<html>OK</html>")}


def test_a_shop_that_hangs_is_timed_out_and_tried_again(rig_factory, shop):
    rig, _, hook = hooked(rig_factory, shop, schedule="0,0.3s", timeout=1)
    hook.hang = 3
    pay(rig, 1)
    scanned_until(rig, lambda: shop_deliveries(rig, "invoice.paid")
                  and shop_deliveries(rig, "invoice.paid")[0][1] == "failed")
    made = tries(rig, shop_deliveries(rig, "invoice.paid")[0][0])
    assert len(made) == 2 and all("timed out" in a[2] for a in made)
    assert all(a[3] >= 900 for a in made)  # each waited out the 1 s time-out


def test_a_shop_that_never_answers_is_disabled_the_seller_told_and_a_test_enables_it(
        rig_factory, shop):
    rig, _, _ = hooked(rig_factory, shop)
    shop.stop()  # every connection refused from now on
    for n in range(3):
        pay(rig, n)
    scanned_until(rig, lambda: [s for _, s, _ in shop_deliveries(rig)].count("failed") == 3)
    with rig.uow() as uow:
        endpoint = uow.webhooks.endpoint(rig.seller_id)
    assert endpoint is not None and not endpoint.active
    def told():
        return [m["text"] for m in rig.messages() if "магазин" in (m.get("text") or "").lower()
                        or "сповіщення" in (m.get("text") or "").lower()]
    wait_until(lambda: len([x for x in told() if "не підтвердив" in x]) == 3
               and any("вимкнено" in x for x in told()), what="the seller to be told")
    pay(rig, 4)  # a disabled endpoint queues nothing
    assert len(shop_deliveries(rig, "invoice.paid")) == 3
    shop.start()
    ping = deliveries.send_test(rig.seller_id, rig.deps)
    assert ping is not None
    scanned_until(rig, lambda: status(rig, ping) == "delivered")
    with rig.uow() as uow:
        assert uow.webhooks.endpoint(rig.seller_id).active  # type: ignore[union-attr]
    wait_until(lambda: any("знову увімкнено" in x for x in told()), what="told it is back on")


def test_a_failed_event_is_redelivered_with_the_same_webhook_id_in_the_same_log(
        rig_factory, shop):
    rig, secret, hook = hooked(rig_factory, shop)
    hook.answer("nope", 503)
    pay(rig, 1)
    scanned_until(rig, lambda: shop_deliveries(rig, "invoice.paid")[0][1] == "failed")
    hook.answer("ok")
    delivery_id = shop_deliveries(rig, "invoice.paid")[0][0]
    assert deliveries.redeliver(rig.seller_id, rig.deps) == [delivery_id]
    scanned_until(rig, lambda: status(rig, delivery_id) == "delivered")
    posts = paid_posts(hook)
    assert len(posts) == 4 and len({p.headers["webhook-id"] for p in posts}) == 1
    Webhook(secret).verify(posts[-1].body, posts[-1].headers)
    assert [a[0] for a in tries(rig, delivery_id)] == [503] * 3 + [200]


def test_redeliver_all_failed_since_a_time_takes_only_those(rig_factory, shop):
    rig, _, hook = hooked(rig_factory, shop, schedule="0")
    hook.answer("nope", 503)
    pay(rig, 1)
    scanned_until(rig, lambda: [s for _, s, _ in shop_deliveries(rig, "invoice.paid")]
                  == ["failed"])
    between = datetime.now(UTC)
    pay(rig, 2)
    scanned_until(rig, lambda: [s for _, s, _ in shop_deliveries(rig, "invoice.paid")]
                  == ["failed", "failed"])
    first, second = (i for i, _, _ in shop_deliveries(rig, "invoice.paid"))
    hook.answer("ok")
    assert deliveries.redeliver(rig.seller_id, rig.deps, since=between) == [second]
    scanned_until(rig, lambda: status(rig, second) == "delivered")
    assert status(rig, first) == "failed"


def test_the_old_secret_still_verifies_after_rotation_for_the_overlap_only(rig_factory, shop):
    rig, old, hook = hooked(rig_factory, shop)
    new = deliveries.rotate_secret(rig.seller_id, rig.deps)
    assert new and new != old
    ping = deliveries.send_test(rig.seller_id, rig.deps)
    scanned_until(rig, lambda: status(rig, ping) == "delivered")
    last = hook.received[-1]
    assert len(last.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(last.body, last.headers)
    Webhook(new).verify(last.body, last.headers)
    with rig.uow() as uow:  # the 24 hours have passed
        uow.session.execute(text("UPDATE webhook_endpoints SET previous_until = :t"),
                            {"t": datetime.now(UTC) - timedelta(seconds=1)})
        uow.session.commit()
    ping = deliveries.send_test(rig.seller_id, rig.deps)
    scanned_until(rig, lambda: status(rig, ping) == "delivered")
    last = hook.received[-1]
    Webhook(new).verify(last.body, last.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(last.body, last.headers)


def test_the_secret_is_stored_only_encrypted(rig_factory, shop):
    rig, secret, _ = hooked(rig_factory, shop)
    with rig.uow() as uow:
        stored = uow.session.execute(text("SELECT secret_encrypted FROM webhook_endpoints")).scalar()
    assert secret not in stored and secret.removeprefix("whsec_") not in stored


def test_one_hanging_shop_never_delays_another_shops_deliveries(rig_factory, shop):
    rig, _, slow = hooked(rig_factory, shop, schedule="0,10s", timeout=3)
    slow.hang = 5
    other = rig.add_seller(CHAT + 1)
    _, _, ping = deliveries.set_endpoint(other, shop.url("other"), rig.deps)
    wait_until(lambda: status(rig, ping) == "delivered")
    for n in range(3):  # the hanging shop's events take the background threads first
        pay(rig, n)
    invoice = rig.pending_invoice(9)
    with rig.uow() as uow:
        uow.session.execute(text("UPDATE invoices SET seller_id = :s WHERE id = :i"),
                            {"s": other, "i": invoice.id})
        uow.session.commit()
    started = time.monotonic()
    assert rig.callback(invoice, "success").status_code == 200
    fast = shop.hook("other")
    scanned_until(rig, lambda: paid_posts(fast), timeout=10)
    assert paid_posts(fast)[0].at - started < 2.0


def pay_for(rig: Rig, seller_id: int, n: int) -> float:
    """Pay an invoice of another seller of the rig; returns when the callback was posted."""
    invoice = rig.pending_invoice(n)
    with rig.uow() as uow:
        uow.session.execute(text("UPDATE invoices SET seller_id = :s WHERE id = :i"),
                            {"s": seller_id, "i": invoice.id})
        uow.session.commit()
    posted = time.monotonic()
    assert rig.callback(invoice, "success").status_code == 200
    return posted


def test_hanging_shops_being_retried_never_take_every_background_thread(rig_factory, shop):
    rig = rig_factory(webhook_retry_schedule="0" + ",0.1s" * 20, scheduler_interval=1)
    assert rig.deps is not None
    rig.deps.shops = ShopClient(allow_private=True, https_only=False, timeout=3)
    rig.start_inprocess_worker()  # two background threads
    for k in range(3):  # more hanging shops than threads
        seller = rig.add_seller(CHAT + 10 + k)
        shop.hook(f"dead{k}").hang = 5
        deliveries.set_endpoint(seller, shop.url(f"dead{k}"), rig.deps)
        pay_for(rig, seller, 10 + k)
    wait_until(lambda: scanned_until(rig, lambda: rig_failing(rig) == 3, timeout=30),
               timeout=30)
    healthy = rig.add_seller(CHAT + 20)
    with rig.uow() as uow:  # set without its ping, so the event below is its first post
        uow.webhooks.set_endpoint(healthy, shop.url("alive"), SecretBox.from_settings(
            rig.settings).encrypt(new_secret()), datetime.now(UTC))
        uow.commit()
    posted = pay_for(rig, healthy, 20)
    scanned_until(rig, lambda: paid_posts(shop.hook("alive")), timeout=15)
    assert paid_posts(shop.hook("alive"))[0].at - posted < 2.0


def rig_failing(rig: Rig) -> int:
    with rig.uow() as uow:
        return uow.session.execute(text(
            "SELECT count(*) FROM webhook_endpoints WHERE failing")).scalar() or 0


def test_deliveries_survive_redis_restarted_empty(rig_factory, shop):
    rig = rig_factory(webhook_retry_schedule=FAST, scheduler_interval=1)
    assert rig.deps is not None
    hook = shop.hook("main")
    _, secret, ping = deliveries.set_endpoint(rig.seller_id, shop.url("main"), rig.deps)
    pay(rig, 1)  # no worker yet: the attempts wait in Redis
    rig.deps.redis.flushall()  # Redis restarted without persistence
    rig.start_inprocess_worker()
    scanned_until(rig, lambda: status(rig, ping) == "delivered"
                  and shop_deliveries(rig, "invoice.paid")[0][1] == "delivered")
    assert len(paid_posts(hook)) == 1
    Webhook(secret).verify(hook.received[-1].body, hook.received[-1].headers)


# -- the SSRF guard ------------------------------------------------------------------------------

def production() -> Settings:
    with settings_unchecked():
        return Settings(chatpay_env="production")


def test_production_refuses_a_name_resolving_to_loopback_and_plain_http(shop):
    settings = production()
    assert settings.webhook_private_allowed is False
    client = ShopClient(allow_private=settings.webhook_private_allowed,
                        https_only=settings.production)
    for url in (shop.url("main", host="localhost").replace("http:", "https:"),
                shop.url("main", host="localhost")):
        attempt = client.post(url, "msg_1", "{}", ["whsec_" + "A" * 44])
        assert not attempt.ok and attempt.error and attempt.error.startswith("refused")
    assert shop.hook("main").received == []


def test_without_allow_private_every_non_public_address_is_refused(shop):
    resolved: dict[str, list[str]] = {
        "loopback.test": ["127.0.0.1"], "private.test": ["10.1.2.3"],
        "link-local.test": ["169.254.169.254"], "multicast.test": ["224.0.0.1"],
        "v6-loopback.test": ["::1"], "mapped.test": ["::ffff:127.0.0.1"],
        "shared.test": ["100.64.0.1"], "6to4.test": ["2002:7f00:1::1"],
        "teredo.test": ["2001:0:4136:e378:8000:63bf:3fff:fdd2"],
        "nat64.test": ["64:ff9b::7f00:1"], "nat64-local.test": ["64:ff9b:1::7f00:1"],
        "documentation.test": ["192.0.2.1"],
        # a resolver may hand out any of its answers: one bad one is enough to refuse
        "rebinding.test": ["93.184.216.34", "127.0.0.1"],
    }
    client = ShopClient(allow_private=False, https_only=False,
                        resolver=lambda host, port: resolved[host])
    for host in resolved:
        attempt = client.post(f"http://{host}:{shop.port}/hook/main", "msg_1", "{}",
                              ["whsec_" + "A" * 44])
        assert attempt.error and attempt.error.startswith("refused"), host
    assert shop.hook("main").received == []


def test_the_address_vetted_is_the_address_connected_to(shop):
    """The name is resolved once per attempt and the connection goes to that address, with
    the name as Host: a second resolution (DNS rebinding) is never made."""
    answers = iter([["127.0.0.1"], ["10.9.9.9"]])
    client = ShopClient(allow_private=True, https_only=False,
                        resolver=lambda host, port: next(answers))
    attempt = client.post(f"http://shop.test:{shop.port}/hook/main", "msg_1", "{}",
                          ["whsec_" + "A" * 44])
    assert attempt.ok, attempt
    assert shop.hook("main").received[0].headers["host"] == f"shop.test:{shop.port}"


def test_development_allows_a_local_shop_by_default():
    with settings_unchecked():
        assert Settings().webhook_private_allowed is True
        assert Settings(webhook_allow_private=False).webhook_private_allowed is False
