"""The real LiqPay adapter against the LiqPay sandbox, over loopback HTTP, with a buyer and a merchant."""
from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, UTC
from decimal import Decimal
from urllib.parse import urljoin

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from domain.errors import ProviderRejected, ProviderUnavailable
from domain.money import Money
from domain.ports import PaymentRequest, ProviderStatus
from sandbox.liqpay import SANDBOX_PRIVATE_KEY, SANDBOX_PUBLIC_KEY, LiqPaySandbox
from workers.providers.liqpay import LiqPayClient

PREFIX = "/sandbox/liqpay"


def _serve(app) -> tuple[str, Callable[[], None]]:
    """Run an ASGI app with uvicorn in a daemon thread; (base_url, stop)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]

    def stop() -> None:
        server.should_exit = True
        thread.join(5)

    return f"http://127.0.0.1:{port}", stop


class Merchant:
    """The seller's side: receives server callbacks and the buyer coming back."""

    def __init__(self) -> None:
        self.forms: list[dict[str, str]] = []
        self.fail_next = 0  #: answer this many callbacks with 500 first
        self.app = Starlette(routes=[
            Route("/callbacks/liqpay", self._callback, methods=["POST"]),
            Route("/done", lambda request: PlainTextResponse("thank you"), methods=["GET"]),
        ])

    async def _callback(self, request: Request) -> PlainTextResponse:
        if self.fail_next:
            self.fail_next -= 1
            return PlainTextResponse("busy", status_code=500)
        self.forms.append({k: str(v) for k, v in (await request.form()).items()})
        return PlainTextResponse("ok")

    def wait_for(self, client: LiqPayClient, raw_status: str, timeout: float = 5.0) -> ProviderStatus:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for form in self.forms:
                status = client.parse_callback(form)
                if status.raw_status == raw_status:
                    return status
            time.sleep(0.02)
        raise AssertionError(f"No {raw_status!r} callback arrived; got {len(self.forms)} callbacks.")


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[LiqPaySandbox, str, Merchant, str]]:
    sandbox, merchant = LiqPaySandbox(), Merchant()
    sandbox_base, stop_sandbox = _serve(Starlette(routes=[Mount(PREFIX, app=sandbox.app)]))
    merchant_base, stop_merchant = _serve(merchant.app)
    yield sandbox, sandbox_base + PREFIX, merchant, merchant_base
    stop_sandbox()
    stop_merchant()


@pytest.fixture
def sandbox(servers) -> LiqPaySandbox:
    servers[0].reset()
    servers[2].forms.clear()
    servers[2].fail_next = 0
    return servers[0]


@pytest.fixture
def merchant(servers, sandbox) -> Merchant:
    return servers[2]


@pytest.fixture
def client(servers) -> Iterator[LiqPayClient]:
    client = LiqPayClient(SANDBOX_PUBLIC_KEY, SANDBOX_PRIVATE_KEY, servers[1], timeout=2.0)
    yield client
    client.close()


_counter = iter(range(1, 1_000_000))


@pytest.fixture
def make_request(servers) -> Callable[..., PaymentRequest]:
    merchant_base = servers[3]

    def make(amount: str = "150.50", expires_in: timedelta = timedelta(hours=1), **kw) -> PaymentRequest:
        return PaymentRequest(
            order_id=f"inv-{time.time_ns()}-{next(_counter)}", amount=Money(Decimal(amount), "UAH"),
            description="Two coffees", expires_at=datetime.now(UTC) + expires_in,
            server_url=f"{merchant_base}/callbacks/liqpay", result_url=f"{merchant_base}/done", **kw)

    return make


def _form_action(page: httpx.Response, form_id: str) -> str:
    match = re.search(rf'<form method="post" action="([^"]+)" id="{form_id}">', page.text)
    assert match, page.text
    return urljoin(str(page.url), match.group(1))


