"""The buyer's receipt e-mail, once per paid invoice that has a buyer e-mail. Not fiscal (a
PRRO's receipt is another thing), and it says so."""
from __future__ import annotations

import html
import json
import logging
from datetime import UTC, datetime

from domain.events import ReceiptSent
from domain.i18n import format_money, t
from domain.invoice import SETTLED, Invoice
from domain.money import Money
from domain.ports import Email
from storage.repository import Seller
from workers.links import try_sending
from workers.render import local_time, pay_link
from workers.runtime import Deps

log = logging.getLogger(__name__)

CLAIM_TTL = 600  #: seconds a worker holds an invoice's receipt while it sends


def send_receipt(invoice_id: str, d: Deps, kind: str = "paid") -> None:
    """`kind` "paid": the receipt; "refunded": a short notice that the money went back."""
    with d.uow().readonly() as uow:
        invoice = uow.invoices.get(invoice_id)
        if invoice is None or invoice.status not in SETTLED or not invoice.buyer_email:
            return
        if kind == "refunded" and invoice.refunded_amount is None:
            return
        seller = uow.sellers.get(invoice.seller_id)
        rows = uow.events.for_invoice(invoice_id)
        sent = any(r.name == "ReceiptSent" and json.loads(r.payload).get("kind", "paid") == kind
                   for r in rows)
        paid = next((json.loads(r.payload) for r in reversed(rows) if r.name == "InvoicePaid"),
                    {})
        sale = uow.fiscal.sale_of(invoice_id)
    if sent or seller is None:
        return
    if kind == "paid" and sale is not None and sale.is_open and not sale.told_pending:
        return  # the fiscal receipt is coming: the e-mail waits for its link (fiscal/receipts.py)
    fiscal_link = sale.link if sale is not None else None
    if not d.redis.set(f"chatpay:receipt:{kind}:{invoice_id}", 1, nx=True, ex=CLAIM_TTL):
        return  # another worker is sending it
    base = d.settings.public_base_url
    email = (refund_email(invoice, seller, base) if kind == "refunded"
             else receipt_email(invoice, seller, paid, base, fiscal_link))
    refused, detail = try_sending(lambda: d.mailer.send(email), f"Receipt of {invoice.code}")
    with d.uow() as uow:
        uow.events.record(ReceiptSent(invoice.id, invoice.buyer_email, ok=not detail,
                                      reason=detail, kind=kind), invoice.status.value, invoice.status.value,
                          datetime.now(UTC))
        uow.commit()
    if detail:
        log.warning("The receipt of %s was not sent (%s): %s.", invoice.code,
                    "refused" if refused else "mail server down", detail)


def receipt_email(invoice: Invoice, seller: Seller, paid: dict[str, object],
                  base_url: str, fiscal_link: str | None = None) -> Email:
    """Who was paid, for what, how much and when; the provider's transaction id and the card
    mask when given; a link back to the pay page. In the language the buyer used there."""
    lang = invoice.buyer_language or seller.language
    amount = invoice.paid_amount or invoice.amount
    who = seller.shown_name(t(lang, "a_seller"))
    when = local_time(invoice.paid_at or datetime.now(UTC), seller.country)
    lines = [t(lang, "receipt_paid", seller=who, amount=format_money(
        Money(amount.amount, amount.currency), lang)), t(lang, "receipt_when", when=when)]
    if invoice.description:
        lines.append(t(lang, "receipt_for", description=invoice.description))
    if invoice.provider_payment_id:
        lines.append(t(lang, "receipt_transaction", id=invoice.provider_payment_id))
    if paid.get("card_mask"):
        lines.append(t(lang, "receipt_card", mask=paid["card_mask"]))
    link = pay_link(base_url, invoice.code)
    lines.append(t(lang, "receipt_link", link=link))
    small = t(lang, "receipt_not_fiscal")
    links = [link]
    if fiscal_link:  # the seller's PRRO registered the sale: the fiscal receipt's own page
        lines.append(t(lang, "receipt_fiscal_link", link=fiscal_link))
        links.append(fiscal_link)
    text = "\n".join(lines) + f"\n\n{small}"
    body = (f'<!doctype html><html lang="{lang}"><body>'
            + "".join(f"<p>{html.escape(line)}</p>" for line in lines[:-len(links)])
            + "".join(f'<p><a href="{html.escape(x)}">{html.escape(x)}</a></p>' for x in links)
            + f'<p><small>{html.escape(small)}</small></p></body></html>')
    return Email(to=invoice.buyer_email or "", subject=t(lang, "receipt_subject", seller=who),
                 text=text, html=body)


def refund_email(invoice: Invoice, seller: Seller, base_url: str) -> Email:
    """The money went back: how much, from whom, for what, and the link to the invoice."""
    lang = invoice.buyer_language or seller.language
    refunded = invoice.refunded_amount or invoice.amount
    who = seller.shown_name(t(lang, "a_seller"))
    link = pay_link(base_url, invoice.code)
    lines = [t(lang, "refund_notice", seller=who, amount=format_money(refunded, lang))]
    if invoice.description:
        lines.append(t(lang, "receipt_for", description=invoice.description))
    lines.append(t(lang, "receipt_link", link=link))
    small = t(lang, "receipt_not_fiscal")
    text = "\n".join(lines) + f"\n\n{small}"
    body = (f'<!doctype html><html lang="{lang}"><body>'
            + "".join(f"<p>{html.escape(line)}</p>" for line in lines)
            + f'<p><small>{html.escape(small)}</small></p></body></html>')
    return Email(to=invoice.buyer_email or "", subject=t(lang, "refund_subject", seller=who),
                 text=text, html=body)
