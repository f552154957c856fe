"""What support's screens say: invoice lists and cards, an invoice's history, a seller, the
platform's figures. Read-only; the agent's language; times in UTC."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.i18n import TEXTS, format_money, status_word, t
from domain.invoice import Invoice
from domain.actions import SupportTap
from domain.messaging import Button
from storage.repository import Seller, utc
from storage.uow import UnitOfWork

HISTORY_LINES = 40  #: the newest lines of a history shown (a Telegram message holds 4096 chars)


@dataclass(frozen=True)
class Screen:
    """One answer to an agent: text, buttons (rows), and whether a typed address is awaited."""
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    ask: dict[str, str] | None = None


def age(created: datetime, moment: datetime, lang: str) -> str:
    minutes = max(0, int((moment - created).total_seconds() // 60))
    if minutes < 60:
        return t(lang, "sup_age_m", n=minutes)
    if minutes < 48 * 60:
        return t(lang, "sup_age_h", n=minutes // 60)
    return t(lang, "sup_age_d", n=minutes // 1440)


def seller_label(seller: Seller | None) -> str:
    if seller is None:
        return "?"
    return seller.phone or f"{seller.channel}:{seller.external_id}"


def item(n: int, invoice: Invoice, seller: Seller | None, lang: str, moment: datetime) -> str:
    return t(lang, "sup_item", n=n, amount=format_money(invoice.amount, lang),
             status=status_word(invoice.status, lang), seller=seller_label(seller),
             age=age(invoice.created_at, moment, lang), code=invoice.code)


def open_buttons(ids: list[str], first: int) -> tuple[tuple[Button, ...], ...]:
    """`Open n` under a list, five a row."""
    buttons = [Button(str(first + i), data=SupportTap(f"o:{invoice_id}").pack())
               for i, invoice_id in enumerate(ids)]
    return tuple(tuple(buttons[i:i + 5]) for i in range(0, len(buttons), 5))


def card(invoice: Invoice, seller: Seller | None, lang: str, moment: datetime,
         nonce: str) -> Screen:
    """One invoice with the five actions; `nonce` makes each button's tap its own action."""
    text = t(lang, "sup_card", code=invoice.code, id=invoice.id,
             amount=format_money(invoice.amount, lang),
             description=f" — {invoice.description}" if invoice.description else "",
             status=status_word(invoice.status, lang), seller=seller_label(seller),
             channel=invoice.channel, age=age(invoice.created_at, moment, lang),
             buyer=invoice.buyer_details or t(lang, "sup_none"))
    rows = tuple((Button(t(lang, f"sup_btn_{key}"), data=SupportTap(f"{code}:{invoice.id}:{nonce}").pack()),)
                 for key, code in (("resend_link", "rl"), ("resend_status", "rs"),
                                   ("webhook", "wh"), ("recheck", "rc"), ("history", "hi")))
    return Screen(text, rows)


def stored_addresses(uow: UnitOfWork, invoice: Invoice) -> dict[str, str]:
    """The buyer's phone and e-mail as chatpay knows them: the latest the link went to, else
    what the buyer left on the pay page."""
    found = {"sms": invoice.buyer_phone or "", "email": invoice.buyer_email or ""}
    for row in uow.events.for_invoice(invoice.id):
        if row.name == "LinkSent":
            payload = json.loads(row.payload)
            found[payload["via"]] = payload["to"]
    return {via: to for via, to in found.items() if to}


def link_menu(invoice: Invoice, stored: dict[str, str], lang: str, nonce: str) -> Screen:
    rows: list[tuple[Button, ...]] = []
    for via, code, key in (("sms", "ls", "sup_btn_sms_to"), ("email", "le", "sup_btn_email_to")):
        if via in stored:
            rows.append((Button(t(lang, key, to=stored[via]),
                                data=SupportTap(f"{code}:{invoice.id}:{nonce}").pack()),))
    rows.append((Button(t(lang, "sup_btn_sms_other"), data=SupportTap(f"lS:{invoice.id}:{nonce}").pack()),))
    rows.append((Button(t(lang, "sup_btn_email_other"), data=SupportTap(f"lE:{invoice.id}:{nonce}").pack()),))
    return Screen(t(lang, "sup_link_choose", code=invoice.code), tuple(rows))