def buyer_pays(url: str, card: str, code: str | None = None) -> httpx.Response:
    """What a buyer's browser does: open the link, fill the card form, maybe the 3-D Secure form."""
    with httpx.Client(follow_redirects=True, timeout=5) as browser:
        page = browser.get(url)
        assert page.status_code == 200, page.text
        result = browser.post(_form_action(page, "card-form"),
                              data={"card": card, "exp": "12/30", "cvv": "123"})
        if code is not None:
            assert "3-D Secure" in result.text
            result = browser.post(_form_action(result, "threeds-form"), data={"code": code})
        return result


def test_a_buyer_pays_by_card_and_the_signed_callback_verifies_as_paid(client, sandbox, merchant, make_request):
    request = make_request()
    link = client.create_link(request)
    assert client.fetch_status(request.order_id).outcome == "unknown"

    page = httpx.get(link.url)
    assert "150.50 UAH" in page.text and "Two coffees" in page.text

    back = buyer_pays(link.url, "4242 4242 4242 4242")
    assert back.text == "thank you"  # sent back to result_url

    paid = merchant.wait_for(client, "success")
    assert paid.outcome == "paid"
    assert paid.amount == Money(Decimal("150.50"), "UAH")
    assert paid.raw["sender_card_mask2"] == "424242*42"
    status = client.fetch_status(request.order_id)
    assert (status.outcome, status.amount, status.provider_payment_id) == (
        "paid", Money(Decimal("150.50"), "UAH"), paid.provider_payment_id)


def test_a_declined_card_fails_with_a_reason(client, sandbox, merchant, make_request):
    request = make_request()
    buyer_pays(client.create_link(request).url, "4000000000000002")
    failed = merchant.wait_for(client, "failure")
    assert (failed.outcome, failed.error_code, failed.error_description) == (
        "failed", "limit", "Insufficient funds")
    assert client.fetch_status(request.order_id).outcome == "failed"


def test_an_unknown_card_number_fails(client, sandbox, merchant, make_request):
    request = make_request()
    buyer_pays(client.create_link(request).url, "1234567812345678")
    assert merchant.wait_for(client, "failure").error_description == "card number invalid"


def test_3ds_card_waits_for_the_code_then_pays(client, sandbox, merchant, make_request):
    request = make_request()
    url = client.create_link(request).url
    with httpx.Client(follow_redirects=True) as browser:
        page = browser.post(_form_action(browser.get(url), "card-form"),
                            data={"card": "4000000000003063", "exp": "12/30", "cvv": "123"})
        assert "3-D Secure" in page.text
        assert merchant.wait_for(client, "3ds_verify").outcome == "pending"
        assert client.fetch_status(request.order_id).outcome == "pending"
        done = browser.post(_form_action(page, "threeds-form"), data={"code": "111111"})
    assert done.text == "thank you"
    assert merchant.wait_for(client, "success").outcome == "paid"
    assert client.fetch_status(request.order_id).outcome == "paid"


def test_3ds_with_a_wrong_code_fails(client, sandbox, merchant, make_request):
    request = make_request()
    buyer_pays(client.create_link(request).url, "4000000000003063", code="000000")
    assert merchant.wait_for(client, "failure").error_code == "err_verify_code"


def test_status_of_an_order_liqpay_never_saw_is_unknown(client, sandbox):
    status = client.fetch_status("no-such-order")
    assert (status.outcome, status.error_code) == ("unknown", "payment_not_found")


def test_a_paid_order_is_refunded_in_full_and_partly(client, sandbox, merchant, make_request):
    request = make_request(amount="100.00")
    sandbox.pay(client.create_link(request).url)
    partial = client.refund(request.order_id, Money(Decimal("30.00"), "UAH"))
    assert partial.ok and client.fetch_status(request.order_id).raw["refund_amount"] == Decimal("30")
    with pytest.raises(ProviderRejected):
        client.refund(request.order_id, Money(Decimal("80.00"), "UAH"))  # more than is left
    rest = client.refund(request.order_id, Money(Decimal("70.00"), "UAH"))
    assert rest.ok and rest.raw_status == "reversed"
    assert client.fetch_status(request.order_id).outcome == "reversed"
    assert merchant.wait_for(client, "reversed").outcome == "reversed"


