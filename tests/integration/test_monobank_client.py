"""The real monobank adapter against the monobank stand-in, over loopback HTTP, with a buyer
paying on the stand-in's page and a merchant receiving its signed webhooks."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from domain.errors import AccountRefused, ForgedCallback, ProviderRejected, ProviderUnavailable
from domain.money import Money
from domain.ports import PaymentRequest, ProviderStatus
from sandbox.loopback import serve_in_thread
from sandbox.monobank import CARD_DECLINED, CARD_SUCCESS, MonobankSandbox
from workers.providers.monobank import MonobankClient, supersedes


class Merchant:
    """Our side: keeps each webhook's raw body and X-Sign as it arrived."""

    def __init__(self) -> None:
        self.hooks: list[tuple[bytes, str]] = []
        self.app = Starlette(routes=[
            Route("/callbacks/monobank", self._hook, methods=["POST"]),
            Route("/done", lambda request: PlainTextResponse("thank you"), methods=["GET"]),
        ])

    async def _hook(self, request: Request) -> PlainTextResponse:
        self.hooks.append((await request.body(), request.headers.get("x-sign", "")))
        return PlainTextResponse("ok")

    def of(self, invoice_id: str) -> list[tuple[bytes, str]]:
        return [hook for hook in self.hooks if invoice_id.encode() in hook[0]]


def wait_for(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[MonobankSandbox, str, Merchant, str]]:
    sandbox, merchant = MonobankSandbox(), Merchant()
    base, stop = serve_in_thread(sandbox.app)
    merchant_base, stop_merchant = serve_in_thread(merchant.app)
    yield sandbox, base, merchant, merchant_base
    stop()
    stop_merchant()


@pytest.fixture
def sandbox(servers) -> Iterator[MonobankSandbox]:
    stand_in = servers[0]
    yield stand_in
    stand_in.webhook_order, stand_in.refund_mode, stand_in.fail_mode = "", "", ""


@pytest.fixture
def merchant(servers) -> Merchant:
    return servers[2]


@pytest.fixture
def client(servers) -> Iterator[MonobankClient]:
    sandbox, base, _, _ = servers
    # the key is fetched again at once after a failed check (production waits PUBKEY_REFETCH)
    api = MonobankClient(sandbox.add_merchant("Квіти на Подолі"), base, pubkey_refetch=0)
    yield api
    api.close()


def _request(servers, order_id: str = "att-1", amount: str = "42.00",
             currency: str = "UAH", ttl: timedelta = timedelta(hours=1)) -> PaymentRequest:
    merchant_base = servers[3]
    return PaymentRequest(order_id=order_id, amount=Money(Decimal(amount), currency),
                          description="Квіти на Подолі: букет", expires_at=datetime.now(UTC) + ttl,
                          server_url=f"{merchant_base}/callbacks/monobank",
                          result_url=f"{merchant_base}/done")


def _pay(url: str, card: str) -> httpx.Response:
    return httpx.post(url, data={"card": card, "exp": "12/30", "cvv": "123"})


def _paid(servers, client: MonobankClient, amount: str = "42.00") -> str:
    link = client.create_link(_request(servers, amount=amount))
    assert _pay(link.url, CARD_SUCCESS).status_code == 303
    assert link.provider_ref
    return link.provider_ref


def test_an_invoice_is_made_in_minor_units_and_its_page_pays_it(servers, sandbox, client):
    link = client.create_link(_request(servers, amount="42.50", currency="USD"))
    invoice = sandbox.invoices[link.provider_ref]
    assert (invoice["amount"], invoice["ccy"], invoice["reference"]) == (4250, 840, "att-1")
    assert invoice["destination"] == "Квіти на Подолі: букет"
    assert 3500 < invoice["expires"] - time.time() <= 3600
    assert client.fetch_status(link.provider_ref).outcome == "unknown"  # nobody began to pay

    page = httpx.get(link.url)
    assert page.status_code == 200 and "42.50 USD" in page.text
    answer = _pay(link.url, CARD_SUCCESS)
    assert answer.status_code == 303 and answer.headers["location"].endswith("/done")

    fact = client.fetch_status(link.provider_ref)
    assert (fact.outcome, fact.raw_status, fact.order_id) == ("paid", "success", "att-1")
    assert fact.amount == Money(Decimal("42.50"), "USD")
    assert fact.provider_payment_id == link.provider_ref
    assert fact.raw["paymentInfo"]["maskedPan"].startswith("424242")
    assert fact.refund_total is None


def test_a_declined_card_fails_with_monobanks_reason(servers, client):
    link = client.create_link(_request(servers))
    _pay(link.url, CARD_DECLINED)
    fact = client.fetch_status(link.provider_ref)
    assert (fact.outcome, fact.raw_status) == ("failed", "failure")
    assert fact.error_code and fact.error_description
    assert _pay(link.url, CARD_SUCCESS).status_code == 303  # a failed invoice is not paid again
    assert client.fetch_status(link.provider_ref).outcome == "failed"


