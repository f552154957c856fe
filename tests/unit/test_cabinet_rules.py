"""The cabinet's rules, pure: the periods a seller asks about in their own zone, the chart's days
and bars, and the signed tokens (a one-time link, a session, its CSRF token, a chart link)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain import cabinet

KYIV = ZoneInfo("Europe/Kyiv")
KEY = "k" * 40
NOW = datetime(2026, 12, 9, 22, 30, tzinfo=UTC)  # Thursday 10 December, 00:30 in Kyiv


def test_today_week_and_month_start_at_local_midnight() -> None:
    today = cabinet.period("today", NOW, KYIV)
    assert (today.first_day, today.last_day) == (date(2026, 12, 10), date(2026, 12, 10))
    assert today.start == datetime(2026, 12, 9, 22, 0, tzinfo=UTC)
    assert today.end == datetime(2026, 12, 10, 22, 0, tzinfo=UTC)
    assert cabinet.period("week", NOW, KYIV).first_day == date(2026, 12, 7)  # Monday
    assert cabinet.period("month", NOW, KYIV).first_day == date(2026, 12, 1)


def test_a_range_across_the_clock_change_counts_local_days() -> None:
    span = cabinet.days(date(2026, 10, 25), date(2026, 10, 25), KYIV)  # summer time ends
    assert span.end - span.start == timedelta(hours=25)
    assert cabinet.days(date(2026, 10, 26), date(2026, 10, 20), KYIV).first_day == \
        date(2026, 10, 20)  # a reversed range is read the right way round


def test_the_chart_buckets_payments_by_local_day_and_scales_to_the_tallest() -> None:
    late_evening = datetime(2026, 12, 9, 21, 59, tzinfo=UTC)  # 23:59 on the 9th in Kyiv
    series = cabinet.daily([(late_evening, 500), (NOW, 1000), (NOW, 1000)],
                           date(2026, 12, 10), KYIV)
    assert len(series) == 30 and series[-1] == (date(2026, 12, 10), 2000)
    assert series[-2] == (date(2026, 12, 9), 500)
    bars = cabinet.bars(series, width=300, height=100)
    assert bars[-1].height == 100 and bars[-2].height == 25 and bars[0].height == 0
    assert all(bar.width > 0 for bar in cabinet.bars([(date(2026, 1, 1), 0)]))


def test_a_link_is_read_only_as_signed_and_until_it_expires() -> None:
    link_id, token, expires = cabinet.new_link(KEY, 7, NOW)
    assert cabinet.read_link(KEY, token, NOW) == (link_id, 7)
    assert cabinet.read_link("another-key" * 4, token, NOW) is None
    body, mac = token.rsplit(".", 1)
    assert cabinet.read_link(KEY, body.replace(".7.", ".8.") + "." + mac, NOW) is None
    assert cabinet.read_link(KEY, token, expires) is None
    assert cabinet.read_link(KEY, "garbage", NOW) is None


def test_a_session_and_its_csrf_token() -> None:
    cookie = cabinet.new_session(KEY, 7, NOW)
    seller, nonce = cabinet.read_session(KEY, cookie, NOW)  # type: ignore[misc]
    assert seller == 7
    assert cabinet.csrf_matches(KEY, nonce, cabinet.csrf_token(KEY, nonce))
    assert not cabinet.csrf_matches(KEY, nonce, "")
    assert not cabinet.csrf_matches(KEY, "other-nonce", cabinet.csrf_token(KEY, nonce))
    assert cabinet.read_session(KEY, cookie, NOW + cabinet.SESSION_TTL) is None
    link = cabinet.new_link(KEY, 7, NOW)[1]
    assert cabinet.read_session(KEY, link, NOW) is None  # a link is not a session (other key)


def test_a_chart_link_is_signed_and_expires() -> None:
    token = cabinet.chart_token(KEY, 7, NOW + timedelta(days=2))
    assert cabinet.read_chart_token(KEY, token, NOW) == 7
    assert cabinet.read_chart_token(KEY, token, NOW + timedelta(days=3)) is None
    assert cabinet.read_chart_token(KEY, "8" + token[1:], NOW) is None
