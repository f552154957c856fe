"""The daily report in the chats: the seller turns it on in *Settings → Daily report*, and a
scheduler whose clock the test drives queues it at that hour; the real worker sends the totals
with the chart, in Telegram and in Viber. The stack's own scheduler scans once at start, then
waits an hour, so only the driven one decides."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sandbox.stack import Stack
from tests.e2e.conftest import SellerChat
from tests.e2e.test_viber_conversation import ViberSeller
from workers import runtime, scheduler


def _at(hour: int) -> datetime:
    """Today (in Kyiv) at `hour`, as UTC: the driven clock."""
    kyiv = ZoneInfo("Europe/Kyiv")
    day = datetime.now(kyiv).date()
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=kyiv).astimezone(UTC)


def test_the_daily_report_reaches_telegram_and_viber_once(stack_factory) -> None:  # type: ignore[no-untyped-def]
    stack: Stack = stack_factory(scheduler_interval=3600)
    telegram = SellerChat(stack)
    telegram.register()
    telegram.says("⚙️ Платіжний рахунок")
    board = telegram.next("Платіжний рахунок")
    telegram.taps(board, "digest:show")
    telegram.next("Щоденний звіт вимкнено")
    telegram.says("7")
    assert "07:00" in telegram.next("Щоденний звіт")["text"]

    viber = ViberSeller(stack)
    viber.register()
    viber.taps("⚙️ Платіжний рахунок")
    viber.next("Платіжний рахунок")
    viber.taps("digest:show")
    viber.next("Щоденний звіт вимкнено")
    viber.says("вимк")
    viber.next("Щоденний звіт вимкнено")
    viber.taps("/digest")
    viber.next("О котрій")
    viber.says("7")
    viber.next("07:00")

    driven = runtime.bootstrap(stack.settings, redis_url=stack.settings.redis_url)
    try:
        assert scheduler.reconcile(driven, _at(6) + timedelta(minutes=59))["daily_reports"] == 0
        assert scheduler.reconcile(driven, _at(7))["daily_reports"] == 2
        assert scheduler.reconcile(driven, _at(7) + timedelta(hours=1))["daily_reports"] == 0
    finally:
        driven.engine.dispose()  # type: ignore[union-attr]
    digest = telegram.next("Щоденний звіт", photo=True)
    assert "Сьогодні: 0 опл." in digest["caption"]
    assert viber.next("Щоденний звіт", picture=True)["media"].startswith(
        f"{stack.settings.public_base_url}/cabinet/chart.png?s=")
