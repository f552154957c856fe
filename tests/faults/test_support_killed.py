"""Support actions and a worker SIGKILLed mid-action: an action is either recorded or not
performed, never performed and unrecorded; the restarted worker finishes each one."""
from __future__ import annotations

from datetime import UTC, datetime

from bots.support import Desk
from domain.commands import SupportAct
from tests.faults.conftest import CHAT, Rig, desc, wait_until

AGENT = 900_001
N = 6
MARK = "Надіслано ще раз службою підтримки"


def resent(rig: Rig, n: int) -> int:
    return len([m for m in rig.messages_about(n) if MARK in (m.get("text") or m.get("caption")
                                                              or "")])


def phases(rig: Rig, invoice_id: str) -> list[str]:
    with rig.uow() as uow:
        return [str(e.phase) for e in uow.audit.for_invoice(invoice_id)]


def test_a_worker_killed_mid_action_leaves_every_performed_action_recorded(rig: Rig) -> None:
    invoices = [rig.pending_invoice(n) for n in range(N)]
    assert rig.telegram is not None and rig.deps is not None
    rig.telegram.user_sends_text(AGENT, "/start")  # the agent opened the chat
    with rig.uow() as uow:
        uow.agents.add("telegram", str(AGENT), datetime.now(UTC))
        uow.commit()
    desk = Desk(rig.deps.uow, rig.deps.bus, rig.settings, "telegram")
    rig.send_delay = 1.5  # each resend holds a thread in Telegram's answer: the kill lands mid-way
    for invoice in invoices:  # each tap: `started` written, then the command queued
        screen = desk.handle(str(AGENT), str(AGENT), "en", f"sup:rs:{invoice.id}:k1")
        assert "On it" in screen.text
    worker = rig.start_worker(threads=2)
    wait_until(lambda: any(resent(rig, n) for n in range(N)), 60, "the first resend")
    rig.kill(worker)

    # at the kill: whatever reached the seller is in the audit log as started
    for n, invoice in enumerate(invoices):
        if resent(rig, n):
            assert "started" in phases(rig, invoice.id), desc(n)
    assert not all(resent(rig, n) for n in range(N)), "the worker finished before the kill"

    rig.send_delay = 0.0
    rig.start_worker(threads=2)
    wait_until(lambda: all("done" in phases(rig, i.id) for i in invoices), 150,
               "every action done after the restart")
    rig.drain(timeout=60)
    for n, invoice in enumerate(invoices):
        assert phases(rig, invoice.id) == ["started", "done"], desc(n)
        # once, or twice if Telegram took it just before the kill and `done` was not written
        assert resent(rig, n) in (1, 2), desc(n)
    agent_told = [m["text"] for m in rig.telegram.sent(AGENT)]
    # the agent hears once per action; one whose `done` was written just before the kill (two
    # threads: at most two) is not told, and its History shows it done
    assert N - 2 <= len([t for t in agent_told if "status to the seller" in t]) <= N


def test_an_action_with_no_started_line_is_never_performed(rig: Rig) -> None:
    """The worker's half of the rule: a command whose audit line is missing (written nowhere, or
    forged onto the queue) sends nothing."""
    invoice = rig.pending_invoice(0)
    assert rig.deps is not None
    rig.deps.bus.publish(SupportAct(
        action_id="telegram:1:resend_status:x:forged", action="resend_status",
        agent="telegram:1", channel="telegram", chat_id=str(CHAT), language="en",
        invoice_id=invoice.id, seller_id=invoice.seller_id))
    rig.start_inprocess_worker()
    rig.drain()
    assert resent(rig, 0) == 0
    assert phases(rig, invoice.id) == []


def test_a_started_action_whose_message_redis_lost_is_queued_again_and_performed_once(
        rig: Rig) -> None:
    import redis
    invoice = rig.pending_invoice(0)
    assert rig.telegram is not None and rig.deps is not None
    rig.telegram.user_sends_text(AGENT, "/start")
    with rig.uow() as uow:
        uow.agents.add("telegram", str(AGENT), datetime.now(UTC))
        uow.commit()
    desk = Desk(rig.deps.uow, rig.deps.bus, rig.settings, "telegram")
    assert "On it" in desk.handle(str(AGENT), str(AGENT), "en", f"sup:rs:{invoice.id}:k1").text
    redis.Redis.from_url(rig.redis_url).flushdb()  # Redis restarted empty: the message is gone
    rig.start_inprocess_worker()
    rig.drain()
    assert resent(rig, 0) == 0 and phases(rig, invoice.id) == ["started"]
    assert rig.reconcile_later()["support"] == 1
    wait_until(lambda: phases(rig, invoice.id) == ["started", "done"], 30, "the requeued action")
    assert rig.reconcile_later(600)["support"] == 0  # done: nothing more to queue
    rig.drain()
    assert resent(rig, 0) == 1
