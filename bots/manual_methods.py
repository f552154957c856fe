"""*Settings → Manual payments*, whatever the messenger: the seller's methods listed with their
terms, and the form that adds or edits one, field by field (*Skip* keeps what is there, or the
default when adding). Settings are not slow or fallible work: the bot writes them itself, as
it does *Buyer details*. *Cash* is built in: it can be edited, never removed."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.i18n import format_money, t
from domain.manual import ManualMethod
from domain.money import Money, exponent
from storage.repository import Seller
from storage.uow import UnitOfWork

FIELDS = ("name", "description", "hint", "percent", "fee", "accepted", "charge", "days",
          "fiscal")
#: what a seller may type to say yes or no (uk, ru, en)
YES = {"так", "да", "yes", "y", "+", "1"}
NO = {"ні", "нi", "нет", "no", "n", "-", "0"}
NAME_LIMIT, TEXT_LIMIT = 64, 200  #: characters
MAX_DAYS = 365
_CURRENCY = re.compile(r"[A-Z]{3}")


def listed(uow_factory: Callable[[], UnitOfWork], seller: Seller) -> list[ManualMethod]:
    with uow_factory().readonly() as uow:
        return uow.manual.methods(seller.id, seller.currency or "UAH")


def list_text(methods: list[ManualMethod], lang: str) -> str:
    from workers.manual_render import method_name
    lines = [t(lang, "mm_header")]
    for m in methods:
        fixed = Money(m.fixed_fee, m.fixed_fee_currency or m.account_currency)
        lines.append(t(lang, "mm_item", name=method_name(m.name, lang),
                       percent=f"{m.commission_percent.normalize():f}",
                       fee=format_money(fixed, lang),
                       accepted=", ".join(m.accepted_currencies or (m.account_currency,)),
                       charge=m.charge_currency or m.account_currency,
                       days=int(m.timeout.total_seconds() // 86400))
                     + (t(lang, "mm_item_fiscal") if m.fiscal else ""))
    return "\n".join(lines)


def draft_of(method: ManualMethod | None, default_days: int) -> dict[str, Any]:
    """The form's starting values: the method's (editing) or none (adding)."""
    if method is None:
        return {"id": 0, "days": str(default_days), "fiscal": "no"}
    fixed_currency = method.fixed_fee_currency or method.account_currency
    return {"id": method.id, "builtin": method.builtin, "name": method.name,
            "description": method.description, "hint": method.comment_hint,
            "percent": str(method.commission_percent),
            "fee": f"{method.fixed_fee} {fixed_currency}",
            "accepted": ",".join(method.accepted_currencies),
            "charge": method.charge_currency or "",
            "days": str(int(method.timeout.total_seconds() // 86400)),
            "fiscal": "yes" if method.fiscal else "no"}


def ask_text(field: str, draft: dict[str, Any], lang: str) -> str:
    current = draft.get(field) or "—"
    if field == "fiscal":
        current = t(lang, "mm_yes" if draft.get("fiscal") == "yes" else "mm_no")
    return t(lang, f"mm_ask_{field}") + (
        "\n" + t(lang, "mm_current", current=current)
        if draft.get("id") or draft.get("builtin") else "")  # editing: *Cash* has id 0


def take(field: str, text: str | None, draft: dict[str, Any],
         lang: str) -> tuple[dict[str, Any] | None, str]:
    """The draft with `field` read from what the seller typed (None: *Skip*), or None and what
    is wrong with it."""
    if text is None:
        if field == "name" and not draft.get("name"):
            return None, t(lang, "mm_name_missing")
        return draft, ""
    text = " ".join(text.split())
    value: str | None = None
    if field == "name":
        value = text[:NAME_LIMIT] if text else None
    elif field in ("description", "hint"):
        value = text[:TEXT_LIMIT]
    elif field == "percent":
        value = _percent(text)
    elif field == "fee":
        value = _fee(text)
    elif field == "accepted":
        codes = [c for c in re.split(r"[\s,;]+", text.upper()) if c]
        value = ",".join(codes) if codes and all(_CURRENCY.fullmatch(c) for c in codes) \
            else None
    elif field == "charge":
        value = text.upper() if _CURRENCY.fullmatch(text.upper()) else None
    elif field == "days":
        value = text if text.isdigit() and 1 <= int(text) <= MAX_DAYS else None
    elif field == "fiscal":
        word = text.lower().rstrip(".!")
        value = "yes" if word in YES else "no" if word in NO else None
    if value is None:
        return None, t(lang, f"mm_bad_{field}")
    return {**draft, field: value}, ""


def _percent(text: str) -> str | None:
    try:
        value = Decimal(text.rstrip("%").strip().replace(",", "."))
    except InvalidOperation:
        return None
    ok = value.is_finite() and 0 <= value < 100 and -value.as_tuple().exponent <= 3  # type: ignore[operator]
    return str(value) if ok else None


def _fee(text: str) -> str | None:
    found = re.fullmatch(r"([0-9]+(?:[.,][0-9]+)?)\s*([A-Za-z]{3})?", text)
    if not found:
        return None
    amount, currency = Decimal(found.group(1).replace(",", ".")), (found.group(2) or "").upper()
    if currency and -amount.as_tuple().exponent > exponent(currency):  # type: ignore[operator]
        return None
    return f"{amount} {currency}".strip()


def next_field(field: str) -> str | None:
    index = FIELDS.index(field) + 1
    return FIELDS[index] if index < len(FIELDS) else None


def save(uow_factory: Callable[[], UnitOfWork], seller: Seller, draft: dict[str, Any]) -> None:
    """Write the finished form: a new method, or one of the seller's own changed."""
    currency = seller.currency or "UAH"
    fee_text, _, fee_currency = (draft.get("fee") or "0").partition(" ")
    fee_currency = fee_currency or currency
    fixed = Decimal(fee_text).quantize(Money.from_minor_units(0, fee_currency).amount)
    method = ManualMethod(
        id=int(draft.get("id") or 0), seller_id=seller.id, name=draft["name"],
        account_currency=currency, description=draft.get("description", ""),
        comment_hint=draft.get("hint", ""),
        commission_percent=Decimal(draft.get("percent") or "0"), fixed_fee=fixed,
        fixed_fee_currency=None if fee_currency == currency else fee_currency,
        accepted_currencies=tuple(c for c in (draft.get("accepted") or "").split(",") if c),
        charge_currency=draft.get("charge") or None,
        timeout=timedelta(days=int(draft.get("days") or 30)),
        fiscal=draft.get("fiscal") == "yes", builtin=bool(draft.get("builtin")))
    with uow_factory() as uow:
        uow.manual.save_method(method)
        uow.session.commit()


def remove(uow_factory: Callable[[], UnitOfWork], seller: Seller, method_id: int) -> bool:
    with uow_factory() as uow:
        gone = uow.manual.remove_method(seller.id, method_id)
        uow.session.commit()
    return gone


def found(methods: list[ManualMethod], method_id: str) -> ManualMethod | None:
    return next((m for m in methods if str(m.id) == method_id), None)
