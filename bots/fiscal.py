"""What both bots do with *Settings → Fiscal receipts*, whatever the messenger: show the seller's
Checkbox settings, read the licence key, the PIN and the goods name, switch automatic/off, and
build the ConnectFiscal command with both secrets encrypted the moment they are read.

Checking them needs Checkbox, so a worker does it (workers/fiscal/connect.py).
"""
from __future__ import annotations

import re
from collections.abc import Callable

from domain.commands import ConnectFiscal
from domain.fiscal import FiscalMode
from domain.i18n import t
from storage.secrets import SecretBox
from storage.uow import UnitOfWork

LICENSE = re.compile(r"[A-Za-z0-9_-]{8,128}")  #: Checkbox's licence keys: one word
PIN = re.compile(r"\d{4,10}")
GOODS_MAX = 128
#: the buttons under the settings: (action, text key); "mode:…" switches, the rest ask
BUTTONS = ((("connect", "btn_fiscal_connect"),),
           (("mode:automatic", "btn_fiscal_auto"), ("mode:off", "btn_fiscal_off")),
           (("goods", "btn_fiscal_goods"),))


def settings_text(uow_factory: Callable[[], UnitOfWork], seller_id: int, lang: str) -> str:
    with uow_factory().readonly() as uow:
        found = uow.fiscal.settings(seller_id)
    connected = found is not None and found.connected
    mode = found.mode if found is not None and connected else FiscalMode.OFF
    return t(lang, "fiscal_settings",
             register=t(lang, "fiscal_register_connected" if connected else "fiscal_register_none"),
             mode=t(lang, f"fiscal_mode_{mode.value}"),
             goods=(found.goods_name if found and found.goods_name
                    else t(lang, "fiscal_default_goods")))


def read_license(text: str) -> str | None:
    key = text.strip()
    return key if LICENSE.fullmatch(key) else None


def read_pin(text: str) -> str | None:
    pin = text.strip()
    return pin if PIN.fullmatch(pin) else None


def read_goods(text: str) -> str | None:
    name = " ".join(text.split())
    return name if 0 < len(name) <= GOODS_MAX and "\n" not in text.strip() else None


def set_mode(uow_factory: Callable[[], UnitOfWork], seller_id: int, mode: str,
             lang: str) -> str:
    """Switch automatic/off; what to tell the seller (connect first, if nothing is)."""
    chosen = FiscalMode(mode) if mode in FiscalMode._value2member_map_ else FiscalMode.OFF
    with uow_factory() as uow:
        found = uow.fiscal.settings(seller_id)
        if chosen is FiscalMode.AUTOMATIC and (found is None or not found.connected):
            return t(lang, "fiscal_need_connect")
        uow.fiscal.set_mode(seller_id, chosen)
        uow.commit()
    return t(lang, "fiscal_mode_set", mode=t(lang, f"fiscal_mode_{chosen.value}"))


def set_goods(uow_factory: Callable[[], UnitOfWork], seller_id: int, name: str) -> None:
    with uow_factory() as uow:
        uow.fiscal.set_goods_name(seller_id, name)
        uow.commit()


def connect_command(box: SecretBox, *, channel: str, chat_id: str, key: str, seller_id: int,
                    license_key: str, pin: str, lang: str) -> ConnectFiscal:
    """The command for one PIN message; `key` makes a redelivered one check once."""
    return ConnectFiscal(idempotency_key=f"{channel}:{chat_id}:{key}", seller_id=seller_id,
                         license_key_encrypted=box.encrypt(license_key),
                         pin_encrypted=box.encrypt(pin), channel=channel, chat_id=chat_id,
                         language=lang)
