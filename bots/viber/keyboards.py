"""Keyboards the Viber bot shows. Viber has no inline buttons: a `reply` button sends its
ActionBody back as a text message, so menu buttons carry their own (localized) text."""
from __future__ import annotations

from typing import Any

from domain.i18n import LANGUAGES, format_money, t
from domain.invoice import Invoice
from domain.messaging import Button, main_menu_rows
from workers.messengers.viber_format import keyboard

LANGUAGE_NAMES = {"uk": "Українська", "ru": "Русский", "en": "English"}


def share_phone(lang: str) -> dict[str, Any]:
    return keyboard((), share_phone_text=t(lang, "btn_share_phone"))


def main_menu(lang: str) -> dict[str, Any]:
    return keyboard(main_menu_rows(lang))


def account(lang: str, connected: bool, monobank: bool = False) -> dict[str, Any]:
    """Under the payment account: connect (new keys replace the old), disconnect, for each
    provider; the menu."""
    rows: tuple[tuple[Button, ...], ...] = ((Button(t(lang, "btn_connect"), data="acct:connect"),),)
    if connected:
        rows += ((Button(t(lang, "btn_disconnect"), data="acct:disconnect"),),)
    rows += ((Button(t(lang, "btn_connect_monobank"), data="acct:mono"),),)
    if monobank:
        rows += ((Button(t(lang, "btn_disconnect_monobank"), data="acct:mono:disconnect"),),)
    rows += ((Button(t(lang, "btn_manual_methods"), data="mm:list"),),)
    rows += ((Button(t(lang, "btn_fiscal"), data="fisc:show"),),)
    rows += ((Button(t(lang, "btn_digest"), data="digest:show"),),)
    return keyboard(rows + ((Button(t(lang, "btn_create"), data=t(lang, "btn_create")),),))


def confirm_disconnect(lang: str, prefix: str = "acct") -> dict[str, Any]:
    return keyboard(((Button(t(lang, "btn_disconnect_yes"), data=f"{prefix}:disconnect:yes"),
                      Button(t(lang, "btn_keep"), data="acct:keep")),))


def skip(lang: str) -> dict[str, Any]:
    return keyboard(((Button(t(lang, "btn_skip"), data="skip"),),))


def currencies(choices: tuple[str, ...]) -> dict[str, Any]:
    return keyboard((tuple(Button(c, data=f"cur:{c}") for c in choices),))


def languages() -> dict[str, Any]:
    return keyboard((tuple(Button(LANGUAGE_NAMES[c], data=f"lang:{c}") for c in LANGUAGES),))


def pending(invoices: list[Invoice], lang: str) -> dict[str, Any]:
    rows = tuple((Button(f"🔄 {format_money(i.amount, lang)}", data=f"chk:{i.code}"),
                  Button(f"✖️ {format_money(i.amount, lang)}", data=f"cnl:{i.code}"))
                 for i in invoices)
    return keyboard(rows + ((Button(t(lang, "btn_create"), data=t(lang, "btn_create")),),))


def webhook(lang: str) -> dict[str, Any]:
    """Send test / Rotate secret / Redeliver failed / Remove, under `/webhook`."""
    from bots.webhooks import BUTTONS, PREFIX
    rows = tuple(tuple(Button(t(lang, key), data=f"{PREFIX}{action}") for action, key in row)
                 for row in BUTTONS)
    return keyboard(rows + ((Button(t(lang, "btn_create"), data=t(lang, "btn_create")),),))


def buyer_fields(lang: str) -> dict[str, Any]:
    return keyboard(((Button(t(lang, "btn_toggle_name"), data="bf:name"),
                      Button(t(lang, "btn_toggle_phone"), data="bf:phone")),
                     (Button(t(lang, "btn_shop_name"), data="shop:ask"),),
                     (Button(t(lang, "btn_create"), data=t(lang, "btn_create")),)))


def button_texts(key: str) -> set[str]:
    """The text of a menu button in every language (a seller may switch languages)."""
    return {t(lang, key) for lang in LANGUAGES}
