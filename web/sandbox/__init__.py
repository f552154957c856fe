"""Offline stand-ins for outside services that a first run and the tests use (the LiqPay sandbox)."""
from __future__ import annotations

from web.sandbox.liqpay import SANDBOX_PRIVATE_KEY, SANDBOX_PUBLIC_KEY, LiqPaySandbox

__all__ = ["SANDBOX_PRIVATE_KEY", "SANDBOX_PUBLIC_KEY", "LiqPaySandbox"]
