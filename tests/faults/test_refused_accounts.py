"""Keys LiqPay no longer accepts never reach a buyer: an account whose keys LiqPay refuses is
marked refused, its seller told once what to do, no new invoice is made on it, a buyer holding an
open link reads that payment cannot be taken now, and an account not checked for 10 minutes is
checked (one harmless status call) before a link is signed with it. Through the real worker
code and the LiqPay sandbox; the clock is driven by the stored `checked_at`, never by sleeping."""
from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from domain.commands import CheckStatus, ConnectAccount, TellSeller
from storage.secrets import SecretBox
from tests.faults.conftest import CHAT, Rig, make_polls_due, wait_until
from workers import connect, handlers, polls

#: what LiqPay says when it refuses keys; none may reach a seller or a buyer
PROVIDER_CODES = re.compile(r"public_key_not_found|err_auth|invalid_signature|Public_key")
REFUSED_EN = "LiqPay no longer accepts the keys of your account"
REFUSED_UK = "LiqPay більше не приймає ключі вашого рахунку"


def own_account(rig: Rig) -> tuple[str, str]:
    """The rig's seller connects their own sandbox merchant account (checked with LiqPay)."""
    assert rig.sandbox is not None and rig.deps is not None
    public, private = rig.sandbox.add_merchant()
    rig.deps.accounts.connect(rig.seller_id, public, private)
    rig.api_hits.clear()
    return public, private


def age_checks(rig: Rig, minutes: float = 11) -> int:
    """As if `minutes` had passed since every account's last check."""
    with rig.uow() as uow:
        result = uow.session.execute(text("UPDATE account_checks SET checked_at = :t"),
                                     {"t": datetime.now(UTC) - timedelta(minutes=minutes)})
        uow.session.commit()
    return result.rowcount  # type: ignore[attr-defined]


def create(rig: Rig, n: int) -> str | None:
    assert rig.deps is not None
    return handlers.create_invoice(rig.create_command(n), rig.deps)


def refused_messages(rig: Rig) -> list[str]:
    return [m.get("text") or "" for m in rig.messages() if REFUSED_UK in (m.get("text") or "")]


def drained(rig: Rig) -> None:
    """Every message published so far has been sent: the seller queue's one thread takes them
    in order, so a marker sent after them arrives last."""
    assert rig.deps is not None
    rig.deps.bus.publish(TellSeller("telegram", str(CHAT), "marker"))
    wait_until(lambda: any(m.get("text") == "marker" for m in rig.messages()), 20, "the marker")


def test_a_revoked_sellers_account_is_refused_and_the_seller_told_once_and_no_link_is_issued(
        rig: Rig) -> None:
    assert rig.sandbox is not None
    rig.start_inprocess_worker(threads=1)
    public, _ = own_account(rig)
    rig.sandbox.revoke_merchant(public)  # the seller revoked the keys in LiqPay's cabinet
    age_checks(rig)

    assert create(rig, 1) is None
    assert create(rig, 2) is None  # refused at once: the refusal is stored, LiqPay not asked

    assert rig.invoices() == []  # no link, no QR
    assert len(rig.api_hits) == 1
    wait_until(lambda: refused_messages(rig), 20, "the seller to be told")
    drained(rig)
    [told] = refused_messages(rig)  # two invoices asked for, one message
    assert "Підключити LiqPay" in told and not PROVIDER_CODES.search(told)
    assert not any(m.get("photo") for m in rig.messages())
    with rig.uow() as uow:
        account = uow.accounts.connected(rig.seller_id)
        assert account is not None
        check = uow.account_checks.of(account.id)
    assert check is not None and check.refused_reason == "public_key_not_found"


def test_the_next_create_invoice_is_answered_at_once_with_why_and_what_to_do(rig: Rig) -> None:
    from bots.invoices import invoice_refusal
    assert rig.sandbox is not None and rig.deps is not None
    public, _ = own_account(rig)
    assert invoice_refusal(rig.deps.uow, rig.seller_id, rig.settings, "en") is None
    rig.sandbox.revoke_merchant(public)
    age_checks(rig)
    create(rig, 1)
    rig.api_hits.clear()

    refusal = invoice_refusal(rig.deps.uow, rig.seller_id, rig.settings, "en")

    assert refusal is not None
    answer, own = refusal
    assert REFUSED_EN in answer and "Connect LiqPay" in answer and own
    assert not PROVIDER_CODES.search(answer)
    assert rig.api_hits == []  # answered from what is stored, without asking LiqPay


def test_the_check_is_cached_one_status_call_for_many_invoices_within_ten_minutes(
        rig: Rig) -> None:
    own_account(rig)
    assert create(rig, 1) is not None  # just connected: checked, LiqPay is not asked again
    assert rig.api_hits == []
    age_checks(rig)

    made = [create(rig, n) for n in range(2, 12)]

    assert all(made) and len(set(made)) == 10
    assert len(rig.api_hits) == 1  # ten invoices, one status call