def history(uow: UnitOfWork, invoice: Invoice, lang: str) -> str:
    """Every transition, message, link sent, shop delivery attempt and support action."""
    lines: list[tuple[datetime, str]] = []
    for row in uow.events.for_invoice(invoice.id):
        at = utc(row.created_at) or datetime.now(UTC)
        payload = json.loads(row.payload or "{}")
        if row.name == "LinkSent":
            outcome = t(lang, "sup_h_sent") if payload.get("ok") else t(
                lang, "sup_h_not_sent", reason=payload.get("reason", ""))
            lines.append((at, t(lang, "sup_h_link", via=payload.get("via"), to=payload.get("to"),
                                outcome=outcome)))
            continue
        lines.append((at, t(lang, "sup_h_transition", event=event_word(row.name, lang),
                            before=status_word(row.status_from or "—", lang),
                            after=status_word(row.status_to, lang)) + _why(payload, lang)
                      + _provider_words(row.name, payload) + _paid_by(row.name, payload, lang)))
        if row.notify:
            if row.notified_at is not None:
                lines.append((utc(row.notified_at) or at, t(lang, "sup_h_message",
                                                            event=event_word(row.name, lang),
                                                            outcome=t(lang, "sup_h_sent"))))
            else:
                outcome = (t(lang, "sup_h_not_sent", reason=row.notify_error or "")
                           if row.notify_failed_at else t(lang, "sup_h_waiting"))
                lines.append((utc(row.notify_failed_at) or at, t(
                    lang, "sup_h_message", event=event_word(row.name, lang), outcome=outcome)))
    for delivery in uow.support.deliveries(invoice.id):
        for attempt in uow.webhooks.attempts(delivery.id or 0):
            outcome = f"{attempt.status_code or ''} {attempt.error or ''}".strip()
            lines.append((utc(attempt.at) or datetime.now(UTC),
                          t(lang, "sup_h_attempt", event=delivery.event_type, outcome=outcome)))
    for entry in uow.audit.for_invoice(invoice.id):
        to = entry.detail.get("to")
        detail = f" ({to})" if to else ""
        lines.append((entry.at, t(lang, "sup_h_support", agent=entry.agent,
                                  action=t(lang, f"sup_act_{entry.action}"),
                                  phase=t(lang, f"sup_phase_{entry.phase}"), detail=detail)))
    lines.sort(key=lambda pair: pair[0])
    shown = [f"{at:%Y-%m-%d %H:%M:%S} {text}" for at, text in lines[-HISTORY_LINES:]]
    return "\n".join([t(lang, "sup_history", code=invoice.code), *shown])


#: events carrying a provider's refusal: support reads its raw code and words (the seller
#: read them translated, domain.declines)
PROVIDER_REFUSALS = frozenset({"InvoiceFailed", "RefundRefused", "PollingStopped"})


def _paid_by(name: str, payload: dict[str, object], lang: str) -> str:
    """Which provider took a card payment, when the event says."""
    provider = payload.get("provider")
    if name not in ("InvoicePaid", "ExtraPaymentReceived") or not provider:
        return ""
    return t(lang, "sup_h_paid_by", provider=t(lang, f"provider_{provider}"))


def _provider_words(name: str, payload: dict[str, object]) -> str:
    if name not in PROVIDER_REFUSALS:
        return ""
    code, words = payload.get("code"), payload.get("reason")
    shown = " ".join(str(x) for x in (code, f"({words})" if words else None) if x)
    return f" — {shown}" if shown else ""


def _why(payload: dict[str, object], lang: str) -> str:
    """Who did a hand-made transition and why (a reason, a comment, the corrected fields)."""
    by = payload.get("by")
    if not by:
        return ""
    changed = payload.get("changed") or {}
    why = payload.get("reason") or payload.get("comment") or ""
    if isinstance(changed, dict) and changed:
        why = "; ".join([*(f"{k}: {v}" for k, v in changed.items()), *([str(why)] if why else [])])
    return " — " + t(lang, "sup_h_why", by=by, why=why).rstrip(": ")


def event_word(name: str, lang: str) -> str:
    """An event's name as the agent reads it (a name chatpay has no words for yet, as it is)."""
    key = f"sup_ev_{name}"
    return t(lang, key) if key in TEXTS else name


def seller_text(uow: UnitOfWork, seller: Seller, lang: str) -> str:
    endpoint = uow.webhooks.endpoint(seller.id)
    shown = f"{endpoint.url} — {endpoint.state}" if endpoint else t(lang, "sup_none")
    methods = ", ".join(m.name for m in uow.manual.methods(seller.id, seller.currency or "UAH"))
    head = t(lang, "sup_seller", phone=seller.phone or "—", channel=seller.channel,
             external_id=seller.external_id, language=seller.language,
             currency=seller.currency or "—", endpoint=shown)
    first, _, rest = head.rpartition("\n")
    return "\n".join([first, t(lang, "sup_seller_methods", methods=methods), rest])