def test_a_partial_refund_is_told_by_a_signed_callback_that_keeps_success(
        client, sandbox, merchant, make_request):
    request = make_request(amount="100.00")
    sandbox.pay(client.create_link(request).url)
    assert client.refund(request.order_id, Money(Decimal("30.00"), "UAH")).raw_status == "success"
    deadline, told = time.monotonic() + 5, []
    while not told and time.monotonic() < deadline:
        time.sleep(0.05)
        told = [s for s in map(client.parse_callback, merchant.forms)
                if s.order_id == request.order_id and s.refund_total is not None]
    assert [(s.outcome, s.refund_total) for s in told] == [
        ("paid", Money(Decimal("30.00"), "UAH"))]


def test_a_pending_refund_waits_then_is_done_with_a_callback_each_time(
        client, sandbox, merchant, make_request):
    request = make_request(amount="100.00")
    sandbox.pay(client.create_link(request).url)
    sandbox.refund_mode = "pending"
    try:
        waiting = client.refund(request.order_id, Money(Decimal("40.00"), "UAH"))
        assert waiting.raw_status == "refund_wait"
        told = merchant.wait_for(client, "refund_wait")
        assert (told.outcome, told.amount) == ("refund_pending", Money(Decimal("40.00"), "UAH"))
        with pytest.raises(ProviderRejected):  # what waits is not free to refund again
            client.refund(request.order_id, Money(Decimal("70.00"), "UAH"))
        assert sandbox.finish_refunds() == 1
        assert client.fetch_status(request.order_id).refund_total == Money(Decimal("40"), "UAH")
    finally:
        sandbox.refund_mode = ""


def test_the_sandbox_counts_refunds_asked_takes_its_time_and_can_tell_them_newest_first(
        client, sandbox, merchant, make_request):
    request = make_request(amount="100.00")
    sandbox.pay(client.create_link(request).url)
    sandbox.refund_delay, sandbox.refund_callbacks = 0.3, "reverse"
    started = time.monotonic()
    client.refund(request.order_id, Money(Decimal("10.00"), "UAH"))
    assert time.monotonic() - started >= 0.3  # the refund took its time
    sandbox.refund_delay = 0.0
    client.refund(request.order_id, Money(Decimal("20.00"), "UAH"))
    with pytest.raises(ProviderRejected):  # refused: not counted as a refund made
        client.refund(request.order_id, Money(Decimal("80.00"), "UAH"))
    assert sandbox.refunds_asked(request.order_id) == [Decimal("10.00"), Decimal("20.00")]
    merchant.forms.clear()
    assert sandbox.release_refund_callbacks() == 2
    deadline, told = time.monotonic() + 5, []
    while len(told) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
        told = [s.refund_total for s in map(client.parse_callback, merchant.forms)
                if s.order_id == request.order_id and s.refund_total is not None]
    assert told == [Money(Decimal("30.00"), "UAH"), Money(Decimal("10.00"), "UAH")]


def test_an_unpaid_order_cannot_be_refunded(client, sandbox, make_request):
    request = make_request()
    sandbox.pay(client.create_link(request).url, card="4000000000000002")
    with pytest.raises(ProviderRejected):
        client.refund(request.order_id, request.amount)


def test_a_cancelled_invoice_cannot_be_paid_and_cancelling_an_unknown_one_is_fine(client, sandbox, make_request):
    client.cancel("never-created")
    request = make_request()
    url = client.create_link(request).url
    httpx.get(url)
    client.cancel(request.order_id)
    assert "cancelled" in httpx.get(url).text
    assert sandbox.pay(request.order_id) == "error"


