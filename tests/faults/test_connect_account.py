"""The worker that checks and stores a seller's keys: a ConnectAccount delivered twice (Redis
redelivers a message whose worker died) stores one account, and the seller hears the outcome."""
from __future__ import annotations

from bots.accounts import connect_command
from storage.secrets import SecretBox
from tests.faults.conftest import CHAT, Rig
from workers import connect


def test_keys_delivered_twice_make_one_account_and_the_seller_hears_connected(rig: Rig) -> None:
    assert rig.sandbox is not None and rig.deps is not None
    public, private = rig.sandbox.add_merchant()
    command = connect_command(SecretBox.from_settings(rig.settings), channel="telegram",
                              chat_id=str(CHAT), key="7", seller_id=rig.seller_id,
                              public_key=public, private_key=private, lang="en")

    connect.connect_account(command, rig.deps)
    connect.connect_account(command, rig.deps)  # the redelivery

    with rig.uow() as uow:
        assert len(uow.accounts.all_ids()) == 1
        assert uow.accounts.connected(rig.seller_id).public_key == public  # type: ignore[union-attr]
    told = [m["text"] for m in rig.messages() if "LiqPay connected" in (m.get("text") or "")]
    assert told and all(private not in text for text in told)
