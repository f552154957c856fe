"""The seller's currency comes from the country of their phone number."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import phonenumbers
from babel.numbers import get_territory_currencies


@dataclass(frozen=True)
class PhoneInfo:
    e164: str
    country: str  #: ISO 3166-1 alpha-2
    currency: str | None  #: ISO 4217, the country's legal tender today


def read_phone(raw: str) -> PhoneInfo | None:
    """Parse a shared phone number ("380501234567", "+380 50 123 45 67"); None if it is not one."""
    text = raw.strip()
    if not text.startswith("+"):
        text = "+" + text.lstrip("0")
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    region = phonenumbers.region_code_for_number(number)
    if not region or region == "001":
        return None
    return PhoneInfo(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                     region, currency_of_country(region))


def currency_of_country(region: str) -> str | None:
    currencies = get_territory_currencies(region, date.today(), tender=True)
    return currencies[0] if currencies else None


def read_buyer_phone(raw: str, country: str | None) -> str | None:
    """A buyer's number as the seller types it: national (`067 123 45 67`, read against the
    seller's country) or E.164 (`+380671234567`). Its E.164 form, or None if it is not a number."""
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else (country or "UA"))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def read_buyer_email(raw: str) -> str | None:
    """An address as the seller types it, checked for syntax only (no DNS); None if it is not one."""
    from email_validator import EmailNotValidError, validate_email
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None
