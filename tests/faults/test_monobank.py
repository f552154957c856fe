"""monobank behind the same port as LiqPay, against the monobank stand-in and the real web edge:
its webhooks verified by X-Sign over the raw body, applied by modifiedDate, lost ones found by
polling, an attempt in flight at expiry, refunds named by our refund id, a token it refuses."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import httpx

from domain.attempts import AttemptState
from domain.commands import RefundInvoice
from domain.invoice import Invoice, InvoiceStatus
from domain.money import Money
from domain.refunds import RefundState
from tests.faults.conftest import Rig, wait_until
from tests.faults.test_money_safety import expire_now, poll_now
from workers import handlers, polls, refunds

CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000002"


def texts(rig: Rig) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in rig.messages()]


def mono_invoice(rig: Rig, n: int, amount: str = "100.00") -> Invoice:
    rig.connect_monobank()
    invoice = rig.pending_invoice(n, amount)
    assert invoice.provider == "monobank"
    assert invoice.pay_url is not None and "/sandbox/monobank/pay/" in invoice.pay_url
    return invoice


def paid_mono_invoice(rig: Rig, n: int) -> Invoice:
    assert rig.monobank is not None
    invoice = mono_invoice(rig, n)
    assert rig.monobank.charge(rig.monobank_invoice(invoice), CARD_OK) == "success"
    rig.monobank_webhooks_delivered()
    paid = rig.invoice(invoice.id)
    assert paid.status is InvoiceStatus.PAID
    return paid


def post_webhook(rig: Rig, body: bytes, x_sign: str) -> httpx.Response:
    return httpx.post(f"{rig.base_url}/callbacks/monobank", content=body,
                      headers={"X-Sign": x_sign, "Content-Type": "application/json"}, timeout=30)


def webhook_body(rig: Rig, invoice: Invoice, status: str, modified: str, **extra: object) -> bytes:
    assert rig.monobank is not None
    described = rig.monobank.describe(rig.monobank_invoice(invoice))
    described.update(status=status, modifiedDate=modified, **extra)
    return json.dumps(described).encode()


def test_a_buyer_pays_through_monobank_and_the_seller_is_told_paid_with_the_card(rig: Rig):
    rig.start_inprocess_worker()
    invoice = paid_mono_invoice(rig, 1)
    assert invoice.paid_amount == Money(Decimal("100.00"), "UAH")
    wait_until(lambda: any("Оплачено" in m for m in texts(rig)), 15, "the seller told paid")
    paid = json.loads(next(e for e in rig.events(invoice.id) if e.name == "InvoicePaid").payload)
    assert paid["provider"] == "monobank"
    assert paid["card_mask"] == "424242******4242" and paid["auth_code"] and paid["rrn"]


def test_a_forged_x_sign_is_refused_with_403_and_changes_nothing(rig: Rig):
    assert rig.monobank is not None
    invoice = mono_invoice(rig, 2)
    body = webhook_body(rig, invoice, "success", "2030-01-01T00:00:00Z")
    good = rig.monobank.signer.sign(body)
    tampered = body.replace(b'"success"', b'"failure"')
    for raw, sign in ((tampered, good), (body, ""), (body, "AAAA" + good[4:]), (body, "not base64!")):
        assert post_webhook(rig, raw, sign).status_code == 403
    assert httpx.post(f"{rig.base_url}/callbacks/monobank", content=body, timeout=30).status_code == 403
    current = rig.invoice(invoice.id)
    assert current.status is InvoiceStatus.PENDING
    assert "InvoicePaid" not in [e.name for e in rig.events(invoice.id)]
    assert post_webhook(rig, body, good).status_code == 200  # the genuine one still counts
    assert rig.invoice(invoice.id).status is InvoiceStatus.PAID


def test_a_webhook_bigger_than_64_kib_is_refused_before_it_is_read(rig: Rig):
    assert rig.monobank is not None
    invoice = mono_invoice(rig, 3)
    body = webhook_body(rig, invoice, "success", "2030-01-01T00:00:00Z", padding="x" * 70_000)
    assert post_webhook(rig, body, rig.monobank.signer.sign(body)).status_code == 413
    assert rig.invoice(invoice.id).status is InvoiceStatus.PENDING


def test_an_older_webhook_replayed_after_a_newer_one_does_not_overwrite_it(rig: Rig):
    assert rig.monobank is not None
    invoice = mono_invoice(rig, 4)
    rig.monobank.webhook_order = "reverse"  # held, then delivered newest first
    assert rig.monobank.charge(rig.monobank_invoice(invoice), CARD_DECLINED) == "failure"
    assert rig.monobank.release_webhooks() == 2  # failure, then the older processing
    rig.monobank_webhooks_delivered()
    latest = rig.invoice(invoice.id).latest_attempt
    assert latest.state is AttemptState.DECLINED and not latest.processing
    # and by hand: an older "processing" after the decline, signed by monobank, changes nothing
    older = webhook_body(rig, invoice, "processing", "2000-01-01T00:00:00Z")
    assert post_webhook(rig, older, rig.monobank.signer.sign(older)).status_code == 200
    assert rig.invoice(invoice.id).latest_attempt.state is AttemptState.DECLINED


def test_a_lost_webhook_is_found_by_polling(rig: Rig):
    assert rig.monobank is not None
    invoice = mono_invoice(rig, 5)
    rig.monobank.webhooks = False  # every webhook lost
    assert rig.monobank.charge(rig.monobank_invoice(invoice), CARD_OK) == "success"
    assert rig.invoice(invoice.id).status is InvoiceStatus.PENDING
    poll_now(rig, invoice.id)
    assert rig.invoice(invoice.id).status is InvoiceStatus.PAID


def test_an_attempt_in_flight_at_expiry_keeps_the_invoice_settling_until_monobank_settles(rig: Rig):
    assert rig.monobank is not None and rig.deps is not None
    invoice = mono_invoice(rig, 6)
    rig.monobank.webhooks = False
    held = rig.monobank_invoice(invoice)
    with rig.monobank._lock:
        rig.monobank._change(held, "processing")  # the bank is still deciding
    expire_now(rig, invoice.id)
    polls.expire_invoice(invoice.id, rig.deps)
    current = rig.invoice(invoice.id)
    assert current.status is InvoiceStatus.PENDING and current.settling
    with rig.monobank._lock:
        rig.monobank._change(held, "success", paymentInfo={"maskedPan": "424242******4242"})
    poll_now(rig, invoice.id)
    assert rig.invoice(invoice.id).status is InvoiceStatus.PAID


def test_a_declined_monobank_payment_is_told_in_words_never_its_code(rig: Rig):
    rig.start_inprocess_worker()
    assert rig.monobank is not None
    invoice = mono_invoice(rig, 7)
    assert rig.monobank.charge(rig.monobank_invoice(invoice), CARD_DECLINED) == "failure"
    rig.drain()
    told = [m for m in texts(rig) if "відхилено" in m]
    assert told, texts(rig)
    assert "недостатньо коштів на картці" in told[-1]  # our words for monobank's reason
    assert not any("Недостатньо коштів" in m or " 59" in m for m in told)


def refund(rig: Rig, invoice: Invoice, refund_id: str, amount: str | None) -> None:
    assert rig.deps is not None
    refunds.refund_invoice(RefundInvoice(refund_id, invoice.code, rig.seller_id, amount), rig.deps)


def test_a_partial_refund_goes_to_monobank_once_named_by_our_refund_id(rig: Rig):
    assert rig.monobank is not None
    invoice = paid_mono_invoice(rig, 8)
    refund(rig, invoice, "r-1", "30.00")
    refund(rig, invoice, "r-1", "30.00")  # a redelivered command
    rig.monobank_webhooks_delivered()
    operations = rig.monobank_invoice(invoice)["cancelList"]
    assert [(o["extRef"], o["amount"]) for o in operations] == [("r-1", 3000)]
    after = rig.invoice(invoice.id)
    assert after.status is InvoiceStatus.PARTIALLY_REFUNDED
    assert after.refunded_amount == Money(Decimal("30.00"), "UAH")
    refund(rig, invoice, "r-2", None)  # all that is left
    rig.monobank_webhooks_delivered()
    after = rig.invoice(invoice.id)
    assert after.status is InvoiceStatus.REFUNDED
    assert after.refunded_amount == Money(Decimal("100.00"), "UAH")
    assert [r.state for r in after.refunds] == [RefundState.DONE, RefundState.DONE]
    refund(rig, invoice, "r-3", "1.00")  # nothing left: refused before monobank is asked
    assert len(rig.monobank_invoice(invoice)["cancelList"]) == 2


def test_a_token_monobank_refuses_marks_the_account_refused_and_no_invoice_is_made(rig: Rig):
    assert rig.monobank is not None and rig.deps is not None
    token = rig.connect_monobank()
    invoice = rig.pending_invoice(9)
    rig.monobank.revoke(token)
    poll_now(rig, invoice.id)  # monobank answers 403 to the poll
    with rig.uow() as uow:
        account = uow.accounts.connected(rig.seller_id, "monobank")
        assert account is not None and uow.account_checks.is_refused(account.id)
    assert handlers.create_invoice(rig.create_command(10), rig.deps) is None
    rig.start_inprocess_worker()
    told = wait_until(lambda: [m for m in texts(rig) if "monobank більше не приймає" in m], 15,
                      "the seller told, in monobank's name")
    assert len(told) == 1 and "LiqPay" not in told[0] and "403" not in told[0]
    assert not any(token in m for m in texts(rig))


def test_cancelling_an_invoice_removes_its_unpaid_monobank_invoice(rig: Rig):
    assert rig.monobank is not None and rig.deps is not None
    from domain.commands import CancelInvoice
    invoice = mono_invoice(rig, 11)
    handlers.cancel_invoice(CancelInvoice(invoice.code, rig.seller_id), rig.deps)
    handlers.cancel_at_provider(invoice.id, rig.deps)
    held = rig.monobank_invoice(invoice)
    assert held["status"] != "created"
    assert rig.monobank.charge(held, CARD_OK) != "success"


def both_connected(rig: Rig, n: int) -> Invoice:
    """A seller with their own LiqPay and monobank accounts: an invoice, its first attempt on
    LiqPay (connected first)."""
    assert rig.sandbox is not None and rig.deps is not None
    public, private = rig.sandbox.add_merchant()
    rig.deps.accounts.connect(rig.seller_id, public, private)
    rig.connect_monobank()
    invoice = rig.pending_invoice(n)
    assert invoice.provider == "liqpay"
    return invoice


def choose(rig: Rig, code: str, provider: str | None) -> httpx.Response:
    form = {"email": ""} | ({"provider": provider} if provider else {})
    return httpx.post(f"{rig.base_url}/p/{code}", data=form, timeout=15)


def test_with_both_connected_the_page_offers_each_provider_and_monobank_chosen_pays(rig: Rig):
    assert rig.monobank is not None
    invoice = both_connected(rig, 12)
    page = httpx.get(f"{rig.base_url}/p/{invoice.code}", headers={"Accept-Language": "en"}).text
    assert "Card — LiqPay" in page and "Card, Apple Pay, Google Pay — monobank" in page

    answer = choose(rig, invoice.code, "monobank")
    assert answer.status_code == 303 and "/sandbox/monobank/pay/" in answer.headers["location"]
    again = choose(rig, invoice.code, "monobank")  # pressed twice: the same monobank invoice
    assert again.headers["location"] == answer.headers["location"]
    current = rig.invoice(invoice.id)
    assert [a.provider for a in current.attempts] == ["liqpay", "monobank"]
    assert rig.monobank.charge(rig.monobank_invoice(current), CARD_OK) == "success"
    rig.monobank_webhooks_delivered()
    paid = rig.invoice(invoice.id)
    assert paid.status is InvoiceStatus.PAID and paid.order_id == f"{paid.code}-2"
    refund(rig, paid, "r-1", "10.00")  # refunds go to the provider that took the payment
    assert [o["extRef"] for o in rig.monobank_invoice(paid)["cancelList"]] == ["r-1"]
    assert rig.invoice(invoice.id).status is InvoiceStatus.PARTIALLY_REFUNDED


def test_with_both_connected_liqpay_chosen_goes_to_its_checkout_as_before(rig: Rig):
    invoice = both_connected(rig, 13)
    answer = choose(rig, invoice.code, "liqpay")
    assert answer.status_code == 303 and answer.headers["location"] == invoice.pay_url
    assert len(rig.invoice(invoice.id).attempts) == 1


def test_expiry_asks_each_provider_about_its_attempts_in_flight(rig: Rig):
    assert rig.monobank is not None and rig.deps is not None and rig.sandbox is not None
    invoice = both_connected(rig, 14)
    rig.monobank.webhooks = False
    choose(rig, invoice.code, "monobank")
    current = rig.invoice(invoice.id)
    assert rig.monobank.charge(rig.monobank_invoice(current), CARD_OK) == "success"  # webhook lost
    expire_now(rig, invoice.id)
    polls.expire_invoice(invoice.id, rig.deps)
    assert rig.invoice(invoice.id).status is InvoiceStatus.PAID


def test_one_provider_connected_the_page_goes_straight_to_it(rig: Rig):
    invoice = mono_invoice(rig, 15)
    page = httpx.get(f"{rig.base_url}/p/{invoice.code}", headers={"Accept-Language": "en"}).text
    assert "monobank" not in page.split("<form", 1)[-1].split("</form>")[0]
    answer = choose(rig, invoice.code, None)
    assert answer.headers["location"] == invoice.pay_url


def test_paid_on_liqpay_after_choosing_monobank_first_removes_the_monobank_invoice(rig: Rig):
    assert rig.monobank is not None and rig.sandbox is not None
    rig.start_inprocess_worker()
    invoice = both_connected(rig, 16)
    choose(rig, invoice.code, "monobank")
    held = rig.monobank_invoice(rig.invoice(invoice.id))
    liqpay = choose(rig, invoice.code, "liqpay").headers["location"]  # changed their mind
    assert "/sandbox/liqpay/" in liqpay
    rig.sandbox.pay(liqpay)
    wait_until(lambda: rig.invoice(invoice.id).status is InvoiceStatus.PAID, 15, "paid")
    wait_until(lambda: held["status"] == "expired", 15, "the monobank invoice removed")
    assert rig.monobank.charge(held, CARD_OK) == "expired"  # it can no longer take money


def test_supports_history_says_monobank_took_the_payment(rig: Rig):
    from bots.support_views import history
    invoice = paid_mono_invoice(rig, 17)
    with rig.uow() as uow:
        lines = history(uow, invoice, "uk")
    assert "через monobank" in lines


def test_a_monobank_success_for_another_amount_is_compared_with_the_invoice(rig: Rig):
    assert rig.monobank is not None
    invoice = mono_invoice(rig, 18)
    body = webhook_body(rig, invoice, "success", "2030-01-01T00:00:00Z", amount=5000)
    assert post_webhook(rig, body, rig.monobank.signer.sign(body)).status_code == 200
    paid = rig.invoice(invoice.id)
    assert paid.status is InvoiceStatus.PAID and paid.amount_mismatch
    assert paid.paid_amount == Money(Decimal("50.00"), "UAH")


def test_a_monobank_success_after_expiry_within_the_settle_window_pays_late(rig: Rig):
    assert rig.monobank is not None and rig.deps is not None
    invoice = mono_invoice(rig, 19)
    expire_now(rig, invoice.id)
    polls.expire_invoice(invoice.id, rig.deps)  # nobody began to pay: it expires at once
    assert rig.invoice(invoice.id).status is InvoiceStatus.EXPIRED
    held = rig.monobank_invoice(invoice)
    with rig.monobank._lock:  # the bank settles a payment begun before the expiry
        rig.monobank._change(held, "success", paymentInfo={"maskedPan": "424242******4242"})
    rig.monobank_webhooks_delivered()
    late = rig.invoice(invoice.id)
    assert late.status is InvoiceStatus.PAID and late.paid_late


def refuse(rig: Rig, provider: str) -> None:
    """The provider refuses the seller's account of that provider (as a check would record)."""
    with rig.uow() as uow:
        account = uow.accounts.connected(rig.seller_id, provider)
        assert account is not None
        uow.account_checks.refuse(account.id, "", "test refusal", datetime.now(UTC))
        uow.commit()


def test_a_refused_provider_is_not_offered_and_the_other_one_takes_the_payment(rig: Rig):
    """A new user found the buyer offered a provider whose account was refused: choosing it
    started nothing. The page offers only what can take the payment."""
    invoice = both_connected(rig, 30)
    refuse(rig, "monobank")
    page = httpx.get(f"{rig.base_url}/p/{invoice.code}", headers={"Accept-Language": "en"}).text
    assert "monobank" not in page.split("<form", 1)[-1].split("</form>")[0]
    answer = choose(rig, invoice.code, "monobank")  # an old page's button: LiqPay takes it
    assert answer.status_code == 303 and answer.headers["location"] == invoice.pay_url


def test_when_the_invoices_own_provider_is_refused_the_other_one_is_used(rig: Rig):
    invoice = both_connected(rig, 31)  # made on LiqPay, connected first
    refuse(rig, "liqpay")
    page = httpx.get(f"{rig.base_url}/p/{invoice.code}", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "Payment cannot be taken now" not in page.text
    answer = choose(rig, invoice.code, None)
    assert answer.status_code == 303 and "/sandbox/monobank/pay/" in answer.headers["location"]
    assert [a.provider for a in rig.invoice(invoice.id).attempts] == ["liqpay", "monobank"]
