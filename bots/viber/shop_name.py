"""*Settings → Shop name* in Viber (/shop, or the button under *Buyer details*): the steps of
bots/shop_name.py on the Viber dialog's state."""
from __future__ import annotations

from typing import Any, Protocol

from bots import shop_name
from bots.viber import keyboards
from bots.viber.reply import Reply
from domain.i18n import t
from storage.repository import Seller

STEP = "shop_name"


class _Dialog(Protocol):
    state: Any
    deps: Any


def handle(dialog: _Dialog, user_id: str, seller: Seller | None, lang: str, text: str,
           step: dict[str, Any]) -> Reply | None:
    """The answer when the message is this setting's, else None."""
    if text in ("/shop", shop_name.ASK):
        if seller is None or not seller.currency:
            return Reply(t(lang, "need_phone_first"), keyboards.share_phone(lang))
        dialog.state.set(user_id, {"step": STEP})
        return Reply(shop_name.show(seller, lang))
    if seller is None or step.get("step") != STEP:
        return None
    name = shop_name.read(text)
    if name is None:
        return Reply(t(lang, "shop_name_invalid"))
    dialog.state.clear(user_id)
    saved = dialog.deps.sellers.set_shop_name(user_id, name) or seller
    return Reply(shop_name.saved(saved, lang), keyboards.main_menu(lang))
