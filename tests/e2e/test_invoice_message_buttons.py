"""The QR message keeps only the actions that still make sense: Telegram edits its buttons when
the invoice is paid, cancelled or refunded (Viber cannot edit: its event message carries them)."""
from __future__ import annotations

from typing import Any

from tests.e2e.conftest import SellerChat, buyer_pays
from tests.e2e.test_invoice_outcomes import code_of


def _datas(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b["callback_data"] for row in rows for b in row]


def _edited(seller: SellerChat, original: dict[str, Any], datas: list[str]) -> dict[str, Any]:
    """The QR message once its buttons became `datas`."""
    return seller.tg.wait_for(seller.chat_id, lambda m: m["message_id"] == original["message_id"]
                              and m.get("edited") and _datas(m) == datas, timeout=15)


def test_once_paid_the_qr_message_offers_refund_instead_of_cancel_and_send(
        seller: SellerChat) -> None:
    seller.register()
    qr = seller.create_invoice("100", "Кава")
    link = seller.pay_link(qr)
    code = code_of(link)
    assert _datas(qr) == [f"chk:{code}", f"cnl:{code}", f"sms:{code}", f"eml:{code}",
                          f"mpo:{code}"]
    buyer_pays(link)
    seller.next("Оплачено")
    assert _edited(seller, qr, [f"rfd:{code}"])

    # refunded in full: nothing is left to do under it
    seller.taps(qr, f"rfd:{code}")
    ask = seller.next("Скільки повернути")
    seller.taps(ask, "rfa")
    seller.taps(seller.next("Повернути покупцю"), "rfc")
    seller.next("↩️ Повернено")
    assert _edited(seller, qr, [])


def test_once_cancelled_the_qr_message_offers_only_a_status_check(seller: SellerChat) -> None:
    seller.register()
    qr = seller.create_invoice("12,50", "Кава")
    code = code_of(seller.pay_link(qr))
    seller.taps(qr, f"cnl:{code}")
    seller.next("скасовано")
    assert _edited(seller, qr, [f"chk:{code}"])
