"""Money: a Decimal amount in an ISO 4217 currency, never a float.

Amounts cross provider boundaries through `to_minor_units` / `from_minor_units` only.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

#: Minor-unit exponent per currency; anything not listed has two decimal places.
_EXPONENTS: dict[str, int] = {
    "JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "UGX": 0, "XAF": 0, "XOF": 0,
    "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3, "LYD": 3, "IQD": 3,
}

#: Symbols used when showing an amount to a person.
SYMBOLS: dict[str, str] = {
    "UAH": "₴", "USD": "$", "EUR": "€", "GBP": "£", "PLN": "zł", "RUB": "₽", "KZT": "₸",
    "MDL": "L", "GEL": "₾", "CZK": "Kč",
}


def exponent(currency: str) -> int:
    """Number of decimal places the currency's minor unit has."""
    return _EXPONENTS.get(currency, 2)


#: THE rounding rule for any amount chatpay computes (fees, commissions): to the currency's
#: minor unit, halves away from zero, as `to_minor_units` rounds
ROUNDING = ROUND_HALF_UP


def round_money(value: Decimal, currency: str) -> Money:
    """A computed amount (a commission, a fee) as Money, rounded by ROUNDING, once."""
    return Money(value.quantize(Decimal(1).scaleb(-exponent(currency)), ROUNDING), currency)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, float) or not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal, never a float.")
        if len(self.currency) != 3 or not self.currency.isascii() or not self.currency.isupper():
            raise ValueError(f"Not an ISO 4217 currency code: {self.currency!r}.")
        quantum = Decimal(1).scaleb(-exponent(self.currency))
        if self.amount != self.amount.quantize(quantum):
            raise ValueError(f"{self.amount} has more decimal places than {self.currency} allows.")
        object.__setattr__(self, "amount", self.amount.quantize(quantum))

    @classmethod
    def from_minor_units(cls, minor: int, currency: str) -> Money:
        return cls(Decimal(minor).scaleb(-exponent(currency)), currency)

    def to_minor_units(self) -> int:
        return int((self.amount.scaleb(exponent(self.currency))).to_integral_value(ROUNDING))

    @classmethod
    def parse_provider(cls, value: object, currency: str) -> Money:
        """Read an amount a provider sent (JSON number or string) without going through float."""
        text = str(value).strip()
        return cls(Decimal(text).quantize(Decimal(1).scaleb(-exponent(currency))), currency)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"Cannot combine {self.currency} with {other.currency}.")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
