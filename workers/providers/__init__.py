"""Payment provider adapters: one module per provider, each implementing domain.ports.PaymentProvider."""
from __future__ import annotations

from workers.providers.liqpay import LiqPayClient

__all__ = ["LiqPayClient"]
