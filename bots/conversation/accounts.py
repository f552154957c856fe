"""*Settings → Payment account* (/settings): see it, connect LiqPay (public key → private key,
each message deleted as soon as it is read; the private key encrypted before it reaches the
dialog state or the queue; a worker checks the keys), disconnect."""
from __future__ import annotations

import logging

from bots import accounts
from bots.conversation import secrets
from bots.conversation.invoices import account_rows
from bots.conversation.routes import Routes
from bots.conversation.turn import Menu, Reply, Turn, say
from bots.deps import ChannelDeps
from domain.actions import AccountTap
from domain.i18n import mask_key, t

routes = Routes("accounts")
log = logging.getLogger(__name__)


@routes.command("settings", menu="btn_settings")
def show(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    text, public_key = accounts.account_screen(deps.uow, turn.seller.id,
                                               deps.settings.platform_account, turn.lang)
    return say(text, account_rows(turn.lang, public_key is not None), Menu.MAIN, state=None)


@routes.action(AccountTap)
def tapped(deps: ChannelDeps, turn: Turn) -> Reply:
    """Connect, disconnect, its confirmation, or keep."""
    assert turn.seller is not None and isinstance(turn.action, AccountTap)
    what = turn.action.what
    if what == "connect":
        return say(t(turn.lang, "ask_public_key"), state={"step": "public_key"})
    if what == "disconnect":
        public_key = accounts.connected_key(deps.uow, turn.seller.id)
        if public_key is None:
            return say(t(turn.lang, "account_not_connected"), menu=Menu.MAIN)
        rows = ((AccountTap("disconnect:yes").button(t(turn.lang, "btn_disconnect_yes")),
                 AccountTap("keep").button(t(turn.lang, "btn_keep"))),)
        return say(t(turn.lang, "confirm_disconnect", public_key=mask_key(public_key)), rows)
    if what == "disconnect:yes":
        if not accounts.disconnect(deps.uow, turn.seller.id):
            return say(t(turn.lang, "account_not_connected"), menu=Menu.MAIN)
        log.info("Seller %d disconnected their own account.", turn.seller.id)
        platform = accounts.account_text(None, deps.settings.platform_account, turn.lang)
        return say(f"{t(turn.lang, 'account_disconnected')}\n\n{platform}", menu=Menu.MAIN)
    return Reply(toast=t(turn.lang, "nothing_changed"))


@routes.step("public_key", blocking=False)
def public_key(deps: ChannelDeps, turn: Turn) -> Reply:
    return secrets.first(deps, turn, accounts.read_key, "key_not_valid", "public_key",
                         "private_key", "ask_private_key")


@routes.step("private_key", blocking=False)
def private_key(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    read = secrets.second(deps, turn, accounts.read_key, "key_not_valid", "public_key",
                          "public_key", "ask_public_key")
    if isinstance(read, Reply):
        return read
    public, private = read
    command = accounts.connect_command(deps.box, channel=turn.messenger, chat_id=turn.chat_id,
                                       key=turn.token, seller_id=turn.seller.id,
                                       public_key=public, private_key=private, lang=turn.lang)
    return Reply(says=say(t(turn.lang, "checking_keys"), menu=Menu.MAIN).says,
                 delete_message=True, state=None, publish=command, answer_first=True)
