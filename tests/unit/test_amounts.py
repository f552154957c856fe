"""What a seller may type as an amount, and exactly why anything else is refused."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from domain.amounts import parse_amount
from domain.errors import AmountError
from domain.money import Money

MAXIMUM = Decimal("100000")
GROUP_SEPARATORS = (" ", "\u00a0", "\u202f")  # space, no-break space, narrow no-break space


def uah(text: str) -> Money:
    return parse_amount(text, "UAH", MAXIMUM)


def refusal(text: str, currency: str = "UAH", maximum: Decimal = MAXIMUM) -> AmountError:
    with pytest.raises(AmountError) as caught:
        parse_amount(text, currency, maximum)
    return caught.value


@pytest.mark.parametrize(("typed", "amount"), [
    ("12", "12.00"),
    ("12,50", "12.50"),
    ("12.5", "12.50"),
    ("1 200,50", "1200.50"),
    ("1 200.50", "1200.50"),
    ("1\u00a0200,50", "1200.50"),
    ("12 345 678", "12345678.00"),
    ("  7,05 ", "7.05"),
    ("0,01", "0.01"),
    ("007", "7.00"),
    ("100000", "100000.00"),
])
def test_accepts_the_ways_sellers_write_an_amount(typed, amount):
    money = parse_amount(typed, "UAH", Decimal("99999999"))
    assert money == Money(Decimal(amount), "UAH")
    assert str(money.amount) == amount


def test_a_leading_plus_is_read_as_a_positive_amount():
    # The code strips one "+": "+5" is five hryvnias, not a refusal.
    assert uah("+5") == Money(Decimal("5.00"), "UAH")
    assert uah("+1 200,50") == Money(Decimal("1200.50"), "UAH")


def test_the_amount_always_carries_the_currency_s_two_decimal_places():
    assert str(uah("12").amount) == "12.00"
    assert str(uah("12,5").amount) == "12.50"


@pytest.mark.parametrize(("typed", "reason"), [
    ("0", "amount_not_positive"),
    ("0,00", "amount_not_positive"),
    ("-5", "amount_not_positive"),
    ("-0,01", "amount_not_positive"),
    ("abc", "amount_not_a_number"),
    ("1e3", "amount_not_a_number"),
    ("12.345", "amount_too_many_decimals"),
    ("١٢", "amount_ascii_digits"),  # Arabic-Indic digits
    ("۱۲", "amount_ascii_digits"),  # Extended Arabic-Indic (Persian) digits
    ("１２", "amount_ascii_digits"),  # full-width digits
    ("12,５", "amount_ascii_digits"),
    ("", "amount_empty"),
    ("   ", "amount_empty"),
    ("1,2,3", "amount_not_a_number"),
    ("1.200,50", "amount_not_a_number"),
    ("12,", "amount_not_a_number"),
    (",5", "amount_not_a_number"),
    ("+", "amount_not_a_number"),
    ("++5", "amount_not_a_number"),
    ("12 ₴", "amount_not_a_number"),
    ("1 20", "amount_not_a_number"),
    ("12  345", "amount_not_a_number"),
    ("1\t200", "amount_not_a_number"),
    ("NaN", "amount_not_a_number"),
    ("Infinity", "amount_not_a_number"),
    ("12\n,50", "amount_not_a_number"),
    ("1 200\n.50", "amount_not_a_number"),
    ("1" * 40, "amount_not_a_number"),
])
def test_refuses_what_is_not_an_acceptable_amount_saying_why(typed, reason):
    assert refusal(typed).reason == reason


def test_none_is_refused_as_empty():
    assert refusal(None).reason == "amount_empty"  # type: ignore[arg-type]


def test_too_many_decimals_tells_the_seller_how_many_are_allowed():
    error = refusal("12.345")
    assert error.params == {"places": 2}


def test_over_the_maximum_is_refused_naming_the_maximum():
    error = refusal("100000,01")
    assert error.reason == "amount_too_large"
    assert error.params == {"maximum": MAXIMUM}
    assert refusal("1 000 000").reason == "amount_too_large"


def test_the_maximum_itself_is_accepted():
    assert uah("100 000,00") == Money(MAXIMUM, "UAH")


def test_yen_has_no_decimals_so_a_fraction_is_refused():
    error = refusal("12,5", "JPY")
    assert error.reason == "amount_too_many_decimals"
    assert error.params == {"places": 0}
    assert parse_amount("1 200", "JPY", MAXIMUM) == Money(Decimal("1200"), "JPY")


def test_three_decimal_currencies_take_three_places():
    assert parse_amount("1,125", "KWD", MAXIMUM) == Money(Decimal("1.125"), "KWD")
    assert refusal("1,1255", "KWD").params == {"places": 3}


# -- properties ----------------------------------------------------------------------------------

def _written(value: Decimal, separator: str, group: str | None, places: int, plus: bool,
             padding: str) -> str:
    """How a seller might type `value`: comma or dot, thousands grouped or not, 0–2 decimals."""
    whole, _, fraction = f"{value:.2f}".partition(".")
    if group is not None:
        digits = whole
        groups = []
        while len(digits) > 3:
            groups.insert(0, digits[-3:])
            digits = digits[:-3]
        groups.insert(0, digits)
        whole = group.join(groups)
    fraction = fraction[:places] if places else ""
    text = whole + (separator + fraction if fraction else "")
    return padding + ("+" if plus else "") + text + padding


@st.composite
def typed_amounts(draw: st.DrawFn) -> tuple[Decimal, str]:
    cents = draw(st.integers(min_value=1, max_value=int(MAXIMUM * 100)))
    value = Decimal(cents).scaleb(-2)
    # only drop trailing decimals that are zero, so the text still denotes exactly `value`
    shortest = 2 if cents % 10 else (1 if cents % 100 else 0)
    places = draw(st.integers(min_value=shortest, max_value=2))
    text = _written(
        value,
        separator=draw(st.sampled_from([",", "."])),
        group=draw(st.none() | st.sampled_from(GROUP_SEPARATORS)),
        places=places,
        plus=draw(st.booleans()),
        padding=draw(st.sampled_from(["", " ", "\n", " \t"])),
    )
    return value, text


@given(typed_amounts())
@example((Decimal("1200.50"), "1 200,5"))
@example((Decimal("0.01"), "0.01"))
@example((MAXIMUM, "100 000"))
def test_any_amount_written_in_an_accepted_way_parses_back_to_exactly_that_value(case):
    value, text = case
    money = uah(text)
    assert money.amount == value
    assert money.currency == "UAH"
    assert money.amount.as_tuple().exponent == -2


_AMOUNTISH = st.text(
    alphabet=st.sampled_from(list("0123456789,.+- \u00a0\u202f\t\neE١２_")), max_size=40)


@given(st.one_of(st.text(max_size=40), _AMOUNTISH))
@example("12\n,50")
@example("9" * 32)
@example("0" * 31 + "1")
def test_arbitrary_text_is_either_a_sensible_amount_or_an_amount_error(text):
    try:
        money = uah(text)
    except AmountError as error:
        assert error.reason in {"amount_empty", "amount_not_a_number", "amount_not_positive",
                                "amount_ascii_digits", "amount_too_many_decimals",
                                "amount_too_large"}
        return
    assert Decimal(0) < money.amount <= MAXIMUM
    assert money.amount.as_tuple().exponent >= -2
    assert money.currency == "UAH"
