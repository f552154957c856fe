"""The worker's command table: every command has its handler, keeps its name on the wire, and
comes back off the wire as itself."""
from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

import pytest
from dramatiq.brokers.stub import StubBroker

from domain import commands
from domain.commands import Command, carried, carry, command_types
from storage.queue import BACKGROUND_QUEUE, QUEUE, queue_of
from workers import actors

#: the actor names messages carry on the wire today: a message queued before a deploy names one
#: of these, so none may change (each one's queue neither)
WIRE = {
    "create_invoice": QUEUE, "check_status": QUEUE, "cancel_invoice": QUEUE,
    "notify_seller": QUEUE, "trim_invoice_buttons": BACKGROUND_QUEUE, "tell_seller": QUEUE,
    "issue_link": QUEUE, "poll_invoice": BACKGROUND_QUEUE, "expire_invoice": BACKGROUND_QUEUE,
    "cancel_at_provider": BACKGROUND_QUEUE, "connect_account": QUEUE,
    "deliver_webhook": BACKGROUND_QUEUE, "manage_webhook": BACKGROUND_QUEUE,
    "send_receipt": BACKGROUND_QUEUE, "send_link": QUEUE, "refund_invoice": QUEUE,
    "reconcile_refunds": BACKGROUND_QUEUE, "open_manual_payment": QUEUE,
    "decide_manual_payment": QUEUE, "record_manual_payment": QUEUE,
    "refund_manual_payment": QUEUE, "support_act": QUEUE,
    "register_fiscal_receipt": BACKGROUND_QUEUE, "close_fiscal_shift": BACKGROUND_QUEUE,
    "connect_fiscal": QUEUE, "send_report": QUEUE, "answer_in_viber": QUEUE,
}


def _value(annotation: str, n: int) -> Any:
    """A value of a field's declared type (a distinct one per field, so a swap would show)."""
    if annotation.startswith("bool"):
        return True
    if annotation.startswith("int"):
        return 100 + n
    if annotation.startswith("tuple"):
        return ({"text": f"t{n}", "keyboard": None},)
    if annotation.startswith("dict"):
        return carry(commands.CheckStatus("abc", 7))
    return f"v{n}"


def sample(kind: type[Command]) -> Command:
    return kind(**{f.name: _value(str(f.type), i) for i, f in enumerate(fields(kind))})


ALL = sorted(command_types().values(), key=lambda k: k.actor)


def test_every_command_has_a_handler_and_nothing_else_does() -> None:
    assert set(actors.COMMAND_HANDLERS) == set(ALL)


def test_names_and_queues_on_the_wire_are_kept() -> None:
    assert {k.actor: queue_of(k.actor) for k in ALL} == WIRE


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
def test_a_command_comes_back_off_the_wire_as_itself(kind: type[Command]) -> None:
    command = sample(kind)
    wire = json.loads(json.dumps(command.to_dict()))  # what Redis holds
    back = Command.parse(kind.actor, wire)
    assert type(back) is kind
    assert back.to_dict() == wire
    assert kind.from_dict(command.to_dict()) == command
    assert carried(carry(command)) == command


def test_a_newer_senders_extra_field_is_left_out() -> None:
    cmd = commands.PollInvoice.from_dict({"invoice_id": "i-1", "added_later": 1})
    assert cmd == commands.PollInvoice("i-1")


def test_every_actor_is_declared_with_the_retry_policy_on_its_queue() -> None:
    broker = StubBroker()
    declared = actors.declare(broker)
    for actor, queue in WIRE.items():
        assert declared[actor].queue_name == queue
        assert declared[actor].options["retry_when"] is actors.retry_when
    assert set(declared) == set(WIRE) | {"invoice_creation_failed"}
