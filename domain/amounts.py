"""Parse the amount a seller typed into Money, or say exactly why not.

Accepted: `12`, `12,50`, `12.5`, `1 200,50`, `1 200.50` (ASCII digits, one decimal separator, spaces
between thousands groups). Refused: zero, negatives, letters, exponents, more decimals than the
currency has, non-ASCII digits, and anything over the maximum.
"""
from __future__ import annotations

import re
from decimal import Decimal

from domain.errors import AmountError
from domain.money import Money, exponent

_GROUPED = re.compile(r"[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+")
_PLAIN = re.compile(r"[0-9]+")  # fullmatch: "$" would let "12\n" through


def parse_amount(text: str, currency: str, maximum: Decimal) -> Money:
    """Return the Money the text denotes; raise AmountError(reason) when it is not acceptable."""
    raw = (text or "").strip()
    if not raw:
        raise AmountError("amount_empty")
    if len(raw) > 32:
        raise AmountError("amount_not_a_number")
    if raw.startswith("-"):
        raise AmountError("amount_not_positive")
    if any(ch.isdigit() and not ch.isascii() for ch in raw):
        raise AmountError("amount_ascii_digits")
    if raw.startswith("+"):
        raw = raw[1:]
    whole, fraction = _split_decimal(raw)
    if not (_PLAIN.fullmatch(whole) or _GROUPED.fullmatch(whole)):
        raise AmountError("amount_not_a_number")
    if fraction is not None and not _PLAIN.fullmatch(fraction):
        raise AmountError("amount_not_a_number")
    places = exponent(currency)
    if fraction is not None and len(fraction) > places:
        raise AmountError("amount_too_many_decimals", places=places)
    digits = re.sub(r"[ \u00a0\u202f]", "", whole)
    value = Decimal(digits + ("." + fraction if fraction else ""))
    if value <= 0:
        raise AmountError("amount_not_positive")
    if value > maximum:
        raise AmountError("amount_too_large", maximum=maximum)
    return Money(value.quantize(Decimal(1).scaleb(-places)), currency)


def _split_decimal(raw: str) -> tuple[str, str | None]:
    separators = [i for i, ch in enumerate(raw) if ch in ",."]
    if not separators:
        return raw, None
    if len(separators) > 1:
        raise AmountError("amount_not_a_number")
    i = separators[0]
    whole, fraction = raw[:i], raw[i + 1 :]
    if not whole or not fraction:
        raise AmountError("amount_not_a_number")
    return whole, fraction
