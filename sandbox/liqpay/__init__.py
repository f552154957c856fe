"""A LiqPay API v3 emulator: checkout page, server API and signed server callbacks, all offline.

Point LIQPAY_API_BASE at wherever `LiqPaySandbox().app` is mounted and the real LiqPay adapter runs
end to end. Signing is implemented here again on purpose, so a bug in the adapter is not mirrored.

- `sandbox.py`: the class, its keys (any number of merchants; `add_merchant()` or `POST /merchants`
  opens another at run time, `revoke_merchant()` or `POST /merchants/{public_key}/revoke` revokes
  one's keys), knobs (also set over HTTP at `/faults`) and routes, and
  `pay`/`confirm_3ds` for benches.
- `orders.py`: the test cards and an order's life from checkout link to final status.
- `checkout.py`: the buyer's pages (templates in `sandbox/liqpay/templates/`).
- `api.py`: the server API (`/api/request`) and its fail modes.
- `callbacks.py`: signed callbacks to the merchant's server, with retries.
- `wire.py`: the signature, JSON with exact amounts, status objects and error answers.
"""
from __future__ import annotations

from sandbox.liqpay.api import TIMEOUT_MODE_SLEEP
from sandbox.liqpay.callbacks import CALLBACK_RETRY_DELAYS, CALLBACK_TIMEOUT
from sandbox.liqpay.orders import (
    CARD_3DS,
    CARD_DECLINED,
    CARD_SUCCESS,
    CURRENCIES,
    FINAL_STATUSES,
    PAID,
    THREE_DS_CODE,
)
from sandbox.liqpay.sandbox import SANDBOX_PRIVATE_KEY, SANDBOX_PUBLIC_KEY, LiqPaySandbox
from sandbox.liqpay.wire import ACQ_ID, ERRORS, _dumps, _sign

__all__ = [
    "ACQ_ID",
    "CALLBACK_RETRY_DELAYS",
    "CALLBACK_TIMEOUT",
    "CARD_3DS",
    "CARD_DECLINED",
    "CARD_SUCCESS",
    "CURRENCIES",
    "ERRORS",
    "FINAL_STATUSES",
    "PAID",
    "SANDBOX_PRIVATE_KEY",
    "SANDBOX_PUBLIC_KEY",
    "THREE_DS_CODE",
    "TIMEOUT_MODE_SLEEP",
    "LiqPaySandbox",
    "_dumps",  # benches sign their own callbacks with these
    "_sign",
]
