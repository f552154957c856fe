"""A seller's whole Telegram conversation, from /start to the paid message."""
from __future__ import annotations

from tests.e2e.conftest import SellerChat, buyer_pays


def test_seller_creates_an_invoice_and_is_told_when_the_buyer_pays(seller: SellerChat) -> None:
    seller.register("+380501234567")
    invoice_message = seller.create_invoice("12,50", "Кава")

    caption = invoice_message["caption"]
    assert "12,50\u00a0₴" in caption and "Кава" in caption
    assert " EET." in caption and "UTC" not in caption  # the expiry in Kyiv's time
    link = seller.pay_link(invoice_message)
    assert link.startswith(seller.stack.base_url + "/p/") and link in caption
    buttons = [b["callback_data"] for row in invoice_message["reply_markup"]["inline_keyboard"]
               for b in row]
    code = link.rsplit("/", 1)[1]
    assert buttons == [f"chk:{code}", f"cnl:{code}", f"sms:{code}", f"eml:{code}", f"mpo:{code}"]

    buyer_pays(link)

    paid = seller.next("Оплачено")
    assert "✅ Оплачено 12,50\u00a0₴ — Кава" in paid["text"]
    assert paid["reply_to_message_id"] == invoice_message["message_id"]
