"""Support agents: /find, /seller, /stats and the buttons under their answers, and a corrected
buyer phone or address typed when a screen asks for one. The desk (bots.support) already
speaks in screens; this turns them into replies. To anyone not support these are answered as
anything unexpected is (guards.not_understood)."""
from __future__ import annotations

from bots.conversation.guards import Needs
from bots.conversation.routes import Routes
from bots.conversation.turn import Menu, Reply, Turn, say
from bots.deps import ChannelDeps
from bots.support import COMMANDS
from bots.support_views import Screen
from domain.actions import SupportTap

routes = Routes("support")
STEP = "support"


def shown(screen: Screen) -> Reply:
    return say(screen.text, screen.buttons, Menu.MAIN,
               state={"step": STEP, "ask": screen.ask} if screen.ask is not None else None)


@routes.command(*(c.lstrip("/") for c in COMMANDS), needs=Needs.AGENT)
@routes.action(SupportTap, needs=Needs.AGENT)
def desk(deps: ChannelDeps, turn: Turn) -> Reply:
    text = turn.action.pack() if turn.action is not None else turn.text
    return shown(deps.support.handle(turn.user_id, turn.chat_id, turn.lang, text))


@routes.step(STEP, needs=Needs.AGENT)
def typed(deps: ChannelDeps, turn: Turn) -> Reply:
    return shown(deps.support.typed(turn.user_id, turn.chat_id, turn.lang, turn.state["ask"],
                                    turn.text, f"m{turn.token}"))
