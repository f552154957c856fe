"""The keyboards Viber shows without a message's own buttons. Viber has no inline buttons: a
`reply` button sends its ActionBody back as a text message, so menu buttons carry their own
(localized) text."""
from __future__ import annotations

from typing import Any

from domain.i18n import t
from domain.messaging import main_menu_rows
from workers.messengers.viber_format import keyboard


def share_phone(lang: str) -> dict[str, Any]:
    return keyboard((), share_phone_text=t(lang, "btn_share_phone"))


def main_menu(lang: str) -> dict[str, Any]:
    return keyboard(main_menu_rows(lang))
