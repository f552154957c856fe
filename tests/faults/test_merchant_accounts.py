"""Sellers paid into their own LiqPay accounts: every invoice uses its own account's keys, for
its link, its polls and the verification of its callbacks, and the keys never show in clear."""
from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from domain.errors import NoPaymentAccount, ProviderRejected
from domain.invoice import Invoice, InvoiceStatus
from sandbox.liqpay import _dumps, _sign
from tests.conftest import stored_bytes
from tests.faults.conftest import CHAT, Rig, make_polls_due, wait_until
from workers import handlers, polls

CHAT_B = 380_888


class Sellers:
    """Two sellers of the rig, each with their own sandbox merchant account."""

    def __init__(self, rig: Rig) -> None:
        assert rig.sandbox is not None and rig.deps is not None
        self.rig = rig
        self.a, self.b = rig.seller_id, rig.add_seller(CHAT_B)
        self.keys = {self.a: rig.sandbox.add_merchant(), self.b: rig.sandbox.add_merchant()}
        for seller, (public, private) in self.keys.items():
            rig.deps.accounts.connect(seller, public, private)  # checked with the sandbox first

    def invoice(self, seller: int, n: int) -> Invoice:
        chat = CHAT if seller == self.a else CHAT_B
        assert self.rig.deps is not None
        invoice_id = handlers.create_invoice(
            self.rig.create_command(n, chat_id=chat, seller_id=seller), self.rig.deps)
        invoice = self.rig.invoice(invoice_id)
        assert invoice.status is InvoiceStatus.PENDING
        return invoice


def _link(invoice: Invoice) -> tuple[dict[str, Any], str, str]:
    query = parse_qs(urlsplit(invoice.pay_url or "").query)
    data, signature = query["data"][0], query["signature"][0]
    return json.loads(base64.b64decode(data)), data, signature


def _signed(body: dict[str, Any], private_key: str) -> dict[str, str]:
    data = base64.b64encode(_dumps(body).encode()).decode()
    return {"data": data, "signature": _sign(data, private_key)}


def test_each_sellers_checkout_link_is_signed_with_their_own_key(rig: Rig) -> None:
    sellers = Sellers(rig)
    for seller, n in ((sellers.a, 1), (sellers.b, 2)):
        public, private = sellers.keys[seller]
        params, data, signature = _link(sellers.invoice(seller, n))
        assert params["public_key"] == public
        assert signature == _sign(data, private)
        assert signature != _sign(data, rig.settings.liqpay_private_key)


def test_a_seller_paid_through_their_own_account_is_told_paid(rig: Rig) -> None:
    rig.start_inprocess_worker()
    sellers = Sellers(rig)
    invoice = sellers.invoice(sellers.b, 3)
    assert rig.sandbox is not None
    rig.sandbox.pay(invoice.pay_url or "")  # the sandbox calls back signed with seller B's key
    wait_until(lambda: rig.invoice(invoice.id).status is InvoiceStatus.PAID, 15, "paid")
    callbacks = wait_until(lambda: rig.sandbox.callback_log, 15, "the callback answered")
    assert [e["status_code"] for e in callbacks] == [200]
    assert json.loads(base64.b64decode(callbacks[0]["form"]["data"]))["public_key"] == \
        sellers.keys[sellers.b][0]
    wait_until(lambda: len(rig.messages_about(3, CHAT_B)) >= 2, 15, "the paid message")


def test_a_callback_signed_with_another_sellers_valid_key_is_refused(rig: Rig) -> None:
    rig.start_inprocess_worker()
    sellers = Sellers(rig)
    invoice = sellers.invoice(sellers.a, 4)
    before = rig.events(invoice.id)
    public_b, private_b = sellers.keys[sellers.b]
    public_a, _ = sellers.keys[sellers.a]
    for public in (public_b, public_a):  # B's own name, or A's name with B's signature
        form = _signed(rig.status_body(invoice, "success", public_key=public), private_b)
        assert rig.post_callback(form).status_code == 403
    platform = rig.status_body(invoice, "success")  # the platform's keys are not A's either
    assert rig.post_callback(rig.signed(platform)).status_code == 403
    assert rig.invoice(invoice.id).status is InvoiceStatus.PENDING
    assert [e.id for e in rig.events(invoice.id)] == [e.id for e in before]
    # A's own key is the one that counts
    good = _signed(rig.status_body(invoice, "success", public_key=public_a),
                   sellers.keys[sellers.a][1])
    assert rig.post_callback(good).status_code == 200
    assert rig.invoice(invoice.id).status is InvoiceStatus.PAID


