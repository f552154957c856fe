"""Send an invoice's pay link to the buyer by SMS or e-mail, and tell the seller how it went.

Once per tap: the seller's tap is the idempotency key, recorded with the outcome in the
invoice's history, so a redelivered command or a second worker sends nothing again.
"""
from __future__ import annotations

import base64
import html
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

import phonenumbers

from domain import commands
from domain.errors import DeliveryRefused, DeliveryUnavailable
from domain.events import LinkSent
from domain.i18n import format_amount, format_money, status_word, t
from domain.invoice import Invoice
from domain.ports import Email
from domain.qr import qr_png
from domain.translit import latin
from storage.repository import Seller
from workers.notify import tell
from workers.render import local_time, pay_link
from workers.runtime import Deps

log = logging.getLogger(__name__)

TRIES = 3  #: sends of one message to a gateway that is down before the seller is told
RETRY_WAIT = 1.0  #: seconds before the second try, doubled for each one after
CLAIM_TTL = 600  #: seconds a worker holds a tap while it sends


def shown_phone(e164: str) -> str:
    """+380671234567 → "+380 67 123 45 67": grouped as a person reads it."""
    try:
        text = phonenumbers.format_number(phonenumbers.parse(e164),
                                          phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164
    head, _, last = text.rpartition(" ")
    return f"{head} {last[:2]} {last[2:]}" if head and len(last) == 4 else text


def send_link(cmd: commands.SendLink, d: Deps) -> None:
    sent = deliver_link(cmd, d)
    if sent is None:
        return
    invoice, seller, reason = sent
    lang = seller.language
    to = shown_phone(cmd.to) if cmd.via == "sms" else cmd.to
    amount = format_money(invoice.amount, lang)
    text = (t(lang, "link_not_sent", to=to, reason=reason) if reason
            else t(lang, "link_sent", amount=amount, to=to))
    tell(d, invoice.channel, invoice.chat_id, text)


def deliver_link(cmd: commands.SendLink, d: Deps) -> tuple[Invoice, Seller, str] | None:
    """Send the link once per key and record it in the invoice's history; returns the invoice,
    its seller and why it was not sent ("" when it went), or None if this key was handled."""
    with d.uow().readonly() as uow:
        invoice = uow.invoices.by_code(cmd.code)
        if invoice is None or invoice.seller_id != cmd.seller_id:
            return None
        seller = uow.sellers.get(invoice.seller_id)
        done = any(row.name == "LinkSent" and json.loads(row.payload).get("key") == cmd.idempotency_key
                   for row in uow.events.for_invoice(invoice.id))
    if done or seller is None:
        return None
    if not d.redis.set(f"chatpay:send-link:{cmd.idempotency_key}", 1, nx=True, ex=CLAIM_TTL):
        return None  # the same tap is being sent by another worker
    lang = seller.language
    reason = ""
    if not invoice.is_open:
        reason = t(lang, "link_reason_closed", status=status_word(invoice.status, lang))
    else:
        reason = _send(cmd, invoice, seller, d)
    with d.uow() as uow:
        uow.events.record(LinkSent(invoice.id, cmd.via, cmd.to, cmd.idempotency_key,
                                   ok=not reason, reason=reason),
                          invoice.status.value, invoice.status.value, datetime.now(UTC))
        uow.commit()
    return invoice, seller, reason


def _send(cmd: commands.SendLink, invoice: Invoice, seller: Seller, d: Deps) -> str:
    """Send; returns why it was not sent, in the seller's words, or ""."""
    lang = seller.language

    def send() -> None:
        if cmd.via == "sms":
            d.sms.send(cmd.to, sms_text(invoice, seller, lang, d.settings.public_base_url),
                       sequence_id=_sequence_id(cmd.idempotency_key))
        else:
            d.mailer.send(link_email(cmd.to, invoice, seller, d.settings.public_base_url))
    refused, detail = try_sending(send, f"Link of {invoice.code} by {cmd.via}")
    if refused:
        return t(lang, "link_reason_refused", detail=detail)
    return t(lang, "link_reason_unavailable") if detail else ""


def try_sending(send: Callable[[], None], what: str) -> tuple[bool, str]:
    """Send, trying a gateway that is down a few times. Returns (refused, detail): (False, "")
    when it went, (True, why) when refused for good, (False, why) when it stayed down."""
    for attempt in range(TRIES):
        try:
            send()
            return False, ""
        except DeliveryRefused as exc:
            log.warning("%s refused: %s.", what, exc)
            return True, str(exc)
        except DeliveryUnavailable as exc:
            log.warning("%s not sent (try %d of %d): %s.", what, attempt + 1, TRIES, exc)
            if attempt == TRIES - 1:
                return False, str(exc) or "unavailable"
            time.sleep(RETRY_WAIT * 2 ** attempt)
    raise AssertionError("unreachable")


def _sequence_id(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")[:64]


SMS_NAME = 30  #: characters of the shop's name an SMS keeps
SMS_DESCRIPTION = 50  #: characters of the description an SMS keeps


def sms_text(invoice: Invoice, seller: Seller, lang: str, base_url: str) -> str:
    """"Kvity Oksany: Buket troyand - 99,00 UAH: {link}": who asks, for what and how much, so it
    does not read like phishing. Short and Latin: a Cyrillic SMS part holds 70 characters, a
    Latin one 160."""
    who = latin(seller.shown_name(t(lang, "a_seller"))).strip()[:SMS_NAME] or "chatpay"
    what = latin(" ".join(invoice.description.split())).strip()[:SMS_DESCRIPTION]
    amount = latin(format_amount(invoice.amount.amount, lang)) + " " + invoice.amount.currency
    link = pay_link(base_url, invoice.code)
    if what:
        return f"{who}: {what} - {amount}: {link}"
    return f"{who}: {t(lang, 'sms_pay')} {amount}: {link}"


def link_email(to: str, invoice: Invoice, seller: Seller, base_url: str) -> Email:
    """Who asks, how much, what for and until when, in the seller's language."""
    lang = seller.language
    link = pay_link(base_url, invoice.code)
    who = seller.shown_name(t(lang, "a_seller"))
    amount = format_money(invoice.amount, lang)
    described = f" — {invoice.description}" if invoice.description else ""
    expires = local_time(invoice.expires_at, seller.country)
    text = t(lang, "mail_body", seller=who, amount=amount, description=described, link=link,
             expires=expires)
    lines = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines()[:1])
    body = (f'<!doctype html><html lang="{lang}"><body>{lines}'
            f'<p><a href="{html.escape(link)}">{html.escape(link)}</a></p>'
            f'<p>{html.escape(text.splitlines()[-1])}</p>'
            f'<p>{html.escape(t(lang, "mail_scan"))}<br>'
            f'<img src="cid:qr" alt="QR" width="240" height="240"></p></body></html>')
    return Email(to=to, subject=t(lang, "mail_subject", seller=who, amount=amount), text=text,
                 html=body, images={"qr": qr_png(link)})
