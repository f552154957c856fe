"""Attempts at the provider: the checkout link of an invoice's latest attempt, a new attempt when
the buyer pays again after a decline, and asking the provider about each attempt in flight.

The pay link (`/p/{code}`) and its QR never change; each attempt is its own provider order
(`{code}-{n}`, see domain.attempts), so a declined order is never reused.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from domain.attempts import Attempt
from domain.i18n import t
from domain.invoice import Invoice, InvoiceStatus
from domain.ports import PaymentProvider, PaymentRequest, ProviderStatus
from storage.repository import Seller
from storage.uow import UnitOfWork
from workers import txn
from workers.render import pay_link
from workers.txn import _retrying

log = logging.getLogger(__name__)

MAX_CHECKED = 5  #: attempts a seller's check asks about (the newest): it answers in seconds


def issue_link(invoice: Invoice, seller: Seller | None, provider: PaymentProvider,
               base_url: str) -> None:
    """Get the latest attempt's checkout link from the provider (idempotent by its order id)."""
    link = provider.create_link(PaymentRequest(
        order_id=invoice.latest_attempt.order_id, amount=invoice.amount,
        description=provider_description(invoice, seller),
        expires_at=invoice.expires_at, server_url=f"{base_url}/callbacks/{invoice.provider}",
        result_url=f"{pay_link(base_url, invoice.code)}?back=1",
        language=seller.language if seller else "uk"))
    invoice.issue_link(link.url, link.provider_ref)


def provider_description(invoice: Invoice, seller: Seller | None) -> str:
    """What the provider's checkout and the buyer's bank statement say: "{shop}: {description}",
    or "{shop}: invoice {code}" without a description; never a bare code."""
    lang = seller.language if seller else "uk"
    shop = seller.shown_name(t(lang, "a_seller")) if seller else t(lang, "a_seller")
    return f"{shop}: {invoice.description or t(lang, 'provider_invoice', code=invoice.code)}"


def checkout_link(code: str, provider_for: Callable[[Invoice], PaymentProvider],
                  unit_of_work: Callable[[], UnitOfWork], base_url: str) -> str | None:
    """Where the buyer who pressed *Pay* goes: the latest attempt's checkout, or, after a
    decline, a new attempt's (its link made and stored in one transaction, so two presses at
    once make one attempt). None: the invoice cannot be paid by card now.

    The web edge calls this (handed in by its composition root): the buyer waits for the link.
    """
    def attempt() -> str | None:
        with unit_of_work() as uow:
            invoice = uow.invoices.by_code(code, for_update=True)
            if invoice is None or invoice.status is not InvoiceStatus.PENDING:
                return None
            started = invoice.start_attempt(txn.now())
            if started is None:
                latest = invoice.latest_attempt
                return None if latest.declined else latest.pay_url or invoice.pay_url
            seller = uow.sellers.get(invoice.seller_id)
            issue_link(invoice, seller, provider_for(invoice), base_url)
            uow.invoices.save(invoice)
            uow.commit()
            log.info("Invoice %s: attempt %d (%s) started after a decline.", invoice.id,
                     started.number, started.order_id)
            return started.pay_url
    return _retrying(attempt)


def ask_about(provider: PaymentProvider, attempts: list[Attempt]) -> list[ProviderStatus]:
    """The provider's word on each of these attempts (its errors propagate: the caller decides
    whether to retry, back off or stop)."""
    return [provider.fetch_status(a.order_id) for a in attempts]


def to_check(invoice: Invoice) -> list[Attempt]:
    """What the seller's *Check status* (or support's re-check) asks about: the newest attempts
    that have not paid (a declined order may still be paid on its own checkout page)."""
    return invoice.attempts_unpaid[:MAX_CHECKED]
