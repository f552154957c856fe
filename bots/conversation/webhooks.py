"""`/webhook URL` sets the seller's shop URL (the worker checks it, answers with the secret and
pings it); `/webhook` alone shows it, with its buttons; a button asks the worker for its action.
The bots never post to a shop themselves."""
from __future__ import annotations

from bots import webhooks
from bots.conversation.guards import Needs
from bots.conversation.routes import Routes
from bots.conversation.turn import Menu, Reply, Turn, say
from bots.deps import ChannelDeps
from domain.actions import WebhookTap
from domain.commands import ManageWebhook
from domain.i18n import t

routes = Routes("webhooks")


@routes.command("webhook", needs=Needs.SELLER)
def webhook(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None
    command = webhooks.parse(turn.text, turn.seller.id)
    if command is not None:
        return Reply(publish=command)
    shown, exists = webhooks.report(deps.uow, turn.seller.id, turn.lang)
    rows = tuple(tuple(WebhookTap(action).button(t(turn.lang, key)) for action, key in row)
                 for row in webhooks.BUTTONS) if exists else ()
    return say(shown, rows, Menu.MAIN)


@routes.action(WebhookTap, needs=Needs.SELLER, blocking=False)
def tapped(deps: ChannelDeps, turn: Turn) -> Reply:
    assert turn.seller is not None and isinstance(turn.action, WebhookTap)
    if turn.action.what not in webhooks.ACTIONS:
        return Reply(toast=t(turn.lang, "button_stale"))
    return Reply(publish=ManageWebhook(seller_id=turn.seller.id, action=turn.action.what))
