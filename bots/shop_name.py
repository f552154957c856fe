"""*Settings → Shop name* (/shop), written once for both messengers: what buyers see on the pay
page, in the SMS and e-mail, and in the provider's checkout."""
from __future__ import annotations

from domain.i18n import t
from storage.repository import Seller

LIMIT = 64  #: characters


def read(text: str) -> str | None:
    """The name as it will be shown (spaces collapsed), or None when empty or too long."""
    name = " ".join(text.split())
    return name if 0 < len(name) <= LIMIT and not name.startswith("/") else None


def show(seller: Seller, lang: str) -> str:
    """The current name and how to change it."""
    current = f"«{seller.shop_name}»" if seller.shop_name else t(lang, "shop_name_none")
    return t(lang, "shop_name_show", current=current)


def saved(seller: Seller, lang: str) -> str:
    """The name shown back, as buyers will see it."""
    return t(lang, "shop_name_set", name=seller.shop_name or "")
