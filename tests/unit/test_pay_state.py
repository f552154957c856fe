"""The pay page's state, decided in one function from the invoice, its latest card attempt,
the buyer's manual payment and the merchant account's standing."""
from __future__ import annotations

from dataclasses import replace

import pytest

from domain.declines import decline_text
from domain.i18n import LANGUAGES, t
from domain.invoice import InvoiceStatus
from tests.unit.test_invoice import new_invoice, pending_invoice
from web.pay_state import (
    ATTEMPT_DECLINED,
    ATTEMPT_FAILED,
    ATTEMPT_IN_FLIGHT,
    ATTEMPT_PAID,
    DECLINE_OTHER,
    Kind,
    LatestAttempt,
    decline_words,
    masked_email,
    page_state,
)


def test_an_open_invoice_offers_the_card_and_the_sellers_manual_methods() -> None:
    state = page_state(pending_invoice(), manual_methods=True)
    assert (state.kind, state.card, state.manual, state.final) == (Kind.OPEN, True, True, False)


def test_an_invoice_without_its_link_yet_does_not_offer_the_card() -> None:
    assert not page_state(new_invoice()).card


def test_a_buyer_back_from_the_checkout_sees_processing_and_no_other_way_to_pay() -> None:
    state = page_state(pending_invoice(), returning=True, manual_methods=True)
    assert (state.kind, state.card, state.manual) == (Kind.PROCESSING, False, False)


def test_a_payment_the_provider_still_processes_shows_processing_on_the_plain_link() -> None:
    invoice = replace(pending_invoice(), in_flight=True)
    assert page_state(invoice).kind is Kind.PROCESSING


def test_while_a_manual_payment_is_checked_neither_the_card_nor_the_form_is_offered() -> None:
    state = page_state(pending_invoice(), manual_open=True, manual_methods=True)
    assert (state.kind, state.card, state.manual) == (Kind.CHECKING, False, False)


@pytest.mark.parametrize("attempt", [ATTEMPT_DECLINED, ATTEMPT_FAILED])
def test_a_declined_attempt_names_the_reason_and_offers_to_try_again(attempt: str) -> None:
    state = page_state(pending_invoice(), returning=True,
                       latest_attempt=LatestAttempt(attempt, "limit"))
    assert (state.kind, state.card, state.final) == (Kind.DECLINED, True, False)
    assert state.decline_code == "limit"
    # the buyer reads what the seller reads about the same decline
    assert decline_words(state.decline_code, "uk") == decline_text("limit", "uk") \
        == "перевищено ліміт картки або платежу"
    assert decline_words("9859", "en") == "not enough money on the card"


def test_a_decline_code_we_do_not_know_is_told_in_plain_words_never_raw() -> None:
    state = page_state(pending_invoice(), latest_attempt=LatestAttempt(ATTEMPT_DECLINED,
                                                                       "err_weird_42"))
    assert all(decline_words(state.decline_code, lang) == t(lang, DECLINE_OTHER)
               and "err_weird" not in decline_words(state.decline_code, lang)
               for lang in LANGUAGES)
    # words written for the seller (their account's keys) read plain to the buyer
    assert decline_words("public_key_not_found", "uk") == t("uk", DECLINE_OTHER)


@pytest.mark.parametrize("attempt", [ATTEMPT_IN_FLIGHT, ATTEMPT_PAID])
def test_an_attempt_in_flight_shows_processing_even_without_the_back_flag(attempt: str) -> None:
    assert page_state(pending_invoice(),
                      latest_attempt=LatestAttempt(attempt)).kind is Kind.PROCESSING


def test_a_refused_account_makes_an_open_invoice_unavailable_with_nothing_to_do() -> None:
    state = page_state(pending_invoice(), manual_methods=True, account_refused=True)
    assert (state.kind, state.card, state.manual) == (Kind.UNAVAILABLE, False, False)


def test_a_refused_account_still_shows_a_payment_in_flight_as_processing() -> None:
    assert page_state(pending_invoice(), returning=True,
                      account_refused=True).kind is Kind.PROCESSING


@pytest.mark.parametrize("status, kind", [
    (InvoiceStatus.PAID, Kind.PAID), (InvoiceStatus.EXPIRED, Kind.EXPIRED),
    (InvoiceStatus.CANCELLED, Kind.CANCELLED), (InvoiceStatus.FAILED, Kind.FAILED)])
def test_a_closed_invoice_says_so_plainly_offers_nothing_and_stops_following(
        status: InvoiceStatus, kind: Kind) -> None:
    state = page_state(replace(pending_invoice(), status=status), returning=True,
                       manual_methods=True, latest_attempt=LatestAttempt(ATTEMPT_DECLINED))
    assert (state.kind, state.card, state.manual, state.final) == (kind, False, False, True)


def test_an_expired_invoice_with_a_payment_in_flight_is_still_processing() -> None:
    invoice = replace(pending_invoice(), status=InvoiceStatus.EXPIRED, settling=True)
    assert page_state(invoice).kind is Kind.PROCESSING


def test_a_refunded_invoice_shows_paid_and_says_so() -> None:
    state = page_state(replace(pending_invoice(), status=InvoiceStatus.PARTIALLY_REFUNDED))
    assert state.kind is Kind.PAID and state.refunded


def test_the_receipts_address_is_shown_masked() -> None:
    assert masked_email("buyer@example.com") == "b…@example.com"


@pytest.mark.parametrize("header, chosen", [
    ("en-GB,en;q=0.9,uk;q=0.8", "en"), ("de-DE,de;q=0.9,ru;q=0.5", "ru"),
    ("uk;q=0.2,en;q=0.7", "en"), ("de, fr", None), ("", None), ("en;q=0", None)])
def test_the_page_speaks_the_most_wanted_language_it_knows(header: str, chosen: str | None,
                                                          ) -> None:
    from web.pay_page import accepted_language
    assert accepted_language(header) == chosen
