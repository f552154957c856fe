"""Who gets into the seller's cabinet: Telegram init data signed with the bot's token and no older
than 24 hours, from a seller; a Viber one-time link, once; a cookie session's writes only with its
CSRF token; and a seller never learns whether another seller's invoice exists."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pytest

from domain import cabinet as rules
from storage.uow import UnitOfWork
from tests import cabinet_data as data
from tests.integration.cabinet_app import Cabinet, cabinet_app


@pytest.fixture
def cab(uow_factory: Callable[[], UnitOfWork], database_url: str, tmp_path: Path) -> Cabinet:
    return cabinet_app(uow_factory, database_url, tmp_path)


def test_a_seller_with_init_data_signed_by_the_bots_token_gets_in(cab: Cabinet) -> None:
    data.seller(cab.uow, external_id="5001")
    answer = cab.client.get("/cabinet/api/summary", headers=cab.tma(5001))
    assert answer.status_code == 200
    assert answer.json()["currency"] == "UAH"


def test_init_data_with_a_changed_field_is_refused(cab: Cabinet) -> None:
    data.seller(cab.uow, external_id="5001")
    data.seller(cab.uow, external_id="5002")
    header = cab.tma(5001)["Authorization"].removeprefix("tma ")
    fields = dict(parse_qsl(header))
    fields["user"] = fields["user"].replace("5001", "5002")  # pretend to be another seller
    forged = {"Authorization": f"tma {urlencode(fields)}"}
    assert cab.client.get("/cabinet/api/summary", headers=forged).status_code == 401
    signed_by_another_bot = {"Authorization": "tma " + header.replace(
        fields["hash"], "0" * len(fields["hash"]))}
    assert cab.client.get("/cabinet/api/summary",
                          headers=signed_by_another_bot).status_code == 401


def test_init_data_older_than_a_day_is_refused(cab: Cabinet) -> None:
    data.seller(cab.uow, external_id="5001")
    day = int(rules.INIT_DATA_MAX_AGE.total_seconds())
    assert cab.client.get("/cabinet/api/summary",
                          headers=cab.tma(5001, age=day + 60)).status_code == 401
    assert cab.client.get("/cabinet/api/summary",
                          headers=cab.tma(5001, age=day - 60)).status_code == 200


def test_a_person_who_is_not_a_seller_gets_403(cab: Cabinet) -> None:
    assert cab.client.get("/cabinet/api/summary", headers=cab.tma(777)).status_code == 403


def test_no_credentials_get_401(cab: Cabinet) -> None:
    assert cab.client.get("/cabinet/api/invoices").status_code == 401
    assert cab.client.get("/cabinet/api/summary",
                          cookies={"chatpay_cabinet": "1.9999999999.abc.forged"}).status_code == 401


def test_another_sellers_invoice_answers_exactly_as_a_made_up_code(cab: Cabinet) -> None:
    mine = data.seller(cab.uow, external_id="5001")
    theirs = data.seller(cab.uow, external_id="5002")
    own = data.card_paid(cab.uow, mine.id, "10.00", data.now())
    other = data.card_paid(cab.uow, theirs.id, "99.00", data.now(), email="x@example.com")
    headers = cab.tma(5001)
    assert cab.client.get(f"/cabinet/api/invoices/{own}", headers=headers).status_code == 200
    foreign = cab.client.get(f"/cabinet/api/invoices/{other}", headers=headers)
    made_up = cab.client.get("/cabinet/api/invoices/zzzzzzzzzz", headers=headers)
    assert foreign.status_code == made_up.status_code == 404
    assert foreign.content == made_up.content
    assert cab.client.get(f"/cabinet/part/invoice/{other}", headers=headers).content \
        == cab.client.get("/cabinet/part/invoice/zzzzzzzzzz", headers=headers).content
    acted = cab.client.post(f"/cabinet/api/invoices/{other}/refund", headers=headers,
                            json={"key": "k1"})
    assert acted.status_code == 404 and acted.content == made_up.content
    assert cab.bus.published == []
    listed = cab.client.get("/cabinet/api/invoices?q=x@example.com", headers=headers).json()
    assert listed["invoices"] == []


def test_a_viber_link_signs_in_once_and_then_stops_working(cab: Cabinet) -> None:
    seller = data.seller(cab.uow, channel="viber", external_id="vb-1")
    link = cab.viber_link(seller.id)
    first = cab.client.get(link, follow_redirects=False)
    assert first.status_code == 303
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # development; production sets it (see the next test)
    assert cab.client.get("/cabinet/api/summary").status_code == 200  # the cookie works
    cab.client.cookies.clear()
    second = cab.client.get(link, follow_redirects=False)
    assert second.status_code == 403 and "set-cookie" not in second.headers
    assert "was used already" in cab.client.get(link, headers={"Accept-Language": "en"}).text
    assert cab.client.get("/cabinet/api/summary").status_code == 401


def test_a_forged_or_expired_viber_link_is_refused(cab: Cabinet) -> None:
    seller = data.seller(cab.uow, channel="viber", external_id="vb-1")
    link = cab.viber_link(seller.id)
    link_id, seller_id, expires, mac = link.split("t=", 1)[1].split(".")
    other = data.seller(cab.uow, channel="viber", external_id="vb-2")
    forged = f"/cabinet/enter?t={link_id}.{other.id}.{expires}.{mac}"
    assert cab.client.get(forged, follow_redirects=False).status_code == 403
    _, token, _ = rules.new_link(cab.settings.secret_key, seller.id,
                                 data.now() - rules.LINK_TTL - timedelta(seconds=1))
    assert cab.client.get(f"/cabinet/enter?t={token}", follow_redirects=False).status_code == 403
    assert seller_id == str(seller.id)


def test_the_session_cookie_is_secure_and_the_script_telegrams_in_production(cab: Cabinet, uow_factory: Callable[
        [], UnitOfWork], database_url: str, tmp_path: Path) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from web.cabinet import router
    settings = cab.settings.model_copy(update={"chatpay_env": "production"})
    app = FastAPI()
    app.include_router(router(settings, uow_factory, cab.bus))  # type: ignore[arg-type]
    seller = data.seller(cab.uow, channel="viber", external_id="vb-1")
    answer = TestClient(app).get(cab.viber_link(seller.id), follow_redirects=False)
    assert answer.status_code == 303 and "Secure" in answer.headers["set-cookie"]
    shell = TestClient(app).get("/cabinet/").text  # Telegram's own script, no stand-in
    assert "https://telegram.org/js/telegram-web-app.js" in shell and "/sandbox/" not in shell


def test_a_cookie_write_without_its_csrf_token_is_refused(cab: Cabinet) -> None:
    seller = data.seller(cab.uow, channel="viber", external_id="vb-1")
    code = data.card_paid(cab.uow, seller.id, "10.00", data.now())
    cab.client.get(cab.viber_link(seller.id))
    refund = f"/cabinet/api/invoices/{code}/refund"
    assert cab.client.post(refund, json={"key": "a", "amount": "1"}).status_code == 403
    assert cab.client.post(refund, json={"key": "a", "amount": "1"},
                           headers={"X-CSRF-Token": "guess"}).status_code == 403
    assert cab.bus.published == []
    page = cab.client.get("/cabinet/").text
    token = page.split('name="csrf" content="', 1)[1].split('"', 1)[0]
    assert token
    done = cab.client.post(refund, json={"key": "a", "amount": "1"},
                           headers={"X-CSRF-Token": token})
    assert done.status_code == 202
    assert [type(c).__name__ for c in cab.bus.published] == ["RefundInvoice"]
