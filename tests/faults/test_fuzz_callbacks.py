"""Hypothesis-fuzzed callback bodies against the real web edge: never a 500, never a wrong amount."""
from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, example, given, note, seed, settings
from hypothesis import strategies as st

from domain.invoice import InvoiceStatus
from domain.money import Money
from tests.conftest import fuzz_seed
from tests.faults.conftest import Rig
from workers.providers.liqpay import sign

#: Explores anew each run, from the run's seed (printed in the header and with a failure;
#: CHATPAY_FUZZ_SEED=N replays it); the @example cases below are the fixed regression set.
SEED = fuzz_seed()
FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

#: an amount as it may appear in the JSON text: numbers of every shape, strings, junk
amount_json = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(json.dumps),
    st.integers(min_value=-10**40, max_value=10**40).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: str(d).replace("E", "e")),
    st.sampled_from(["100.00", "100", "100.001", "1e2", "-100.00", "0", "1e400", "NaN",
                     "Infinity", "-Infinity", "1e-400", "9223372036854775807"]),
    st.text(max_size=12).map(json.dumps),
    st.sampled_from(["null", "true", "[]", "{}", '"100.00"', '" 100.00 "', '"1,5"']),
)
statuses = st.one_of(st.sampled_from(["success", "sandbox", "failure", "error", "processing",
                                      "wait_accept", "3ds_verify", "reversed", "subscribed"]),
                     st.text(max_size=10))
currencies = st.one_of(st.sampled_from(["UAH", "USD", "EUR", "uah", "", "XXX", "JPY", "KWD"]),
                       st.text(max_size=4), st.none())


def _data(body: dict[str, Any], amount: str | None) -> str:
    text = json.dumps(body, separators=(",", ":"))
    if amount is not None:
        text = text[:-1] + ("," if body else "") + f'"amount":{amount}}}'
    return base64.b64encode(text.encode()).decode()


def _expected(amount: str, currency: object, invoice_amount: Money) -> Money | None:
    """What the amount in the signed body says, read exactly; None if it says nothing sensible."""
    try:
        value = json.loads(amount, parse_float=Decimal)
        if value is None:
            return invoice_amount
        if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
            return None
        return Money.parse_provider(value, str(currency))
    except (ValueError, ArithmeticError, TypeError):
        return None


@seed(SEED)
@FUZZ
@given(data=st.text(max_size=200), signature=st.text(max_size=40))
def test_random_data_and_signature_are_refused(rig: Rig, data: str, signature: str) -> None:
    note(f"fuzz seed {SEED}: CHATPAY_FUZZ_SEED={SEED} replays this run")
    answer = rig.post_callback({"data": data, "signature": signature})
    assert answer.status_code in (400, 403), answer.text


@seed(SEED)
@FUZZ
@example(status="success", amount='0.0', currency='UAH', order="right", drop=set())
@example(status="success", amount='-100.00', currency='UAH', order="right", drop=set())
@example(status="success", amount='NaN', currency='UAH', order="right", drop=set())
@example(status="success", amount='"NaN"', currency='UAH', order="right", drop=set())
@example(status="success", amount='"sNaN"', currency='UAH', order="right", drop=set())
@example(status="success", amount='1e400', currency='UAH', order="right", drop=set())
@example(status="success", amount='"Infinity"', currency='UAH', order="right", drop=set())
@example(status="success", amount='9223372036854775807', currency='UAH', order="right", drop=set())
@example(status="success", amount='1e-400', currency='UAH', order="right", drop=set())
@example(status="success", amount='100.001', currency='UAH', order="right", drop=set())
@example(status="success", amount='100', currency='JPY', order="right", drop=set())
@example(status="success", amount='100.00', currency='uah', order="right", drop=set())
@example(status="success", amount='"1,5"', currency='UAH', order="right", drop=set())
@example(status="success", amount='100.00', currency='', order="right", drop=set())
@given(status=statuses, amount=st.one_of(st.none(), amount_json), currency=currencies,
       order=st.sampled_from(["right", "other", "garbage", "missing", "number"]),
       drop=st.sets(st.sampled_from(["status", "public_key", "payment_id", "version", "action"])))
def test_validly_signed_random_bodies(rig: Rig, status: str, amount: str | None,
                                      currency: str | None, order: str, drop: set[str]) -> None:
    note(f"fuzz seed {SEED}: CHATPAY_FUZZ_SEED={SEED} replays this run")
    invoice = rig.pending_invoice(0) if not rig.invoices() else _open_invoice(rig)
    body: dict[str, Any] = rig.status_body(invoice, status)
    body.pop("amount")
    body["order_id"] = {"right": invoice.order_id, "other": "cp-" + "0" * 32,
                        "garbage": "'; DROP TABLE invoices; --", "missing": None,
                        "number": 12345}[order]
    if body["order_id"] is None:
        body.pop("order_id")
    if currency is None:
        body.pop("currency")
    else:
        body["currency"] = currency
    for key in drop:
        body.pop(key, None)
    data = _data(body, amount)
    answer = rig.post_callback({"data": data, "signature": sign(data, rig.settings.liqpay_private_key)})
    assert answer.status_code in (200, 400, 403), (answer.status_code, answer.text)

    after = rig.invoice(invoice.id)
    assert after.amount == invoice.amount  # the asked amount never changes
    if after.status is InvoiceStatus.PAID:
        assert answer.status_code == 200
        expected = _expected(amount, currency, invoice.amount) if amount is not None and currency else invoice.amount
        assert expected is not None, f"paid on an unreadable amount {amount!r} {currency!r}"
        assert after.paid_amount == expected, (after.paid_amount, amount, currency)
        assert after.paid_amount.amount > 0, f"paid with a non-positive amount {amount}"
        # paid as asked, or recorded with the mismatch flag (a 100 JPY success on a UAH invoice
        # is never a plain "paid")
        assert after.amount_mismatch is (after.paid_amount != invoice.amount), (
            after.paid_amount, invoice.amount, after.amount_mismatch)


def _open_invoice(rig: Rig):  # type: ignore[no-untyped-def]
    """The pending invoice, or a fresh one once an example settled the last."""
    pending = [i for i in rig.invoices() if i.status is InvoiceStatus.PENDING]
    return pending[0] if pending else rig.pending_invoice(len(rig.invoices()))
