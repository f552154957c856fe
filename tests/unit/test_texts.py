"""The text table read as a translator would: no English word left in a Ukrainian or Russian
text, no Russian letter in a Ukrainian text and no Ukrainian letter in a Russian one, and no
Ukrainian or Russian text that is the English one copied."""
from __future__ import annotations

import re

import pytest

from domain.i18n import LANGUAGES, TEXTS
from domain.webhooks import DeliveryStatus

# Names and codes that stay in Latin letters in every language: brands, currencies, formats,
# and the technical words of the webhook set-up text (header names a developer copies).
LATIN_ALLOWED = {
    "LiqPay", "monobank", "Apple", "Google", "Pay", "web.monobank.ua", "web", "ua", "Checkbox", "API", "SMS", "SMS-", "QR-", "E-mail", "e-mail", "UAH", "USD", "EUR",
    "UTC", "ERROR", "key", "public", "private", "HMAC-SHA", "POST", "Standard", "base",
    "timestamp", "Webhooks", "Secure", "webhook-id", "webhook-signature", "webhook-timestamp", "whsec",
}
# Texts that go out through gateways that want Latin letters.
LATIN_TEXTS = {key for key in TEXTS if key.startswith("sms_")}


def _words(text: str) -> set[str]:
    plain = re.sub(r"\{[^}]*\}", "", text)                      # placeholders
    plain = re.sub(r"https?://\S+|\S+@\S+|(?<!\w)/\w+", "", plain)  # links, addresses, commands
    return set(re.findall(r"[A-Za-z][A-Za-z'-]{2,}", plain))


def test_no_english_word_is_left_in_a_ukrainian_or_russian_text():
    left = {(key, lang): sorted(_words(entry[lang]) - LATIN_ALLOWED)
            for key, entry in TEXTS.items() if key not in LATIN_TEXTS
            for lang in ("uk", "ru") if _words(entry[lang]) - LATIN_ALLOWED}
    assert left == {}


def test_ukrainian_texts_have_no_russian_letters_and_russian_texts_no_ukrainian_ones():
    russian_only, ukrainian_only = re.compile("[ыэъёЫЭЪЁ]"), re.compile("[іїєґІЇЄҐ]")
    wrong = [(key, "uk") for key, entry in TEXTS.items() if russian_only.search(entry["uk"])]
    wrong += [(key, "ru") for key, entry in TEXTS.items() if ukrainian_only.search(entry["ru"])]
    assert wrong == []


def test_no_ukrainian_or_russian_text_is_the_english_one_copied():
    copied = [(key, lang) for key, entry in TEXTS.items() for lang in ("uk", "ru")
              if _words(entry["en"]) - LATIN_ALLOWED and entry[lang] == entry["en"]]
    assert copied == []


@pytest.mark.parametrize("status", list(DeliveryStatus))
def test_a_shop_delivery_state_is_shown_in_the_sellers_language(status):
    from bots.webhooks import delivery_word
    words = {lang: delivery_word(status, lang) for lang in LANGUAGES}
    assert words["uk"] != words["en"] and words["ru"] != words["en"]
    assert not _words(words["uk"]) and not _words(words["ru"])


def test_a_finished_invoice_that_cannot_be_cancelled_is_said_in_good_ukrainian():
    from domain.i18n import status_word, t
    said = t("uk", "cannot_cancel", status=status_word("paid", "uk"))
    assert "його оплачено" in said and "він" not in said


def test_the_seller_never_reads_a_providers_status_word():
    """A payment or a refund still at the bank is said in words; LiqPay's status (`3ds_verify`,
    `refund_wait`, …) stays in the history for support."""
    from domain.i18n import t
    for key in ("payment_in_progress", "refund_pending"):
        for lang in LANGUAGES:
            said = t(lang, key, amount="1", description="", status="refund_wait")
            assert "refund_wait" not in said, (key, lang)
