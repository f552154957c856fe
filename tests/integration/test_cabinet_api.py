"""The cabinet's API as a seller's own tools use it: totals of a period in the seller's zone, the
invoice list with its filters and search, one invoice in full, the 30-day chart, the exports read
back, and the actions, which publish the bot's own commands."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from domain.declines import decline_text
from domain.commands import CancelInvoice, CreateInvoice, RefundInvoice, SendLink
from storage.repository import Seller
from storage.uow import UnitOfWork
from tests import cabinet_data as data
from tests.integration.cabinet_app import Cabinet, cabinet_app


@pytest.fixture
def cab(uow_factory: Callable[[], UnitOfWork], database_url: str, tmp_path: Path) -> Cabinet:
    return cabinet_app(uow_factory, database_url, tmp_path)


@pytest.fixture
def seller(cab: Cabinet) -> Seller:
    return data.seller(cab.uow, external_id="5001")


@pytest.fixture
def day(cab: Cabinet, seller: Seller) -> dict[str, str]:
    """Today: two card payments, a partial refund of one, a cash payment, one still open; and an
    old paid invoice, 40 days ago, with a buyer's e-mail."""
    now = data.now()
    first = data.card_paid(cab.uow, seller.id, "10.00", now - timedelta(minutes=30),
                           description="Coffee beans")
    second = data.card_paid(cab.uow, seller.id, "25.50", now - timedelta(minutes=20),
                            description="Teapot", email="anna@example.com")
    data.card_refunded(cab.uow, second, "5.00", now - timedelta(minutes=10))
    cash = data.cash_paid(cab.uow, seller.id, "30.00", now - timedelta(minutes=5))
    unpaid = data.open_invoice(cab.uow, seller.id, "7.00", now - timedelta(minutes=1),
                               description="Cups")
    old = data.card_paid(cab.uow, seller.id, "99.00", now - timedelta(days=40),
                         description="Old order", email="old.buyer@example.com",
                         name="Taras Shevchenko", phone="+380671112233")
    return {"first": first, "second": second, "cash": cash, "unpaid": unpaid, "old": old}


def test_today_counts_two_card_payments_a_partial_refund_and_cash(
        cab: Cabinet, day: dict[str, str]) -> None:
    totals = cab.client.get("/cabinet/api/summary?period=today", headers=cab.tma(5001)).json()
    assert totals["currency"] == "UAH"
    assert totals["paid_count"] == 3
    assert totals["gross"] == "65.50"
    assert totals["refunded"] == "5.00"
    assert totals["net"] == "60.50"
    assert totals["by_method"] == {"Cash": "30.00", "card": "35.50"}
    assert totals["unpaid_count"] == 1
    assert totals["expired_unpaid_count"] == 0


def test_a_month_and_a_range_take_the_old_payment_only_when_it_is_in_them(
        cab: Cabinet, day: dict[str, str]) -> None:
    headers = cab.tma(5001)
    today = cab.client.get("/cabinet/api/summary", headers=headers).json()["to"]
    since = date.fromisoformat(today) - timedelta(days=60)
    wide = cab.client.get(f"/cabinet/api/summary?from={since}&to={today}",
                          headers=headers).json()
    assert wide["paid_count"] == 4 and wide["gross"] == "164.50"
    month = cab.client.get("/cabinet/api/summary?period=month", headers=headers).json()
    assert month["gross"] == "65.50"  # 40 days ago is never this month
    paid_at = cab.client.get(f"/cabinet/api/invoices/{day['old']}",
                             headers=headers).json()["paid_at"]
    old_day = datetime.fromisoformat(paid_at).astimezone(ZoneInfo("Europe/Kyiv")).date()
    only_old = cab.client.get(f"/cabinet/api/summary?from={old_day}&to={old_day}",
                              headers=headers).json()
    assert (only_old["paid_count"], only_old["gross"]) == (1, "99.00")
    assert cab.client.get("/cabinet/api/summary?from=2000-01-01&to=2026-01-01",
                          headers=headers).status_code == 422  # more than three years
    assert cab.client.get("/cabinet/api/summary?period=year", headers=headers).status_code == 422
    assert cab.client.get("/cabinet/api/summary?from=yesterday",
                          headers=headers).status_code == 422