def test_a_partial_refund_by_extref_then_the_rest_reverses_the_payment(servers, client):
    invoice_id = _paid(servers, client)
    first = client.refund(invoice_id, Money(Decimal("10.00"), "UAH"), ext_ref="rf-1")
    assert (first.ok, first.raw_status) == (True, "success")
    client.refund(invoice_id, Money(Decimal("10.00"), "UAH"), ext_ref="rf-1")  # sent twice
    fact = client.fetch_status(invoice_id)
    assert (fact.outcome, fact.refund_total) == ("paid", Money(Decimal("10.00"), "UAH"))

    one = client.refund_status(invoice_id, "rf-1")
    assert (one.outcome, one.refund_id, one.amount) == (
        "refunded", "rf-1", Money(Decimal("10.00"), "UAH"))
    assert client.refund_status(invoice_id, "rf-never").outcome == "unknown"

    client.refund(invoice_id, Money(Decimal("32.00"), "UAH"), ext_ref="rf-2")
    fact = client.fetch_status(invoice_id)
    assert (fact.outcome, fact.refund_total) == ("reversed", Money(Decimal("42.00"), "UAH"))


def test_a_refund_is_never_more_than_was_paid(servers, client):
    invoice_id = _paid(servers, client)
    with pytest.raises(ProviderRejected):
        client.refund(invoice_id, Money(Decimal("42.01"), "UAH"), ext_ref="rf-big")
    client.refund(invoice_id, Money(Decimal("30.00"), "UAH"), ext_ref="rf-a")
    with pytest.raises(ProviderRejected):
        client.refund(invoice_id, Money(Decimal("12.01"), "UAH"), ext_ref="rf-b")
    assert client.fetch_status(invoice_id).refund_total == Money(Decimal("30.00"), "UAH")


def test_a_refund_still_processing_counts_once_it_succeeded(servers, sandbox, client):
    invoice_id = _paid(servers, client)
    sandbox.refund_mode = "pending"
    result = client.refund(invoice_id, Money(Decimal("5.00"), "UAH"), ext_ref="rf-wait")
    assert result.raw_status == "processing"
    assert client.refund_status(invoice_id, "rf-wait").outcome == "refund_pending"
    assert client.fetch_status(invoice_id).refund_total is None
    with pytest.raises(ProviderRejected):  # what is in flight is not refundable again
        client.refund(invoice_id, Money(Decimal("37.01"), "UAH"), ext_ref="rf-more")
    assert sandbox.finish_refunds() == 1
    assert client.fetch_status(invoice_id).refund_total == Money(Decimal("5.00"), "UAH")


def test_a_removed_invoice_can_no_longer_be_paid(servers, client):
    link = client.create_link(_request(servers))
    client.cancel(link.provider_ref)
    assert _pay(link.url, CARD_SUCCESS).status_code == 200  # the page says it expired
    fact = client.fetch_status(link.provider_ref)
    assert (fact.outcome, fact.raw_status, fact.error_code) == ("failed", "expired", "expired")
    client.cancel("no-such-invoice")  # gone already: nothing to do


def test_a_paid_invoice_is_not_removed(servers, client):
    invoice_id = _paid(servers, client)
    with pytest.raises(ProviderRejected):
        client.cancel(invoice_id)
    assert client.fetch_status(invoice_id).outcome == "paid"


def test_an_invoice_runs_out_of_validity_and_expires(servers, client):
    link = client.create_link(_request(servers, ttl=timedelta(seconds=1.5)))
    wait_for(lambda: client.fetch_status(link.provider_ref).raw_status == "expired")
    assert client.fetch_status(link.provider_ref).outcome == "failed"


def test_an_invoice_monobank_never_made_is_unknown(client):
    assert client.fetch_status("no-such-invoice").outcome == "unknown"


def test_another_merchants_invoice_is_not_seen(servers, sandbox, client):
    invoice_id = _paid(servers, client)
    other = MonobankClient(sandbox.add_merchant(), servers[1])
    try:
        assert other.fetch_status(invoice_id).outcome == "unknown"
    finally:
        other.close()


def test_details_name_the_merchant_and_a_revoked_token_is_refused(servers, sandbox, client):
    assert client.check_keys() == "Квіти на Подолі"
    assert sandbox.revoke(client._token)
    with pytest.raises(AccountRefused) as refused:
        client.details()
    assert "monobank" in str(refused.value) and client._token not in str(refused.value)
    with pytest.raises(AccountRefused, match="did not accept this token"):
        client.check_keys()
    with pytest.raises(AccountRefused):
        client.create_link(_request(servers))


@pytest.mark.parametrize("fail_mode", ["500", "429", "garbage"])
def test_a_stand_in_failing_or_down_is_unavailable_not_rejected(servers, sandbox, client,
                                                                 fail_mode):
    sandbox.fail_mode = fail_mode
    with pytest.raises(ProviderUnavailable):
        client.fetch_status("anything")
    with pytest.raises(ProviderUnavailable):
        client.create_link(_request(servers))
    down = MonobankClient("token", "http://127.0.0.1:9")
    with pytest.raises(ProviderUnavailable):
        down.details()
    down.close()