def test_an_account_unchecked_for_over_ten_minutes_is_checked_before_a_link_is_signed(
        rig: Rig) -> None:
    assert rig.sandbox is not None
    public, _ = own_account(rig)
    age_checks(rig, minutes=9)
    assert create(rig, 1) is not None and rig.api_hits == []  # 9 minutes: still fresh
    age_checks(rig, minutes=10.5)
    assert create(rig, 2) is not None and len(rig.api_hits) == 1

    rig.sandbox.revoke_merchant(public)
    assert create(rig, 3) is not None  # checked a moment ago: signed without asking
    age_checks(rig)
    assert create(rig, 4) is None  # checked first, and refused: nothing signed
    assert len(rig.api_hits) == 2
    assert [i.description for i in rig.invoices()].count("inv0004#") == 0


def test_reconnecting_keys_liqpay_accepts_clears_the_refusal(rig: Rig) -> None:
    from bots.invoices import invoice_refusal
    assert rig.sandbox is not None and rig.deps is not None
    public, private = own_account(rig)
    rig.sandbox.revoke_merchant(public)
    age_checks(rig)
    assert create(rig, 1) is None

    # the seller re-enters the very same keys once LiqPay takes them again: checked anew
    rig.sandbox.add_merchant(public, private)
    box = SecretBox.from_settings(rig.settings)
    connect.connect_account(ConnectAccount(
        idempotency_key=f"telegram:{CHAT}:k1", seller_id=rig.seller_id, public_key=public,
        private_key_encrypted=box.encrypt(private), channel="telegram", chat_id=str(CHAT),
        language="uk"), rig.deps)

    assert invoice_refusal(rig.deps.uow, rig.seller_id, rig.settings, "uk") is None
    assert create(rig, 2) is not None

    # or new keys altogether
    rig.sandbox.revoke_merchant(public)
    age_checks(rig)
    assert create(rig, 3) is None
    fresh, fresh_private = rig.sandbox.add_merchant()
    rig.deps.accounts.connect(rig.seller_id, fresh, fresh_private)
    assert invoice_refusal(rig.deps.uow, rig.seller_id, rig.settings, "uk") is None
    assert create(rig, 4) is not None


