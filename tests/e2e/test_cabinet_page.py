"""The seller's cabinet in a real browser (Debian's Chromium, driven by Playwright, checked with
axe-core), opened from the sandbox page's chats: the Telegram chat's menu button opens the Mini
App in the phone pane with init data the emulator signed; the Viber chat's *📊 Cabinet* opens the
one-time signed page. Today's totals after two card payments, a partial refund and a cash
payment; an old invoice found by its buyer's e-mail and refunded in part from the cabinet; the
CSV downloaded and read back. Screenshots of today, the list and one invoice are the README's."""
from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.i18n import format_money, t
from domain.money import Money
from sandbox.stack import Stack
from storage.db import make_engine
from storage.repository import utc
from storage.tables import InvoiceRow
from tests.e2e.conftest import SellerChat, buyer_pays
from tests.e2e.test_sandbox_page import (  # noqa: F401  (fixtures)
    ARTEFACTS,
    browser,
    sandbox_page,
)

pytestmark = pytest.mark.timeout(1200)
OLD_BUYER = "old.buyer@example.com"


def uah(amount: str) -> str:
    return format_money(Money(Decimal(amount), "UAH"), "uk")


def until(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Wait for a condition the worker brings about (a refund the sandbox answered)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def a_day_of_sales(stack: Stack, seller: SellerChat) -> dict[str, str]:
    """Through the bot and the buyer's checkout: two card payments today, one 40 days ago (its
    buyer gave an e-mail), and a cash payment recorded today."""
    seller.register()
    codes = {}
    for name, amount, email in (("a", "100", ""), ("b", "50", ""), ("old", "75", OLD_BUYER)):
        link = seller.pay_link(seller.create_invoice(amount, f"Замовлення {name}"))
        assert buyer_pays(link, email=email).status_code == 200
        seller.next("Оплачено")
        codes[name] = link.rsplit("/", 1)[1]
    seller.says(t("uk", "btn_record"))
    seller.next("Яку суму")
    seller.says("30")
    seller.taps(seller.next("Як вам заплатили"), "mmt:0")
    seller.taps(seller.next("Коли?"), "today")
    seller.next("Коментар")
    seller.says("Готівкою на ринку")
    seller.next("Оплачено вручну")
    engine = make_engine(stack.settings.database)
    with Session(engine) as session:  # the old one was made and paid 40 days ago
        row = session.scalars(select(InvoiceRow).where(InvoiceRow.code == codes["old"])).one()
        for column in ("created_at", "paid_at", "expires_at"):
            setattr(row, column, utc(getattr(row, column)) - timedelta(days=40))
        session.commit()
    engine.dispose()
    return codes


def refund_by_api(stack: Stack, seller: SellerChat, code: str, amount: str) -> None:
    """The first partial refund, through the cabinet's API as the Mini App sends it."""
    url = f"{stack.settings.public_base_url}/cabinet/"
    opened = seller.tg.open_web_app(seller.chat_id, url)
    init = httpx.QueryParams(opened.split("#", 1)[1])["tgWebAppData"]
    headers = {"Authorization": f"tma {init}"}
    sent = httpx.post(f"{url}api/invoices/{code}/refund", headers=headers,
                      json={"key": "first-refund", "amount": amount})
    assert sent.status_code == 202, sent.text
    assert until(lambda: httpx.get(f"{url}api/summary", headers=headers)
                 .json()["refunded"] == amount), "the refund never finished"


def test_the_cabinet_in_telegram_and_viber(browser: Any, stack: Stack) -> None:  # noqa: F811
    telegram = SellerChat(stack, chat_id=100_001)  # the sandbox page's Telegram chat
    codes = a_day_of_sales(stack, telegram)
    refund_by_api(stack, telegram, codes["a"], "20.00")
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    with sandbox_page(browser, stack, "+380671234567", "cabinet") as page:
        chat = page.frame_locator("#chat-telegram")
        chat.locator("#menubutton").click()  # the chat's menu button: the Mini App
        cabinet = page.frame_locator("#phone")
        totals = cabinet.locator("#totals")
        totals.locator("[data-total=paid_count]").filter(has_text="3").wait_for()
        assert totals.locator("[data-total=gross]").inner_text() == uah("180")
        assert totals.locator("[data-total=refunded]").inner_text() == uah("20")
        assert totals.locator("[data-total=net]").inner_text() == uah("160")
        assert cabinet.locator("[data-method=card]").inner_text() == uah("150")
        assert cabinet.locator("[data-method=Cash]").inner_text() == uah("30")
        assert cabinet.locator("#by-method").inner_text().count(t("uk", "btn_cash")) == 1
        assert cabinet.locator("svg.chart rect").count() == 30
        frame = page.frame(name="phone")
        violations = Axe().run(frame)
        assert violations.violations_count == 0, violations.generate_report()
        page.locator("#phone-pane").screenshot(path=str(ARTEFACTS / "cabinet-today.png"))

        cabinet.locator("nav.tabs a", has_text=t("uk", "cab_invoices")).click()
        cabinet.locator("input[name=q]").fill(OLD_BUYER)
        cabinet.locator("form.filters button[type=submit]").click()
        expect(cabinet.locator("ul.invoices li")).to_have_count(1)  # the search's answer
        found = cabinet.locator(f"a[data-code='{codes['old']}']")
        page.locator("#phone-pane").screenshot(path=str(ARTEFACTS / "cabinet-list.png"))
        found.click()
        cabinet.locator("input[name=amount]").fill("25")
        cabinet.locator("form[action$='/refund'] button").click()
        cabinet.locator("[role=status]").filter(has_text=t("uk", "cab_done")).wait_for()
        assert Axe().run(page.frame(name="phone")).violations_count == 0
        page.locator("#phone-pane").screenshot(path=str(ARTEFACTS / "cabinet-invoice.png"))
        back = cabinet.locator("nav.tabs a", has_text=t("uk", "cab_back"))
        assert until(lambda: _refunded(stack, telegram, codes["old"]) == "25.00"), \
            "the cabinet's refund never finished"

        back.click()  # the list
        cabinet.locator("form[role=search]").wait_for()
        cabinet.locator("nav.tabs a", has_text=t("uk", "cab_back")).click()  # today
        span = cabinet.locator("form[data-part='/cabinet/part/home']")
        span.wait_for()
        today = date.today()
        span.locator("input[name=from]").fill((today - timedelta(days=60)).isoformat())
        span.locator("button[type=submit]").click()
        totals.locator("[data-total=paid_count]").filter(has_text="4").wait_for()
        with page.expect_download() as download:
            cabinet.locator("a[data-download$='.csv']").click()
        body = download.value.path().read_bytes()
        assert body.startswith("\ufeff".encode())
        rows = {r["code"]: r for r in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))}
        assert rows[codes["old"]]["refunded"] == "25.00"
        assert rows[codes["old"]]["buyer_email"] == OLD_BUYER
        assert rows[codes["a"]]["refunded"] == "20.00"
        assert rows[codes["b"]]["method"] == "card"
        assert [r["method"] for r in rows.values()].count("Готівка") == 1

        page.locator(".tabs button", has_text="Viber").click()
        viber = page.frame_locator("#chat-viber")
        viber.locator("#start").click()
        viber.locator("#keyboard button", has_text=t("uk", "btn_share_phone")).click()
        viber.locator(".msg:not(.out)", has_text="UAH").last.wait_for()
        viber.locator("#keyboard button", has_text=t("uk", "btn_cabinet")).click()
        viber.locator(".msg:not(.out)", has_text=t("uk", "cabinet_viber_link")).last.wait_for()
        viber.locator("#keyboard button", has_text=t("uk", "btn_cabinet")).click()  # open-url
        totals.locator("[data-total=paid_count]").filter(has_text="0").wait_for()
        assert cabinet.locator("meta[name=csrf]").get_attribute("content")
        page.locator("#phone-pane").screenshot(path=str(ARTEFACTS / "cabinet-viber.png"))


def _refunded(stack: Stack, seller: SellerChat, code: str) -> str | None:
    url = f"{stack.settings.public_base_url}/cabinet/"
    init = httpx.QueryParams(seller.tg.open_web_app(seller.chat_id, url)
                             .split("#", 1)[1])["tgWebAppData"]
    one = httpx.get(f"{url}api/invoices/{code}", headers={"Authorization": f"tma {init}"})
    return one.json()["refunded"]
