"""The seller's takings in chat: `/report` (and *📊 Report*) and the daily digest. The totals of
today, this week and this month as text, and the 30-day chart as a PNG drawn here with Pillow
(Telegram gets it as an upload; Viber, which sends pictures by URL, gets a signed link the web
edge draws the same picture for). The digest is found by the scheduler's scan at the seller's
hour in the seller's zone, and sent once a day: a row per seller per day is the claim."""
from __future__ import annotations

import io
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo

from domain import cabinet
from domain.commands import SendReport
from domain.i18n import format_money, t
from domain.messaging import MessengerSender, OutboundMessage, main_menu_rows
from domain.money import Money
from storage.cabinet import Totals
from storage.repository import Seller
from storage.uow import UnitOfWork
from storage.wiring import Wired
from workers.render import zone_of

log = logging.getLogger(__name__)

CHART_TTL = timedelta(days=2)  #: a Viber chart link keeps working this long


def zone(seller: Seller) -> tzinfo:
    return zone_of(seller.country)


def totals(uow_factory: Callable[[], UnitOfWork], seller: Seller,
           period: cabinet.Period) -> Totals:
    with uow_factory().readonly() as uow:
        return uow.cabinet.totals(seller.id, seller.currency or "UAH", period.start, period.end)


def chart(uow_factory: Callable[[], UnitOfWork], seller: Seller,
          now: datetime | None = None) -> list[tuple[date, int]]:
    """Takings per local day of the last 30 days, oldest first (minor units)."""
    tz, now = zone(seller), now or datetime.now(UTC)
    today = now.astimezone(tz).date()
    span = cabinet.days(today - timedelta(days=cabinet.CHART_DAYS - 1), today, tz)
    with uow_factory().readonly() as uow:
        moments = uow.cabinet.paid_moments(seller.id, seller.currency or "UAH", span.start,
                                           span.end)
    return cabinet.daily(moments, today, tz)


def report_text(uow_factory: Callable[[], UnitOfWork], seller: Seller,
                now: datetime | None = None) -> str:
    """Today's, this week's and this month's totals, in the seller's language and zone."""
    now, lang = now or datetime.now(UTC), seller.language
    lines = {}
    for name in cabinet.PERIODS:
        got = totals(uow_factory, seller, cabinet.period(name, now, zone(seller)))
        lines[name] = t(lang, "report_line", count=got.paid_count,
                        gross=_money(got.gross, got.currency, lang),
                        refunded=_money(got.refunded, got.currency, lang),
                        net=_money(got.net, got.currency, lang))
    return t(lang, "report_text", **lines)


def _money(minor: int, currency: str, lang: str) -> str:
    return format_money(Money.from_minor_units(minor, currency), lang)


def chart_png(series: list[tuple[date, int]], currency: str, lang: str) -> bytes:
    """The 30-day chart as a picture: the same bars as the cabinet's SVG, with the first and
    last day and the tallest day's amount."""
    from PIL import Image, ImageDraw  # only a report draws
    width, height, pad = 640, 320, 40
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    bars = cabinet.bars(series, width=width - 2 * pad, height=height - 2 * pad - 10, gap=4)
    for bar in bars:
        if bar.height > 0:
            draw.rectangle((pad + bar.x, pad + bar.y, pad + bar.x + bar.width,
                            pad + bar.y + bar.height), fill=(46, 109, 164))
    base = height - pad - 10
    draw.line((pad, base, width - pad, base), fill=(90, 90, 90), width=1)
    top = max((a for _, a in series), default=0)
    draw.text((pad, 12), t(lang, "cab_chart") + f" · max {_money(top, currency, lang)}",
              fill=(30, 30, 30))
    if series:
        draw.text((pad, base + 8), series[0][0].isoformat(), fill=(90, 90, 90))
        draw.text((width - pad - 70, base + 8), series[-1][0].isoformat(), fill=(90, 90, 90))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def send_report(cmd: SendReport, d: Wired, senders: Mapping[str, MessengerSender]) -> None:
    """The report's text and chart, in one message, to the seller's chat."""
    with d.uow().readonly() as uow:
        seller = uow.sellers.get(cmd.seller_id)
    if seller is None or not seller.currency:
        return
    text = report_text(d.uow, seller)
    if cmd.digest_day:
        text = f"{t(seller.language, 'digest_title')} · {cmd.digest_day}\n\n{text}"
    series = chart(d.uow, seller)
    message = OutboundMessage(channel=cmd.channel, chat_id=cmd.chat_id, text=text)
    if cmd.channel == "telegram":
        message = OutboundMessage(channel=cmd.channel, chat_id=cmd.chat_id, text=text,
                                  photo_png=chart_png(series, seller.currency, seller.language))
    else:  # Viber: a picture by URL, and the menu back (Viber shows the last keyboard)
        token = cabinet.chart_token(d.settings.secret_key, seller.id,
                                    datetime.now(UTC) + CHART_TTL)
        lang = seller.language
        message = OutboundMessage(channel=cmd.channel, chat_id=cmd.chat_id, text=text,
                                  photo_url=f"{d.settings.public_base_url}/cabinet/chart.png"
                                            f"?s={token}",
                                  buttons=main_menu_rows(lang))
    senders[cmd.channel].send(message)


def scan_digests(d: Wired, now: datetime) -> int:
    """Queue each digest whose hour has come in its seller's zone today, once per seller and
    day, whichever scheduler gets there first."""
    with d.uow().readonly() as uow:
        wanted = uow.cabinet.digest_sellers()
    sent = 0
    for seller_id, hour in wanted:
        with d.uow() as uow:
            seller = uow.sellers.get(seller_id)
            if seller is None or not seller.currency:
                continue
            local = now.astimezone(zone(seller))
            if local.hour < hour:
                continue
            if not uow.cabinet.claim_digest(seller_id, local.date().isoformat(), now):
                continue
            uow.commit()
        d.bus.publish(SendReport(seller_id=seller.id, channel=seller.channel,
                                 chat_id=seller.external_id, digest_day=local.date().isoformat()))
        sent += 1
    if sent:
        log.info("Queued %d daily report(s).", sent)
    return sent
