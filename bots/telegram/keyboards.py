"""Keyboards the Telegram bot shows, in the seller's language."""
from __future__ import annotations

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from domain.i18n import LANGUAGES, format_money, t
from domain.invoice import Invoice

LANGUAGE_NAMES = {"uk": "Українська", "ru": "Русский", "en": "English"}


def share_phone(lang: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text=t(lang, "btn_share_phone"),
                                                         request_contact=True)]],
                               resize_keyboard=True, one_time_keyboard=True)


def main_menu(lang: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(keyboard=[
        [KeyboardButton(text=t(lang, "btn_create")), KeyboardButton(text=t(lang, "btn_record"))],
        [KeyboardButton(text=t(lang, "btn_pending")), KeyboardButton(text=t(lang, "btn_language"))],
        [KeyboardButton(text=t(lang, "btn_settings"))],
        [KeyboardButton(text=t(lang, "btn_cabinet")), KeyboardButton(text=t(lang, "btn_report"))],
    ], resize_keyboard=True)


def account(lang: str, connected: bool, monobank: bool = False) -> InlineKeyboardMarkup:
    """Under the payment account: connect (new keys replace the old), and disconnect, for each
    provider."""
    rows = [[InlineKeyboardButton(text=t(lang, "btn_connect"), callback_data="acct:connect")]]
    if connected:
        rows.append([InlineKeyboardButton(text=t(lang, "btn_disconnect"),
                                          callback_data="acct:disconnect")])
    rows.append([InlineKeyboardButton(text=t(lang, "btn_connect_monobank"),
                                      callback_data="acct:mono")])
    if monobank:
        rows.append([InlineKeyboardButton(text=t(lang, "btn_disconnect_monobank"),
                                          callback_data="acct:mono:disconnect")])
    rows.append([InlineKeyboardButton(text=t(lang, "btn_manual_methods"),
                                      callback_data="mm:list")])
    rows.append([InlineKeyboardButton(text=t(lang, "btn_fiscal"), callback_data="fisc:show")])
    rows.append([InlineKeyboardButton(text=t(lang, "btn_digest"), callback_data="digest:show")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def confirm_disconnect(lang: str, prefix: str = "acct") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t(lang, "btn_disconnect_yes"),
                             callback_data=f"{prefix}:disconnect:yes"),
        InlineKeyboardButton(text=t(lang, "btn_keep"), callback_data="acct:keep")]])


def skip(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t(lang, "btn_skip"), callback_data="skip")]])


def currencies(choices: tuple[str, ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=c, callback_data=f"cur:{c}") for c in choices]])


def languages() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=LANGUAGE_NAMES[code], callback_data=f"lang:{code}")
        for code in LANGUAGES]])


def pending(invoices: list[Invoice], lang: str) -> InlineKeyboardMarkup:
    rows = []
    for invoice in invoices:
        amount = format_money(invoice.amount, lang)
        rows.append([
            InlineKeyboardButton(text=f"🔄 {amount}", callback_data=f"chk:{invoice.code}"),
            InlineKeyboardButton(text=f"✖️ {amount}", callback_data=f"cnl:{invoice.code}"),
        ])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def button_texts(key: str) -> set[str]:
    """The text of a menu button in every language (a seller may switch languages)."""
    return {t(lang, key) for lang in LANGUAGES}
