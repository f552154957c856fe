"""Why a provider refused a payment or a refund, in the words of the person reading it.

A provider answers with a code (LiqPay's `err_code`: `limit`, `frod`, `9859`, `err_card_*`, …) and
an English description. Neither is shown to a seller or a buyer: the code is sorted into a kind
of refusal, and each kind has a text in uk, ru and en. A code we do not know reads as the
generic text, never as itself. The raw code and description stay in the invoice's history for
support. Pure: no I/O.
"""
from __future__ import annotations

from typing import Final

GENERIC: Final = "generic"

#: LiqPay's documented err_code values (anti-fraud, non-financial and financial), by kind
_KINDS: Final[dict[str, str]] = {
    # money on the card and its limits
    "9859": "insufficient_funds", "insufficient_funds": "insufficient_funds",
    "limit": "limit", "amount_limit": "limit", "err_limit_amount": "limit",
    "err_payment_amount_limit": "limit", "104": "limit", "103": "limit", "113": "limit",
    "2903": "limit", "9860": "limit", "9861": "limit",
    # the bank's anti-fraud
    "frod": "fraud", "decline": "declined",
    # the card itself
    "9851": "card_expired", "card_expired": "card_expired",
    "9852": "card_number", "err_card": "card_number", "card_number_invalid": "card_number",
    "err_card_bin": "card_number",
    "cvv": "cvv", "9882": "cvv", "expired_cvv": "expired",
    "105": "card_not_supported", "9855": "card_not_supported", "err_card_type": "card_not_supported",
    "err_card_country": "card_not_supported", "3914": "card_not_supported",
    "err_payment_currency": "card_not_supported", "5": "three_ds",
    "112": "card_blocked",
    # confirmation by the buyer
    "err_verify_code": "verify_code", "err_sms_otp": "verify_code", "err_get_verify_code": "verify_code",
    "3ds_fail": "three_ds", "err_mpi": "three_ds", "expired_3ds": "three_ds",
    # declined by the issuing bank, no reason given
    "9854": "declined", "9989": "declined", "90": "declined",
    # the seller's account at the provider
    "public_key_not_found": "account", "err_auth": "account", "invalid_signature": "account",
    "err_signature": "account", "shop_blocked": "account", "shop_not_active": "account",
    "err_access": "account", "err_blocked": "account", "err_api_ip": "account",
    # time ran out before the buyer finished
    "expired": "expired",
    "invoice_canceled": "cancelled",
    # ours: a test payment reached a live account
    "test_payment": "test_payment",
    # refunds
    "payment_not_subject_to_refund": "not_refundable", "err_amount_hold": "not_refundable",
    "payment_err_status": "not_refundable",
}
#: families of codes named by prefix: the rest of the name varies
_PREFIXES: Final = (("err_card", "card_not_accepted"), ("expired_", "expired"))

