"""The seller's cabinet's rules: the periods a seller asks about (in their own zone), the 30 days
of the chart, and the signed tokens that let them in from Viber (a one-time link, then a session
cookie with its CSRF token). Standard library only."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

LINK_TTL = timedelta(minutes=10)  #: a Viber link is opened at once or never
SESSION_TTL = timedelta(hours=12)  #: the cookie a link becomes
INIT_DATA_MAX_AGE = timedelta(hours=24)  #: Telegram init data older than this is refused
CHART_DAYS = 30
PERIODS = ("today", "week", "month")


@dataclass(frozen=True)
class Period:
    start: datetime  #: aware, UTC
    end: datetime  #: exclusive
    first_day: date  #: in the seller's zone
    last_day: date


def local_midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)


def period(name: str, now: datetime, zone: tzinfo) -> Period:
    """*today*, *week* (from Monday) or *month* (from the 1st), up to the end of today."""
    today = now.astimezone(zone).date()
    first = {"today": today, "week": today - timedelta(days=today.weekday()),
             "month": today.replace(day=1)}[name]
    return days(first, today, zone)


def days(first: date, last: date, zone: tzinfo) -> Period:
    """The local days first..last, both included."""
    if last < first:
        first, last = last, first
    return Period(local_midnight(first, zone), local_midnight(last + timedelta(days=1), zone),
                  first, last)


def daily(moments: list[tuple[datetime, int]], last: date, zone: tzinfo,
          count: int = CHART_DAYS) -> list[tuple[date, int]]:
    """The sums per local day of the `count` days up to `last`, oldest first (empty days 0)."""
    first = last - timedelta(days=count - 1)
    sums = {first + timedelta(days=i): 0 for i in range(count)}
    for at, amount in moments:
        day = at.astimezone(zone).date()
        if day in sums:
            sums[day] += amount
    return sorted(sums.items())


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: date
    amount: int  #: minor units


def bars(series: list[tuple[date, int]], width: float = 300, height: float = 120,
         gap: float = 2) -> list[Bar]:
    """The chart's bars, scaled to the tallest day (the page draws them as SVG, the worker
    as PNG), so both pictures are the same."""
    top = max((amount for _, amount in series), default=0) or 1
    step = width / max(len(series), 1)
    return [Bar(x=i * step, y=height - height * amount / top, width=max(step - gap, 1),
                height=height * amount / top, day=day, amount=amount)
            for i, (day, amount) in enumerate(series)]


# --- signed tokens: a key per purpose, derived from SECRET_KEY ---

def derived_key(secret_key: str, purpose: str) -> bytes:
    return hmac.new(secret_key.encode(), f"chatpay-cabinet:{purpose}".encode(),
                    hashlib.sha256).digest()


def _sign(key: bytes, body: str) -> str:
    mac = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _unsign(key: bytes, token: str) -> list[str] | None:
    body, _, mac = token.rpartition(".")
    if not body or not hmac.compare_digest(mac, _sign(key, body)):
        return None
    return body.split(".")


def new_link(secret_key: str, seller_id: int, now: datetime) -> tuple[str, str, datetime]:
    """A one-time link's (id, token, expiry): the id is stored so the link works once."""
    link_id, expires = secrets.token_hex(16), now + LINK_TTL
    body = f"{link_id}.{seller_id}.{int(expires.timestamp())}"
    return link_id, f"{body}.{_sign(derived_key(secret_key, 'link'), body)}", expires


def read_link(secret_key: str, token: str, now: datetime) -> tuple[str, int] | None:
    """(link id, seller) of a link this server signed and that has not expired, else None."""
    parts = _unsign(derived_key(secret_key, "link"), token[:300])
    if parts is None or len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    if int(parts[2]) <= now.timestamp():
        return None
    return parts[0], int(parts[1])


def new_session(secret_key: str, seller_id: int, now: datetime) -> str:
    body = f"{seller_id}.{int((now + SESSION_TTL).timestamp())}.{secrets.token_hex(16)}"
    return f"{body}.{_sign(derived_key(secret_key, 'session'), body)}"


def read_session(secret_key: str, cookie: str, now: datetime) -> tuple[int, str] | None:
    """(seller, the session's nonce) of a valid session cookie, else None."""
    parts = _unsign(derived_key(secret_key, "session"), cookie[:300])
    if parts is None or len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    if int(parts[1]) <= now.timestamp():
        return None
    return int(parts[0]), parts[2]


def chart_token(secret_key: str, seller_id: int, until: datetime) -> str:
    """The signed part of a seller's chart link (Viber sends pictures by URL)."""
    body = f"{seller_id}.{int(until.timestamp())}"
    return f"{body}.{_sign(derived_key(secret_key, 'chart'), body)}"


def read_chart_token(secret_key: str, token: str, now: datetime) -> int | None:
    parts = _unsign(derived_key(secret_key, "chart"), token[:200])
    if parts is None or len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]) if int(parts[1]) > now.timestamp() else None


def csrf_token(secret_key: str, nonce: str) -> str:
    """The CSRF token of a session: the page reads it and sends it back in X-CSRF-Token."""
    return _sign(derived_key(secret_key, "csrf"), nonce)


def csrf_matches(secret_key: str, nonce: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(given, csrf_token(secret_key, nonce))
