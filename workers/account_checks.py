"""A merchant account LiqPay no longer accepts: its seller is told once what to do, and a new
invoice asked for on it is not made (the bots refuse it first; this is the authority).

The provider's code never reaches the seller: they read words, in their language."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

from domain import commands
from domain.errors import AccountRefused
from domain.i18n import mask_key, t
from workers.runtime import Deps

log = logging.getLogger(__name__)

TOLD_TTL = 24 * 3600  #: seconds a command's "the platform's account is refused" answer is remembered


def tell_refused(d: Deps, account_id: int | None) -> None:
    """Tell the seller whose account LiqPay refused, once per refusal, to connect it again.
    The platform's account has no seller to tell: the operator reads the log and /metrics."""
    if account_id is None:
        return
    with d.uow() as uow:
        account = uow.accounts.get(account_id)
        seller = uow.sellers.get(account.seller_id) if account and account.seller_id else None
        if account is None or seller is None or not uow.account_checks.claim_told(
                account_id, d.accounts.platform_key, datetime.now(UTC)):
            return
        uow.commit()
    d.bus.publish(commands.TellSeller(seller.channel, seller.external_id, t(
        seller.language, refused_text(account.provider, d.accounts.name),
        public_key=mask_key(account.public_key))))


def refused_text(provider: str, default: str) -> str:
    """The text telling a seller their account's provider refuses it: each provider's own."""
    return "account_refused" if provider == default else f"{provider}_account_refused"


def refuse_invoice(cmd: commands.CreateInvoice, exc: AccountRefused, d: Deps) -> None:
    """No invoice is made on a refused account. A seller's own: they were told (once) when it
    was refused. The platform's: this command's seller is told now, once per command."""
    log.info("Invoice %s not made: LiqPay refuses its account's keys (%s).",
             cmd.idempotency_key, exc.reason)
    if exc.platform and d.redis.set(f"chatpay:account-refused:{cmd.idempotency_key}", 1,
                                    nx=True, ex=TOLD_TTL):
        d.bus.publish(commands.TellSeller(cmd.channel, cmd.chat_id,
                                          t(cmd.language, "platform_refused")))