_TEXTS: Final[dict[str, dict[str, str]]] = {
    "insufficient_funds": {
        "uk": "недостатньо коштів на картці", "ru": "недостаточно средств на карте",
        "en": "not enough money on the card"},
    "limit": {
        "uk": "перевищено ліміт картки або платежу", "ru": "превышен лимит карты или платежа",
        "en": "a card or payment limit was exceeded"},
    "fraud": {
        "uk": "банк вважає платіж ризикованим і заблокував його",
        "ru": "банк счёл платёж рискованным и заблокировал его",
        "en": "the bank judged the payment risky and blocked it"},
    "declined": {
        "uk": "банк покупця відхилив платіж", "ru": "банк покупателя отклонил платёж",
        "en": "the buyer's bank declined the payment"},
    "card_expired": {
        "uk": "термін дії картки минув", "ru": "срок действия карты истёк",
        "en": "the card has expired"},
    "card_number": {
        "uk": "неправильний номер картки", "ru": "неверный номер карты",
        "en": "the card number is wrong"},
    "cvv": {
        "uk": "неправильний код CVV", "ru": "неверный код CVV", "en": "the CVV code is wrong"},
    "card_not_supported": {
        "uk": "ця картка не підтримує такий платіж", "ru": "эта карта не поддерживает такой платёж",
        "en": "this card does not support this payment"},
    "card_blocked": {
        "uk": "картку заблоковано", "ru": "карта заблокирована", "en": "the card is blocked"},
    "card_not_accepted": {
        "uk": "картку не прийнято; покупець може спробувати іншу",
        "ru": "карта не принята; покупатель может попробовать другую",
        "en": "the card was not accepted; the buyer may try another one"},
    "verify_code": {
        "uk": "неправильний код підтвердження", "ru": "неверный код подтверждения",
        "en": "the confirmation code was wrong"},
    "three_ds": {
        "uk": "не пройдено перевірку 3-D Secure", "ru": "не пройдена проверка 3-D Secure",
        "en": "the 3-D Secure check failed"},
    "account": {
        "uk": "платіжна система не приймає ключі вашого рахунку (Платіжний рахунок → підключіть знову)",
        "ru": "платёжная система не принимает ключи вашего счёта (Платёжный счёт → подключите снова)",
        "en": "the payment provider refuses your account's keys (Payment account → connect again)"},
    "expired": {
        "uk": "час на оплату минув", "ru": "время на оплату истекло",
        "en": "the time to pay ran out"},
    "cancelled": {
        "uk": "платіж скасовано", "ru": "платёж отменён", "en": "the payment was cancelled"},
    "test_payment": {
        "uk": "тестовий платіж на робочому рахунку", "ru": "тестовый платёж на рабочем счёте",
        "en": "a test payment on a live account"},
    "not_refundable": {
        "uk": "цей платіж зараз не можна повернути", "ru": "этот платёж сейчас нельзя вернуть",
        "en": "this payment cannot be refunded now"},
    GENERIC: {
        "uk": "платіжна система відмовила без пояснень",
        "ru": "платёжная система отказала без объяснений",
        "en": "the payment provider refused without a reason"},
}


def decline_kind(code: str | None) -> str:
    """The kind of refusal a provider's code stands for; GENERIC for one we do not know."""
    key = (code or "").strip().lower()
    if key in _KINDS:
        return _KINDS[key]
    for prefix, kind in _PREFIXES:
        if key.startswith(prefix):
            return kind
    return GENERIC


#: a provider that words its refusals instead of coding them (monobank's `failureReason`, in
#: Ukrainian): the words that tell the kind, looked for in lower case, the first match wins
_REASON_WORDS: Final = (
    ("недостатньо коштів", "insufficient_funds"), ("недостаточно средств", "insufficient_funds"),
    ("insufficient", "insufficient_funds"),
    ("ліміт", "limit"), ("лимит", "limit"), ("limit", "limit"),
    ("шахрай", "fraud"), ("фрод", "fraud"), ("fraud", "fraud"), ("ризик", "fraud"),
    ("термін дії", "card_expired"), ("строк дії", "card_expired"), ("expired card", "card_expired"),
    ("номер карт", "card_number"), ("card number", "card_number"),
    ("cvv", "cvv"), ("cvc", "cvv"),
    ("3-d secure", "three_ds"), ("3ds", "three_ds"),
    ("заблоков", "card_blocked"), ("blocked", "card_blocked"),
    ("не підтримує", "card_not_supported"), ("not supported", "card_not_supported"),
    ("відхил", "declined"), ("declined", "declined"),
)


def reason_kind(reason: str | None) -> str:
    """The kind of refusal a provider's own words describe; GENERIC if none is recognised."""
    text = (reason or "").lower()
    return next((kind for words, kind in _REASON_WORDS if words in text), GENERIC)


def decline_text(code: str | None, lang: str, reason: str | None = None) -> str:
    """What the provider's refusal `code` means, in `lang` (English if we do not speak it);
    a code we do not know is read from the provider's own words `reason`, if they tell."""
    kind = decline_kind(code)
    if kind == GENERIC and reason:
        kind = reason_kind(reason)
    texts = _TEXTS[kind]
    return texts.get(lang) or texts["en"]


def kinds() -> frozenset[str]:
    """Every kind of refusal a text exists for."""
    return frozenset(_TEXTS)


def code_in(message: str | None) -> str | None:
    """The provider's code in one of our refusal lines ("LiqPay refused refund for order X:
    CODE (why)." or "CODE (why)"); None when the line carries none."""
    text = (message or "").strip()
    if ": " in text:
        text = text.rsplit(": ", 1)[-1]
    word = text.split(" ", 1)[0].rstrip(".") if text else ""
    return word or None