def test_a_refused_platform_account_shows_in_metrics_and_in_one_log_line(
        rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    from bots.invoices import invoice_refusal
    assert rig.deps is not None
    caplog.set_level(logging.INFO)
    rig.start_inprocess_worker(threads=1)
    key = rig.settings.liqpay_public_key
    assert create(rig, 1) is not None  # the platform's keys: checked once, accepted
    assert refused_gauge(rig) == 0

    answer = httpx.post(f"{rig.base_url}/sandbox/liqpay/merchants/{key}/revoke", timeout=10)
    assert answer.status_code == 200
    age_checks(rig)
    assert create(rig, 2) is None
    assert create(rig, 3) is None

    assert refused_gauge(rig) == 1
    lines = [r.getMessage() for r in caplog.records if "refuses the keys" in r.getMessage()]
    assert len(lines) == 1 and "platform" in lines[0] and "LIQPAY_PUBLIC_KEY" in lines[0]
    assert rig.settings.liqpay_private_key not in caplog.text
    # the seller of each invoice asked for hears why, in words; the bot says it at once too
    wait_until(lambda: len(platform_refused(rig)) == 2, 20, "both sellers' answers")
    assert not any(PROVIDER_CODES.search(m) for m in platform_refused(rig))
    assert invoice_refusal(rig.deps.uow, rig.seller_id, rig.settings, "uk") is not None

    # the operator mends it at LiqPay: 10 minutes on, the next invoice asks again and is made
    assert rig.sandbox is not None
    rig.sandbox.add_merchant(key, rig.settings.liqpay_private_key)
    age_checks(rig)
    assert invoice_refusal(rig.deps.uow, rig.seller_id, rig.settings, "uk") is None
    assert create(rig, 4) is not None
    assert refused_gauge(rig) == 0


def refused_gauge(rig: Rig) -> float:
    scrape = httpx.get(f"{rig.base_url}/metrics", timeout=10).text
    found = re.search(r"^chatpay_payment_accounts_refused ([0-9.]+)$", scrape, re.MULTILINE)
    assert found, scrape
    return float(found.group(1))


def platform_refused(rig: Rig) -> list[str]:
    return [m.get("text") or "" for m in rig.messages()
            if "рахунок платформи" in (m.get("text") or "")]


def test_the_pay_page_of_an_open_invoice_on_a_refused_account_says_payment_cannot_be_taken_now(
        rig: Rig) -> None:
    assert rig.sandbox is not None and rig.deps is not None
    rig.start_inprocess_worker(threads=1)
    public, _ = own_account(rig)
    invoice_id = create(rig, 1)
    assert invoice_id is not None
    invoice = rig.invoice(invoice_id)
    page = f"{rig.base_url}/p/{invoice.code}"
    card_form = f'action="/p/{invoice.code}"'  # the card payment's form (cash has its own)
    assert card_form in httpx.get(page, headers={"accept-language": "en"}).text

    rig.sandbox.revoke_merchant(public)
    make_polls_due(rig)
    polls.poll_invoice(invoice_id, rig.deps)  # the poll finds LiqPay refusing the keys

    for lang, words in (("en", "Payment cannot be taken now"),
                        ("uk", "Зараз оплату прийняти неможливо"),
                        ("ru", "Сейчас оплату принять невозможно")):
        shown = httpx.get(page, headers={"accept-language": lang})
        assert shown.status_code == 200 and words in shown.text
        assert card_form not in shown.text and not PROVIDER_CODES.search(shown.text)
    # posting the buyer's details does not send them on to a checkout that would refuse them
    posted = httpx.post(page, data={"email": ""}, headers={"accept-language": "en"})
    assert posted.status_code == 200 and "Payment cannot be taken now" in posted.text
    assert rig.invoice(invoice_id).status.value == "pending"  # still watched: a callback counts
    wait_until(lambda: refused_messages(rig), 20, "the seller to be told")
    drained(rig)
    assert len(refused_messages(rig)) == 1  # told once, not a raw line per invoice
    assert not any(PROVIDER_CODES.search(m.get("text") or "") for m in rig.messages())


def test_the_sandbox_revokes_a_merchant_so_every_request_signed_with_it_is_refused(
        rig: Rig) -> None:
    from domain.errors import AccountRefused
    from workers.providers.liqpay import LiqPayClient
    assert rig.sandbox is not None
    public, private = rig.sandbox.add_merchant()
    client = LiqPayClient(public, private, rig.settings.liqpay_base, timeout=5)
    client.check_keys()
    revoke = f"{rig.base_url}/sandbox/liqpay/merchants/{public}/revoke"
    assert httpx.post(revoke, timeout=10).json() == {"revoked": public}
    assert httpx.post(revoke, timeout=10).status_code == 404  # nothing left to revoke
    with pytest.raises(AccountRefused) as refused:
        client.check_keys()
    assert refused.value.reason == "public_key_not_found"
    with pytest.raises(AccountRefused):
        client.fetch_status("any-order")
    client.close()


def test_a_refund_refused_for_the_keys_marks_the_account_and_shows_the_seller_no_provider_code(
        rig: Rig) -> None:
    from domain.commands import RefundInvoice
    from domain.invoice import InvoiceStatus
    from workers import refunds
    assert rig.sandbox is not None and rig.deps is not None
    rig.start_inprocess_worker(threads=1)
    public, _ = own_account(rig)
    invoice_id = create(rig, 1)
    assert invoice_id is not None
    rig.sandbox.pay(rig.invoice(invoice_id).pay_url or "")
    wait_until(lambda: rig.invoice(invoice_id).status is InvoiceStatus.PAID, what="paid")
    rig.sandbox.revoke_merchant(public)

    refunds.refund_invoice(RefundInvoice("r-1", rig.invoice(invoice_id).code, rig.seller_id,
                                         "10.00"), rig.deps)

    assert rig.invoice(invoice_id).refunded_amount is None  # nothing went back
    with rig.uow() as uow:
        assert uow.account_checks.is_refused(rig.invoice(invoice_id).account_id)
    wait_until(lambda: refused_messages(rig), 20, "the seller to be told")
    drained(rig)
    assert len(refused_messages(rig)) == 1
    assert not any(PROVIDER_CODES.search(m.get("text") or m.get("caption") or "")
                   for m in rig.messages())


def test_check_status_on_a_refused_account_says_the_check_could_not_be_made_and_why(
        rig: Rig) -> None:
    """*Check status* after the keys were revoked: the seller reads that LiqPay could not be
    asked and what to do, not a calm "not paid yet" that hides the failed check."""
    assert rig.sandbox is not None and rig.deps is not None
    rig.start_inprocess_worker(threads=1)
    public, _ = own_account(rig)
    invoice_id = create(rig, 1)
    assert invoice_id is not None
    invoice = rig.invoice(invoice_id)
    rig.sandbox.revoke_merchant(public)
    before = len(rig.messages())
    handlers.check_status(CheckStatus(invoice.code, rig.seller_id), rig.deps)
    drained(rig)
    said = [m.get("text") or "" for m in rig.messages()[before:]]
    assert any("Не вдалося перевірити" in s and "Платіжний рахунок" in s for s in said), said
    assert not any("ще не оплачено" in s for s in said)
    assert not any(PROVIDER_CODES.search(s) for s in said)