def _ago(today: str, days: int = 60) -> date:
    return date.fromisoformat(today) - timedelta(days=days)


def test_expired_unpaid_invoices_are_counted_apart(cab: Cabinet, seller: Seller) -> None:
    data.expired(cab.uow, seller.id, "3.00", data.now() - timedelta(minutes=1))
    totals = cab.client.get("/cabinet/api/summary?period=today", headers=cab.tma(5001)).json()
    assert totals["expired_unpaid_count"] == 1 and totals["unpaid_count"] == 0


def test_the_list_is_newest_first_and_filters_by_state_method_and_period(
        cab: Cabinet, day: dict[str, str]) -> None:
    headers = cab.tma(5001)

    def codes(query: str = "") -> list[str]:
        answer = cab.client.get(f"/cabinet/api/invoices{query}", headers=headers)
        assert answer.status_code == 200
        return [i["code"] for i in answer.json()["invoices"]]

    assert codes() == [day["unpaid"], day["cash"], day["second"], day["first"], day["old"]]
    assert codes("?state=unpaid") == [day["unpaid"]]
    assert codes("?state=partially_refunded") == [day["second"]]
    assert set(codes("?state=paid")) == {day["cash"], day["second"], day["first"], day["old"]}
    assert codes("?method=card") == [day["second"], day["first"], day["old"]]
    assert codes("?method=Cash") == [day["cash"]]
    today = cab.client.get("/cabinet/api/summary", headers=headers).json()["to"]
    assert day["old"] not in codes(f"?from={today}&to={today}")


def test_search_finds_an_old_invoice_by_its_buyers_email_name_phone_or_code(
        cab: Cabinet, day: dict[str, str]) -> None:
    headers = cab.tma(5001)
    for text in ("old.buyer@example.com", "OLD.BUYER", "shevchenko", "671112233", day["old"]):
        found = cab.client.get("/cabinet/api/invoices", params={"q": text}, headers=headers)
        assert [i["code"] for i in found.json()["invoices"]] == [day["old"]], text
    assert cab.client.get("/cabinet/api/invoices", params={"q": "teapot"},
                          headers=headers).json()["invoices"][0]["code"] == day["second"]
    nothing = cab.client.get("/cabinet/api/invoices", params={"q": "%"}, headers=headers)
    assert nothing.json()["invoices"] == []  # a LIKE wildcard is a character, not "anything"


def test_pages_hold_fifty_invoices(cab: Cabinet, seller: Seller) -> None:
    now = data.now()
    for i in range(55):
        data.open_invoice(cab.uow, seller.id, "1.00", now - timedelta(minutes=i))
    headers = cab.tma(5001)
    first = cab.client.get("/cabinet/api/invoices", headers=headers).json()
    second = cab.client.get("/cabinet/api/invoices?page=2", headers=headers).json()
    assert len(first["invoices"]) == 50 and first["has_more"] is True
    assert len(second["invoices"]) == 5 and second["has_more"] is False
    assert not {i["code"] for i in first["invoices"]} & {i["code"] for i in second["invoices"]}
    page = cab.client.get("/cabinet/part/list?state=unpaid", headers=headers).text
    assert page.count("<li>") == 50 and 'href="/cabinet/part/list?state=unpaid&amp;page=2"' in page


