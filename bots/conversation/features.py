"""The features answered by the conversation layer, in the order their routes are merged (a
later feature's route for the same button or text would win)."""
from __future__ import annotations

from bots.conversation import (
    accounts,
    support,
    cabinet,
    fiscal,
    invoices,
    manual,
    manual_methods,
    refunds,
    shop,
    start,
    webhooks,
)
from bots.conversation.routes import Routes

FEATURES: tuple[Routes, ...] = (start.routes, invoices.routes, refunds.routes, manual.routes,
                                   manual_methods.routes, shop.routes, webhooks.routes,
                                   fiscal.routes, cabinet.routes,
                                   accounts.routes, support.routes)
