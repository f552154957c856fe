"""The cabinet's doors in the chats and `/report`, in Telegram and in Viber, on the whole stack:
the *📊 Cabinet* buttons (a Mini App in Telegram, with the chat's menu button; a one-time signed
link in Viber's in-app browser), and the report's totals with the chart drawn by a worker."""
from __future__ import annotations

import json
from io import BytesIO

import httpx
from PIL import Image

from sandbox.stack import Stack
from tests.faults.conftest import wait_until
from tests.e2e.conftest import SellerChat, buyer_pays
from domain.messaging import main_menu_rows
from tests.e2e.test_viber_conversation import ViberSeller, pay_link


def test_telegram_report_sends_todays_totals_and_a_chart(stack: Stack, seller: SellerChat) -> None:
    seller.register()
    invoice = seller.create_invoice("120,50", "Кава")
    assert buyer_pays(seller.pay_link(invoice)).status_code == 200
    seller.next("Оплачено")
    seller.says("/report")
    report = seller.next("Сьогодні: 1 опл.", photo=True)
    assert "120,50" in report["caption"]
    png = Image.open(BytesIO(seller.tg.photo_bytes(report)))
    assert png.size == (640, 320)
    seller.says("📊 Звіт")  # the menu's button does the same
    seller.next("Цей місяць: 1 опл.", photo=True)


def test_telegram_cabinet_button_and_the_menu_button_open_the_mini_app(
        stack: Stack, seller: SellerChat) -> None:
    seller.register()
    seller.says("📊 Кабінет")
    message = seller.next("кабінет")
    [[button]] = message["reply_markup"]["inline_keyboard"]
    url = f"{stack.settings.public_base_url}/cabinet/"
    assert button["web_app"] == {"url": url}
    menu = seller.tg.call(seller.tg._bot(None).token, "getChatMenuButton",
                          {"chat_id": seller.chat_id})
    assert menu["type"] == "web_app" and menu["web_app"]["url"] == url
    assert menu["text"] == "📊 Кабінет"  # the seller's language in their own chat
    seller.says("/language")
    seller.taps(seller.next("Оберіть мову"), "lang:en")
    wait_until(lambda: seller.tg.call(seller.tg._bot(None).token, "getChatMenuButton",
                                      {"chat_id": seller.chat_id})["text"] == "📊 Cabinet",
               what="the menu button in English after the switch")
    opened = seller.tg.open_web_app(seller.chat_id, url)
    init_data = httpx.QueryParams(opened.split("#", 1)[1])["tgWebAppData"]
    summary = httpx.get(f"{url}api/summary", headers={"Authorization": f"tma {init_data}"})
    assert summary.status_code == 200 and summary.json()["currency"] == "UAH"


def test_viber_report_and_the_signed_cabinet_link(stack: Stack) -> None:
    seller = ViberSeller(stack)
    seller.register()
    invoice = seller.create_invoice("80")
    assert buyer_pays(pay_link(invoice)).status_code == 200
    seller.next("Оплачено")
    seller.taps("📊 Звіт")
    report = seller.next("Сьогодні: 1 опл.", picture=True)
    # the whole main menu comes back under the report (a new user lost Language and Settings)
    # (a caption too long for Viber: the picture goes alone, the text follows with the keyboard)
    last = report if "keyboard" in report else seller.next()
    assert [b["Text"] for b in last["keyboard"]["Buttons"]] == [
        b.text for row in main_menu_rows("uk") for b in row]
    chart = httpx.get(report["media"], timeout=10)
    assert chart.status_code == 200
    assert Image.open(BytesIO(chart.content)).size == (640, 320)
    assert httpx.get(report["media"] + "x", timeout=10).status_code == 404  # signed
    seller.taps("📊 Кабінет")
    door = seller.next("кабінет")
    [link] = [b for b in door["keyboard"]["Buttons"] if b["ActionType"] == "open-url"]
    # the main menu stays under the link (Viber shows one keyboard at a time)
    texts = [b["Text"] for b in door["keyboard"]["Buttons"]]
    assert "⚙️ Платіжний рахунок" in texts and texts.count("📊 Кабінет") == 1
    assert link["OpenURLType"] == "internal"
    with httpx.Client(timeout=10) as browser:  # Viber's in-app browser
        entered = browser.get(link["ActionBody"], follow_redirects=False)
        assert entered.status_code == 303
        cookie = entered.cookies["chatpay_cabinet"]
        summary = browser.get(f"{stack.settings.public_base_url}/cabinet/api/summary",
                              cookies={"chatpay_cabinet": cookie})
        assert summary.json()["paid_count"] == 1 and summary.json()["gross"] == "80.00"
    again = httpx.get(link["ActionBody"], follow_redirects=False, timeout=10)
    assert again.status_code == 403, json.dumps(door)