@pytest.mark.parametrize("mode", ["500", "garbage"])
def test_a_broken_provider_is_unavailable_not_a_verdict(client, sandbox, mode):
    sandbox.fail_mode = mode
    with pytest.raises(ProviderUnavailable):
        client.fetch_status("any")


def test_a_slow_provider_times_out_as_unavailable(servers, sandbox):
    sandbox.fail_mode = "timeout"
    impatient = LiqPayClient(SANDBOX_PUBLIC_KEY, SANDBOX_PRIVATE_KEY, servers[1], timeout=0.5)
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable):
        impatient.fetch_status("any")
    assert time.monotonic() - started < 3


def test_an_unreachable_provider_is_unavailable():
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = LiqPayClient("k", "p", f"http://127.0.0.1:{port}", timeout=1)
    with pytest.raises(ProviderUnavailable):
        client.fetch_status("any")


def test_requests_signed_with_the_wrong_key_are_refused(servers, sandbox, make_request):
    forger = LiqPayClient(SANDBOX_PUBLIC_KEY, "not-the-key", servers[1])
    page = httpx.get(forger.create_link(make_request()).url)
    assert page.status_code == 400 and "invalid_signature" in page.text
    with pytest.raises(ProviderRejected):
        forger.fetch_status("any")


def test_an_expired_order_cannot_be_paid(client, sandbox, merchant, make_request):
    request = make_request(expires_in=timedelta(seconds=-5))
    url = client.create_link(request).url
    page = httpx.get(url)
    assert "expired" in page.text and "card-form" not in page.text
    assert sandbox.pay(request.order_id) == "error"
    status = client.fetch_status(request.order_id)
    assert (status.outcome, status.error_code) == ("failed", "expired")


def test_without_callbacks_the_status_still_shows_paid(client, sandbox, merchant, make_request):
    sandbox.callbacks = False
    request = make_request()
    buyer_pays(client.create_link(request).url, "4242424242424242")
    assert client.fetch_status(request.order_id).outcome == "paid"
    time.sleep(0.2)
    assert merchant.forms == [] and sandbox.callback_log == []


def test_paying_twice_charges_once(client, sandbox, merchant, make_request):
    request = make_request()
    url = client.create_link(request).url
    buyer_pays(url, "4242424242424242")
    first = client.fetch_status(request.order_id).provider_payment_id
    assert "already paid" in httpx.get(url).text
    assert sandbox.pay(request.order_id) == "success"
    assert client.fetch_status(request.order_id).provider_payment_id == first
    merchant.wait_for(client, "success")
    time.sleep(0.2)
    assert len(merchant.forms) == 1


def test_a_callback_the_merchant_refuses_is_retried_and_logged(client, sandbox, merchant, make_request):
    merchant.fail_next = 1
    request = make_request()
    sandbox.pay(client.create_link(request).url)
    assert merchant.wait_for(client, "success").outcome == "paid"
    # the sandbox logs the attempt once the merchant's answer is back, just after it was handled
    deadline = time.monotonic() + 5
    while len(sandbox.callback_log) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [e.get("status_code") for e in sandbox.callback_log] == [500, 200]


