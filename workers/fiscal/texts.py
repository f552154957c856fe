"""What the seller reads about a fiscal receipt, in their language."""
from __future__ import annotations

from typing import Any

from domain.fiscal import RETURN
from domain.i18n import format_money, t
from domain.money import Money

REASON_PREFIX = "@"  #: a reason of ours is a text key (`@fiscal_reason_…`), Checkbox's is words


def reason_text(reason: str | None, lang: str, **params: object) -> str:
    if reason and reason.startswith(REASON_PREFIX):
        key, _, arg = reason[1:].partition(":")
        return t(lang, key, **({"currency": arg} if arg else {}), **params)
    return reason or t(lang, "reason_unknown")


def fiscal_text(name: str, payload: dict[str, Any], lang: str, description: str) -> str:
    amount = format_money(Money.from_minor_units(int(payload["amount_minor"]),
                                                 str(payload["currency"])), lang)
    if name == "FiscalReceiptIssued":
        key = "fiscal_return_issued" if payload.get("kind") == RETURN else "fiscal_issued"
        return t(lang, key, code=payload["fiscal_code"], amount=amount, description=description,
                 link=payload["link"])
    if name == "FiscalReceiptPending":
        return t(lang, "fiscal_pending", amount=amount, description=description)
    if name == "FiscalReceiptStuck":
        return t(lang, "fiscal_stuck", amount=amount, description=description)
    return t(lang, "fiscal_refused", amount=amount, description=description,
             reason=reason_text(payload.get("reason"), lang))
