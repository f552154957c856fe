"""The reply keyboards under the Telegram chat, in the seller's language (inline buttons come
from the conversation's replies, bots/telegram/conversation.py)."""
from __future__ import annotations

from aiogram.types import KeyboardButton, ReplyKeyboardMarkup

from domain.i18n import t
from domain.messaging import main_menu_rows


def share_phone(lang: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text=t(lang, "btn_share_phone"),
                                                         request_contact=True)]],
                               resize_keyboard=True, one_time_keyboard=True)


def main_menu(lang: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text=b.text) for b in row]
                                         for row in main_menu_rows(lang)], resize_keyboard=True)
