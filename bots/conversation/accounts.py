"""*Settings → Payment account* (/settings): see each connected provider, masked; connect LiqPay
(public key → private key) or monobank (the token from the business cabinet), each message
deleted as soon as it is read, the secret encrypted before it reaches the dialog state or the
queue, a worker checking it with the provider; disconnect either."""
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
    text, public_key, merchant = accounts.screen(deps.uow, turn.seller.id,
                                                 deps.settings.platform_account, turn.lang)
    return say(text, account_rows(turn.lang, public_key is not None, merchant is not None),
               Menu.MAIN, state=None)


@routes.action(AccountTap)
def tapped(deps: ChannelDeps, turn: Turn) -> Reply:
    """Connect, disconnect, its confirmation, or keep."""
    assert turn.seller is not None and isinstance(turn.action, AccountTap)
    what = turn.action.what
    if what == "connect":
        return say(t(turn.lang, "ask_public_key"), state={"step": "public_key"})
    if what.startswith("mono"):
        return _monobank(deps, turn, what)
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


def _monobank(deps: ChannelDeps, turn: Turn, what: str) -> Reply:
    """*Connect monobank* (its token), *Disconnect monobank* and its confirmation."""
    assert turn.seller is not None
    if what == "mono":
        return say(t(turn.lang, "ask_monobank_token"), state={"step": "monobank_token"})
    if what not in ("mono:disconnect", "mono:disconnect:yes"):
        return Reply(toast=t(turn.lang, "nothing_changed"))
    merchant = accounts.monobank_key(deps.uow, turn.seller.id)
    if merchant is None or (what == "mono:disconnect:yes" and not accounts.disconnect(
            deps.uow, turn.seller.id, accounts.MONOBANK)):
        return say(t(turn.lang, "monobank_not_connected"), menu=Menu.MAIN)
    if what == "mono:disconnect":
        rows = ((AccountTap("mono:disconnect:yes").button(t(turn.lang, "btn_disconnect_yes")),
                 AccountTap("keep").button(t(turn.lang, "btn_keep"))),)
        return say(t(turn.lang, "confirm_disconnect_monobank", public_key=mask_key(merchant)),
                   rows)
    log.info("Seller %d disconnected their monobank account.", turn.seller.id)
    return say(t(turn.lang, "monobank_disconnected"), menu=Menu.MAIN)


@routes.step("monobank_token", blocking=False)
def monobank_token(deps: ChannelDeps, turn: Turn) -> Reply:
    """The token: the message deleted, the token encrypted at once, a worker asks monobank."""
    assert turn.seller is not None
    if turn.media:
        return say(t(turn.lang, "key_not_text"))
    token = accounts.read_token(turn.text)
    if token is None:
        return secrets.hidden(t(turn.lang, "monobank_token_not_valid"))
    command = accounts.monobank_command(deps.box, channel=turn.messenger, chat_id=turn.chat_id,
                                        key=turn.token, seller_id=turn.seller.id, token=token,
                                        lang=turn.lang)
    return Reply(says=say(t(turn.lang, "checking_monobank_token"), menu=Menu.MAIN).says,
                 delete_message=True, state=None, publish=command, answer_first=True)
