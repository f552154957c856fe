"""What chatpay says to a person, in Ukrainian, Russian and English, and how it shows money."""
from __future__ import annotations

from decimal import Decimal

from domain.i18n_cabinet import CABINET_TEXTS
from domain.i18n_dialog import DIALOG_TEXTS
from domain.i18n_fiscal import FISCAL_TEXTS
from domain.i18n_invoices import INVOICE_TEXTS
from domain.i18n_manual import MANUAL_TEXTS
from domain.i18n_monobank import MONOBANK_TEXTS
from domain.i18n_pay import PAY_TEXTS
from domain.i18n_refunds import REFUND_TEXTS
from domain.i18n_support import SUPPORT_TEXTS
from domain.i18n_webhooks import WEBHOOK_TEXTS
from domain.money import SYMBOLS, Money

LANGUAGES = ("uk", "ru", "en")
DEFAULT_LANGUAGE = "uk"

_NBSP = "\u00a0"

TEXTS: dict[str, dict[str, str]] = {**DIALOG_TEXTS, **INVOICE_TEXTS}


def normalize_language(code: str | None) -> str:
    """Map a messenger's language code (e.g. "uk", "ru-RU", "en-GB", None) to one we speak."""
    base = (code or "").split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else ("en" if base else DEFAULT_LANGUAGE)


TEXTS.update(WEBHOOK_TEXTS)
TEXTS.update(REFUND_TEXTS)
TEXTS.update(CABINET_TEXTS)
TEXTS.update(MANUAL_TEXTS)
TEXTS.update(SUPPORT_TEXTS)
TEXTS.update(FISCAL_TEXTS)
TEXTS.update(PAY_TEXTS)
TEXTS.update(MONOBANK_TEXTS)


def t(lang: str, key: str, **params: object) -> str:
    """The text `key` in `lang` (falling back to English), with `params` filled in."""
    entry = TEXTS[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**params) if params else text


def mask_key(public_key: str) -> str:
    """A public key as chatpay shows it, `i1234…6789`: enough for the seller to recognise it, not
    to copy it. Private keys are never shown, not even masked."""
    if len(public_key) <= 9:
        return public_key[:2] + "…"
    return f"{public_key[:5]}…{public_key[-4:]}"


def format_amount(value: Decimal, lang: str) -> str:
    """1200.5 → "1 200,50" (uk, ru) or "1,200.50" (en)."""
    sign = "-" if value < 0 else ""
    whole, _, frac = f"{abs(value):f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    if lang == "en":
        return sign + ",".join(groups) + ("." + frac if frac else "")
    return sign + _NBSP.join(groups) + ("," + frac if frac else "")


def format_money(money: Money, lang: str) -> str:
    """Money as a person reads it: "12,50 ₴" (uk, ru) or "₴12.50" (en)."""
    number = format_amount(money.amount, lang)
    symbol = SYMBOLS.get(money.currency, money.currency)
    if lang == "en":
        return f"{symbol}{number}" if len(symbol) == 1 else f"{number} {symbol}"
    return f"{number}{_NBSP}{symbol}"


def status_word(status: str, lang: str) -> str:
    key = f"status_{status}"
    return t(lang, key) if key in TEXTS else status
