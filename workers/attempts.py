"""Attempts at the provider: the checkout link of an invoice's latest attempt, a new attempt when
the buyer pays again after a decline, and asking the provider about each attempt in flight.

The pay link (`/p/{code}`) and its QR never change; each attempt is its own provider order
(`{code}-{n}`, see domain.attempts), so a declined order is never reused.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from domain.attempts import Attempt
from domain.errors import ProviderRejected, ProviderUnavailable
from domain.i18n import t
from domain.invoice import Invoice, InvoiceStatus
from domain.ports import PaymentProvider, PaymentRequest, ProviderStatus
from storage.repository import Seller
from storage.uow import UnitOfWork
from workers import txn
from workers.render import pay_link
from workers.txn import retrying

log = logging.getLogger(__name__)

MAX_CHECKED = 5  #: attempts a seller's check asks about (the newest): it answers in seconds


def issue_link(invoice: Invoice, seller: Seller | None, provider: PaymentProvider,
               base_url: str) -> None:
    """Get the latest attempt's checkout link from the provider (idempotent by its order id)."""
    link = provider.create_link(PaymentRequest(
        order_id=invoice.latest_attempt.order_id, amount=invoice.amount,
        description=provider_description(invoice, seller),
        expires_at=invoice.expires_at, server_url=f"{base_url}/callbacks/{invoice.latest_attempt.provider}",
        result_url=f"{pay_link(base_url, invoice.code)}?back=1",
        language=seller.language if seller else "uk"))
    invoice.issue_link(link.url, link.provider_ref)


def provider_description(invoice: Invoice, seller: Seller | None) -> str:
    """What the provider's checkout and the buyer's bank statement say: "{shop}: {description}",
    or "{shop}: invoice {code}" without a description; never a bare code."""
    lang = seller.language if seller else "uk"
    shop = seller.shown_name(t(lang, "a_seller")) if seller else t(lang, "a_seller")
    return f"{shop}: {invoice.description or t(lang, 'provider_invoice', code=invoice.code)}"


Chosen = Callable[[int, str, UnitOfWork], "tuple[PaymentProvider, int] | None"]


def checkout_link(code: str, provider_for: Callable[[Invoice], PaymentProvider],
                  unit_of_work: Callable[[], UnitOfWork], base_url: str, *,
                  provider: str | None = None, chosen: Chosen | None = None) -> str | None:
    """Where the buyer who pressed *Pay* goes: the latest attempt's checkout, or, after a
    decline or when the buyer chose another of the seller's providers (`provider`; `chosen`
    finds the seller's account of it), a new attempt's (its link made and stored in one
    transaction, so two presses at once make one attempt). None: the invoice cannot be paid
    by card now.

    The web edge calls this (handed in by its composition root): the buyer waits for the link.
    """
    def attempt() -> str | None:
        with unit_of_work() as uow:
            invoice = uow.invoices.by_code(code, for_update=True)
            if invoice is None or invoice.status is not InvoiceStatus.PENDING:
                return None
            choice = chosen(invoice.seller_id, provider, uow) \
                if provider is not None and chosen is not None else None
            started = (invoice.start_attempt(txn.now(), provider, choice[1]) if choice
                       else invoice.start_attempt(txn.now()))
            if started is None:
                latest = invoice.latest_attempt
                return None if latest.declined else latest.pay_url or invoice.pay_url
            seller = uow.sellers.get(invoice.seller_id)
            try:
                issue_link(invoice, seller, choice[0] if choice else provider_for(invoice),
                           base_url)
            except (ProviderUnavailable, ProviderRejected) as exc:
                # nothing is stored: the page shows the invoice as it is, the buyer presses again
                log.warning("Invoice %s: no checkout link for a new attempt: %s", invoice.id, exc)
                return None
            uow.invoices.save(invoice)
            uow.commit()
            log.info("Invoice %s: attempt %d (%s) started after a decline.", invoice.id,
                     started.number, started.order_id)
            return started.pay_url
    return retrying(attempt)


def ask_about(provider_of: Callable[[Attempt], PaymentProvider],
              attempts: list[Attempt]) -> list[ProviderStatus]:
    """Each attempt's provider's word on it (errors propagate: the caller decides whether to
    retry, back off or stop). Attempts of one invoice may be on different providers."""
    return [provider_of(a).fetch_status(a.order_id) for a in attempts]


def to_check(invoice: Invoice) -> list[Attempt]:
    """What the seller's *Check status* (or support's re-check) asks about: the newest attempts
    that have not paid (a declined order may still be paid on its own checkout page)."""
    return invoice.attempts_unpaid[:MAX_CHECKED]