def test_a_hanging_status_api_times_out_while_the_buyer_still_pays(servers, client, sandbox, merchant,
                                                                    make_request):
    sandbox.status_hang = 60  # longer than any client waits
    impatient = LiqPayClient(SANDBOX_PUBLIC_KEY, SANDBOX_PRIVATE_KEY, servers[1], timeout=4)
    request = make_request()
    url = client.create_link(request).url
    outcome: list[BaseException | None] = []

    def poll() -> None:
        try:
            impatient.fetch_status(request.order_id)
            outcome.append(None)
        except ProviderUnavailable as exc:
            outcome.append(exc)

    poller = threading.Thread(target=poll)
    started = time.monotonic()
    poller.start()
    while sandbox.status_holds < 1:  # the status call is being held now; the sandbox's loop
        time.sleep(0.02)  # must still serve
    back = buyer_pays(url, "4242424242424242")
    # paid while the status call is still held: the checkout did not wait behind it
    assert back.text == "thank you" and poller.is_alive() and not outcome
    assert merchant.wait_for(client, "success").outcome == "paid"  # callbacks still go out
    assert client.refund(request.order_id, Money(Decimal("1.00"), "UAH")).ok  # other actions too
    poller.join(5)
    assert isinstance(outcome[0], ProviderUnavailable)  # timed out at the client
    assert time.monotonic() - started > 3.9  # held until the client gave up
    assert sandbox.status_holds == 1


def test_switching_the_hang_off_answers_the_status_calls_it_holds(servers, client, sandbox,
                                                                   make_request):
    request = make_request()
    sandbox.pay(client.create_link(request).url)
    sandbox.status_hang = 60
    threading.Timer(0.5, lambda: setattr(sandbox, "status_hang", 0.0)).start()
    started = time.monotonic()
    assert client.fetch_status(request.order_id).outcome == "paid"
    assert time.monotonic() - started > 0.4  # held until the hang was switched off


def test_the_faults_path_sets_the_knobs(servers, sandbox):
    faults = f"{servers[1]}/faults"
    answer = httpx.post(faults, data={"status_hang": "30", "fail_mode": "500"})
    assert answer.status_code == 200
    assert answer.json()["status_hang"] == 30.0
    assert (sandbox.status_hang, sandbox.fail_mode) == (30.0, "500")
    assert httpx.post(faults, data={"status_hang": "-1"}).status_code == 400
    assert httpx.post(faults, data={"fail_mode": "slow"}).status_code == 400
    assert sandbox.status_hang == 30.0
    httpx.post(faults, data={"status_hang": "0", "fail_mode": ""})
    assert httpx.get(faults).json()["fail_mode"] is None and sandbox.status_hang == 0


def test_a_merchant_opened_at_run_time_has_keys_that_check_and_take_payments(
        servers, sandbox, merchant, make_request):
    opened = httpx.post(f"{servers[1]}/merchants").json()
    seller = LiqPayClient(opened["public_key"], opened["private_key"], servers[1], timeout=2.0)
    try:
        seller.check_keys()  # accepted: the sandbox answers "not found" for the made-up order
        link = seller.create_link(make_request())
        assert buyer_pays(link.url, "4242 4242 4242 4242").status_code == 200
        paid = merchant.wait_for(seller, "success")
        assert paid.outcome == "paid"
        platform = LiqPayClient(SANDBOX_PUBLIC_KEY, SANDBOX_PRIVATE_KEY, servers[1], timeout=2.0)
        # another merchant's keys do not see (or verify) this seller's order
        assert platform.fetch_status(link.provider_ref).outcome == "unknown"
        platform.close()
    finally:
        seller.close()


def test_checking_keys_refuses_a_wrong_private_key_and_an_unknown_public_key(servers, sandbox):
    public_key, _ = sandbox.add_merchant()
    for wrong in (LiqPayClient(public_key, "sandbox_not_the_private_key", servers[1]),
                  LiqPayClient("sandbox_i_nobody", "sandbox_whatever", servers[1])):
        with pytest.raises(ProviderRejected, match="invalid_signature|public_key_not_found"):
            wrong.check_keys()
        wrong.close()


def test_checking_keys_of_an_unreachable_provider_is_unavailable_not_a_refusal():
    client = LiqPayClient(SANDBOX_PUBLIC_KEY, SANDBOX_PRIVATE_KEY, f"http://127.0.0.1:{_dead_port()}",
                          timeout=1.0)
    with pytest.raises(ProviderUnavailable):
        client.check_keys()
    client.close()


def _dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
