"""Two secrets typed one after the other (a payment account's keys, a cash register's licence
key and PIN): each message is deleted as soon as it is read (`Reply.delete_message`), and the
first is kept encrypted in the dialog state until the second comes."""
from __future__ import annotations

from collections.abc import Callable

from bots.accounts import remembered_key
from bots.conversation.turn import Reply, Turn, say
from bots.deps import ChannelDeps
from domain.i18n import t


def hidden(text: str) -> Reply:
    """An answer to a message carrying a secret: that message is deleted."""
    return Reply(says=say(text).says, delete_message=True)


def first(deps: ChannelDeps, turn: Turn, read: Callable[[str], str | None], invalid: str,
          name: str, then_step: str, then_ask: str) -> Reply:
    value = read(turn.text)
    if turn.media:
        return say(t(turn.lang, "key_not_text"))
    if value is None:
        return hidden(t(turn.lang, invalid))
    # even a value that is not secret is kept encrypted: the state holds nothing of them in clear
    return Reply(says=say(t(turn.lang, then_ask)).says, delete_message=True,
                 state={"step": then_step, name: deps.box.encrypt(value)})


def second(deps: ChannelDeps, turn: Turn, read: Callable[[str], str | None], invalid: str,
           name: str, first_step: str, ask_first: str) -> tuple[str, str] | Reply:
    """(the first secret, the second), or the reply when the second is not valid or the first
    must be asked again (SECRET_KEY changed meanwhile)."""
    if turn.media:
        return say(t(turn.lang, "key_not_text"))
    value = read(turn.text)
    if value is None:
        return hidden(t(turn.lang, invalid))
    remembered = remembered_key(deps.box, turn.state.get(name))
    if remembered is None:
        return Reply(says=say(t(turn.lang, ask_first)).says, delete_message=True,
                     state={"step": first_step})
    return remembered, value
