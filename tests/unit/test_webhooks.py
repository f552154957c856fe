"""The shop endpoint and delivery state machines (domain.webhooks)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.webhooks import (
    DEFAULT_SCHEDULE,
    PING,
    Attempt,
    Delivery,
    DeliveryStatus,
    Endpoint,
    EndpointState,
    is_public_address,
    parse_schedule,
)

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
SCHEDULE = parse_schedule("0,5s,5m")


def ok(at: datetime = T0) -> Attempt:
    return Attempt(at, 200, " ok\n", 12)


def failed(at: datetime = T0, status: int | None = 500, body: str = "") -> Attempt:
    return Attempt(at, status, body, 12)


def delivery() -> Delivery:
    return Delivery(1, 1, "msg_1", "invoice.paid", T0)


def test_the_default_schedule_spans_about_three_days_in_ten_attempts():
    waits = parse_schedule(DEFAULT_SCHEDULE)
    assert len(waits) == 10 and waits[0] == timedelta(0) and waits[1] == timedelta(seconds=5)
    assert timedelta(days=3) < sum(waits, timedelta()) < timedelta(days=3.2)


@pytest.mark.parametrize("bad", ["", "5x", "1,,2", "-1"])
def test_a_malformed_schedule_is_refused(bad):
    with pytest.raises(ValueError):
        parse_schedule(bad)


def test_only_200_with_the_body_ok_counts_as_delivered():
    assert ok().ok
    assert not failed(status=200, body="OK then").ok
    assert not failed(status=201, body="ok").ok
    assert not failed(status=None, body="ok").ok


def test_a_failed_attempt_plans_the_next_from_the_schedule_and_the_last_fails_it():
    d = delivery()
    assert d.record(failed(T0), SCHEDULE) is DeliveryStatus.PENDING
    assert d.next_attempt_at == T0 + timedelta(seconds=5)
    at = T0 + timedelta(seconds=5)
    assert d.record(failed(at), SCHEDULE) is DeliveryStatus.PENDING
    assert d.next_attempt_at == at + timedelta(minutes=5)
    assert d.record(failed(at), SCHEDULE) is DeliveryStatus.FAILED
    assert d.exhausted and d.next_attempt_at is None and d.attempts == 3


def test_an_ok_ends_the_delivery_and_later_outcomes_change_nothing():
    d = delivery()
    assert d.record(ok(), SCHEDULE) is DeliveryStatus.DELIVERED
    assert d.record(failed(), SCHEDULE) is DeliveryStatus.DELIVERED and d.attempts == 1


def test_a_redelivery_is_one_more_attempt_with_the_same_id_not_a_new_round():
    d = delivery()
    for _ in range(3):
        d.record(failed(), SCHEDULE)
    assert d.redeliver(T0 + timedelta(hours=1)) and d.message_id == "msg_1"
    assert d.record(failed(), SCHEDULE) is DeliveryStatus.FAILED and not d.exhausted
    assert d.attempts == 4


def test_a_delivery_still_being_retried_is_not_redelivered():
    d = delivery()
    d.record(failed(), SCHEDULE)
    assert not d.redeliver(T0)


def test_three_events_in_a_row_failing_every_attempt_disable_the_endpoint():
    e = Endpoint(1, 1, "https://shop.example/hook")
    e.event_exhausted("invoice.paid")
    e.event_delivered("invoice.paid")  # a success in between starts the count again
    for _ in range(2):
        e.event_exhausted("invoice.paid")
    assert e.active
    e.event_exhausted("invoice.expired")
    assert e.state is EndpointState.DISABLED
    assert [n.kind for n in e.news] == ["exhausted"] * 4 + ["disabled"]


def test_a_test_answered_ok_enables_a_disabled_endpoint_and_an_event_does_not():
    e = Endpoint(1, 1, "https://shop.example/hook", state=EndpointState.DISABLED,
                 exhausted_streak=3)
    e.event_delivered("invoice.paid")
    assert not e.active
    e.event_delivered(PING)
    assert e.active and e.news[-1].kind == "enabled"


# -- the address guard: only globally routable addresses reach a shop ---------------------------

@pytest.mark.parametrize("address", [
    "127.0.0.1", "::1",                        # loopback
    "10.1.2.3", "172.16.0.1", "192.168.1.1",   # private
    "169.254.169.254", "fe80::1",              # link-local (cloud metadata lives here)
    "100.64.0.1", "100.127.255.254",           # shared address space (carrier NAT, some metadata)
    "224.0.0.1", "ff02::1",                    # multicast
    "0.0.0.0", "::",                           # unspecified
    "240.0.0.1", "255.255.255.255",            # reserved, broadcast
    "192.0.0.170", "192.0.2.1", "198.18.0.1",  # IETF protocol assignments, documentation, benchmarks
    "fc00::1", "fd12:3456::1",                 # unique local
    "2001:db8::1",                             # documentation
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:100.64.0.1",  # IPv4-mapped
    "2002:7f00:1::1", "2002:808:808::1",       # 6to4 (wraps any IPv4, loopback included)
    "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "64:ff9b::7f00:1", "64:ff9b::808:808",     # NAT64 well-known prefix
    "64:ff9b:1::1",                            # NAT64 local-use prefix
])
def test_an_address_that_is_not_globally_routable_is_refused(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", [
    "93.184.216.34", "8.8.8.8", "1.1.1.1", "100.128.0.1", "100.63.255.255",
    "2606:4700:4700::1111", "2a00:1450:4001::1", "::ffff:8.8.8.8",
])
def test_a_globally_routable_address_is_accepted(address):
    assert is_public_address(address)