def test_one_invoice_shows_payments_buyer_refunds_and_history(
        cab: Cabinet, day: dict[str, str]) -> None:
    one = cab.client.get(f"/cabinet/api/invoices/{day['second']}", headers=cab.tma(5001)).json()
    assert one["amount"] == "25.50" and one["state"] == "partially_refunded"
    assert one["buyer"]["email"] == "anna@example.com"
    assert [p["method"] for p in one["payments"]] == ["card"]
    assert [(a["event"], a["status"]) for a in one["attempts"]] == [("InvoicePaid", "success")]
    assert [(r["amount"], r["state"]) for r in one["refunds"]] == [("5.00", "done")]
    assert one["refundable"] == "20.50"
    assert one["qr_url"].endswith(f"/qr/{day['second']}.png")
    assert one["receipts"] == [] and one["deliveries"] == []
    assert [h["to"] for h in one["history"]][-1] == "partially_refunded"
    cash = cab.client.get(f"/cabinet/api/invoices/{day['cash']}", headers=cab.tma(5001)).json()
    assert [(p["method"], p["state"]) for p in cash["payments"]] == [("Cash", "approved")]


def test_one_invoice_lists_its_card_attempts_with_a_decline_in_the_sellers_words(
        cab: Cabinet, seller: Seller) -> None:
    code = data.declined_then_paid(cab.uow, seller.id, "12.50", data.now())
    one = cab.client.get(f"/cabinet/api/invoices/{code}", headers=cab.tma(5001)).json()
    assert [(a["number"], a["order_id"], a["state"]) for a in one["card_attempts"]] == [
        (1, f"{code}-1", "declined"), (2, f"{code}-2", "paid")]
    declined = one["card_attempts"][0]
    # in the seller's language, from LiqPay's code; never the code ("limit") itself
    assert declined["reason"] == decline_text("limit", seller.language) != "limit"
    assert one["state"] == "paid"


def test_the_chart_has_thirty_days_ending_today(cab: Cabinet, day: dict[str, str]) -> None:
    chart = cab.client.get("/cabinet/api/chart", headers=cab.tma(5001)).json()
    assert len(chart["days"]) == 30
    assert chart["days"][-1]["amount"] == "65.50"
    assert sum(Decimal(d["amount"]) for d in chart["days"]) == Decimal("65.50")


def test_the_csv_export_reads_back_with_its_bom(cab: Cabinet, day: dict[str, str]) -> None:
    headers = cab.tma(5001)
    today = cab.client.get("/cabinet/api/summary", headers=headers).json()["to"]
    answer = cab.client.get(f"/cabinet/export.csv?from={_ago(today)}&to={today}", headers=headers)
    assert answer.status_code == 200 and answer.content.startswith("\ufeff".encode())
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    by_code = {r["code"]: r for r in rows}
    assert set(by_code) == set(day.values())
    assert by_code[day["second"]]["refunded"] == "5.00"
    assert by_code[day["second"]]["buyer_email"] == "anna@example.com"
    assert by_code[day["cash"]]["method"] == "Cash"
    assert by_code[day["first"]]["method"] == "card"
    assert by_code[day["unpaid"]]["paid_at"] == ""
    # times in the seller's zone, as the cabinet shows them, and the zone named on each row
    first = cab.client.get(f"/cabinet/api/invoices/{day['first']}", headers=headers).json()
    kyiv = datetime.fromisoformat(first["paid_at"]).astimezone(ZoneInfo("Europe/Kyiv"))
    assert by_code[day["first"]]["paid_at"] == kyiv.strftime("%Y-%m-%d %H:%M:%S")
    assert by_code[day["first"]]["zone"] == "Europe/Kyiv"
    only_today = cab.client.get(f"/cabinet/export.csv?from={today}&to={today}", headers=headers)
    assert day["old"] not in only_today.text


def test_the_xlsx_export_reads_back(cab: Cabinet, day: dict[str, str]) -> None:
    headers = cab.tma(5001)
    today = cab.client.get("/cabinet/api/summary", headers=headers).json()["to"]
    answer = cab.client.get(f"/cabinet/export.xlsx?from={_ago(today)}&to={today}", headers=headers)
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    assert header[:3] == ["code", "created_at", "state"]
    amounts = {r[0]: r[header.index("paid_amount")] for r in body}
    assert amounts[day["old"]] == "99.00" and amounts[day["cash"]] == "30.00"