def test_webhooks_signed_by_the_stand_in_verify_with_the_fetched_pubkey(servers, merchant, client):
    invoice_id = _paid(servers, client)
    wait_for(lambda: len(merchant.of(invoice_id)) == 2)
    facts = [client.parse_webhook(body, sign) for body, sign in merchant.of(invoice_id)]
    assert [f.raw_status for f in facts] == ["processing", "success"]
    assert facts[1].outcome == "paid" and facts[1].order_id == "att-1"
    assert supersedes(facts[1], facts[0])

    body, sign = merchant.of(invoice_id)[1]
    with pytest.raises(ForgedCallback):
        client.parse_webhook(body.replace(b'"success"', b'"successs"'), sign)
    with pytest.raises(ForgedCallback):
        client.parse_webhook(body, "")
    assert isinstance(client.parse_callback({"body": body.decode(), "x_sign": sign}),
                      ProviderStatus)


def test_a_rotated_key_is_fetched_again_once(servers, sandbox, merchant, client):
    first = _paid(servers, client)
    wait_for(lambda: len(merchant.of(first)) == 2)
    client.parse_webhook(*merchant.of(first)[1])  # the key is cached now
    sandbox.signer.rotate()
    second = _paid(servers, client)
    wait_for(lambda: len(merchant.of(second)) == 2)
    assert client.parse_webhook(*merchant.of(second)[1]).outcome == "paid"
    with pytest.raises(ForgedCallback):  # signed by the old key: no longer monobank's
        client.parse_webhook(*merchant.of(first)[1])


def test_an_older_webhook_delivered_after_a_newer_one_is_detectable(servers, sandbox, merchant,
                                                                    client):
    sandbox.webhook_order = "reverse"
    invoice_id = _paid(servers, client)
    client.refund(invoice_id, Money(Decimal("2.00"), "UAH"), ext_ref="rf-late")
    assert sandbox.release_webhooks() == 3
    wait_for(lambda: len(merchant.of(invoice_id)) == 3)
    arrived = [client.parse_webhook(body, sign) for body, sign in merchant.of(invoice_id)]
    assert [f.raw_status for f in arrived] == ["success", "success", "processing"]
    applied = arrived[0]  # the refund's webhook, the newest, came first
    for fact in arrived[1:]:
        assert not supersedes(fact, applied)
    assert applied.refund_total == Money(Decimal("2.00"), "UAH")


@pytest.mark.parametrize(("environment", "mounted"), [
    ({}, True), ({"MONOBANK_API_BASE": "https://api.monobank.ua"}, False)])
def test_development_serves_the_stand_in_under_sandbox_monobank_unless_a_base_is_given(
        servers, environment, mounted):
    from starlette.routing import Mount

    from sandbox.stack import sandbox_mounts
    from storage.settings import Settings

    settings = Settings(_env_file=None, **{k.lower(): v for k, v in environment.items()})
    mounts = sandbox_mounts(settings, "redis://127.0.0.1:1/0")
    assert ("/sandbox/monobank" in mounts) is mounted
    if not mounted:
        return
    url, stop = serve_in_thread(Starlette(routes=[Mount("/sandbox/monobank",
                                                        mounts["/sandbox/monobank"])]))
    try:
        api = MonobankClient("sandbox-monobank-token", f"{url}/sandbox/monobank")
        link = api.create_link(_request(servers))
        assert link.url.startswith(f"{url}/sandbox/monobank/pay/")
        assert _pay(link.url, CARD_SUCCESS).status_code == 303
        assert api.fetch_status(link.provider_ref).outcome == "paid"
        api.close()
    finally:
        stop()


def test_a_webhook_delivered_twice_is_the_same_fact_and_not_a_newer_one(servers, sandbox,
                                                                        merchant, client):
    sandbox.webhook_order = "twice"
    invoice_id = _paid(servers, client)
    wait_for(lambda: len(merchant.of(invoice_id)) == 4)
    facts = [client.parse_webhook(body, sign) for body, sign in merchant.of(invoice_id)]
    assert [f.raw_status for f in facts] == ["processing", "processing", "success", "success"]
    assert not supersedes(facts[3], facts[2]) and not supersedes(facts[2], facts[3])


def test_a_person_opens_a_merchant_sets_knobs_and_revokes_a_token_over_http(servers, sandbox):
    base = servers[1]
    opened = httpx.post(f"{base}/merchants", data={"name": "Кав'ярня"}).json()
    api = MonobankClient(opened["token"], base)
    try:
        assert api.check_keys() == "Кав'ярня"
        knobs = httpx.post(f"{base}/faults", data={"webhook_order": "reverse"}).json()
        assert knobs["webhook_order"] == "reverse" == sandbox.webhook_order
        assert httpx.post(f"{base}/faults", data={"refund_mode": "later"}).status_code == 400
        assert httpx.post(f"{base}/merchants/{opened['token']}/revoke").status_code == 200
        with pytest.raises(AccountRefused):
            api.check_keys()
        assert httpx.post(f"{base}/merchants/{opened['token']}/revoke").status_code == 404
    finally:
        api.close()
