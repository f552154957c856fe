"""A provider's refusal in the reader's language (domain.declines): never the raw code."""
from __future__ import annotations

import pytest

from domain.declines import GENERIC, code_in, decline_kind, decline_text, kinds
from domain.i18n import LANGUAGES


@pytest.mark.parametrize(("code", "kind"), [
    ("9859", "insufficient_funds"), ("limit", "limit"), ("frod", "fraud"), ("decline", "declined"),
    ("err_verify_code", "verify_code"), ("cvv", "cvv"), ("card_expired", "card_expired"),
    ("9851", "card_expired"), ("3ds_fail", "three_ds"), ("9852", "card_number"),
    ("err_card_def_notfound", "card_not_accepted"), ("err_card_bank", "card_not_accepted"),
    ("err_card_type", "card_not_supported"), ("expired_otp", "expired"),
    ("public_key_not_found", "account"), ("test_payment", "test_payment"),
    ("payment_not_subject_to_refund", "not_refundable"), ("FROD", "fraud"),
])
def test_each_documented_code_is_a_kind_of_refusal(code, kind):
    assert decline_kind(code) == kind


@pytest.mark.parametrize("code", [None, "", "some_new_code", "12345", "Insufficient funds"])
def test_an_unknown_code_reads_as_the_generic_text_never_as_itself(code):
    assert decline_kind(code) == GENERIC
    for lang in LANGUAGES:
        text = decline_text(code, lang)
        assert text == decline_text("never-heard-of-it", lang)
        assert not code or code not in text


def test_every_kind_reads_in_uk_ru_and_en_and_the_three_differ():
    for kind in kinds():
        texts = [decline_text(_a_code_of(kind), lang) for lang in LANGUAGES]
        assert all(texts) and len(set(texts)) == 3, kind


def test_insufficient_funds_reads_in_the_sellers_language():
    assert decline_text("9859", "uk") == "недостатньо коштів на картці"
    assert decline_text("9859", "ru") == "недостаточно средств на карте"
    assert decline_text("9859", "en") == "not enough money on the card"
    assert decline_text("9859", "de") == "not enough money on the card"  # English otherwise


def test_the_code_is_found_in_our_refusal_lines():
    assert code_in("LiqPay refused refund for order ab-1: payment_not_subject_to_refund "
                   "(Payment can not be refunded).") == "payment_not_subject_to_refund"
    assert code_in("frod (Fraud)") == "frod"
    assert code_in("") is None and code_in(None) is None


def _a_code_of(kind: str) -> str | None:
    from domain import declines
    if kind == GENERIC:
        return None
    return next(code for code, k in declines._KINDS.items() if k == kind) if kind in set(
        declines._KINDS.values()) else next(p for p, k in declines._PREFIXES if k == kind) + "x"


def test_a_provider_that_words_its_refusals_is_read_from_its_words_never_shown_them():
    from domain.declines import decline_text
    reason = "Недостатньо коштів"  # monobank's failureReason, with its own code "59"
    for lang, words in (("uk", "недостатньо коштів на картці"), ("ru", "недостаточно средств"),
                        ("en", "not enough money")):
        text = decline_text("59", lang, reason)
        assert words in text and "59" not in text
    assert decline_text("59", "en", "something nobody foresaw") == decline_text(None, "en")
