"""Money never goes through a float, and is shown to a person the way their language writes it."""
from __future__ import annotations

import string
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    TEXTS,
    format_money,
    normalize_language,
    status_word,
    t,
)
from domain.invoice import InvoiceStatus
from domain.money import Money, exponent

NBSP = "\u00a0"
CURRENCIES = ("UAH", "USD", "EUR", "JPY", "KWD", "PLN")


# -- Money --------------------------------------------------------------------------------------

@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(CURRENCIES))
def test_minor_units_round_trip_exactly(minor, currency):
    money = Money.from_minor_units(minor, currency)
    assert money.to_minor_units() == minor
    assert money.amount.as_tuple().exponent == -exponent(currency)


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1e12"), places=2))
def test_a_two_decimal_amount_survives_minor_units_unchanged(amount):
    money = Money(amount, "UAH")
    assert Money.from_minor_units(money.to_minor_units(), "UAH") == money


def test_minor_units_follow_the_currency_exponent():
    assert Money(Decimal("12.50"), "UAH").to_minor_units() == 1250
    assert Money(Decimal("1200"), "JPY").to_minor_units() == 1200
    assert Money(Decimal("1.125"), "KWD").to_minor_units() == 1125
    assert Money.from_minor_units(1250, "UAH").amount == Decimal("12.50")


def test_a_float_amount_is_refused():
    with pytest.raises(TypeError):
        Money(12.5, "UAH")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(12, "UAH")  # type: ignore[arg-type]


@pytest.mark.parametrize(("amount", "currency"), [
    ("12.345", "UAH"), ("12.5", "JPY"), ("1.1255", "KWD"), ("0.001", "USD"),
])
def test_more_decimals_than_the_currency_has_are_refused(amount, currency):
    with pytest.raises(ValueError):
        Money(Decimal(amount), currency)


def test_trailing_zeros_beyond_the_currency_are_not_extra_precision():
    assert Money(Decimal("12.500"), "UAH").amount == Decimal("12.50")
    assert str(Money(Decimal("12.5"), "UAH").amount) == "12.50"


@pytest.mark.parametrize("code", ["uah", "UA", "HRYV", "₴₴₴", ""])
def test_a_currency_that_is_not_an_iso_code_is_refused(code):
    with pytest.raises(ValueError):
        Money(Decimal("1"), code)


@pytest.mark.parametrize("value", ["12.50", " 12.50 ", "12.5", Decimal("12.5"), Decimal("12.50")])
def test_a_provider_amount_is_read_exactly_from_text_or_decimal(value):
    assert Money.parse_provider(value, "UAH") == Money(Decimal("12.50"), "UAH")


def test_a_provider_integer_amount_gets_the_currency_decimals():
    money = Money.parse_provider(12, "UAH")
    assert str(money.amount) == "12.00"
    assert Money.parse_provider(1200, "JPY").amount == Decimal("1200")


def test_adding_and_subtracting_keep_the_currency():
    a, b = Money(Decimal("10.25"), "UAH"), Money(Decimal("2.50"), "UAH")
    assert a + b == Money(Decimal("12.75"), "UAH")
    assert a - b == Money(Decimal("7.75"), "UAH")


def test_amounts_in_different_currencies_cannot_be_combined():
    with pytest.raises(ValueError, match="UAH.*USD"):
        Money(Decimal("1"), "UAH") + Money(Decimal("1"), "USD")
    with pytest.raises(ValueError):
        Money(Decimal("1"), "UAH") - Money(Decimal("1"), "EUR")


# -- showing money ------------------------------------------------------------------------------

def test_ukrainian_writes_hryvnias_with_a_comma_and_no_break_spaces():
    assert format_money(Money(Decimal("1200.50"), "UAH"), "uk") == f"1{NBSP}200,50{NBSP}₴"
    assert format_money(Money(Decimal("12.50"), "UAH"), "uk") == f"12,50{NBSP}₴"


def test_russian_writes_money_like_ukrainian():
    shown = format_money(Money(Decimal("1234567.05"), "UAH"), "ru")
    assert shown == f"1{NBSP}234{NBSP}567,05{NBSP}₴"


def test_english_puts_a_one_character_symbol_first_with_a_dot():
    assert format_money(Money(Decimal("12.50"), "UAH"), "en") == "₴12.50"
    assert format_money(Money(Decimal("1200.50"), "USD"), "en") == "$1,200.50"


def test_english_puts_a_longer_symbol_or_a_bare_code_after_the_number():
    assert format_money(Money(Decimal("12.50"), "PLN"), "en") == "12.50 zł"
    assert format_money(Money(Decimal("1200"), "JPY"), "en") == "1,200 JPY"


def test_an_amount_never_breaks_across_lines_in_ukrainian():
    shown = format_money(Money(Decimal("1234567.89"), "EUR"), "uk")
    assert " " not in shown
    assert shown == f"1{NBSP}234{NBSP}567,89{NBSP}€"


@pytest.mark.parametrize(("code", "language"), [
    ("uk", "uk"), ("ru", "ru"), ("en", "en"), ("ru-RU", "ru"), ("en-GB", "en"), ("en_US", "en"),
    ("UK", "uk"), ("uk-UA", "uk"), ("de", "en"), ("pt-BR", "en"), (None, DEFAULT_LANGUAGE),
    ("", DEFAULT_LANGUAGE),
])
def test_a_messenger_language_code_maps_to_one_we_speak(code, language):
    assert normalize_language(code) == language


# -- texts ---------------------------------------------------------------------------------------

def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_every_text_exists_in_every_language_with_the_same_placeholders(key):
    entry = TEXTS[key]
    assert set(entry) == set(LANGUAGES)
    assert all(entry[lang].strip() for lang in LANGUAGES)
    placeholders = {lang: _placeholders(entry[lang]) for lang in LANGUAGES}
    assert placeholders["uk"] == placeholders["ru"] == placeholders["en"], placeholders


@pytest.mark.parametrize("key", sorted(TEXTS))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_formats_with_its_placeholders(key, lang):
    params = {name: f"<{name}>" for name in _placeholders(TEXTS[key][lang])}
    shown = t(lang, key, **params)
    for value in params.values():
        assert value in shown
    assert "{" not in shown and "}" not in shown


def test_every_invoice_status_has_a_word_in_every_language():
    for status in InvoiceStatus:
        assert f"status_{status.value}" in TEXTS
        for lang in LANGUAGES:
            assert status_word(status.value, lang) == TEXTS[f"status_{status.value}"][lang]
    assert status_word("pending", "uk") == "очікує оплати"


def test_an_unknown_language_falls_back_to_english():
    assert t("de", "checking") == TEXTS["checking"]["en"]
