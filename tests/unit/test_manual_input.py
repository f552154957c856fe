"""What a seller types in the manual payment dialogs: the payment date, the amount received
(with another currency), and the fields of a manual method; bad input is answered, never
stored."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from bots import manual
from bots import manual_methods as form

TODAY = date(2026, 12, 2)


def test_a_payment_date_is_read_in_the_sellers_ways_and_never_after_today() -> None:
    assert manual.read_paid_on("01.12.2026", TODAY) == date(2026, 12, 1)
    assert manual.read_paid_on("1.12", TODAY) == date(2026, 12, 1)
    assert manual.read_paid_on("2026-11-30", TODAY) == date(2026, 11, 30)
    assert manual.read_paid_on("02.12.2026", TODAY) == TODAY
    for wrong in ("03.12.2026", "31.02.2026", "вчора", "", "1.1.1.1"):
        assert manual.read_paid_on(wrong, TODAY) is None


def test_the_amount_received_may_name_another_currency() -> None:
    amount, _ = manual.read_corrected("240", "UAH", Decimal(100000), "uk")
    assert str(amount) == "240.00 UAH"
    amount, _ = manual.read_corrected("10,5 usd", "UAH", Decimal(100000), "uk")
    assert str(amount) == "10.50 USD"
    amount, problem = manual.read_corrected("сто", "UAH", Decimal(100000), "uk")
    assert amount is None and problem


def test_a_method_form_reads_each_field_or_says_what_to_type() -> None:
    draft = form.draft_of(None, 30)
    assert form.take("name", None, draft, "uk")[0] is None  # a new method needs a name
    draft, _ = form.take("name", "  Переказ   на картку ", draft, "uk")
    assert draft is not None and draft["name"] == "Переказ на картку"
    for field, typed, stored in (("percent", "1,5%", "1.5"), ("percent", "0", "0"),
                                 ("fee", "5", "5"), ("fee", "1,50 usd", "1.50 USD"),
                                 ("accepted", "uah, usd", "UAH,USD"), ("charge", "eur", "EUR"),
                                 ("days", "7", "7"), ("fiscal", "Так", "yes"),
                                 ("fiscal", "нет", "no"), ("fiscal", "yes", "yes")):
        taken, problem = form.take(field, typed, draft, "uk")
        assert taken is not None and taken[field] == stored, (field, typed, problem)
    for field, typed in (("percent", "100"), ("percent", "1.2345"), ("percent", "-1"),
                         ("percent", "п'ять"), ("fee", "1.5 JPY"), ("fee", "-5"),
                         ("accepted", "UAH, долар"), ("charge", "US"), ("days", "0"),
                         ("days", "366"), ("fiscal", "може")):
        taken, problem = form.take(field, typed, draft, "uk")
        assert taken is None and problem, (field, typed)
    assert form.take("days", None, draft, "uk")[0] == draft  # Skip keeps what is there
    assert form.next_field("days") == "fiscal" and form.next_field("fiscal") is None
    assert form.next_field("name") == "description"
