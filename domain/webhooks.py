"""A seller's shop endpoint and each delivery to it: what may happen to a webhook.

Rules held here:
- a delivery counts as delivered only when an attempt was answered `200` with the body `ok`;
  otherwise it is tried again on the schedule, and after the last attempt it is failed for good
  (the seller is told which event the shop never confirmed);
- every attempt of one delivery, a redelivery included, carries the same message id;
- an endpoint whose last EXHAUSTED_TO_DISABLE events each failed every attempt is disabled (the
  seller is told); a test event answered `ok` enables it again.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

#: 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h: about 3.1 days in all
DEFAULT_SCHEDULE = "0,5s,5m,30m,2h,5h,10h,14h,20h,24h"
EXHAUSTED_TO_DISABLE = 3  #: events in a row that failed every attempt
RESPONSE_KEPT = 256  #: bytes of the shop's answer stored with an attempt
#: the invoice events a shop hears about, by the name of the event the invoice recorded
SHOP_EVENTS = {
    "InvoicePaid": "invoice.paid", "InvoiceFailed": "invoice.failed",
    "InvoiceExpired": "invoice.expired", "InvoiceCancelled": "invoice.cancelled",
    "InvoiceRefunded": "invoice.refunded",
}
PING = "ping"
#: IPv6 ranges ipaddress counts as global that carry (or translate to) an IPv4 address of any
#: kind, loopback and private included: 6to4, Teredo, NAT64's well-known and local-use prefixes
_TUNNELS = tuple(ipaddress.ip_network(n) for n in
                 ("2002::/16", "2001::/32", "64:ff9b::/96", "64:ff9b:1::/48"))
_UNITS = {"": 1.0, "ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def is_public_address(address: str) -> bool:
    """True only for a globally routable address a shop may live at.

    An IPv4-mapped IPv6 address is judged as the IPv4 address it carries; the shared address
    space (100.64.0.0/10) is not global; 6to4, Teredo and NAT64 addresses are refused outright,
    since they reach an IPv4 address the guard cannot see."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif any(ip in net for net in _TUNNELS):
            return False
    return ip.is_global and not ip.is_multicast


def parse_schedule(text: str) -> tuple[timedelta, ...]:
    """"0,5s,5m,2h" → the waits before each attempt, counted from the previous one.

    Raise ValueError naming the bad part; the list must not be empty."""
    waits = []
    for part in (p.strip() for p in text.split(",")):
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|)", part)
        if not match:
            raise ValueError(f"{part!r} is not a duration like 0, 5s, 5m, 2h or 1d")
        waits.append(timedelta(seconds=float(match[1]) * _UNITS[match[2]]))
    if not waits:
        raise ValueError("the schedule needs at least one attempt")
    return tuple(waits)


class EndpointState(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Attempt:
    """One POST to the shop, as it went."""

    at: datetime
    status_code: int | None  #: None: no HTTP answer (refused, timed out, refused by us)
    body: str  #: the answer's first RESPONSE_KEPT bytes, as text
    duration_ms: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code == 200 and self.body.strip() == "ok" and self.error is None


@dataclass(frozen=True, slots=True)
class EndpointNews:
    """Something the seller is told about their endpoint."""

    kind: str  #: "exhausted" (an event never confirmed), "disabled", "enabled"
    event_type: str = ""


@dataclass(eq=False)
class Endpoint:
    id: int
    seller_id: int
    url: str
    state: EndpointState = EndpointState.ACTIVE
    #: events in a row that failed every attempt
    exhausted_streak: int = 0
    news: list[EndpointNews] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.state is EndpointState.ACTIVE

    def event_delivered(self, event_type: str) -> None:
        self.exhausted_streak = 0
        if event_type == PING and self.state is EndpointState.DISABLED:
            self.state = EndpointState.ACTIVE
            self.news.append(EndpointNews("enabled"))

    def event_exhausted(self, event_type: str) -> None:
        self.news.append(EndpointNews("exhausted", event_type))
        if event_type == PING:
            return  # a test the shop did not answer says nothing the seller did not just see
        self.exhausted_streak += 1
        if self.active and self.exhausted_streak >= EXHAUSTED_TO_DISABLE:
            self.state = EndpointState.DISABLED
            self.news.append(EndpointNews("disabled"))


@dataclass(eq=False)
class Delivery:
    id: int
    endpoint_id: int
    message_id: str  #: the `webhook-id`: the same for every attempt and redelivery
    event_type: str
    next_attempt_at: datetime | None
    attempts: int = 0  #: attempts since the event (or its last redelivery) was queued
    status: DeliveryStatus = DeliveryStatus.PENDING
    #: a redelivery: one attempt, logged with the others, not a new round of the schedule
    single_attempt: bool = False

    def record(self, attempt: Attempt, schedule: tuple[timedelta, ...]) -> DeliveryStatus:
        """Take one attempt's outcome; plan the next one from the schedule, or end."""
        if self.status is not DeliveryStatus.PENDING:
            return self.status
        self.attempts += 1
        if attempt.ok:
            self.status = DeliveryStatus.DELIVERED
            self.next_attempt_at = None
        elif self.single_attempt or self.attempts >= len(schedule):
            self.status = DeliveryStatus.FAILED
            self.next_attempt_at = None
        else:
            self.next_attempt_at = attempt.at + schedule[self.attempts]
        return self.status

    @property
    def exhausted(self) -> bool:
        """Failed every attempt of its schedule (a failed redelivery is not a new event lost)."""
        return self.status is DeliveryStatus.FAILED and not self.single_attempt

    def redeliver(self, at: datetime) -> bool:
        """Queue one more attempt now, with the same message id; a delivered one is sent once
        more too (someone asked for it). Returns False while it is still being retried."""
        if self.status is DeliveryStatus.PENDING:
            return False
        self.status = DeliveryStatus.PENDING
        self.single_attempt = True
        self.next_attempt_at = at
        return True