def test_actions_publish_the_bots_commands(cab: Cabinet, day: dict[str, str],
                                           seller: Seller) -> None:
    headers = cab.tma(5001)
    post = cab.client.post
    assert post(f"/cabinet/api/invoices/{day['old']}/refund", headers=headers,
                json={"key": "r1", "amount": "9.50"}).status_code == 202
    assert post(f"/cabinet/api/invoices/{day['first']}/refund", headers=headers,
                json={"key": "r2"}).status_code == 202  # all that is left
    too_much = post(f"/cabinet/api/invoices/{day['second']}/refund", headers=headers,
                    json={"key": "r3", "amount": "21"})
    assert too_much.status_code == 422 and too_much.json()["error"]
    assert post(f"/cabinet/api/invoices/{day['unpaid']}/cancel", headers=headers,
                json={"key": "c1"}).status_code == 202
    assert post(f"/cabinet/api/invoices/{day['first']}/cancel", headers=headers,
                json={"key": "c2"}).status_code == 422  # paid: not cancelled
    assert post(f"/cabinet/api/invoices/{day['unpaid']}/send", headers=headers,
                json={"key": "s1", "to": "buyer@example.com"}).status_code == 202
    assert post(f"/cabinet/api/invoices/{day['unpaid']}/send", headers=headers,
                json={"key": "s2", "to": "not an address"}).status_code == 422
    assert post(f"/cabinet/api/invoices/{day['first']}/duplicate", headers=headers,
                json={"key": "d1"}).status_code == 202
    assert post(f"/cabinet/api/invoices/{day['first']}/refund", headers=headers,
                json={}).status_code == 422  # no idempotency key
    refund_old, refund_all, cancel, send, duplicate = cab.bus.published
    assert isinstance(refund_old, RefundInvoice) and refund_old.amount == "9.50"
    assert refund_old.code == day["old"] and refund_old.seller_id == seller.id
    assert isinstance(refund_all, RefundInvoice) and refund_all.amount == "10.00"
    assert isinstance(cancel, CancelInvoice) and cancel.code == day["unpaid"]
    assert isinstance(send, SendLink) and (send.via, send.to) == ("email", "buyer@example.com")
    assert isinstance(duplicate, CreateInvoice)
    assert (duplicate.amount, duplicate.description) == ("10.00", "Coffee beans")
    assert (duplicate.channel, duplicate.chat_id) == ("telegram", "5001")


def test_the_page_parts_speak_the_sellers_language_and_escape_what_people_typed(
        cab: Cabinet, seller: Seller) -> None:
    code = data.card_paid(cab.uow, seller.id, "10.00", data.now(),
                          description="<img src=x onerror=alert(1)>", name="<b>Bob</b>")
    headers = cab.tma(5001)
    home = cab.client.get("/cabinet/part/home?period=today", headers=headers)
    assert home.headers["content-language"] == "en" and "Gross" in home.text
    assert home.text.count("<rect") == 30
    listing = cab.client.get("/cabinet/part/list", headers=headers).text
    one = cab.client.get(f"/cabinet/part/invoice/{code}", headers=headers).text
    for page in (listing, one):
        assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<b>Bob</b>" not in one and "&lt;b&gt;Bob&lt;/b&gt;" in one
    with cab.uow() as unit:
        unit.sellers.upsert("telegram", "5001", language="uk")
        unit.commit()
    assert "Виручка" in cab.client.get("/cabinet/part/home", headers=headers).text
    # one invoice's history and refunds in words, not the stored codes
    data.card_refunded(cab.uow, code, "4.00", data.now())
    one = cab.client.get(f"/cabinet/part/invoice/{code}", headers=headers).text
    for code_word in ("InvoicePaid", "InvoiceRefunded", ">done<", ">partially_refunded<"):
        assert code_word not in one
    assert "частково повернено" in one and "повернено" in one
    shell = cab.client.get("/cabinet/")
    assert shell.status_code == 200 and "/sandbox/telegram-web-app.js" in shell.text