def test_a_disconnected_accounts_old_invoices_still_poll_and_verify_with_its_keys(rig: Rig) -> None:
    rig.start_inprocess_worker()
    sellers = Sellers(rig)
    assert rig.sandbox is not None and rig.deps is not None
    by_callback, by_poll = sellers.invoice(sellers.a, 5), sellers.invoice(sellers.a, 6)
    assert _link(by_poll)[0]["public_key"] == sellers.keys[sellers.a][0]
    assert rig.deps.accounts.disconnect(sellers.a)
    rig.deps.accounts.close()  # forget cached clients: the keys must come from the database
    newer = sellers.invoice(sellers.a, 7)  # new invoices go to the platform's account
    assert newer.account_id is None
    assert _link(newer)[0]["public_key"] == rig.settings.liqpay_public_key

    rig.sandbox.pay(by_callback.pay_url or "")
    wait_until(lambda: rig.invoice(by_callback.id).status is InvoiceStatus.PAID, 15, "paid")
    rig.sandbox.callbacks = False
    rig.sandbox.pay(by_poll.pay_url or "")
    make_polls_due(rig)
    polls.poll_invoice(by_poll.id, rig.deps)
    assert rig.invoice(by_poll.id).status is InvoiceStatus.PAID


def test_without_platform_keys_only_a_seller_with_their_own_account_can_make_invoices(
        rig: Rig) -> None:
    sellers = Sellers(rig)
    assert rig.deps is not None
    rig.deps.provider = None  # production with no LIQPAY_* keys
    loner = rig.add_seller(380_999)
    with pytest.raises(NoPaymentAccount, match="No payment account"):
        handlers.create_invoice(rig.create_command(8, chat_id=380_999, seller_id=loner), rig.deps)
    assert sellers.invoice(sellers.a, 9).account_id is not None


def test_private_keys_never_reach_the_database_or_the_logs_in_clear(
        rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    rig.start_inprocess_worker()
    sellers = Sellers(rig)
    invoice = sellers.invoice(sellers.a, 10)
    assert rig.sandbox is not None and rig.deps is not None
    rig.sandbox.pay(invoice.pay_url or "")
    wait_until(lambda: rig.invoice(invoice.id).status is InvoiceStatus.PAID, 15, "paid")
    forged = _signed(rig.status_body(invoice, "failure"), sellers.keys[sellers.b][1])
    assert rig.post_callback(forged).status_code == 403
    with pytest.raises(ProviderRejected):  # a wrong pair is refused, its reason logged nowhere in clear
        rig.deps.accounts.connect(sellers.b, sellers.keys[sellers.b][0], "sandbox_wrong_secret")
    private_keys = [private for _, private in sellers.keys.values()] + ["sandbox_wrong_secret"]
    logs = caplog.text + "".join(p.read_text(errors="replace")
                                 for p in Path(rig.var_dir).glob("*.log"))
    assert "Refused a liqpay callback" in logs  # the run was logged
    for private in private_keys[:2]:
        assert private not in logs
    stored = stored_bytes(rig.database_url)  # SQLite's files, or PostgreSQL's rows
    assert sellers.keys[sellers.a][0].encode() in stored  # the public key is there in clear
    for private in private_keys:
        assert private.encode() not in stored


def test_new_keys_take_new_invoices_while_old_invoices_keep_theirs(rig: Rig) -> None:
    sellers = Sellers(rig)
    assert rig.sandbox is not None and rig.deps is not None
    old_public = sellers.keys[sellers.a][0]
    before = sellers.invoice(sellers.a, 11)
    new_public, new_private = rig.sandbox.add_merchant()
    rig.deps.accounts.connect(sellers.a, new_public, new_private)
    after = sellers.invoice(sellers.a, 12)
    assert _link(after)[0]["public_key"] == new_public
    assert after.account_id != before.account_id
    rig.sandbox.callbacks = False
    rig.sandbox.pay(before.pay_url or "")
    make_polls_due(rig)
    polls.poll_invoice(before.id, rig.deps)  # asked with the old keys, which see the order
    assert rig.invoice(before.id).status is InvoiceStatus.PAID
    assert _link(rig.invoice(before.id))[0]["public_key"] == old_public
