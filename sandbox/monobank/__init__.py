"""A monobank acquiring (plata by mono) stand-in: its merchant API, a checkout page taking the
LiqPay sandbox's test cards, and webhooks signed with its own ECDSA key, all offline.

Point MONOBANK_API_BASE at wherever `MonobankSandbox().app` is mounted and the real adapter
(workers.providers.monobank) runs end to end.

- `sandbox.py`: the class, its merchants (tokens; `add_merchant()` or `POST /merchants` opens
  one, `revoke()` or `POST /merchants/{token}/revoke` revokes it), knobs (also over HTTP at
  `/faults`) and routes.
- `invoices.py`: an invoice's life, refunds by extRef, expiry and removal.
- `checkout.py`: the buyer's page (templates in `sandbox/monobank/templates/`).
- `webhooks.py`: the key pair, X-Sign, and delivery in order, twice, or held and sent newest first.
"""
from __future__ import annotations

from sandbox.liqpay.orders import CARD_DECLINED, CARD_SUCCESS
from sandbox.monobank.sandbox import SANDBOX_MERCHANT, SANDBOX_TOKEN, MonobankSandbox

__all__ = ["CARD_DECLINED", "CARD_SUCCESS", "SANDBOX_MERCHANT", "SANDBOX_TOKEN",
           "MonobankSandbox"]