def test_one_invoice_shows_its_shop_deliveries_and_fiscal_receipts_with_links(
        cab: Cabinet, seller: Seller) -> None:
    from storage.tables import FiscalReceiptRow
    with cab.uow() as unit:
        unit.webhooks.set_endpoint(seller.id, "https://shop.example/hook", "encrypted",
                                   data.now())
        unit.commit()
    code = data.card_paid(cab.uow, seller.id, "10.00", data.now())
    with cab.uow() as unit:
        invoice = unit.invoices.by_code(code)
        assert invoice is not None
        unit.session.add(FiscalReceiptRow(
            id="rcpt-1", invoice_id=invoice.id, seller_id=seller.id, kind="sell",
            amount_minor=1000, currency="UAH", state="done", fiscal_code="TEST-FN-42",
            link="https://check.example/rcpt-1", created_at=data.now()))
        unit.commit()
    headers = cab.tma(5001)
    one = cab.client.get(f"/cabinet/api/invoices/{code}", headers=headers).json()
    assert [(d["event"], d["status"]) for d in one["deliveries"]] == [("invoice.paid", "pending")]
    assert [(r["kind"], r["fiscal_code"], r["link"]) for r in one["receipts"]] == [
        ("sell", "TEST-FN-42", "https://check.example/rcpt-1")]
    page = cab.client.get(f"/cabinet/part/invoice/{code}", headers=headers).text
    assert 'href="https://check.example/rcpt-1"' in page and "invoice.paid" in page
    rows = cab.client.get("/cabinet/export.csv?period=today", headers=headers).content
    assert "sell TEST-FN-42" in rows.decode("utf-8-sig")


def test_an_invoice_paid_by_hand_is_refunded_whole_by_hand(cab: Cabinet, day: dict[str, str],
                                                           seller: Seller) -> None:
    from domain.commands import RefundManualPayment
    headers = cab.tma(5001)
    page = cab.client.get(f"/cabinet/part/invoice/{day['cash']}", headers=headers).text
    assert 'name="amount"' not in page and "/refund" in page
    assert cab.client.post(f"/cabinet/api/invoices/{day['cash']}/refund", headers=headers,
                           json={"key": "m1"}).status_code == 202
    [command] = cab.bus.published
    assert isinstance(command, RefundManualPayment) and command.code == day["cash"]


def test_a_quiet_period_says_no_payments_instead_of_a_dash_row(cab: Cabinet,
                                                                  seller: Seller) -> None:
    headers = cab.tma(5001)
    home = cab.client.get("/cabinet/part/home?period=today", headers=headers).text
    by_method = home.split('id="by-method"', 1)[1].split("</", 1)[0]
    assert "<dt>—</dt>" not in home and "No payments in this period." in by_method
    data.card_paid(cab.uow, seller.id, "10.00", data.now())
    home = cab.client.get("/cabinet/part/home?period=today", headers=headers).text
    assert "No payments in this period." not in home and 'data-method="card"' in home


def test_the_state_filter_names_every_state_alike_with_a_capital(cab: Cabinet,
                                                                   seller: Seller) -> None:
    import re
    with cab.uow() as unit:
        unit.sellers.upsert("telegram", "5001", language="uk")
        unit.commit()
    listing = cab.client.get("/cabinet/part/list", headers=cab.tma(5001)).text
    select = listing.split('name="state"', 1)[1].split("</select>", 1)[0]
    names = re.findall(r">([^<]+)</option>", select)
    assert "Оплачено" in names and "Частково повернено" in names and len(names) >= 6
    assert all(name[:1].isupper() for name in names), names


def test_one_invoice_says_which_provider_took_its_payment(cab: Cabinet, seller: Seller) -> None:
    mono = data.card_paid(cab.uow, seller.id, "12.50", data.now(), provider="monobank")
    liq = data.card_paid(cab.uow, seller.id, "7.00", data.now())
    for code, provider in ((mono, "monobank"), (liq, "liqpay")):
        one = cab.client.get(f"/cabinet/api/invoices/{code}", headers=cab.tma(5001)).json()
        assert [(p["method"], p["provider"]) for p in one["payments"]] == [("card", provider)]
